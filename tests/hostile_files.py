"""Files made to hurt: pixel bombs, zip bombs, nested XML, huge sheets, polyglots, lying names.

Each is small on the wire and cheap to make here; what it would cost the
portal to trust it is the point of the tests that send them.
"""
from __future__ import annotations

import io
import struct
import zipfile

from PIL import Image

BOMB_SIDE = 20000


def png_pixel_bomb() -> bytes:
    """A real 20,000 x 20,000 one-bit PNG: a few hundred KB, 400 million pixels."""
    output = io.BytesIO()
    Image.new("1", (BOMB_SIDE, BOMB_SIDE)).save(output, "PNG", optimize=False)
    return output.getvalue()


def jpeg_pixel_bomb() -> bytes:
    """A small JPEG whose frame header claims 20,000 x 20,000 pixels."""
    output = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(output, "JPEG")
    data = bytearray(output.getvalue())
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, BOMB_SIDE, BOMB_SIDE)
    return bytes(data)


def gif_pixel_bomb() -> bytes:
    """A GIF whose screen descriptor claims 65,535 x 65,535 pixels."""
    output = io.BytesIO()
    Image.new("P", (8, 8)).save(output, "GIF")
    data = bytearray(output.getvalue())
    struct.pack_into("<HH", data, 6, 65535, 65535)
    return bytes(data)


def _office_zip(main_part: str, body_writer, *, content_types: str) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        with archive.open(main_part, "w", force_zip64=True) as part:
            body_writer(part)
    return output.getvalue()


_XLSX_TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
               '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
               'spreadsheetml.sheet.main+xml"/></Types>')


def _workbook(sheet_writer) -> bytes:
    """A minimal XLSX whose first sheet is written by `sheet_writer`."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _XLSX_TYPES.replace(
            "</Types>", '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'))
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.'
                         'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
                         '.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                         '</Relationships>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
                         'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                         'relationships"><sheets><sheet name="kontribusi" sheetId="1" r:id="rId1"/></sheets>'
                         '</workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                         'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
                         'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                         'Target="worksheets/sheet1.xml"/></Relationships>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet_writer(sheet)
    return output.getvalue()


_SHEET_OPEN = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               b"<sheetData>")
_SHEET_CLOSE = b"</sheetData></worksheet>"
_HEADER_ROW = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>tanggal_mulai</t></is></c>'
               b'<c r="B1" t="inlineStr"><is><t>jenis</t></is></c><c r="C1" t="inlineStr"><is><t>judul</t></is>'
               b"</c></row>")


def xlsx_with_rows(count: int) -> bytes:
    """A workbook of `count` contribution rows (1,000,000 is about 12 MB zipped)."""
    def write(sheet):
        sheet.write(_SHEET_OPEN + _HEADER_ROW)
        row = (b'<row><c t="inlineStr"><is><t>2025-11-29</t></is></c><c t="inlineStr"><is><t>counselling</t>'
               b'</is></c><c t="inlineStr"><is><t>Konseling</t></is></c></row>')
        for _ in range(count // 1000):
            sheet.write(row * 1000)
        sheet.write(row * (count % 1000))
        sheet.write(_SHEET_CLOSE)
    return _workbook(write)


def xlsx_zip_bomb(unpacked_mib: int = 1024) -> bytes:
    """A workbook whose sheet unpacks to `unpacked_mib` MiB of white space (about 1 MB zipped per GiB)."""
    def write(sheet):
        sheet.write(_SHEET_OPEN + _HEADER_ROW)
        blank = b" " * (1024 * 1024)
        for _ in range(unpacked_mib):
            sheet.write(blank)
        sheet.write(_SHEET_CLOSE)
    return _workbook(write)


def xlsx_nested_xml(depth: int = 200_000) -> bytes:
    """A workbook whose sheet nests one element 200,000 deep."""
    def write(sheet):
        sheet.write(_SHEET_OPEN + _HEADER_ROW + b"<x>" * depth + b"</x>" * depth + _SHEET_CLOSE)
    return _workbook(write)


def xlsx_billion_laughs() -> bytes:
    """A workbook whose sheet declares entities that expand to a billion "lol"s."""
    entities = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10))
    def write(sheet):
        sheet.write(b'<?xml version="1.0"?><!DOCTYPE worksheet [' + entities + b"]>"
                    + _SHEET_OPEN[len(b'<?xml version="1.0"?>'):] + _HEADER_ROW
                    + b'<row><c t="inlineStr"><is><t>&lol9;</t></is></c></row>' + _SHEET_CLOSE)
    return _workbook(write)


def docx_zip_bomb(unpacked_mib: int = 1024) -> bytes:
    """A DOCX (by its first bytes) whose document part unpacks to `unpacked_mib` MiB."""
    def write(part):
        part.write(b"<w:document><w:body>")
        blank = b" " * (1024 * 1024)
        for _ in range(unpacked_mib):
            part.write(blank)
        part.write(b"</w:body></w:document>")
    return _office_zip("word/document.xml", write, content_types='<?xml version="1.0"?><Types/>')


def pdf_html_polyglot() -> bytes:
    """Starts as a PDF, and carries an HTML page with a script for a browser that sniffs."""
    return (b"%PDF-1.4\n%<html><body><script>document.title='pwned'</script></body></html>\n"
            b"1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def svg_with_script() -> bytes:
    return (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)'
            b"</script></svg>")


def html_page() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def csv_windows_1252() -> bytes:
    return ("tanggal_mulai,jenis,judul\r\n2025-11-29,counselling,Penyuluhan café à la Rutan\r\n").encode("cp1252")
