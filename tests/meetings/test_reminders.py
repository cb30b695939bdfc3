"""send_reminders: the right people, one email a day each, plain English, and a dry run that sends nothing."""

import datetime
import smtplib
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import CommandError, call_command
from django.utils import timezone

from improvement.models import ActionStatus
from meetings.models import Board, ReminderLog
from tests.factories.core import UserFactory
from tests.factories.improvement import ActionFactory, ActionUpdateFactory, PlanFactory, ThemeFactory
from tests.factories.indicators import IndicatorFactory, MeasurementFactory
from tests.factories.meetings import BoardFactory, MeetingActionFactory, MeetingFactory

TODAY = datetime.date(2026, 11, 2)


def _at(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def _officer(name):
    return UserFactory(username=name, first_name=name.title(), email=f"{name}@example.gov.uk", role="Officer")


@pytest.fixture
def people(db):
    """A board that met on 13 October and meets on 10 November (8 days after TODAY) and reviews theme 1."""
    plan = PlanFactory(start_date=datetime.date(2025, 4, 1))
    reviewed = ThemeFactory(plan=plan, reference="1", title="Front door")
    other = ThemeFactory(plan=plan, reference="2", title="Children in care")
    board = BoardFactory(name="Children's Improvement Board")
    board.themes.set([reviewed])
    MeetingFactory(board=board, starts_at=_at(datetime.date(2026, 10, 13)))
    MeetingFactory(board=board, starts_at=_at(datetime.date(2026, 11, 10)))
    users = {name: _officer(name) for name in ["stale", "fresh", "finished", "elsewhere", "kpi", "asked", "notdue"]}

    stale = ActionFactory(theme=reviewed, reference="1.1", title="Redesign the MASH", lead_officer=users["stale"])
    ActionUpdateFactory(action=stale, date=datetime.date(2026, 9, 20))  # before the last meeting
    fresh = ActionFactory(theme=reviewed, reference="1.2", lead_officer=users["fresh"])
    ActionUpdateFactory(action=fresh, date=datetime.date(2026, 10, 20))
    done = ActionFactory(theme=reviewed, reference="1.3", lead_officer=users["finished"])
    ActionUpdateFactory(action=done, date=datetime.date(2026, 9, 1), status=ActionStatus.COMPLETE)
    ActionFactory(theme=other, reference="2.1", lead_officer=users["elsewhere"])  # a theme the board does not review

    indicator = IndicatorFactory(code="CIN-REF-M", title="Referrals to children's social care", owner=users["kpi"])
    MeasurementFactory(indicator=indicator, period=datetime.date(2026, 8, 1))  # September's value is due
    current = IndicatorFactory(owner=users["fresh"])
    MeasurementFactory(indicator=current, period=datetime.date(2026, 10, 1))  # October's: nothing is due yet

    earlier = MeetingFactory(board=board, starts_at=_at(datetime.date(2026, 9, 8)))
    MeetingActionFactory(
        meeting=earlier, owner=users["asked"], description="Caseloads by team", due_date=datetime.date(2026, 10, 13)
    )
    MeetingActionFactory(meeting=earlier, owner=users["notdue"], due_date=datetime.date(2026, 11, 10))
    MeetingActionFactory(meeting=earlier, owner=users["finished"], due_date=datetime.date(2026, 10, 1), status="done")
    return users


def _run(*args):
    out = StringIO()
    call_command("send_reminders", "--date", TODAY.isoformat(), *args, stdout=out)
    return out.getvalue()


def _recipients():
    return sorted(message.to[0].split("@")[0] for message in mail.outbox)


def test_reminds_exactly_the_people_with_something_to_do(people):
    output = _run()
    assert _recipients() == ["asked", "kpi", "stale"]
    assert "Emailed 3 people; 0 already reminded today" in output
    assert set(ReminderLog.objects.values_list("user__username", flat=True)) == {"asked", "kpi", "stale"}


def test_each_email_is_plain_english_with_links(people, settings):
    settings.SITE_URL = "https://improvement.example.gov.uk"
    _run()
    by_person = {message.to[0].split("@")[0]: message for message in mail.outbox}
    stale = by_person["stale"]
    assert stale.subject == "1 thing to update before your next board meeting"
    assert "Dear Stale," in stale.body
    assert (
        "1.1 Redesign the MASH (last updated 20 September 2026). "
        "Children's Improvement Board meets on 10 November 2026." in stale.body
    )
    assert "https://improvement.example.gov.uk/plan/actions/" in stale.body
    assert "Referrals to children's social care (CIN-REF-M): the value for Sep 2026" in by_person["kpi"].body
    assert (
        "Caseloads by team (Children's Improvement Board, due 13 October 2026: 20 days overdue)."
        in by_person["asked"].body
    )
    assert "<" not in stale.body and "&#x27;" not in stale.body  # the text body is not HTML-escaped


def test_each_email_has_an_html_body_saying_the_same_with_links(people, settings):
    settings.SITE_URL = "https://improvement.example.gov.uk"
    _run()
    by_person = {message.to[0].split("@")[0]: message for message in mail.outbox}
    [(html, kind)] = by_person["stale"].alternatives
    assert kind == "text/html"
    assert "<p>Dear Stale,</p>" in html
    assert '<a href="https://improvement.example.gov.uk/plan/actions/' in html
    assert "Record an update on 1.1 Redesign the MASH</a> (last updated 20 September 2026)." in html
    assert "Children&#x27;s Improvement Board meets on 10 November 2026." in html  # escaped as HTML
    [(kpi_html, _)] = by_person["kpi"].alternatives
    assert "Enter the value of Referrals to children&#x27;s social care (CIN-REF-M)</a> for Sep 2026." in kpi_html
    [(asked_html, _)] = by_person["asked"].alternatives
    assert "Respond to: Caseloads by team</a> (Children&#x27;s Improvement Board, due 13 October 2026" in asked_html


def test_a_meeting_held_today_is_not_the_one_reminders_are_for(people):
    board = Board.objects.get(name="Children's Improvement Board")
    MeetingFactory(
        board=board, starts_at=timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(9))), status="held"
    )
    _run()
    stale = next(message for message in mail.outbox if message.to[0].startswith("stale@"))
    assert "Children's Improvement Board meets on 10 November 2026." in stale.body


def test_running_twice_the_same_day_sends_nothing_more(people):
    _run()
    output = _run()
    assert len(mail.outbox) == 3
    assert "Emailed 0 people; 3 already reminded today" in output
    assert ReminderLog.objects.count() == 3


def test_one_email_per_person_whatever_they_are_asked_for(people):
    # The stale lead also owns an overdue indicator and an overdue action arising: still one email.
    IndicatorFactory(owner=people["stale"])
    MeetingActionFactory(owner=people["stale"], due_date=datetime.date(2026, 10, 1))
    _run()
    [email] = [m for m in mail.outbox if m.to == ["stale@example.gov.uk"]]
    assert email.subject == "3 things to update before your next board meeting"


def test_the_next_day_reminds_again(people):
    _run()
    call_command("send_reminders", "--date", "2026-11-03", stdout=StringIO())
    assert len(mail.outbox) == 6


def test_dry_run_sends_and_records_nothing(people):
    output = _run("--dry-run")
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()
    assert "Would email stale: 1 item" in output
    assert "Would email 3 people" in output


def test_no_action_reminders_when_no_meeting_is_close(people):
    # Three weeks before the meeting: actions and indicators are chased only in the run-up to a meeting,
    # an overdue action arising every day.
    call_command("send_reminders", "--date", "2026-10-20", stdout=StringIO())
    assert _recipients() == ["asked"]


def test_a_board_with_no_themes_covers_every_theme(people):
    from meetings.models import Board

    Board.objects.get().themes.clear()
    _run()
    assert _recipients() == ["asked", "elsewhere", "kpi", "stale"]


def test_people_without_an_email_address_are_listed(people):
    people["stale"].email = ""
    people["stale"].save()
    output = _run()
    assert "No email address, not reminded: stale" in output
    assert _recipients() == ["asked", "kpi"]


def test_a_bad_date_is_refused_clearly(db):
    with pytest.raises(CommandError, match="--date must be a date like 2026-10-14"):
        call_command("send_reminders", "--date", "14/10/2026", stdout=StringIO())


def test_deactivated_users_are_not_reminded(people):
    people["stale"].is_active = False
    people["stale"].save()
    _run()
    assert _recipients() == ["asked", "kpi"]


def test_one_refused_address_does_not_stop_the_others_and_is_tried_again_the_next_day(people, monkeypatch, caplog):
    import smtplib

    from meetings import reminders

    real_send = reminders.emails.send

    def refuse_kpi(template_name, context, to):
        if to == ["kpi@example.gov.uk"]:
            raise smtplib.SMTPRecipientsRefused({to[0]: (550, b"No such user")})
        return real_send(template_name, context, to)

    monkeypatch.setattr(reminders.emails, "send", refuse_kpi)
    out = StringIO()
    with pytest.raises(CommandError, match="1 reminder\\(s\\) could not be sent"):
        call_command("send_reminders", "--date", TODAY.isoformat(), stdout=out)
    assert _recipients() == ["asked", "stale"]
    assert "Not sent (the mail server refused it; tried again tomorrow): kpi" in out.getvalue()
    assert "Reminder to kpi not sent" in caplog.text
    # The failed send is not counted as today's email...
    assert set(ReminderLog.objects.values_list("user__username", flat=True)) == {"asked", "stale"}

    monkeypatch.setattr(reminders.emails, "send", real_send)
    mail.outbox.clear()
    call_command("send_reminders", "--date", (TODAY + datetime.timedelta(days=1)).isoformat(), stdout=StringIO())
    assert "kpi" in _recipients()  # ...so the next day's run sends it


class RefusingEmailBackend(locmem.EmailBackend):
    """Django's test outbox, with the mail server's answer to one address: 550, as smtplib raises it."""

    refused = "kpi@example.gov.uk"

    def send_messages(self, messages):
        for message in messages:
            if self.refused in message.recipients():
                raise smtplib.SMTPRecipientsRefused({self.refused: (550, b"5.1.1 No such user")})
        return super().send_messages(messages)


def test_a_mail_backend_refusing_one_recipient_still_sends_everyone_else_and_retries_it(people, settings, caplog):
    # Through Django's own sending path (send_mail, the configured backend), not a patched function.
    settings.EMAIL_BACKEND = f"{__name__}.RefusingEmailBackend"
    with pytest.raises(CommandError, match="1 reminder\\(s\\) could not be sent"):
        _run()
    assert _recipients() == ["asked", "stale"]
    assert "Reminder to kpi not sent" in caplog.text
    assert not ReminderLog.objects.filter(user__username="kpi").exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    call_command("send_reminders", "--date", (TODAY + datetime.timedelta(days=1)).isoformat(), stdout=StringIO())
    assert "kpi" in _recipients()
    assert ReminderLog.objects.filter(user__username="kpi").count() == 1
