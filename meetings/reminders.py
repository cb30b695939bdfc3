"""Daily reminders before board meetings, sent by `manage.py send_reminders` from cron.

Who is reminded, and why (the rule, kept simple so it can be explained to a council):

- A board is "coming up" when its next meeting (not cancelled) is within REMINDER_DAYS_AHEAD days.
- For each board coming up, an action needs an update when it is not finished and has had no
  progress update since the board's previous meeting (or, for a board's first meeting, in the last
  cycle of its cadence). Actions are those in the themes the board reviews, or every theme of the
  current plan when it names none; their state comes from improvement.queries.plan_as_at.
  The action's lead officer is reminded.
- An indicator needs a value when indicators.rules.value_due says one is due (the period after its
  latest value has ended): the same rule as the "enter values" page. Indicators are those the
  board reviews, or every active indicator when it names none. The indicator's owner is reminded.
- Whatever the meetings, the owner (a user) of every open action arising past its due date is reminded.

Each person gets at most one email a day: a ReminderLog row (unique per user and day) is written in the
same transaction as the email is sent, so running the command twice sends nothing the second time.
An email the mail server refuses rolls its row back: the failure is logged, everyone else is still
emailed, and the next day's run tries that person again. Deactivated users (leavers) are never emailed.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from core import emails
from core.formats import date_words
from improvement.queries import current_plan, plan_as_at
from indicators.models import Indicator
from indicators.periods import period_label
from indicators.queries import indicators_with_values_newest_first
from indicators.rules import value_due
from meetings import queries
from meetings.dates import add_months
from meetings.models import Board, MeetingAction, ReminderLog
from meetings.rules import overdue_words

logger = logging.getLogger(__name__)

REMINDER_DAYS_AHEAD = settings.MEETING_REMINDER_DAYS_AHEAD
_CYCLE_DAYS = {Board.Cadence.FOUR_WEEKLY: 28, Board.Cadence.SIX_WEEKLY: 42}
_CYCLE_MONTHS = {Board.Cadence.QUARTERLY: 3, Board.Cadence.SIX_MONTHLY: 6}


@dataclass
class Reminder:
    """What one person is asked to do, gathered across boards."""

    user: object
    actions: dict = field(
        default_factory=dict
    )  # action pk -> (reference, title, last update date, board, meeting date)
    indicators: dict = field(default_factory=dict)  # indicator pk -> (code, title, period label, board, meeting date)
    actions_arising: list = field(default_factory=list)  # (description, board, due date, overdue words, pk)

    @property
    def count(self) -> int:
        return len(self.actions) + len(self.indicators) + len(self.actions_arising)


def one_cycle_before(day: date, cadence: str) -> date:
    if cadence in _CYCLE_DAYS:
        return day - timedelta(days=_CYCLE_DAYS[cadence])
    return add_months(day, -_CYCLE_MONTHS.get(cadence, 1))


def _link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def gather(today: date) -> dict:
    """{user pk: Reminder} for everyone who should be reminded on `today`. Queries: boards (2), then per
    board coming up 6 (meetings, plan, actions, indicators), then actions arising (1)."""
    reminders: dict[int, Reminder] = {}

    def reminder_for(user) -> Reminder:
        return reminders.setdefault(user.pk, Reminder(user=user))

    horizon = today + timedelta(days=REMINDER_DAYS_AHEAD)
    plan = current_plan()
    for board in Board.objects.prefetch_related("themes", "indicators"):
        upcoming = queries.next_upcoming_meeting(board, today)
        if upcoming is None or upcoming.date > horizon:
            continue
        previous = queries.previous_meeting(upcoming)
        since = previous.date if previous else one_cycle_before(upcoming.date, board.cadence)
        if plan is not None:
            for state in plan_as_at(plan, today, actions=queries.actions_reviewed_by(board)):
                action = state.action
                last = state.last_update.date if state.last_update else None
                not_begun = action.start_date and action.start_date > today
                if state.is_finished or not_begun or action.lead_officer is None or (last and last > since):
                    continue
                reminder_for(action.lead_officer).actions.setdefault(
                    action.pk, (action.reference, action.title, last, board.name, upcoming.date, action.pk)
                )
        chosen = list(board.indicators.all())
        owned = Indicator.objects.filter(is_active=True, owner__isnull=False).select_related("owner")
        if chosen:
            owned = owned.filter(pk__in=[i.pk for i in chosen])
        for indicator in indicators_with_values_newest_first(owned):
            newest = indicator.measurements_newest_first
            due = value_due(newest[0] if newest else None, indicator.frequency, today)
            if due.is_due:
                next_label = period_label(due.period, indicator.frequency)
                reminder_for(indicator.owner).indicators.setdefault(
                    indicator.pk,
                    (indicator.code, indicator.title, next_label, board.name, upcoming.date, indicator.pk),
                )

    # An answered one waits for the board, not for its owner: no reminder.
    overdue = queries.open_actions_register(
        {"due_date__lt": today, "owner__isnull": False, "status": MeetingAction.Status.OPEN}
    )
    for arising in overdue:
        reminder_for(arising.owner).actions_arising.append(
            (
                arising.description,
                arising.meeting.board.name,
                arising.due_date,
                overdue_words(arising, today),
                arising.pk,
            )
        )
    # A leaver's account is deactivated, not deleted, so their actions still name them until reassigned.
    return {pk: reminder for pk, reminder in reminders.items() if reminder.user.is_active}


def _day(day: date | None) -> str:
    return date_words(day) if day else ""


def email_context(reminder: Reminder) -> dict:
    """What emails/reminder-* say to one person: each thing in words, with the link to do it."""
    user = reminder.user
    return {
        "name": user.first_name or user.get_username(),
        "count": reminder.count,
        "actions": [
            {
                "reference": reference,
                "title": title,
                "last_updated": _day(last),
                "board": board,
                "meeting_day": _day(meeting_day),
                "url": _link(reverse("improvement:action_update", args=[pk])),
            }
            for reference, title, last, board, meeting_day, pk in sorted(reminder.actions.values())
        ],
        "indicators": [
            {
                "code": code,
                "title": title,
                "period": period,
                "board": board,
                "meeting_day": _day(meeting_day),
                "url": _link(reverse("indicators:measurement_entry", args=[pk])),
            }
            for code, title, period, board, meeting_day, pk in sorted(reminder.indicators.values())
        ],
        "actions_arising": [
            {
                "description": description,
                "board": board,
                "due": _day(due),
                "overdue": words,
                "url": _link(reverse("meetings:action_detail", args=[pk])),
            }
            for description, board, due, words, pk in reminder.actions_arising
        ],
        "service_name": settings.SERVICE_NAME,
        "council_name": settings.COUNCIL_NAME,
    }


@dataclass
class RunSummary:
    sent: list = field(default_factory=list)  # (username, count)
    already_sent: list = field(default_factory=list)  # usernames reminded earlier today
    no_email: list = field(default_factory=list)  # usernames with no email address
    failed: list = field(default_factory=list)  # usernames whose email the mail server refused (tried again tomorrow)


def send_reminders(today: date, *, dry_run: bool = False) -> RunSummary:
    """Email everyone gather() finds, once a day each. A dry run sends and records nothing."""
    summary = RunSummary()
    reminders = gather(today)
    already = set(ReminderLog.objects.filter(sent_on=today, user__in=reminders.keys()).values_list("user", flat=True))
    for user_pk, reminder in sorted(reminders.items(), key=lambda item: item[1].user.get_username()):
        username = reminder.user.get_username()
        if user_pk in already:
            summary.already_sent.append(username)
            continue
        if not reminder.user.email:
            summary.no_email.append(username)
            continue
        if dry_run:
            summary.sent.append((username, reminder.count))
            continue
        context = email_context(reminder)
        try:
            with transaction.atomic():
                # The log row first: a second run (or a parallel one) fails here and sends nothing.
                ReminderLog.objects.create(
                    user=reminder.user, sent_on=today, summary=emails.subject("reminder", context)
                )
                emails.send("reminder", context, [reminder.user.email])
        except IntegrityError:
            summary.already_sent.append(username)
            continue
        except Exception:
            # One refused address (or a dropped connection) must not stop everyone else's reminder.
            # The log row was rolled back with the failed send, so tomorrow's run tries again.
            logger.warning("Reminder to %s not sent; it will be tried again tomorrow", username, exc_info=True)
            summary.failed.append(username)
            continue
        summary.sent.append((username, reminder.count))
    return summary
