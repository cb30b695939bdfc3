"""The pure readers: dates, statuses, references, recommendations, leads, numbers, periods, files."""

import datetime
from decimal import Decimal

import pytest

from imports.parsing.plan import parse_plan
from imports.parsing.values import (
    date_in_progress_text,
    lead_candidates,
    read_number,
    read_period_header,
    read_reference,
    read_status_word,
    read_target_date,
    split_recommendations,
)
from imports.parsing.workbook import FileRefused, read_workbook
from tests.imports import fixtures

D = datetime.date


@pytest.mark.parametrize(
    "text, date, note",
    [
        ("31st March 2019", D(2019, 3, 31), ""),
        ("31-3-19", D(2019, 3, 31), ""),
        ("31/03/2019", D(2019, 3, 31), ""),
        ("March 19", D(2019, 3, 31), "March 19"),
        ("Mar-19", D(2019, 3, 31), "Mar-19"),
        ("Summer 2019", D(2019, 8, 31), "Summer 2019"),
        ("Q2 2019/20", D(2019, 9, 30), "Q2 2019/20"),
        ("Q4 2019/20", D(2020, 3, 31), "Q4 2019/20"),
        ("end of March 2020", D(2020, 3, 31), "end of March 2020"),
        ("2019/20", D(2020, 3, 31), "2019/20"),
        ("Ongoing", None, "Ongoing"),
        ("Monthly", None, "Monthly"),
        ("Done", None, "Done"),
        ("", None, ""),
        (None, None, ""),
    ],
)
def test_read_target_date_formats(text, date, note):
    got_date, got_note, _reading = read_target_date(text)
    assert (got_date, got_note) == (date, note)


def test_read_target_date_says_what_it_guessed():
    _date, _note, reading = read_target_date("Summer 2019")
    assert reading.note == "\u201cSummer 2019\u201d read as 31 August 2019"


def test_read_target_date_impossible_date_is_a_problem():
    date, _note, reading = read_target_date("31/02/2019")
    assert (date, reading.problem) == (None, "\u201c31/02/2019\u201d is not a real date")


def test_read_target_date_real_dates_and_month_formatted_cells():
    assert read_target_date(datetime.datetime(2019, 3, 14), "dd/mm/yyyy")[0] == D(2019, 3, 14)
    assert read_target_date(datetime.datetime(2019, 3, 1), "mmm-yy")[:2] == (D(2019, 3, 31), "March 2019")


@pytest.mark.parametrize(
    "text, meaning",
    [
        ("R", "off_track"),
        ("a", "at_risk"),
        ("G", "on_track"),
        ("B", "complete"),
        ("RED", "off_track"),
        ("Amber", "at_risk"),
        ("green", "on_track"),
        ("Blue", "complete"),
        ("Red - behind schedule", "off_track"),
        ("Green \u2013 on track", "on_track"),
        ("Done", "complete"),
        ("Complete", "complete"),
        ("Completed", "complete"),
        ("On target", "on_track"),
        ("On track", "on_track"),
        ("Slipped", "off_track"),
        ("Behind schedule", "off_track"),
        ("Delayed", "off_track"),
        ("Not due yet", "not_started"),
        ("Not started", "not_started"),
        ("In progress", "in_progress"),
        ("Ongoing", "in_progress"),
        ("At risk", "at_risk"),
        ("Superseded", "closed"),
        ("COMPLETED", "complete"),
        ("Purple", None),
    ],
)
def test_read_status_word_vocabulary(text, meaning):
    assert read_status_word(text) == meaning


@pytest.mark.parametrize(
    "value, number_format, expected",
    [
        (4.1, "General", "4.1"),
        (4.1, "0.00", "4.10"),
        (4, "General", "4"),
        ("4.1\u00a0", "General", "4.1"),
        (" 2.3 ", "General", "2.3"),
        ("1.1.", "General", "1.1"),
    ],
)
def test_read_reference_numbers_and_spaces(value, number_format, expected):
    assert read_reference(value, number_format).value == expected


@pytest.mark.parametrize(
    "text, keys",
    [
        ("R1/R4", ["1", "4"]),
        ("1, 3 and 5", ["1", "3", "5"]),
        ("Rec 2; Rec 6", ["2", "6"]),
        ("R3", ["3"]),
        ("Recommendation 7", ["7"]),
        ("Improve the quality of assessments", None),
    ],
)
def test_split_recommendations_any_separator(text, keys):
    assert split_recommendations(text) == keys


def test_lead_candidates_formats():
    assert lead_candidates("Jo Bloggs (Head of Safeguarding)") == ([], ["jo bloggs"])
    assert lead_candidates("Head of CIN / Head of CLA") == ([], ["head of cin", "head of cla"])
    assert lead_candidates("jo.bloggs@council.gov.uk") == (["jo.bloggs@council.gov.uk"], [])


def test_date_in_progress_text():
    assert date_in_progress_text("12/03/19: Board met.\nMore") == D(2019, 3, 12)
    assert date_in_progress_text("March 2019 - new team") == D(2019, 3, 31)
    assert date_in_progress_text("No date here") is None


@pytest.mark.parametrize(
    "value, number_format, expected, note",
    [
        (0.873, "0.0%", Decimal("87.3"), ""),
        ("1,234", "General", Decimal("1234"), ""),
        ("87.3%", "General", Decimal("87.3"), "percent"),
        ("-", "General", None, "missing:not_yet_available"),
        ("n/a", "General", None, "missing:not_applicable"),
        ("N/A", "General", None, "missing:not_applicable"),
        ("c", "General", None, "missing:suppressed"),
        ("x", "General", None, "missing:suppressed"),
        ("", "General", None, ""),
        (None, "General", None, ""),
        (0, "General", Decimal("0"), ""),
    ],
)
def test_read_number(value, number_format, expected, note):
    reading = read_number(value, number_format)
    assert (reading.value, reading.note) == (expected, note)


@pytest.mark.parametrize(
    "value, start, frequency",
    [
        (datetime.datetime(2019, 1, 1), D(2019, 1, 1), "monthly"),
        ("Jan 2019", D(2019, 1, 1), "monthly"),
        ("2019-01", D(2019, 1, 1), "monthly"),
        ("Jan-19", D(2019, 1, 1), "monthly"),
        ("Q1 19/20", D(2019, 4, 1), "quarterly"),
        ("Q4 2019/20", D(2020, 1, 1), "quarterly"),
        ("2019/20", D(2019, 4, 1), "annual"),
    ],
)
def test_read_period_header(value, start, frequency):
    header = read_period_header(value)
    assert (header.start, header.frequency) == (start, frequency)


def test_read_period_header_month_takes_year_from_group():
    assert read_period_header("Feb", group_year=2019).start == D(2020, 2, 1)
    assert read_period_header("Apr", group_year=2019).start == D(2019, 4, 1)


def test_messy_plan_title_block_themes_notes_and_colour_key():
    parse = parse_plan(read_workbook(fixtures.messy_plan_xlsx(), "plan.xlsx"))
    assert parse.header_row == 4
    assert parse.ignored_sheets == ["Colour key"]
    assert [(t.reference, t.title) for t in parse.themes] == [
        ("1", "Leadership, management and governance"),
        ("2", "Children in need of help and protection"),
    ]
    assert [a.reference for a in parse.actions] == ["1.1", "4.2", "2.1", "2.2", "2.3"]
    assert [a.theme_reference for a in parse.actions] == ["1", "1", "2", "2", "2"]


def test_messy_plan_formula_like_text_kept_as_text():
    parse = parse_plan(read_workbook(fixtures.messy_plan_xlsx(), "plan.xlsx"))
    action = parse.actions[-1]
    assert (action.title, action.detail, action.progress_text) == (
        '=HYPERLINK("http://evil")',
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)",
    )


def test_merged_recommendation_cells_carry_down():
    rows = [
        ["Ref", "Action", "Recommendation"],
        ["Theme 1: Front door"],
        ["1.1", "A", "R1: Improve the front door"],
        ["1.2", "B", None],
        ["1.3", "C", None],
        ["Theme 2: Care"],
        ["2.1", "D", None],
    ]
    parse = parse_plan(read_workbook(fixtures.xlsx_bytes({"Plan": rows}, merges={"Plan": ["C3:C5"]}), "p.xlsx"))
    assert [a.recommendation_keys for a in parse.actions] == [["1"], ["1"], ["1"], []]


def test_csv_encodings_keep_pound_and_e_acute():
    rows = [["Ref", "Action"], ["1.1", "Caf\u00e9 budget \u00a3500"]]
    for encoding in ("utf-8", "utf-8-sig", "cp1252"):
        sheets = read_workbook(fixtures.csv_bytes(rows, encoding=encoding), "plan.csv")
        assert sheets[0].rows[1][1].value == "Caf\u00e9 budget \u00a3500"


def test_csv_semicolon_delimiter():
    sheets = read_workbook(fixtures.csv_bytes([["Ref", "Action"], ["1.1", "A, B"]], delimiter=";"), "plan.csv")
    assert [c.value for c in sheets[0].rows[1]] == ["1.1", "A, B"]


def test_xlsx_named_csv_is_read_as_xlsx():
    sheets = read_workbook(fixtures.messy_plan_xlsx(), "plan.csv")
    assert [s.name for s in sheets] == ["Plan", "Colour key"]


@pytest.mark.parametrize(
    "data, name, message",
    [
        (
            b"%PDF-1.7 ...",
            "plan.xlsx",
            "\u201cplan.xlsx\u201d is a PDF, not a spreadsheet. Upload it as an Excel (.xlsx) or CSV file.",
        ),
        (
            fixtures.zip_of_junk(),
            "plan.xlsx",
            (
                "\u201cplan.xlsx\u201d is a zip file with no Excel workbook inside. "
                "Upload it as an Excel (.xlsx) or CSV file."
            ),
        ),
        (b"", "plan.csv", "The file is empty."),
        (b"hello", "plan.xlsx", "\u201cplan.xlsx\u201d is not an Excel workbook, although its name ends in .xlsx."),
    ],
)
def test_read_workbook_refuses_what_is_not_a_spreadsheet(data, name, message):
    with pytest.raises(FileRefused) as refusal:
        read_workbook(data, name)
    assert str(refusal.value) == message


def test_read_workbook_size_limit_checked_before_parsing():
    with pytest.raises(FileRefused) as refusal:
        read_workbook(b"x" * 2_000_000, "big.csv", max_bytes=1_048_576)
    assert str(refusal.value).startswith("The file is 1.9 MB. The largest file you can import is 1 MB.")
