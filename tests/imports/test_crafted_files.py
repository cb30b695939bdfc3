"""Crafted files (issue 13, finding 2): each is refused with a message an admin understands, before
the row, cell or byte cap is passed, and nothing changes. Time and memory are in
bench/bench_crafted_files.py, not here."""

import io
import zipfile

import pytest

from imports import published
from imports.models import ImportJob
from imports.parsing import limits, workbook, xlsx
from imports.parsing.workbook import read_workbook
from tests.imports import crafted, fixtures
from tests.imports import published_data as data
from tests.imports.helpers import domain_counts, preview

pytestmark = pytest.mark.django_db


@pytest.fixture
def spy(monkeypatch):
    """The most cells counted and bytes unpacked (by any one part) while a file was read, and the
    cells with a value made."""
    seen = {"cells": 0, "bytes": 0, "made": 0}
    take, read, make = limits.CellBudget.take, xlsx._Member.read, workbook._cell

    def counted_take(self, count):
        take(self, count)
        seen["cells"] = max(seen["cells"], self.used)

    def counted_read(self, size=-1):
        try:
            return read(self, size)
        finally:
            seen["bytes"] = max(seen["bytes"], self.read_bytes)

    def counted_make(value, number_format):
        seen["made"] += value is not None
        return make(value, number_format)

    monkeypatch.setattr(limits.CellBudget, "take", counted_take)
    monkeypatch.setattr(xlsx._Member, "read", counted_read)
    monkeypatch.setattr(workbook, "_cell", counted_make)
    return seen


def refused(content, name="plan.xlsx", **kwargs):
    """The job's message once the worker has read the file; asserts nothing in the domain changed."""
    before = domain_counts()
    job = preview(content, name, **kwargs)
    job.refresh_from_db()
    assert job.state == ImportJob.State.REFUSED
    assert domain_counts() == before
    return job.message


def test_an_ordinary_hand_built_workbook_still_reads():
    # The builder makes real workbooks: what is refused below is refused for what it claims.
    assert read_workbook(crafted.ordinary(), "plan.xlsx")[0].rows[0][0].value == "Ref"


def test_an_external_entity_is_refused_unread(spy):
    message = refused(crafted.external_entity())
    assert "contains a document type declaration (DOCTYPE or ENTITY)" in message
    assert "root:" not in message
    assert spy["made"] == 0


def test_billion_laughs_is_refused_before_any_expansion(spy):
    message = refused(crafted.billion_laughs())
    assert "contains a document type declaration (DOCTYPE or ENTITY)" in message
    assert spy["made"] == 0
    assert spy["bytes"] < 2_000  # the declaration itself, nothing expanded


def test_a_declaration_in_the_shared_strings_is_refused_too():
    table = b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "b">]><sst xmlns="x"/>'
    content = crafted.xlsx(crafted.sheet(""), strings_xml=table)
    assert "document type declaration" in refused(content)


def test_a_row_numbered_three_million_is_refused_on_sight(spy):
    message = refused(crafted.huge_row(3_000_000))
    assert "has a row numbered 3,000,000 on sheet \u201cPlan\u201d, beyond Excel's last row (1,048,576)" in message
    assert spy["cells"] == 0  # not one row padded


def test_the_row_after_excels_last_is_refused_and_the_last_one_still_reads(spy):
    assert "row numbered 1,048,577" in refused(crafted.huge_row(1_048_577))
    sheets = read_workbook(crafted.huge_row(1_048_576), "plan.xlsx")
    assert len(sheets[0].rows) == 1_048_576
    assert sheets[0].rows[-1][0].value == 1
    assert sheets[0].rows[0] is xlsx.EMPTY_ROW  # the gap is one shared empty row, not a million lists


def test_a_cell_in_column_zzzzzzz_is_refused_on_sight(spy):
    message = refused(crafted.huge_column("ZZZZZZZ"))
    assert "has a cell in column ZZZZZZZ on sheet \u201cPlan\u201d, beyond Excel's last row" in message
    assert "column (XFD)" in message
    assert spy["cells"] == 0 and spy["made"] == 0


@pytest.mark.parametrize("letters", ["XFE", "AAAA", "a", "\u00c5"])
def test_any_column_beyond_xfd_or_not_a_column_is_refused(letters):
    assert f"cell in column {letters}" in refused(crafted.huge_column(letters))


def test_a_cell_in_column_xfd_still_reads():
    assert len(read_workbook(crafted.huge_column("XFD"), "plan.xlsx")[0].rows[0]) == limits.EXCEL_MAX_COLUMNS


def test_too_many_cells_are_refused_before_the_cap(settings, spy):
    settings.IMPORT_MAX_CELLS = 1_000
    message = refused(crafted.many_cells(rows=40, columns=30))  # 1,200 cells and 40 rows
    assert "holds more than 1,000 cells, the most one import reads" in message
    assert spy["cells"] <= 1_000
    assert spy["made"] <= 1_000


def test_a_merged_range_over_every_column_counts_the_cells_it_would_fill(settings, spy):
    settings.IMPORT_MAX_CELLS = 10_000
    assert "holds more than 10,000 cells" in refused(crafted.huge_merge(rows=10))
    assert spy["cells"] <= 10_000


def test_too_many_shared_strings_are_refused(settings):
    settings.IMPORT_MAX_CELLS = 100
    assert "holds more text than one import reads (over 100 pieces of text" in refused(crafted.many_strings(101))


def test_a_compression_bomb_is_refused_from_its_stated_size_unread(monkeypatch, spy):
    monkeypatch.setattr(limits, "MAX_MEMBER_BYTES", 1_048_576)
    content = crafted.compression_bomb(5 * 1_048_576)
    assert len(content) < 20_000
    assert "unpacks to far more data than a spreadsheet holds, so it was not opened" in refused(content)
    assert spy["bytes"] == 0


def test_a_member_lying_about_its_size_is_refused_within_what_it_claims(spy):
    content = crafted.lying_member(5 * 1_048_576, claimed=200)
    assert zipfile.ZipFile(io.BytesIO(content)).getinfo(crafted.SHEET).file_size == 200
    message = refused(content)
    assert "is damaged: a part of it is not what the file says it is" in message
    assert spy["bytes"] < 1_000  # of 5 MB: the sheet stops at the 200 it claims, other parts are smaller


def test_the_reader_counts_what_it_really_unpacks_whatever_the_zip_claims(monkeypatch, spy):
    # The reader's own count, behind the checks of stated sizes: read straight from the archive,
    # a member that unpacks past the cap is stopped one byte after it.
    monkeypatch.setattr(limits, "MAX_MEMBER_BYTES", 1_048_576)
    archive = zipfile.ZipFile(io.BytesIO(crafted.compression_bomb(5 * 1_048_576)))
    with pytest.raises(limits.LimitExceeded, match="unpacks to far more data"):
        xlsx.read_xlsx(archive, sheet_factory=workbook._sheet, cell_factory=workbook._cell)
    assert spy["bytes"] == 1_048_576 + 1


def test_the_unpacked_total_is_counted_across_members(monkeypatch, spy):
    monkeypatch.setattr(limits, "MAX_UNPACKED_BYTES", 600)
    archive = zipfile.ZipFile(io.BytesIO(crafted.many_cells(rows=20, columns=5)))
    with pytest.raises(limits.LimitExceeded, match="unpacks to far more data"):
        xlsx.read_xlsx(archive, sheet_factory=workbook._sheet, cell_factory=workbook._cell)


def test_too_many_zip_members_are_refused_before_the_zip_is_listed(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ZIP_MEMBERS", 50)
    listed = []
    monkeypatch.setattr(zipfile.ZipFile, "infolist", lambda self: listed.append(1) or [])
    message = refused(crafted.many_members(60))
    assert "holds 65 parts; a workbook has far fewer (at most 50 are read), so it was not opened" in message
    assert listed == []


def test_too_many_rows_in_a_csv_are_refused_before_the_cap(settings, monkeypatch, spy):
    monkeypatch.setattr(workbook, "EXCEL_MAX_ROWS", 50)
    assert "has more than 1,048,576 rows, more than Excel itself allows" in refused(crafted.csv_rows(60), "plan.csv")
    assert spy["cells"] <= 50 * 3  # 50 rows of 2 cells, each row counting one
    spy["cells"] = 0
    settings.IMPORT_MAX_CELLS = 100
    assert "holds more than 100 cells" in refused(crafted.csv_rows(40), "plan.csv")  # 41 rows of 2 cells
    assert spy["cells"] <= 100


def test_a_csv_line_of_a_million_commas_is_refused_before_its_cells_are_made(settings, spy):
    settings.IMPORT_MAX_CELLS = 1_000
    assert "holds more than 1,000 cells" in refused(b"Ref" + b"," * 1_000_000 + b"\n", "plan.csv")
    assert spy["cells"] == 0


def test_a_csv_cell_past_the_field_limit_is_refused_with_a_message():
    message = refused(b"Ref,Action\n1.1," + b"x" * 200_000 + b"\n", "plan.csv")
    assert "could not be read as CSV: a cell is too long or the file is not text" in message


def test_a_file_stored_over_the_upload_limit_is_refused_by_the_worker(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1_048_576
    assert "The largest file you can import is 1 MB" in refused(fixtures.csv_bytes([["Ref"]] * 300_000), "p.csv")


def test_a_published_release_with_too_many_cells_is_refused(settings):
    settings.IMPORT_MAX_CELLS = 50
    with pytest.raises(published.ReleaseRefused, match="The file holds more than 50 cells"):
        published.read_release(data.release_csv(), "cla.csv")


def test_a_published_release_over_excels_rows_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "EXCEL_MAX_ROWS", 3)
    with pytest.raises(published.ReleaseRefused, match="The file has more than 3 rows"):
        published.read_release(data.release_csv(), "cla.csv")


def test_a_published_release_over_the_upload_limit_is_refused(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    with pytest.raises(published.ReleaseRefused, match="The largest file you can import is 0 MB"):
        published.read_release(data.release_csv(), "cla.csv")


def test_a_refused_published_job_changes_nothing(settings):
    settings.IMPORT_MAX_CELLS = 50
    message = refused(data.release_csv(), "cla.csv", kind=ImportJob.Kind.PUBLISHED, options={"la_code": "E1"})
    assert "The file holds more than 50 cells" in message


def test_the_refusal_is_what_the_admin_sees(admin_client_):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tests.imports.helpers import after_worker

    response = admin_client_.post(
        reverse("imports:upload_plan"),
        {"file": SimpleUploadedFile("plan.xlsx", crafted.huge_column()), "new_plan_title": "T"},
    )
    page = after_worker(admin_client_, response).content.decode()
    assert "This file cannot be imported" in page
    assert "has a cell in column ZZZZZZZ on sheet" in page


def test_the_rows_between_count_too_so_a_gap_cannot_pass_the_cap(settings, spy):
    # 61 cells pass the first count; the rows up to row 1,000 (each counting one) do not.
    settings.IMPORT_MAX_CELLS = 100
    row = "".join(f"<c><v>{c}</v></c>" for c in range(60))
    content = crafted.xlsx(crafted.sheet(f'<row r="1">{row}</row><row r="1000"><c r="A1000"><v>1</v></c></row>'))
    assert "holds more than 100 cells" in refused(content)
    assert spy["cells"] <= 100
