"""The streaming xlsx reader (imports.parsing.xlsx) against openpyxl on the same generated workbooks:
the same values, number formats, dates and merged ranges, so the speed costs no fidelity (issue 12)."""

import datetime
import io
import logging
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from imports.parsing.workbook import FileRefused, read_workbook

FORMATS = ["General", "0.0", "0.00%", "#,##0", "dd/mm/yyyy", "mmm-yy", "d mmmm yyyy", "@", "[h]:mm"]


def _workbook(seed: int) -> bytes:
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Plan"
    values = [
        "Ref",
        "Action (what we will do)",
        1.5,
        42,
        -3,
        Decimal("0.245"),
        datetime.datetime(2019, 1, 31),
        datetime.datetime(2018, 9, 14, 10, 30),
        datetime.date(2020, 2, 29),
        True,
        "Progress update \u2013 Jan 2019",
        "  text with spaces  ",
        "line one\nline two",
        "\u00a312.50 \u2264 \u2265 \u2191",
        None,
    ]
    for r in range(1, 31):
        for c in range(1, 12):
            value = values[(r * 7 + c * 3 + seed) % len(values)]
            cell = first.cell(row=r, column=c, value=value)
            cell.number_format = FORMATS[(r + c + seed) % len(FORMATS)]
    first.merge_cells("A1:D1")
    first.merge_cells("B5:B9")
    first.merge_cells(start_row=12, start_column=3, end_row=14, end_column=6)
    second = book.create_sheet("Key")
    second["A1"] = "RAG key"
    second["B3"] = 0.5
    second["B3"].number_format = "0%"
    second["C40"] = datetime.datetime(2021, 3, 31)  # far below the rest: padding rows between
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _as_openpyxl_reads(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheets = []
    for sheet in book.worksheets:
        cells = {}
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    cells[(cell.row - 1, cell.column - 1)] = (cell.value, cell.number_format)
        merged = sorted((r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1) for r in sheet.merged_cells.ranges)
        sheets.append((sheet.title, cells, merged))
    return sheets


def _as_we_read(data: bytes):
    sheets = []
    for sheet in read_workbook(data, "generated.xlsx"):
        cells = {}
        for r, row in enumerate(sheet.rows):
            for c, cell in enumerate(row):
                if cell.value is not None:
                    cells[(r, c)] = (cell.value, cell.number_format)
        sheets.append((sheet.name, cells, sorted(sheet.merged)))
    return sheets


def _comparable(value):
    # Times of day and durations are read as their text ("05:52:48"): no importer reads them as numbers.
    if isinstance(value, (datetime.time, datetime.timedelta)):
        return str(value)
    # Text is cleaned once on the way in (core.text.clean_text: spaces trimmed, NBSP-like spaces made plain),
    # and openpyxl reads a number saved as a whole as an int where Excel's XML holds "42": compare values.
    if isinstance(value, str):
        return " ".join(value.replace("\u00a0", " ").split())
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    return value


@pytest.mark.parametrize("seed", range(4))
def test_values_formats_dates_and_merged_ranges_match_openpyxl(seed):
    data = _workbook(seed)
    theirs, ours = _as_openpyxl_reads(data), _as_we_read(data)
    assert [name for name, _, _ in ours] == [name for name, _, _ in theirs]
    for (name, their_cells, their_merged), (_, our_cells, our_merged) in zip(theirs, ours, strict=True):
        assert our_merged == their_merged, name
        assert set(our_cells) == set(their_cells), name
        for position, (value, number_format) in their_cells.items():
            our_value, our_format = our_cells[position]
            assert our_format == number_format, (name, position)
            assert _comparable(our_value) == _comparable(value), (name, position, our_value, value)
            same_kind = type(our_value) is type(value) or isinstance(
                value, (int, float, datetime.time, datetime.timedelta)
            )
            assert same_kind, (name, position)


def test_dates_are_datetimes_as_openpyxl_reads_them():
    data = _workbook(0)
    theirs = {pos: v for _, cells, _ in _as_openpyxl_reads(data) for pos, (v, _f) in cells.items()}
    ours = {pos: v for _, cells, _ in _as_we_read(data) for pos, (v, _f) in cells.items()}
    dated = [pos for pos, value in theirs.items() if isinstance(value, datetime.datetime)]
    assert dated, "the generated workbook has dates"
    assert all(ours[pos] == theirs[pos] for pos in dated)


def test_a_damaged_part_is_refused_in_words_and_logged(caplog):
    data = _workbook(0)
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body[: len(body) // 2]  # cut in the middle of its XML
            target.writestr(item, body)
    with caplog.at_level(logging.WARNING, logger="imports.parsing.workbook"):
        with pytest.raises(FileRefused) as refused:
            read_workbook(damaged.getvalue(), "damaged.xlsx")
    assert "could not be read as an Excel workbook" in str(refused.value)
    assert "XMLSyntaxError" in caplog.text and "damaged.xlsx" in caplog.text
