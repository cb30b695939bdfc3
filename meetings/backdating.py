"""The published-pack side of improvement's back-dating rule (improvement.rules.earliest_effective_dates).

A published pack froze what a board saw. An update or a target date revision dated before its as-at
date would make the live "as at" disagree with it, so the rule needs, for each action, the latest
published pack that shows it. Which actions a pack shows is worked out as build_pack chose them: the
plan in force on its as-at date, the themes its board reviews, the actions in the plan by then.
Registered with improvement in MeetingsConfig.ready(), because improvement never imports meetings."""

from improvement.queries import plans_newest_first
from meetings.models import PublishedPack
from meetings.pack import plan_in_force_from


def latest_published_packs(actions) -> dict[int, tuple]:
    """{action id: (as-at date, the pack in words)} for the actions some published pack shows.
    Three queries whatever the number of actions (packs with their boards, the boards' themes, plans)."""
    actions = list(actions)
    if not actions:
        return {}
    packs = list(
        PublishedPack.objects.select_related("meeting__board")
        .prefetch_related("meeting__board__themes")
        .order_by("-as_at", "-published_at")
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
        what = f"the board pack for {board.name}, {pack.as_at.day} {pack.as_at:%B %Y}"
        scopes_by_plan.setdefault(plan.pk, []).append((pack.as_at, references, what))
    found = {}
    for action in actions:
        for as_at, references, what in scopes_by_plan.get(action.theme.plan_id, ()):  # newest first
            if action.added_on <= as_at and (references is None or action.theme.reference in references):
                found[action.pk] = (as_at, what)
                break
    return found
