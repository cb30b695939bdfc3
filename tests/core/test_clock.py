"""core.clock is the service's one "today": tests set it, SERVICE_TODAY pins it, and no app code goes round it."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from core import clock
from imports.models import ImportJob
from improvement.models import Action, ActionUpdate, TargetDateRevision
from indicators.models import Measurement
from meetings.models import PublishedPack
from tests.dates import LONDON, NOW, TODAY

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ["config", "core", "improvement", "indicators", "meetings", "imports", "dashboard", "demo", "bench"]
# Reading the machine's clock: now/localdate/localtime called with nothing to convert (or passed as a
# default), date.today, datetime.now/today/utcnow, time.time, or the same names imported bare.
DIRECT_CLOCK_READ = re.compile(
    r"timezone\.(now|localdate|localtime)(\(\)|(?![\w(]))"
    r"|\bdate\.today\b"
    r"|\bdatetime\.(now|today|utcnow)\b"
    r"|\btime\.time\(\)"
    r"|from django\.utils\.timezone import .*\b(now|localdate)\b"
)
# Code that must follow the real clock (say, a comparison with django-axes' own timestamps, which the
# library writes from timezone.now()) says so on the line with a comment: "# machine clock: why".
MACHINE_CLOCK_ALLOWED = "# machine clock:"
PINNED = dt.date(2027, 3, 31)


def test_every_test_runs_on_the_suites_date_whatever_the_machines():
    assert (dt.date.today(), timezone.localdate(), clock.today()) == (TODAY, TODAY, TODAY)
    assert clock.now() - NOW < dt.timedelta(minutes=5)


@pytest.mark.time_machine(dt.datetime(2028, 2, 29, 12, 0, tzinfo=LONDON))
def test_a_test_travels_with_the_time_machine_marker():
    assert clock.today() == dt.date(2028, 2, 29)


@pytest.mark.parametrize(
    ("moment", "local_date"),
    [
        # In summer time, half past eleven at night in London is still that day, though UTC is too.
        (dt.datetime(2027, 3, 31, 23, 30, tzinfo=LONDON), dt.date(2027, 3, 31)),
        # Half past midnight in London in summer is already the next day, while UTC is still on the last.
        (dt.datetime(2026, 7, 1, 0, 30, tzinfo=LONDON), dt.date(2026, 7, 1)),
        (dt.datetime(2026, 12, 31, 23, 30, tzinfo=LONDON), dt.date(2026, 12, 31)),
        (dt.datetime(2027, 1, 1, 0, 0, tzinfo=LONDON), dt.date(2027, 1, 1)),
    ],
)
def test_today_is_the_date_in_london_not_in_utc(fixed_clock, moment, local_date):
    fixed_clock.move_to(moment, tick=False)
    assert clock.today() == local_date
    assert timezone.localtime(clock.now()) == moment


@pytest.mark.parametrize("setting", [PINNED, "2027-03-31"])
def test_service_today_pins_the_date_and_keeps_the_time_of_day(settings, fixed_clock, setting):
    fixed_clock.move_to(NOW, tick=False)
    settings.SERVICE_TODAY = setting
    assert clock.today() == PINNED
    assert clock.now() == dt.datetime(2027, 3, 31, 12, 0, tzinfo=LONDON)


def test_without_service_today_the_clock_is_the_machines(settings):
    settings.SERVICE_TODAY = ""
    assert clock.today() == TODAY


def test_model_defaults_take_the_pinned_date(settings):
    settings.SERVICE_TODAY = PINNED
    assert Action().added_on == PINNED
    assert ActionUpdate().date == PINNED
    assert TargetDateRevision().effective_on == PINNED
    assert timezone.localdate(ActionUpdate().created_at) == PINNED
    assert timezone.localdate(TargetDateRevision().recorded_at) == PINNED
    assert timezone.localdate(Measurement().entered_at) == PINNED
    assert timezone.localdate(PublishedPack().published_at) == PINNED
    assert timezone.localdate(ImportJob().created_at) == PINNED


@pytest.mark.django_db
def test_pages_take_the_pinned_date(settings, board_client):
    settings.SERVICE_TODAY = dt.date(2026, 6, 1)
    page = board_client.get(reverse("progress"), {"from_date": "2026-07-01", "to_date": "2026-08-01"})
    assert "The date to compare from must be today or in the past" in page.content.decode()


def test_no_app_code_reads_the_machines_clock_except_core_clock():
    found = []
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or relative == Path("core/clock.py"):
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                code = line.split("#", 1)[0]
                if DIRECT_CLOCK_READ.search(code) and MACHINE_CLOCK_ALLOWED not in line:
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert found == [], "Ask core.clock.today() / core.clock.now() instead:\n" + "\n".join(found)
