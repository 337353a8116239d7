"""Hostile IVO extract files, built in the test (never checked in): a zip bomb, too many rows,
billion laughs and an external entity. Each is otherwise a well-formed extract, so only the
hostile part can be the reason it is refused.
"""
from __future__ import annotations

import io
import struct
import zipfile

from openpyxl import Workbook

HEADER = ["Organisationsnummer", "Namn", "Verksamhetsform", "Beslutsdatum", "Status", "Diarienummer"]
ROW = ["559300-0127", "Solgläntan Omsorg AB", "HVB", "2019-06-12", "Gällande", "3.5.1-10234/2019"]
SHEET = "xl/worksheets/sheet1.xml"

BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)
EXTERNAL_ENTITY = '<!DOCTYPE data [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def xlsx(rows: int = 1, *, dimension: bool = True) -> bytes:
    """A real extract workbook with ``rows`` data rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for _ in range(rows):
        sheet.append(ROW)
    out = io.BytesIO()
    workbook.save(out)
    data = out.getvalue()
    if not dimension:
        data = rewrite(data, SHEET, lambda xml: _drop_dimension(xml))
    return data


def _drop_dimension(xml: bytes) -> bytes:
    start = xml.index(b"<dimension")
    return xml[:start] + xml[xml.index(b"/>", start) + 2:]


def rewrite(data: bytes, name: str, change) -> bytes:
    """The same zip with one entry's content changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, change(content) if info.filename == name else content)
    return out.getvalue()


def with_doctype(data: bytes, doctype: str, entity: str, name: str = SHEET) -> bytes:
    """An entry with a DOCTYPE after its XML declaration and ``&entity;`` as a cell's text."""
    def change(xml: bytes) -> bytes:
        declaration_end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
        xml = xml[:declaration_end] + doctype.encode() + xml[declaration_end:]
        reference = f"&{entity};".encode()
        return xml.replace(b"<t>", b"<t>" + reference, 1) if b"<t>" in xml else \
            xml.replace(b"<v>", b"<v>" + reference, 1)
    return rewrite(data, name, change)


def declared_size_bomb(data: bytes, declared: int = 0xFFFF0000) -> bytes:
    """The workbook with its sheet's declared uncompressed size (local header and central
    directory) set to ``declared``: what a zip bomb announces, while the file stays small."""
    buffer = bytearray(data)
    sheet = SHEET.encode()
    for signature, size_offset, name_offset in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        position = 0
        while (position := buffer.find(signature, position)) != -1:
            name_length = struct.unpack_from("<H", buffer, position + (26 if signature == b"PK\x03\x04" else 28))[0]
            if bytes(buffer[position + name_offset:position + name_offset + name_length]) == sheet:
                struct.pack_into("<I", buffer, position + size_offset, declared)
            position += 4
    return bytes(buffer)


def real_bomb(uncompressed: int) -> bytes:
    """A workbook whose sheet really inflates to about ``uncompressed`` bytes of rows."""
    row = (b'<row><c t="inlineStr"><is><t>x</t></is></c></row>')
    filler = row * (uncompressed // len(row))
    # without a <dimension>, so that openpyxl (which stops at a declared one) reads every row
    return rewrite(xlsx(dimension=False), SHEET, lambda xml: xml.replace(b"</sheetData>", filler + b"</sheetData>"))


def many_entries(count: int) -> bytes:
    """A workbook with ``count`` extra (empty) files inside the zip."""
    out = io.BytesIO(xlsx())
    with zipfile.ZipFile(out, "a") as archive:
        for number in range(count):
            archive.writestr(f"xl/media/image{number}.bin", b"")
    return out.getvalue()


def csv_rows(rows: int) -> bytes:
    lines = [";".join(HEADER)] + [";".join(ROW)] * rows
    return ("\n".join(lines) + "\n").encode()
