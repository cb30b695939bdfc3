"""The published-pack side of improvement's back-dating rule (improvement.rules.earliest_effective_dates).

A published pack froze what a board saw. An update or a target date revision dated before its as-at
date would make the live "as at" disagree with it, so the rule needs, for each action, the latest
published pack that shows it. Which actions a pack shows is worked out as build_pack chose them: the
plan in force on its as-at date, the themes its board reviews, the actions in the plan by then.
Registered with improvement in MeetingsConfig.ready(), because improvement never imports meetings."""

from django.utils import timezone

from core.formats import date_words
from improvement.queries import plans_newest_first
from meetings.models import PublishedPack
from meetings.pack import plan_in_force_from


def latest_published_packs(actions) -> dict[int, tuple]:
    """{action id: (date, why in words)} for the actions some published pack shows: the latest date an
    entry could rewrite what a pack showed. That is the pack's as-at date, or the day it was published
    if earlier (a pack sent out before its meeting showed what was known that day; what happens after
    it is news, not a rewrite). Three queries whatever the number of actions."""
    actions = list(actions)
    if not actions:
        return {}
    # Every update form and every record_update asks, so the frozen papers themselves (the pack's
    # data and its HTML, the bulk of each row) are left in the database: only dates and scope are read.
    packs = list(
        PublishedPack.objects.defer("content", "html")
        .select_related("meeting__board")
        .prefetch_related("meeting__board__themes")
    )
    if not packs:
        return {}
    plans = list(plans_newest_first())
    scopes_by_plan = {}
    for pack in packs:
        plan = plan_in_force_from(plans, pack.as_at)
        if plan is None:
            continue
        board = pack.meeting.board
        references = {theme.reference for theme in board.themes.all()} or None  # None: every theme
        published_on = timezone.localdate(pack.published_at)
        meeting_day = timezone.localdate(pack.meeting.starts_at)
        what = f"the board pack for {board.name}, {date_words(meeting_day)}"
        if published_on < meeting_day:
            lock = min(published_on, pack.as_at)
            why = f"{what} was published on {date_words(published_on)} and shows this action"
        else:
            lock, why = pack.as_at, f"{what} has been published and shows this action as at that date"
        scopes_by_plan.setdefault(plan.pk, []).append((lock, pack.as_at, references, why))
    for scopes in scopes_by_plan.values():
        scopes.sort(key=lambda scope: scope[0], reverse=True)
    found = {}
    for action in actions:
        for lock, as_at, references, why in scopes_by_plan.get(action.theme.plan_id, ()):  # latest first
            if action.added_on <= as_at and (references is None or action.theme.reference in references):
                found[action.pk] = (lock, why)
                break
    return found
