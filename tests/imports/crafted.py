"""Hostile spreadsheets built in code (issue 13): each is tiny, but claims or unpacks to far more than
a real workbook. Used by tests/imports/test_crafted_files.py and bench/bench_crafted_files.py."""

import io
import struct
import zipfile

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"


def _parts(sheet_xml: bytes, strings_xml: bytes | None) -> dict:
    strings_rel = (
        f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>' if strings_xml else ""
    )
    parts = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{PKG_REL}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook xmlns="{NS}" xmlns:r="{REL_NS}">'
            '<sheets><sheet name="Plan" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{PKG_REL}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>{strings_rel}'
            "</Relationships>"
        ).encode(),
        SHEET: sheet_xml,
    }
    if strings_xml:
        parts[STRINGS] = strings_xml
    return parts


def xlsx(sheet_xml: bytes, *, strings_xml: bytes | None = None, extra: dict | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in {**_parts(sheet_xml, strings_xml), **(extra or {})}.items():
            archive.writestr(name, content)
    return out.getvalue()


def sheet(rows: str, *, prolog: str = "", merges: str = "") -> bytes:
    merged = f"<mergeCells>{merges}</mergeCells>" if merges else ""
    body = f'<worksheet xmlns="{NS}"><sheetData>{rows}</sheetData>{merged}</worksheet>'
    return f'<?xml version="1.0"?>{prolog}{body}'.encode()


def ordinary() -> bytes:
    return xlsx(sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>Ref</t></is></c></row>'))


def external_entity() -> bytes:
    """A cell whose text is an external entity: the server's own files read into the import."""
    prolog = '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    return xlsx(sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row>', prolog=prolog))


def billion_laughs(levels: int = 10) -> bytes:
    """Ten entities each ten times the one before: a few hundred bytes that expand to 10**10 "lol"s."""
    entities = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels))
    prolog = f"<!DOCTYPE worksheet [{entities}]>"
    return xlsx(sheet(f'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol{levels - 1};</t></is></c></row>', prolog=prolog))


def huge_row(number: int = 3_000_000) -> bytes:
    """One row numbered beyond Excel's last: the old reader padded every row up to it."""
    return xlsx(sheet(f'<row r="{number}"><c r="A{number}"><v>1</v></c></row>'))


def huge_column(letters: str = "ZZZZZZZ") -> bytes:
    """One cell in a column beyond XFD: the old reader padded the row to 5 billion cells."""
    return xlsx(sheet(f'<row r="1"><c r="{letters}1"><v>1</v></c></row>'))


def huge_merge(rows: int = 10) -> bytes:
    """A few rows under a merged range across every column: filling it would make 16,384 cells a row."""
    cells = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, rows + 1))
    return xlsx(sheet(cells, merges='<mergeCell ref="A1:XFD1048576"/>'))


def many_cells(rows: int, columns: int) -> bytes:
    """An honest sheet, only bigger than the cell cap."""
    row = "".join(f"<c><v>{c}</v></c>" for c in range(columns))
    return xlsx(sheet("".join(f'<row r="{r}">{row}</row>' for r in range(1, rows + 1))))


def many_strings(count: int) -> bytes:
    strings = "".join(f"<si><t>s{i}</t></si>" for i in range(count))
    table = f'<?xml version="1.0"?><sst xmlns="{NS}" count="{count}" uniqueCount="{count}">{strings}</sst>'.encode()
    return xlsx(sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), strings_xml=table)


def compression_bomb(unpacked_bytes: int) -> bytes:
    """A sheet of whitespace that deflates a thousand to one; the zip states its real size."""
    head, tail = sheet("").split(b"<sheetData>")
    return xlsx(head + b"<sheetData>" + b" " * unpacked_bytes + tail)


def lying_member(unpacked_bytes: int, claimed: int = 200) -> bytes:
    """The bomb again, but its sheet claims (in both zip headers) to unpack to a few hundred bytes."""
    return claim_size(compression_bomb(unpacked_bytes), SHEET, claimed)


def claim_size(data: bytes, name: str, claimed: int) -> bytes:
    data = bytearray(data)
    encoded = name.encode()
    offset = 0
    while (offset := data.find(b"PK\x03\x04", offset)) >= 0:  # local headers
        length = struct.unpack_from("<H", data, offset + 26)[0]
        if data[offset + 30 : offset + 30 + length] == encoded:
            struct.pack_into("<I", data, offset + 22, claimed)
        offset += 4
    offset = 0
    while (offset := data.find(b"PK\x01\x02", offset)) >= 0:  # the central directory
        length = struct.unpack_from("<H", data, offset + 28)[0]
        if data[offset + 46 : offset + 46 + length] == encoded:
            struct.pack_into("<I", data, offset + 24, claimed)
        offset += 4
    return bytes(data)


def many_members(count: int) -> bytes:
    return xlsx(sheet(""), extra={f"xl/media/image{i}.png": b"" for i in range(count)})


def csv_rows(count: int) -> bytes:
    return b"Ref,Action\n" + b"1.1,A\n" * count
