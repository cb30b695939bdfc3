"""Small messy spreadsheets built in code, one per kind of mess councils send."""

import csv
import datetime
import io
import zipfile

import openpyxl

PLAN_HEADER = ["NOS", "What?", "How?", "Who?", "When?", "Current Status", "RAG", "Recs", "Progress update"]


def xlsx_bytes(sheets: dict, *, merges: dict | None = None, formats: dict | None = None) -> bytes:
    """sheets: {name: [[cell, ...], ...]}; merges: {name: ["A5:A7"]}; formats: {name: {"E6": "mmm-yy"}}."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cell_range in (merges or {}).get(name, []):
            sheet.merge_cells(cell_range)
        for ref, number_format in (formats or {}).get(name, {}).items():
            sheet[ref].number_format = number_format
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, *, encoding="utf-8", delimiter=",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode(encoding)


def messy_plan_rows():
    """A title block, synonyms, theme headings, a notes row: the Torbay-style tracker."""
    return [
        ["Riverford Borough Council"],
        ["Children's Services Improvement Action Tracker v17"],
        [],
        PLAN_HEADER,
        ["1. Leadership, management and governance"],
        [
            "1.1",
            "Establish an improvement board",
            "Monthly board chaired by the DCS",
            "Director of Children's Services",
            datetime.datetime(2019, 3, 31),
            "Complete",
            "B",
            "R1",
            "12/03/19: Board met three times.\nTerms of reference agreed.",
        ],
        [
            4.2,
            "Publish a performance scorecard",
            "",
            "Head of Performance",
            "March 2019",
            "On target",
            "Green",
            "R1/R4",
            "",
        ],
        ["2. Children in need of help and protection"],
        [
            "2.1\u00a0",
            "Improve the timeliness of assessments",
            "",
            "Head of CIN / Head of CLA",
            "Summer 2019",
            "Slipped",
            "Red - behind schedule",
            "1, 3 and 5",
            "March 2019 - new team started",
        ],
        [
            "2.2",
            "Audit strategy discussions",
            "",
            "Jo Bloggs (Head of Safeguarding)",
            "Q2 2019/20",
            "Not due yet",
            "",
            "Rec 2; Rec 6",
            "",
        ],
        [
            "2.3",
            '=HYPERLINK("http://evil")',
            "+cmd|' /C calc'!A0",
            "Head of QA",
            "Ongoing",
            "In progress",
            "a",
            "",
            "@SUM(1+1)",
        ],
        [],
        ["Key: B = complete, G = on track, A = at risk, R = off track"],
    ]


def messy_plan_xlsx() -> bytes:
    return xlsx_bytes(
        {
            "Plan": messy_plan_rows(),
            "Colour key": [["Colour", "Meaning"], ["Blue", "Complete"], ["Red", "Off track"]],
        }
    )


def zip_of_junk() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "not a workbook")
    return out.getvalue()


def wide_scorecard_xlsx() -> bytes:
    """Merged financial-year headings over bare months, mixed period headers, % formats and noise columns."""
    rows = [
        ["Children's services scorecard"],
        ["", "", "2019/20", "", "", "", "", "", "", "", ""],
        [
            "Code",
            "Indicator",
            "Apr",
            "May",
            "Jun 2019",
            "Q1 19/20",
            "Target",
            "Polarity",
            "England 2024",
            "Stat neighbours",
            "DoT",
            "RAG",
            "Comments",
        ],
        [
            "CSC-01",
            "Assessments completed within 45 working days (%)",
            0.873,
            "88.1%",
            "-",
            "",
            0.85,
            "Higher is better",
            0.82,
            0.84,
            "\u2191",
            "G",
            "Improving steadily",
        ],
        ["CSC-02", "Children in care", "1,234", 1240, "n/a", "", "", "Lower", "", "", "\u2193", "A", ""],
        ["CSC-03", "Re-referrals within 12 months", "c", "x", 12, "", "", "", "", "", "", "", ""],
    ]
    return xlsx_bytes(
        {"Scorecard": rows},
        merges={"Scorecard": ["C2:D2"]},
        formats={"Scorecard": {"C4": "0.0%", "G4": "0%", "I4": "0.0%", "J4": "0.0%"}},
    )


def long_kpi_csv() -> bytes:
    return csv_bytes(
        [
            ["Indicator code", "Indicator", "Period", "Value", "Numerator", "Denominator", "Commentary"],
            ["CSC-01", "Assessments within 45 days", "2019-04", "87.3", "873", "1000", "Caf\u00e9 \u00a3 note"],
            ["CSC-01", "Assessments within 45 days", "Jan-19", "80", "", "", ""],
            ["CSC-01", "Assessments within 45 days", "May 2019", "-", "", "", ""],
        ]
    )
