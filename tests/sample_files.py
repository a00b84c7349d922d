"""Small real files for upload tests: a PDF, a DOCX, and things that only pretend to be one."""
from __future__ import annotations

import io
import zipfile

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def pdf(text: str = "Perjanjian Kerja Sama", pages: int = 1) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for number in range(1, pages + 1):
        page.drawString(72, 760, f"{text} - halaman {number}")
        page.showPage()
    page.save()
    return buffer.getvalue()


def docx(text: str = "Draf PKS") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", f"<w:document><w:body>{text}</w:body></w:document>")
    return buffer.getvalue()


def executable_named_pdf() -> bytes:
    """A Windows executable's first bytes: what a renamed .exe looks like inside."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 512
