"""Small messy spreadsheets built in code, one per kind of mess councils send."""

import csv
import datetime
import io
import re
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


def with_cached_values(data: bytes, values: dict, sheet: str = "xl/worksheets/sheet1.xml") -> bytes:
    """Give formula cells the result Excel would have saved with them (openpyxl saves none).

    values: {"C2": "43555"} (the raw saved value: an Excel date serial, a number or text)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == sheet:
                text = body.decode()
                for ref, value in values.items():
                    text = re.sub(
                        rf'(<c r="{ref}"[^>]*>)(<f>.*?</f>)<v\s*/?>(?:</v>)?', rf"\g<1>\g<2><v>{value}</v>", text
                    )
                body = text.encode()
            target.writestr(item, body)
    return out.getvalue()


EXCEL_SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="2"><c r="A2" t="s"><v>0</v></c></row>
<row r="4"><c r="A4" t="s"><v>1</v></c><c r="B4" t="s"><v>2</v></c><c r="C4" t="s"><v>3</v></c>
<c r="D4" t="s"><v>4</v></c><c r="E4" t="s"><v>5</v></c></row>
<row r="5"><c r="A5" t="s"><v>6</v></c></row>
<row r="6"><c r="A6"><v>4.0999999999999996</v></c><c r="B6" t="s"><v>7</v></c><c r="C6" s="1"><v>43555</v></c>
<c r="D6" t="str"><f>UPPER("green")</f><v>GREEN</v></c><c r="E6" t="b"><v>1</v></c></row>
<row r="7"><c r="A7" t="inlineStr"><is><t>4.2</t></is></c><c r="B7" t="s"><v>8</v></c><c r="C7" s="2"><v>43556</v></c>
<c r="D7" t="e"><v>#N/A</v></c></row>
</sheetData><mergeCells count="1"><mergeCell ref="A5:E5"/></mergeCells></worksheet>"""
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML = '<?xml version="1.0" encoding="UTF-8"?>'
EXCEL_STRINGS = [
    "Riverford improvement plan",
    "Ref",
    "Action",
    "Target date",
    "RAG",
    "Flag",
    "4. Children in care",
    None,
    "Visit every child in care within six weeks",
]


def excel_style_xlsx() -> bytes:
    """A workbook laid out as Excel itself saves one: shared strings (one in two rich-text runs, with
    a phonetic guide that is not text), a built-in date format and a custom month format, a formula
    with its saved text result, a boolean, an error value, a number with float noise, a merged heading."""
    strings = []
    for text in EXCEL_STRINGS:
        if text is None:  # rich text: two runs and a phonetic guide
            strings.append(
                "<si><r><t>Review </t></r><r><rPr><b/></rPr><t>caf\u00e9 \u00a3 budgets</t></r>"
                '<rPh sb="0" eb="1"><t>IGNORED</t></rPh></si>'
            )
        else:
            strings.append(f"<si><t>{text}</t></si>")
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/></Types>'
        ),
        "_rels/.rels": (
            f'{XML}<Relationships xmlns="{PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{XML}<workbook xmlns="{MAIN}" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Action plan" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{XML}<Relationships xmlns="{PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{RELS}/styles" '
            'Target="styles.xml"/></Relationships>'
        ),
        "xl/sharedStrings.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + "".join(strings)
            + "</sst>"
        ),
        "xl/styles.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<numFmts count="1"><numFmt numFmtId="164" formatCode="mmm\\-yy"/></numFmts>'
            '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>'
        ),
        "xl/worksheets/sheet1.xml": EXCEL_SHEET,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body.encode())
    return out.getvalue()
