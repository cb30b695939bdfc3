"""How much of an uploaded file the importers will read, and the counters that stop them in time.

A spreadsheet says how big it is (a row numbered 3,000,000, a cell in column ZZZZZZZ, a zip member
that claims 100 bytes), and the reader used to fill rows and columns up to whatever it said. Every
cap here is checked BEFORE the row, cell or byte that would pass it is made, so a crafted file costs
no more than the cap however large it claims to be (issue 13, finding 2).
"""

from django.conf import settings

# Excel's own limits: no real workbook has a row or column beyond them.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384  # column XFD
# Bytes read (after unpacking) from one part of an xlsx, and from all its parts. Counted as they are
# read, never taken from the sizes the zip claims. A full 10 MB upload of sheet XML unpacks to about
# 100 MB; a sheet of IMPORT_MAX_CELLS cells to about as much.
MAX_MEMBER_BYTES = 128 * 1_048_576
MAX_UNPACKED_BYTES = 256 * 1_048_576
# A workbook is a few dozen parts (sheets, styles, strings, relationships); thousands is no workbook.
MAX_ZIP_MEMBERS = 2_000
# Characters of shared text (the strings table) kept in memory at once.
MAX_SHARED_STRING_CHARS = 100_000_000


def max_cells() -> int:
    """Cells (and rows, each counting as one) an import reads from a file, all sheets together."""
    return settings.IMPORT_MAX_CELLS


class LimitExceeded(Exception):
    """The file passes one of the caps; the message says which, in an admin's words."""


def too_many_cells(cap: int) -> LimitExceeded:
    return LimitExceeded(
        f"holds more than {cap:,} cells, the most one import reads. Delete empty or old rows and "
        "columns, or split it into smaller files, then try again."
    )


def too_many_rows() -> LimitExceeded:
    return LimitExceeded(
        f"has more than {EXCEL_MAX_ROWS:,} rows, more than Excel itself allows. "
        "Split it into smaller files, then try again."
    )


class CellBudget:
    """Counts cells and rows across a whole file; refuses before the one that would pass the cap."""

    __slots__ = ("cap", "used")

    def __init__(self, cap: int | None = None):
        self.cap = max_cells() if cap is None else cap
        self.used = 0

    def take(self, count: int) -> None:
        if self.used + count > self.cap:
            raise too_many_cells(self.cap)
        self.used += count
