"""Scorecards written the way councils write them (issue 15), generated here with openpyxl: section
heading rows, polarity in words and arrows, targets in words, "n/a" over a figure already reported,
and the preview's rows in the pages' words. Each test checks the preview's words and the database
after confirm."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imports.models import ImportChange, ImportJob, ImportPreviewRow
from imports.parsing.kpi import _long_section_heading
from imports.parsing.workbook import Cell
from indicators.models import Indicator, Measurement, MeasurementVersion, Target
from indicators.rules import kpi_rag
from tests.factories.indicators import IndicatorFactory, MeasurementFactory
from tests.imports import fixtures
from tests.imports.helpers import domain_counts, preview, run_import

pytestmark = pytest.mark.django_db
D = datetime.date
Q1, Q2, Q3 = D(2026, 4, 1), D(2026, 7, 1), D(2026, 10, 1)
HEADER = ["Ref", "Measure", "Good is", "Target", "Q1 2026/27", "Q2 2026/27", "England 2025", "RAG"]


def messy_scorecard() -> bytes:
    rows = [
        ["Riverford children's services scorecard"],
        [],
        HEADER,
        ["FRONT DOOR"],  # merged across the row below
        ["FD1", "Contacts received", "Info", "No target", 5200, 5350, "", ""],
        ["FD2", "Re-referrals within 12 months (%)", "Lower is better", "Less than 22%", "24.0%", "21.5%", 22, "G"],
        ["FD3", "Contacts decided within one working day (%)", "\u2191", "\u2265 90%", 0.88, 0.93, "", ""],
        ["ASSESSMENT & CHILDREN IN NEED"],  # alone in its first cell
        ["AS1", "Assessments completed in 45 working days (%)", "Higher is better", "Above 60", 58, "n/a", "", ""],
        ["AS2", "Average caseload per social worker", "", "Between 8 and 12", 13, 11, "", ""],
        ["AS3", "Children in need (rate per 10,000)", "Context", "", 320.5, 318.2, "", ""],
        ["AS4", "Repeat child protection plans (%)", "\u2193", "\u2264 18%", "19%", "17%", "", ""],
        ["AS5", "Visits on time (%)", "High", "95%+", 0.9, 0.96, "", ""],
        ["AS6", "Strategy meetings held", "N/A", "No target", 40, 42, "", ""],
        ["AS7", "Children seen alone (%)", "Bigger is better", "At least 80%", "", "82%", "", ""],
    ]
    return fixtures.xlsx_bytes(
        {"Scorecard": rows},
        merges={"Scorecard": ["A4:H4"]},
        formats={"Scorecard": {"E7": "0%", "F7": "0%", "E13": "0.0%", "F13": "0.0%"}},
    )


def _preview_page(client, job, query=""):
    return client.get(reverse("imports:job_preview", args=[job.pk]) + query).content.decode()


def test_section_headings_polarity_words_and_targets_in_words(admin_client_, admin_user):
    before = domain_counts()
    job = preview(messy_scorecard(), "scorecard.xlsx", kind="indicators", user=admin_user)
    assert job.state == ImportJob.State.PREVIEWED
    assert domain_counts() == before  # the dry run writes nothing
    assert [h["text"] for h in job.preview["section_headings"]] == ["FRONT DOOR", "ASSESSMENT & CHILDREN IN NEED"]
    assert [u["code"] for u in job.preview["unknown_indicators"]] == [
        "FD1", "FD2", "FD3", "AS1", "AS2", "AS3", "AS4", "AS5", "AS6", "AS7",
    ]  # fmt: skip
    assert not [p for p in job.preview["problems"] if p["severity"] != "guess"]

    page = _preview_page(admin_client_, job)
    assert "Row 4: FRONT DOOR" in page
    assert "Row 8: ASSESSMENT &amp; CHILDREN IN NEED" in page
    assert "Target from Q1 2026/27</strong>: (none) &rarr; 8 to 12" in page
    assert "Q2 2026/27 value</strong>: (none) &rarr; 21.5%" in page
    assert "Which way is better read from the target \u201cBetween 8 and 12\u201d: close to target is better." in page

    job = run_import(messy_scorecard(), "scorecard.xlsx", kind="indicators", user=admin_user)
    assert job.state == ImportJob.State.DONE
    polarity = dict(Indicator.objects.values_list("code", "polarity"))
    assert polarity == {
        "FD1": "none", "FD2": "lower", "FD3": "higher", "AS1": "higher", "AS2": "close",
        "AS3": "none", "AS4": "lower", "AS5": "higher", "AS6": "none", "AS7": "higher",
    }  # fmt: skip
    targets = {
        t.indicator.code: (t.effective_from, t.value, t.band_lower, t.band_upper)
        for t in Target.objects.select_related("indicator")
    }
    assert targets == {
        "FD2": (Q1, Decimal("22"), None, None),
        "FD3": (Q1, Decimal("90"), None, None),
        "AS1": (Q1, Decimal("60"), None, None),
        "AS2": (Q1, Decimal("10"), Decimal("8"), Decimal("12")),
        "AS4": (Q1, Decimal("18"), None, None),
        "AS5": (Q1, Decimal("95"), None, None),
        "AS7": (Q1, Decimal("80"), None, None),
    }  # "No target" and a blank target cell set none
    assert not Indicator.objects.filter(title__icontains="FRONT DOOR").exists()
    values = {
        (m.indicator.code, m.period): (m.value, m.missing_reason)
        for m in Measurement.objects.select_related("indicator")
    }
    assert values[("FD3", Q1)] == (Decimal("88"), "")
    assert values[("AS1", Q2)] == (None, "not_applicable")  # nothing reported before: n/a is recorded
    assert ("AS7", Q1) not in values  # blank: nothing recorded, never zero
    band = Target.objects.get(indicator__code="AS2")
    assert [kpi_rag(value=Decimal(v), target=band, polarity="close") for v in ("11", "13", "13.3")] == [
        "green",
        "amber",  # 1 above the band: within 10% of its upper end (1.2)
        "red",
    ]


def messy_long_file() -> bytes:
    """One row per value, with the council's section headings between the groups of rows."""
    rows = [
        ["Indicator", "Period", "Value", "Target"],
        ["FRONT DOOR"],  # merged across the row below: every cell it covers reads "FRONT DOOR"
        ["Re-referrals within 12 months (%)", "Q1 2026/27", "24.0%", "Less than 22%"],
        ["Re-referrals within 12 months (%)", "Q2 2026/27", "21.5%", "Less than 22%"],
        ["ASSESSMENT & CHILDREN IN NEED"],  # alone in its first cell
        ["Assessments completed in 45 working days (%)", "Q1 2026/27", 58, "Above 60"],
        ["Assessments completed in 45 working days (%)", "Q2 2026/27", 63, "Above 60"],
    ]
    return fixtures.xlsx_bytes({"Values": rows}, merges={"Values": ["A2:D2"]})


def test_long_format_files_read_section_heading_rows_as_headings_not_indicators(admin_client_, admin_user):
    job = preview(messy_long_file(), "values.xlsx", kind="indicators", user=admin_user)
    assert job.state == ImportJob.State.PREVIEWED, job.message
    assert job.preview["layout"] == "long"
    assert job.preview["section_headings"] == [
        {"row": 2, "text": "FRONT DOOR"},
        {"row": 5, "text": "ASSESSMENT & CHILDREN IN NEED"},
    ]
    assert [u["title"] for u in job.preview["unknown_indicators"]] == [
        "Re-referrals within 12 months (%)",
        "Assessments completed in 45 working days (%)",
    ]
    assert not [p for p in job.preview["problems"] if p["severity"] != "guess"]
    page = _preview_page(admin_client_, job)
    assert "These rows were read as headings between groups of indicators, not as indicators:" in page
    assert "Row 2: FRONT DOOR" in page and "Row 5: ASSESSMENT &amp; CHILDREN IN NEED" in page

    job = run_import(messy_long_file(), "values.xlsx", kind="indicators", user=admin_user)
    assert job.state == ImportJob.State.DONE, job.message
    assert sorted(Indicator.objects.values_list("title", flat=True)) == [
        "Assessments completed in 45 working days (%)",
        "Re-referrals within 12 months (%)",
    ]
    assert Measurement.objects.count() == 4


def test_a_long_format_row_with_a_lone_period_or_number_is_not_a_heading():
    def row(*values):
        return [Cell(v) for v in values]

    assert _long_section_heading(row("FRONT DOOR", "FRONT DOOR", "FRONT DOOR")) == "FRONT DOOR"
    assert _long_section_heading(row("", "Early help", "")) == "Early help"
    assert _long_section_heading(row("Q1 2026/27")) == ""
    assert _long_section_heading(row(42)) == ""
    assert _long_section_heading(row("24.5%")) == ""
    assert _long_section_heading(row("Contacts", "Q1 2026/27", 5200)) == ""


def _reported_quarterly():
    indicator = IndicatorFactory(
        code="CIN-REREF", title="Re-referrals", unit="percentage", decimal_places=1, frequency="quarterly"
    )
    MeasurementFactory(indicator=indicator, period=Q1, value=Decimal("30"))
    MeasurementFactory(indicator=indicator, period=Q2, value=Decimal("25.8"))
    MeasurementFactory(indicator=indicator, period=Q3, value=Decimal("20"))
    return indicator


def _reported_file():
    return fixtures.csv_bytes(
        [
            ["Code", "Indicator", "Q1 2026/27", "Q2 2026/27", "Q3 2026/27"],
            ["CIN-REREF", "Re-referrals", "n/a", "24.9%", ""],
        ]
    )


def _values(indicator):
    return {m.period: (m.value, m.missing_reason) for m in Measurement.objects.filter(indicator=indicator)}


def test_na_or_blank_never_silently_erases_a_reported_figure(admin_client_, admin_user):
    indicator = _reported_quarterly()
    job = preview(_reported_file(), "s.csv", kind="indicators", user=admin_user)
    assert job.preview["counts"]["values_kept"] == 2
    page = _preview_page(admin_client_, job, "?show=problems")
    assert (
        "Left unchanged: the file says \u201cn/a\u201d for Q1 2026/27, and 30.0% is already reported. "
        "Tick \u201cclear reported values\u201d to clear it."
    ) in page
    assert "Left unchanged: the file is blank for Q3 2026/27, and 20.0% is already reported." in page
    assert "Q2 2026/27 value" not in page  # a change, not a problem
    changes = _preview_page(admin_client_, job, "?show=changes")
    assert "Q2 2026/27 value</strong>: 25.8% &rarr; 24.9%" in changes
    assert "Left unchanged" not in changes
    assert "2 figures already reported would be left unchanged" in _preview_page(admin_client_, job)

    job = run_import(_reported_file(), "s.csv", kind="indicators", user=admin_user)
    assert _values(indicator) == {Q1: (Decimal("30"), ""), Q2: (Decimal("24.9"), ""), Q3: (Decimal("20"), "")}
    log = ImportChange.objects.get(job=job)
    assert log.fields == [{"field": "Q2 2026/27 value", "before": "25.8%", "after": "24.9%"}]
    log_page = admin_client_.get(reverse("imports:job_log", args=[job.pk])).content.decode()
    assert "<strong>Q2 2026/27 value</strong>: 25.8% &rarr; 24.9%" in log_page


def test_clear_reported_values_ticked_on_the_preview(admin_client_, admin_user):
    indicator = _reported_quarterly()
    job = preview(_reported_file(), "s.csv", kind="indicators", user=admin_user)
    page = _preview_page(admin_client_, job)
    assert 'name="clear_reported"' in page and "govuk-checkboxes__input" in page

    response = admin_client_.post(reverse("imports:kpi_clear_reported", args=[job.pk]), {"clear_reported": "on"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.options["clear_reported"] is True and job.state == ImportJob.State.PREVIEWED
    page = _preview_page(admin_client_, job, "?show=changes")
    assert "Q1 2026/27 value</strong>: 30.0% &rarr; No value (not applicable)" in page
    assert "Q3 2026/27 value</strong>: 20.0% &rarr; No value (not yet available)" in page
    assert "Clears the reported figure (30.0%), as you chose." in page
    assert _values(indicator)[Q1] == (Decimal("30"), "")  # still only a preview

    admin_client_.post(reverse("imports:job_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert _values(indicator) == {
        Q1: (None, "not_applicable"),
        Q2: (Decimal("24.9"), ""),
        Q3: (None, "not_yet_available"),
    }
    # Through the one writer: each cleared figure is a correction in the knowledge history.
    assert MeasurementVersion.objects.filter(indicator=indicator, is_correction=True).count() == 3


def test_clear_reported_refused_for_a_plan_job_or_another_role(admin_client_, board_client):
    from tests.factories.imports import ImportJobFactory

    job = ImportJobFactory()
    assert admin_client_.post(reverse("imports:kpi_clear_reported", args=[job.pk]), {}).status_code == 403
    assert board_client.post(reverse("imports:kpi_clear_reported", args=[job.pk]), {}).status_code == 403
    job.refresh_from_db()
    assert "clear_reported" not in job.options


def _scorecard_with(indicators: int) -> bytes:
    rows = [["Code", "Indicator", "Apr 2026", "May 2026", "Jun 2026", "Jul 2026", "Aug 2026"]]
    rows += [[f"K{i:05d}", f"Measure {i}", 1, 2, "n/a", "x", 5] for i in range(indicators)]
    return fixtures.csv_bytes(rows)


@pytest.mark.parametrize("query", ["", "?show=changes&page=2", "?show=problems"])
def test_preview_page_reads_the_same_queries_for_a_small_and_a_large_file(admin_client_, admin_user, query):
    counts = []
    for size in (4, 400):  # 20 rows, then 2,000
        job = preview(_scorecard_with(size), "s.csv", kind="indicators", user=admin_user)
        assert ImportPreviewRow.objects.filter(job=job).count() == size * 6  # the indicator and its 5 values
        url = reverse("imports:job_preview", args=[job.pk]) + query
        admin_client_.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = admin_client_.get(url)
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] <= 15, counts


def test_a_second_check_replaces_the_preview_rows(admin_user):
    job = preview(_scorecard_with(3), "s.csv", kind="indicators", user=admin_user)
    first = set(ImportPreviewRow.objects.filter(job=job).values_list("pk", flat=True))
    from imports import services

    services.preview_job(job)
    again = set(ImportPreviewRow.objects.filter(job=job).values_list("pk", flat=True))
    assert len(again) == len(first) == 18 and not first & again


def test_no_target_keeps_the_target_set_and_a_target_against_the_polarity_is_flagged(admin_client_, admin_user):
    from tests.factories.indicators import TargetFactory

    kept = IndicatorFactory(code="K-1", title="Kept", unit="percentage", frequency="quarterly", polarity="higher")
    TargetFactory(indicator=kept, effective_from=D(2025, 4, 1), value=Decimal("85"))
    IndicatorFactory(code="K-2", title="Against", unit="percentage", frequency="quarterly", polarity="higher")
    data = fixtures.csv_bytes(
        [
            ["Code", "Indicator", "Target", "Q1 2026/27"],
            ["K-1", "Kept", "No target", "80%"],
            ["K-2", "Against", "Less than 22%", "20%"],
        ]
    )
    job = preview(data, "s.csv", kind="indicators", user=admin_user)
    page = _preview_page(admin_client_, job, "?show=problems")
    assert "The file says \u201cNo target\u201d: the target of 85.0% already set is kept." in page
    assert (
        "The target \u201cLess than 22%\u201d reads as lower is better, but the indicator is higher is better: "
        "check which is right."
    ) in page
    run_import(data, "s.csv", kind="indicators", user=admin_user)
    assert list(Target.objects.filter(indicator=kept).values_list("value", flat=True)) == [Decimal("85")]
    assert Indicator.objects.get(code="K-2").polarity == "higher"  # the polarity is not changed by a guess
    assert Target.objects.get(indicator__code="K-2").value == Decimal("22")
