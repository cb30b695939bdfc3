"""A streaming reader for .xlsx workbooks: cell values, their number formats and merged ranges.

Why not openpyxl.load_workbook: it builds a Python object per cell and per style, which took
15 seconds for a 20,000-row plan on the 2-core machine (9 in read-only mode, which also loses the
merged ranges). This reader walks each sheet's XML once with lxml and keeps only what the
importers use, about ten times faster. It reuses openpyxl's tables of built-in number formats and
its date helpers, so dates are read exactly as openpyxl would read them.

Formulas are never run: a formula cell gives the value Excel saved with it, or, when the file holds
no saved value, the formula's own text (kept as text and reported on the preview).

Crafted files: every part is read through _Member, which counts the bytes it really unpacks (never
trusting the sizes the zip claims) and refuses a document type declaration, the door to external
entities and entity expansion ("billion laughs"; defusedxml is not installed, and Excel never writes
a DOCTYPE). Rows, columns and cells are checked against Excel's limits and the cell cap
(imports.parsing.limits) before any padding is made, so a row numbered 3,000,000 or a cell in column
ZZZZZZZ is refused on sight.
"""

import datetime
import posixpath
import zipfile

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

from imports.parsing import limits
from imports.parsing.limits import EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS, CellBudget, LimitExceeded

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
STRICT = "{http://purl.oclc.org/ooxml/spreadsheetml/main}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
STRICT_REL_ID = "{http://purl.oclc.org/ooxml/officeDocument/relationships}id"


class NotAWorkbook(Exception):
    """The zip is not a workbook this reader understands."""


# What a damaged or hand-made part can raise while it is read: XML that does not parse (lxml), a part the
# workbook names but the zip lacks (KeyError), a shared string or style index out of range (IndexError),
# a number, date or reference that is not one (ValueError, OverflowError, TypeError), an element missing
# where Excel always writes one (AttributeError on its None).
MALFORMED_PART = (etree.LxmlError, KeyError, IndexError, ValueError, OverflowError, TypeError, AttributeError)


# Padding for the empty rows between filled ones: one shared object, so a gap of a million rows
# costs a million pointers, not a million lists (fill_merged swaps in a list before writing to one).
EMPTY_ROW = ()
_DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY")
_UNPACKED_TOO_BIG = "unpacks to far more data than a spreadsheet holds, so it was not opened."


class _Reading:
    """What one workbook's reading has used so far: unpacked bytes and cells."""

    __slots__ = ("unpacked", "budget")

    def __init__(self, budget):
        self.unpacked = 0
        self.budget = budget


class _Member:
    """A zip member's stream that counts what it really unpacks and refuses DTDs as it goes."""

    __slots__ = ("stream", "reading", "read_bytes", "tail", "first")

    def __init__(self, stream, reading):
        self.stream, self.reading = stream, reading
        self.read_bytes, self.tail, self.first = 0, b"", True

    def read(self, size=-1):
        # Never ask for more than one byte past the caps: the refusal comes before they are passed.
        allowance = min(limits.MAX_MEMBER_BYTES - self.read_bytes, limits.MAX_UNPACKED_BYTES - self.reading.unpacked)
        chunk = self.stream.read(max(min(size if size and size > 0 else 65536, allowance + 1), 1))
        self.read_bytes += len(chunk)
        self.reading.unpacked += len(chunk)
        if self.read_bytes > limits.MAX_MEMBER_BYTES or self.reading.unpacked > limits.MAX_UNPACKED_BYTES:
            raise LimitExceeded(_UNPACKED_TOO_BIG)
        if self.first and chunk:
            self.first = False
            # Excel writes UTF-8; a UTF-16 or UTF-32 part could hide a declaration from the scan below.
            if chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in chunk[:512]:
                raise LimitExceeded("is not saved the way Excel saves workbooks (its text is not UTF-8).")
        window = (self.tail + chunk).upper()
        if any(marker in window for marker in _DECLARATIONS):
            raise LimitExceeded(
                "contains a document type declaration (DOCTYPE or ENTITY), which Excel never writes and "
                "which can be used to attack the server, so it was not opened. Save it again from Excel."
            )
        self.tail = window[-16:]
        return chunk


def _open(archive, name, reading):
    return _Member(archive.open(name), reading)


_CELL_TOKENS = (b"<c ", b"<c>", b"<c/>")
_STRING_TOKENS = (b"<si>", b"<si ")


def _count_elements(archive, name, budget, tokens) -> int:
    """How many of these elements a part holds, counted in its raw bytes (zlib and bytes.count run at
    hundreds of MB a second; the Python loop that makes cells, at a few million a minute). So a
    file over the cell cap is refused in a fraction of a second instead of after reading it all."""
    member = _Member(archive.open(name), _Reading(budget))
    count, tail = 0, b""
    try:
        while chunk := member.read(1_048_576):
            window = tail + chunk
            count += sum(window.count(token) for token in tokens)
            tail = window[-3:]
    finally:
        member.stream.close()
    return count


def _parser_options():
    # Untrusted XML: no entities, no DTDs, no network, no gigantic text nodes.
    return {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


def _parse(archive, name, reading):
    member = _open(archive, name, reading)
    try:
        return etree.parse(member, etree.XMLParser(**_parser_options())).getroot()
    finally:
        member.stream.close()


def _ns(root):
    return STRICT if root.tag.startswith(STRICT) else MAIN


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _rels(archive, part, reading):
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", name + ".rels")
    if rels_name not in archive.namelist():
        return {}
    targets = {}
    for rel in _parse(archive, rels_name, reading).iter(f"{REL}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        targets[rel.get("Id")] = (rel.get("Type", ""), path)
    return targets


def _workbook_part(archive, reading):
    for _kind, (rel_type, path) in _rels(archive, "", reading).items() if "_rels/.rels" in archive.namelist() else []:
        if rel_type.endswith("/officeDocument"):
            return path
    return "xl/workbook.xml"


def _shared_strings(archive, path, ns, reading):
    if not path or path not in archive.namelist():
        return []
    strings = []
    # A string is only ever used by a cell, so a table longer than the cell cap is no real workbook's.
    most, chars = reading.budget.cap, 0
    if _count_elements(archive, path, reading.budget, _STRING_TOKENS) > most:
        raise LimitExceeded(
            f"holds more text than one import reads (over {most:,} pieces of text). "
            "Split it into smaller files, then try again."
        )
    member = _open(archive, path, reading)
    try:
        for _event, item in etree.iterparse(member, events=("end",), tag=f"{ns}si", **_parser_options()):
            # Rich text is several runs; phonetic guides (rPh) are not part of the text.
            text = "".join(t.text or "" for t in item.iter(f"{ns}t") if t.getparent().tag != f"{ns}rPh")
            chars += len(text)
            if len(strings) >= most or chars > limits.MAX_SHARED_STRING_CHARS:
                raise LimitExceeded(
                    f"holds more text than one import reads (over {min(most, len(strings)):,} pieces of text "
                    f"or {limits.MAX_SHARED_STRING_CHARS:,} characters). Split it into smaller files, then try again."
                )
            strings.append(text)
            item.clear()
    finally:
        member.stream.close()
    return strings


def _styles(archive, path, ns, reading):
    """Number format code for each cell style index, and which styles hold dates or durations."""
    if not path or path not in archive.namelist():
        return [], set(), set()
    root = _parse(archive, path, reading)
    custom = {}
    num_fmts = root.find(f"{ns}numFmts")
    if num_fmts is not None:
        for fmt in num_fmts.iter(f"{ns}numFmt"):
            custom[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "General")
    formats, dates, durations = [], set(), set()
    cell_xfs = root.find(f"{ns}cellXfs")
    for index, xf in enumerate(cell_xfs.iter(f"{ns}xf") if cell_xfs is not None else []):
        fmt_id = int(xf.get("numFmtId", "0"))
        code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "General")
        formats.append(code)
        if is_date_format(code) or 14 <= fmt_id <= 22 or 45 <= fmt_id <= 47:
            dates.add(index)
            if is_timedelta_format(code):
                durations.add(index)
    return formats, dates, durations


def read_xlsx(archive: zipfile.ZipFile, *, sheet_factory, cell_factory, budget: CellBudget | None = None):
    """[(name, rows, merged, formula_cells_without_value)] for every worksheet, in workbook order.

    rows: list of lists of cells built by cell_factory(value, number_format), trailing blanks cut;
    an empty row may be the shared EMPTY_ROW tuple. Raises LimitExceeded (before the cap is passed)
    for a file beyond Excel's limits, the cell cap or the unpacked-size caps."""
    reading = _Reading(budget or CellBudget())
    names = set(archive.namelist())
    workbook_path = _workbook_part(archive, reading)
    if workbook_path not in names:
        raise NotAWorkbook
    workbook = _parse(archive, workbook_path, reading)
    ns = _ns(workbook)
    rels = _rels(archive, workbook_path, reading)
    epoch = WINDOWS_EPOCH
    properties = workbook.find(f"{ns}workbookPr")
    if properties is not None and properties.get("date1904") in {"1", "true"}:
        epoch = MAC_EPOCH
    strings_path = next((p for t, p in rels.values() if t.endswith("/sharedStrings")), "xl/sharedStrings.xml")
    styles_path = next((p for t, p in rels.values() if t.endswith("/styles")), "xl/styles.xml")
    strings = _shared_strings(archive, strings_path, ns, reading)
    formats, dates, durations = _styles(archive, styles_path, ns, reading)
    general = cell_factory(None, "General")

    sheets = []
    sheets_element = workbook.find(f"{ns}sheets")
    for sheet in sheets_element.iter(f"{ns}sheet") if sheets_element is not None else []:
        rel = rels.get(sheet.get(OFFICE_REL_ID) or sheet.get(STRICT_REL_ID))
        if rel is None or not rel[0].endswith("/worksheet") or rel[1] not in names:
            continue  # a chart sheet or a dangling entry: no cells to read
        rows, merged, formulas = _read_sheet(
            archive, rel[1], ns, strings, formats, dates, durations, epoch, cell_factory, general, reading, sheet
        )
        sheets.append(sheet_factory(sheet.get("name", ""), rows, merged, formulas))
    return sheets


def _beyond_excel(sheet, what) -> LimitExceeded:
    name = (sheet.get("name", "") or "")[:60]
    return LimitExceeded(
        f"has a {what} on sheet \u201c{name}\u201d, beyond Excel's last row ({EXCEL_MAX_ROWS:,}) or column "
        "(XFD), so it was not opened. Save it again from Excel and upload the new copy."
    )


def _column(letters, sheet):
    # At most three capital letters (A to XFD): ZZZZZZZ is refused without counting up to it.
    if not 0 < len(letters) <= 3 or not letters.isascii() or not letters.isupper() or not letters.isalpha():
        raise _beyond_excel(sheet, f"cell in column {letters[:12]}")
    col = _column_index(letters)
    if col >= EXCEL_MAX_COLUMNS:
        raise _beyond_excel(sheet, f"cell in column {letters}")
    return col


def _read_sheet(archive, path, ns, strings, formats, dates, durations, epoch, cell_factory, blank, reading, sheet):
    # Every cell element, blank or not, costs the reader's loop: more of them than the cap is refused
    # before the loop starts (the loop counts exactly what it keeps, rows included).
    if _count_elements(archive, path, reading.budget, _CELL_TOKENS) > reading.budget.cap - reading.budget.used:
        raise limits.too_many_cells(reading.budget.cap)
    member = _open(archive, path, reading)
    try:
        return _read_rows(member, ns, strings, formats, dates, durations, epoch, cell_factory, blank, reading, sheet)
    finally:
        member.stream.close()


def _read_rows(member, ns, strings, formats, dates, durations, epoch, cell_factory, blank, reading, sheet):
    budget = reading.budget
    row_tag, cell_tag, merge_tag = f"{ns}row", f"{ns}c", f"{ns}mergeCell"
    value_tag, formula_tag, inline_tag, text_tag = f"{ns}v", f"{ns}f", f"{ns}is", f"{ns}t"
    rows, merged, formulas = [], [], []
    columns = {}  # "AB" -> 27
    next_row = 0
    for _event, element in etree.iterparse(member, events=("end",), tag=(row_tag, merge_tag), **_parser_options()):
        if element.tag == merge_tag:
            min_col, min_row, max_col, max_row = range_boundaries(element.get("ref", "A1"))
            if max_row > EXCEL_MAX_ROWS or max_col > EXCEL_MAX_COLUMNS or min_row < 1 or min_col < 1:
                raise _beyond_excel(sheet, "merged range " + element.get("ref", "")[:30])
            # fill_merged copies the value into every covered cell of the rows read: count them now.
            covered_rows = min(max_row, len(rows)) - min_row + 1
            if covered_rows > 0:
                budget.take(covered_rows * (max_col - min_col + 1))
            merged.append((min_row - 1, min_col - 1, max_row - 1, max_col - 1))
            element.clear()
            continue
        number = element.get("r")
        row_index = int(number) - 1 if number else next_row
        if not 0 <= row_index < EXCEL_MAX_ROWS:
            raise _beyond_excel(sheet, f"row numbered {row_index + 1:,}")
        next_row = row_index + 1
        cells = []
        col = -1
        for cell in element:
            if cell.tag != cell_tag:
                continue
            attrib = cell.attrib
            ref = attrib.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                col = columns.get(letters)
                if col is None:
                    col = columns[letters] = _column(letters, sheet)
            else:
                col += 1
                if col >= EXCEL_MAX_COLUMNS:
                    raise _beyond_excel(sheet, "cell after column XFD")
            kind = attrib.get("t", "n")
            style = attrib.get("s")
            style = int(style) if style else 0
            raw = formula = inline = None
            for child in cell:  # usually one child: the value
                tag = child.tag
                if tag == value_tag:
                    raw = child.text
                elif tag == formula_tag:
                    formula = child
                elif tag == inline_tag:
                    inline = child
            value = None
            if kind == "inlineStr":
                value = "".join(t.text or "" for t in inline.iter(text_tag)) if inline is not None else None
            elif raw is not None and raw != "":
                if kind == "s":
                    index = int(raw)
                    value = strings[index] if 0 <= index < len(strings) else ""
                elif kind == "n":
                    value = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
                    if style in dates:
                        try:
                            value = from_excel(value, epoch, timedelta=style in durations)
                        except (OverflowError, ValueError):
                            value = "#VALUE!"
                elif kind == "b":
                    value = raw.strip() in {"1", "true"}
                elif kind == "d":
                    value = from_ISO8601(raw)
                else:  # "str" (a formula's text result) and "e" (an error such as #N/A)
                    value = raw
            elif formula is not None:
                # No saved result: keep the formula as text; it is never evaluated.
                value = "=" + (formula.text or "")
                formulas.append((row_index, col))
            if value is None or value == "":
                continue
            if isinstance(value, (datetime.time, datetime.timedelta)):
                value = str(value)
            # This cell and the blanks before it, counted before any is made.
            budget.take(max(col - len(cells), 0) + 1)
            while len(cells) < col:
                cells.append(blank)
            number_format = formats[style] if 0 <= style < len(formats) else "General"
            cells.append(cell_factory(value, number_format))
        element.clear(keep_tail=False)
        while element.getprevious() is not None:
            del element.getparent()[0]
        if not cells:
            continue
        if row_index < len(rows):  # rows out of order: rare, but keep each where it belongs
            rows[row_index] = cells
            continue
        # Each row (the empty ones between included) counts as one cell, before the padding is made.
        budget.take(row_index + 1 - len(rows))
        rows.extend([EMPTY_ROW] * (row_index - len(rows)))
        rows.append(cells)
    return rows, merged, formulas
