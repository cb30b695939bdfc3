"""Turn uploaded bytes into sheets of cells, whatever the file's name claims it is."""

import csv
import io
import logging
import struct
import zipfile
from dataclasses import dataclass, field

from core.text import clean_text
from imports.parsing import limits
from imports.parsing.limits import EXCEL_MAX_ROWS, CellBudget, LimitExceeded
from imports.parsing.xlsx import MALFORMED_PART, NotAWorkbook, read_xlsx

logger = logging.getLogger(__name__)


class FileRefused(Exception):
    """The whole file cannot be imported; the message is shown to the admin as it is."""


@dataclass(frozen=True, slots=True)
class Cell:
    value: object  # str, int, float, datetime, or None; formulas are never evaluated
    number_format: str = "General"

    @property
    def is_blank(self):
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


@dataclass
class Sheet:
    name: str
    rows: list  # list[list[Cell]], rows 0-based; row i is spreadsheet row i + 1
    merged: list = field(default_factory=list)  # (min_row, min_col, max_row, max_col), 0-based inclusive
    formula_cells_without_value: list = field(default_factory=list)  # (row, col) 0-based

    def cell(self, row, col):
        cells = self.rows[row] if row < len(self.rows) else []
        return cells[col] if col < len(cells) else Cell(None)


def column_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, remainder = divmod(col - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise FileRefused(
            f"The file is {size / 1_048_576:.1f} MB. The largest file you can import is "
            f"{limit / 1_048_576:.0f} MB. Remove old rows or split the file, then try again."
        )


def read_workbook(data: bytes, filename: str, *, max_bytes: int | None = None) -> list[Sheet]:
    """Sheets of cells. The type is taken from the bytes, not the name, so an xlsx named .csv still reads."""
    if max_bytes is not None:
        check_size(len(data), max_bytes)
    if not data or not data.strip():
        raise FileRefused("The file is empty.")
    lower_name = filename.lower()
    if data[:4] == b"%PDF":
        raise FileRefused(
            f"\u201c{filename}\u201d is a PDF, not a spreadsheet. Upload it as an Excel (.xlsx) or CSV file."
        )
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileRefused(
            f"\u201c{filename}\u201d is in the old Excel 97-2003 format. Open it in Excel, save it as "
            "Excel Workbook (.xlsx), then upload that."
        )
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, filename)
    if lower_name.endswith((".xlsx", ".xlsm")):
        raise FileRefused(f"\u201c{filename}\u201d is not an Excel workbook, although its name ends in .xlsx.")
    if b"\x00" in data[:4096]:
        raise FileRefused(f"\u201c{filename}\u201d is not a spreadsheet or a text (CSV) file.")
    return [_read_csv(data, filename)]


def _zip_member_count(data: bytes) -> int | None:
    """Entries the zip's end record declares, read before zipfile builds an object for each of them."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None  # zipfile will call it damaged
    return struct.unpack_from("<H", data, end + 10)[0]


def _read_xlsx(data: bytes, filename: str) -> list[Sheet]:
    members = _zip_member_count(data)
    # 0xFFFF means a zip64 directory: more than 65,534 parts, which no workbook needs.
    if members is not None and members > limits.MAX_ZIP_MEMBERS:
        raise FileRefused(
            f"\u201c{filename}\u201d holds {'over 65,000' if members == 0xFFFF else f'{members:,}'} parts; "
            f"a workbook has far fewer (at most {limits.MAX_ZIP_MEMBERS:,} are read), so it was not opened."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise FileRefused(
            f"\u201c{filename}\u201d is damaged: Excel could not open it either. Save it again and upload the new copy."
        ) from None
    names = {info.filename for info in infos}
    not_a_workbook = (
        f"\u201c{filename}\u201d is a zip file with no Excel workbook inside. "
        "Upload it as an Excel (.xlsx) or CSV file."
    )
    if not any(name.startswith("xl/") or name.endswith("workbook.xml") for name in names):
        raise FileRefused(not_a_workbook)
    if len(infos) > limits.MAX_ZIP_MEMBERS:
        raise FileRefused(
            f"\u201c{filename}\u201d holds {len(infos):,} parts; a workbook has far fewer (at most "
            f"{limits.MAX_ZIP_MEMBERS:,} are read), so it was not opened."
        )
    # The sizes the zip claims refuse an honest bomb at once; the reader also counts what it really
    # unpacks (imports.parsing.xlsx._Member), for a member that claims less than it holds.
    if (
        sum(info.file_size for info in infos) > limits.MAX_UNPACKED_BYTES
        or max(info.file_size for info in infos) > limits.MAX_MEMBER_BYTES
    ):
        raise FileRefused(
            f"\u201c{filename}\u201d unpacks to far more data than a spreadsheet holds, so it was not opened."
        )
    try:
        sheets = read_xlsx(archive, cell_factory=_cell, sheet_factory=_sheet, budget=CellBudget())
    except NotAWorkbook:
        raise FileRefused(not_a_workbook) from None
    except LimitExceeded as exceeded:
        raise FileRefused(f"\u201c{filename}\u201d {exceeded}") from None
    except zipfile.BadZipFile:
        # Also what a member that holds more than it claims ends in: zipfile stops at the claimed size.
        raise FileRefused(
            f"\u201c{filename}\u201d is damaged: a part of it is not what the file says it is. "
            "Save it again in Excel and upload the new copy."
        ) from None
    except MALFORMED_PART as error:
        # A part that is not what Excel writes: XML that does not parse, a missing part, a cell or style
        # index out of range, a number or date that is not one. Logged (without the file's contents) so a
        # workbook Excel can open but this reader cannot is seen and fixed; the admin gets words.
        logger.warning("Workbook %r could not be read: %s: %s", filename, type(error).__name__, str(error)[:200])
        raise FileRefused(
            f"\u201c{filename}\u201d could not be read as an Excel workbook. "
            "Save it again in Excel and upload the new copy."
        ) from None
    for sheet in sheets:
        while sheet.rows and all(c.is_blank for c in sheet.rows[-1]):
            sheet.rows.pop()
    return sheets


BLANK = Cell(None)


def _cell(value, number_format):
    # Blank cells between filled ones share one object: a wide sheet has many of them.
    if value is None:
        return BLANK
    # Every text a file gives is cleaned once, here, as a form's text is (core.text).
    return Cell(clean_text(value) if isinstance(value, str) else value, number_format)


def _sheet(name, rows, merged, formulas):
    return Sheet(name=name, rows=rows, merged=merged, formula_cells_without_value=formulas)


def decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(data: bytes, filename: str) -> Sheet:
    text = decode_text(data)
    sample = text[:8192]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    rows = []
    budget = CellBudget()
    try:
        # First counted without keeping anything (csv runs in C; making cells is the slow part), so a
        # file over a cap is refused in a fraction of a second and before any cell is made.
        counted, count_budget = 0, CellBudget(budget.cap)
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            counted += 1
            if counted > EXCEL_MAX_ROWS:
                raise limits.too_many_rows()
            count_budget.take(1 + len(record))
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            # The row and its cells are counted before they are made: a line of a million commas is refused.
            if len(rows) >= EXCEL_MAX_ROWS:
                raise limits.too_many_rows()
            budget.take(1 + len(record))
            rows.append([Cell(clean_text(value) if value.strip() else None) for value in record])
    except LimitExceeded as exceeded:
        raise FileRefused(f"\u201c{filename}\u201d {exceeded}") from None
    except csv.Error:
        # csv refuses a cell over its field size limit (128 KB) or a stray NUL.
        raise FileRefused(
            f"\u201c{filename}\u201d could not be read as CSV: a cell is too long or the file is not text. "
            "Save it again as CSV and upload the new copy."
        ) from None
    while rows and all(c.is_blank for c in rows[-1]):
        rows.pop()
    return Sheet(name=clean_text(filename.rsplit("/", 1)[-1]), rows=rows)


def fill_merged(sheet: Sheet, *, down: bool = True, across: bool = True) -> None:
    """Copy each merged range's value into the cells it covers (openpyxl leaves them empty)."""
    for min_row, min_col, max_row, max_col in sheet.merged:
        if (max_row > min_row and not down) or (max_col > min_col and not across):
            continue
        source = sheet.cell(min_row, min_col)
        for r in range(min_row, min(max_row, len(sheet.rows) - 1) + 1):
            row = sheet.rows[r]
            if isinstance(row, tuple):  # the reader's shared empty row: never write into it
                row = sheet.rows[r] = list(row)
            for c in range(min_col, max_col + 1):
                if (r, c) == (min_row, min_col):
                    continue
                while len(row) <= c:
                    row.append(Cell(None))
                row[c] = source
