"""SPC on the pages: the indicator page's words, chart and table; the scorecard and pack columns; the
owner's baseline form (with re-bases kept as history); and the scorecard's fixed query count."""

import datetime
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from core.models import AuditEntry
from indicators.models import Indicator, SpcRebase
from indicators.queries import scorecard_as_at
from tests.factories.indicators import IndicatorFactory, MeasurementFactory, TargetFactory, monthly_series
from tests.factories.meetings import BoardFactory, MeetingFactory

pytestmark = pytest.mark.django_db

STEADY = [50, 52, 48, 51, 49, 53, 47, 50, 52, 48, 51, 49]  # Jan to Dec 2025: mean 50


def text_of(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'").replace("&mdash;", "\u2014")


def kpi(owner=None, values=STEADY, start=datetime.date(2025, 1, 1), **kwargs):
    indicator = IndicatorFactory(owner=owner, **kwargs)
    monthly_series(indicator, values, start=start)
    return indicator


# Indicator page ----------------------------------------------------------------------------


def test_indicator_page_says_a_fall_within_the_limits_is_no_signal_and_gives_the_assurance(board_client):
    indicator = kpi(values=STEADY + [46])
    TargetFactory(indicator=indicator, effective_from=datetime.date(2025, 1, 1), value=Decimal("51"))

    text = text_of(board_client.get(indicator.get_absolute_url()))

    assert "Change or normal variation" in text
    assert "No signal: the fall is within normal variation" in text
    assert "The target lies within the limits: it will be met some months and missed in others." in text
    assert "The mean and limits come from the first 13 points (Jan 2025 to Jan 2026)." in text


def test_indicator_page_names_a_signal_and_marks_it_on_the_chart_and_in_the_table(board_client):
    indicator = kpi(values=STEADY + [52, 49, 48, 49, 47, 49, 48, 49], polarity="lower", spc_baseline_points=12)

    response = board_client.get(indicator.get_absolute_url())
    text = text_of(response)

    assert "Signal: 7 points in a row below the mean \u2014 an improvement" in text
    table = response.context["spc_rows"]
    assert table[0]["period_label"] == "Aug 2026" and table[0]["signal"] == "In a run below the mean"
    assert [row["is_signal"] for row in table[:7]] == [True] * 7
    assert "In a run below the mean" in text
    names = [trace.get("name") for trace in response.context["chart"]["data"]]
    assert {"Mean", "Process limits", "Signal (special cause)"} <= set(names)
    signal_trace = next(t for t in response.context["chart"]["data"] if t.get("name") == "Signal (special cause)")
    assert len(signal_trace["x"]) == 7


def test_indicator_page_says_when_there_is_not_enough_data(board_client):
    indicator = kpi(values=STEADY[:8])

    text = text_of(board_client.get(indicator.get_absolute_url()))

    assert "Not enough data yet (8 of 12 points)" in text
    assert "Mean, process limits and signals" not in text


def test_annual_indicator_page_has_no_spc_section(board_client):
    indicator = IndicatorFactory(frequency="annual")
    for year in range(2012, 2026):
        MeasurementFactory(indicator=indicator, period=datetime.date(year, 4, 1), value=Decimal(50 + year % 3))

    text = text_of(board_client.get(indicator.get_absolute_url()))

    assert "Change or normal variation" not in text


def test_only_the_owner_and_admins_see_the_baseline_link(board_client, officer_client, officer_user, admin_client_):
    indicator = kpi(owner=officer_user)
    link = reverse("indicators:spc_baseline", args=[indicator.pk])

    assert link in officer_client.get(indicator.get_absolute_url()).content.decode()
    assert link in admin_client_.get(indicator.get_absolute_url()).content.decode()
    assert link not in board_client.get(indicator.get_absolute_url()).content.decode()


# Scorecard and pack --------------------------------------------------------------------------


def test_scorecard_has_a_signal_column_in_words(board_client):
    kpi(title="Steady", values=STEADY + [46])
    kpi(title="Jumped", values=STEADY + [70])
    kpi(title="New", values=STEADY[:5])
    IndicatorFactory(title="Yearly", frequency="annual")

    response = board_client.get(reverse("indicators:scorecard"))
    text = text_of(response)

    assert "Change or normal variation" in text
    words = {row.indicator.title: row.spc.words for row in response.context["rows"]}
    assert words == {
        "Steady": "No signal: the fall is within normal variation",
        "Jumped": "Signal: the latest point is above the upper limit \u2014 an improvement",
        "New": "Not enough data yet (5 of 12 points)",
        "Yearly": "Not for annual figures",
    }
    for expected in words.values():
        assert expected in text


@pytest.mark.parametrize("count", [1, 4])
def test_scorecard_with_signals_keeps_a_fixed_query_count(count, board_client, officer_user, django_assert_num_queries):
    for _ in range(count):
        indicator = kpi(owner=officer_user, values=[30] * 12 + STEADY + [70], start=datetime.date(2024, 1, 1))
        TargetFactory(indicator=indicator)
        SpcRebase.objects.create(
            indicator=indicator,
            period=datetime.date(2025, 1, 1),
            reason="New case system",
            recorded_at=timezone.make_aware(datetime.datetime(2026, 1, 5)),
        )
    # session, user, permissions (one query), filter: themes, owners; scorecard:
    # indicators, targets, benchmarks, values (also the SPC series), SPC re-bases; published ranks;
    # session save 3
    with django_assert_num_queries(14):
        response = board_client.get(reverse("indicators:scorecard"))
    assert [row.spc.words for row in response.context["rows"]] == [
        "Signal: the latest point is above the upper limit \u2014 an improvement"
    ] * count


def test_scorecard_as_at_uses_only_re_bases_known_then():
    indicator = kpi(values=STEADY + STEADY)
    SpcRebase.objects.create(
        indicator=indicator,
        period=datetime.date(2026, 1, 1),
        reason="New case system",
        recorded_at=timezone.make_aware(datetime.datetime(2026, 6, 1)),
    )

    before = scorecard_as_at(datetime.date(2026, 5, 1))[0].spc
    after = scorecard_as_at(datetime.date(2026, 7, 1))[0].spc

    assert len(before.segments) == 1 and before.points_in_segment == 17
    assert after.words == "Not enough data yet (7 of 12 points)"


def test_pack_scorecard_has_the_signal_column(board_client):
    kpi(title="Jumped", values=STEADY + [70])
    board = BoardFactory(name="Children's Improvement Board")
    meeting = MeetingFactory(board=board, starts_at=timezone.make_aware(datetime.datetime(2026, 3, 10, 14)))

    text = text_of(board_client.get(reverse("meetings:pack", args=[meeting.pk])))
    document = Document(BytesIO(board_client.get(reverse("meetings:pack_docx", args=[meeting.pk])).content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]

    assert "Change or normal variation" in text
    assert "Signal: the latest point is above the upper limit \u2014 an improvement" in text
    assert "Change or normal variation" in cells
    assert "Signal: the latest point is above the upper limit \u2014 an improvement" in cells


# The owner's baseline form ------------------------------------------------------------------


def test_owner_changes_the_baseline_length(officer_client, officer_user):
    indicator = kpi(owner=officer_user, values=STEADY + STEADY)
    url = reverse("indicators:spc_baseline", args=[indicator.pk])

    response = officer_client.post(url, {"baseline_points": "12", "rebase_period": "", "reason": ""}, follow=True)

    assert Indicator.objects.get(pk=indicator.pk).spc_baseline_points == 12
    assert "The baseline is now 12 points." in text_of(response)
    assert "The mean and limits come from the first 12 points (Jan 2025 to Dec 2025)." in text_of(response)
    entry = AuditEntry.objects.get(event="indicator.spc_baseline_changed")
    assert (entry.actor, entry.detail) == (officer_user, {"old": 20, "new": 12})


def test_owner_rebases_after_a_known_change_and_the_page_starts_again(officer_client, officer_user):
    indicator = kpi(owner=officer_user, values=STEADY + [80, 82, 79])
    url = reverse("indicators:spc_baseline", args=[indicator.pk])

    response = officer_client.post(
        url,
        {"baseline_points": "20", "rebase_period": "2026-01-01", "reason": "New case system from January 2026"},
        follow=True,
    )
    text = text_of(response)

    rebase = SpcRebase.objects.get(indicator=indicator)
    assert (rebase.period, rebase.recorded_by) == (datetime.date(2026, 1, 1), officer_user)
    assert "The chart now starts a new baseline from Jan 2026." in text
    assert "Not enough data yet (3 of 12 points)" in text
    assert "Re-based from Jan 2026: New case system from January 2026" in text
    entry = AuditEntry.objects.get(event="indicator.spc_rebased", subject_id=str(indicator.pk))
    assert entry.summary == "Re-based from Jan 2026: New case system from January 2026"


def test_a_rebase_needs_a_reason_and_bad_input_changes_nothing(officer_client, officer_user):
    indicator = kpi(owner=officer_user)
    url = reverse("indicators:spc_baseline", args=[indicator.pk])

    no_reason = officer_client.post(url, {"baseline_points": "20", "rebase_period": "2025-06-01", "reason": " "})
    too_short = officer_client.post(url, {"baseline_points": "5"})
    not_a_number = officer_client.post(url, {"baseline_points": "twelve"})

    assert "Say what changed, so board members know why the chart starts again" in text_of(no_reason)
    assert "The baseline needs at least 12 points" in text_of(too_short)
    assert "Enter the number of points as a whole number, like 20" in text_of(not_a_number)
    assert not SpcRebase.objects.exists()
    assert Indicator.objects.get(pk=indicator.pk).spc_baseline_points == 20
    assert not AuditEntry.objects.filter(event__startswith="indicator.spc").exists()


def test_withdrawing_a_rebase_keeps_it_in_the_history(officer_client, officer_user):
    indicator = kpi(owner=officer_user, values=STEADY + [80, 82, 79])
    url = reverse("indicators:spc_baseline", args=[indicator.pk])
    officer_client.post(url, {"baseline_points": "20", "rebase_period": "2026-01-01", "reason": "New system"})
    rebase = SpcRebase.objects.get()

    response = officer_client.post(url, {"withdraw": str(rebase.pk)}, follow=True)
    again = officer_client.post(url, {"withdraw": str(rebase.pk)})

    rebase.refresh_from_db()
    assert rebase.withdrawn_by == officer_user and rebase.withdrawn_at is not None
    text = text_of(response)
    assert "The re-base from Jan 2026 is withdrawn. It stays in the history below." in text
    who = officer_user.get_full_name() or officer_user.get_username()
    # The suite's frozen day (tests/dates.py), with who recorded and who withdrew the re-base.
    assert f"Jan 2026 New system 22 Nov 2026 by {who} Withdrawn 22 Nov 2026 by {who}" in text
    assert "That re-base cannot be withdrawn" in text_of(again)
    assert AuditEntry.objects.get(event="indicator.spc_rebase_withdrawn").summary == "Re-base from Jan 2026 withdrawn"
    page = text_of(officer_client.get(indicator.get_absolute_url()))
    assert "Signal: the latest point is above the upper limit" in page


def test_another_officer_cannot_rebase_someone_elses_indicator(officer_client, make_user):
    indicator = kpi(owner=make_user("officer", username="someone.else"))
    url = reverse("indicators:spc_baseline", args=[indicator.pk])

    response = officer_client.post(url, {"baseline_points": "20", "rebase_period": "2025-06-01", "reason": "x"})

    assert response.status_code == 403
    assert not SpcRebase.objects.exists()


def test_board_member_cannot_change_the_baseline(board_client, officer_user):
    indicator = kpi(owner=officer_user)

    response = board_client.post(reverse("indicators:spc_baseline", args=[indicator.pk]), {"baseline_points": "12"})

    assert response.status_code == 403
    assert Indicator.objects.get(pk=indicator.pk).spc_baseline_points == 20
