"""Demo materials: what the interns and partners of the reports would have shared.

The attendance list and the module are PDFs drawn here; the "photo" is a plain
picture with a caption, never a person (no WBP may be recognisable in the portal).
"""
from __future__ import annotations

import io

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from portal.materials import operations as materials
from portal.materials.models import MaterialCategory
from portal.materials.operations import Upload
from portal.organisations.models import Organisation

MATERIALS = [
    # (facility, partner, uploaded by, category, file name, description)
    ("Rutan Kelas IIB Bengkulu", "Program Pemagangan Kemnaker (MagangHub)", "magang.psikologi@mitrapas.test",
     MaterialCategory.ATTENDANCE, "Daftar hadir konseling 29-11-2025.pdf",
     "Jumlah peserta konseling psikologis di Klinik Pratama Rutan Bengkulu (tanpa nama WBP)."),
    ("Rutan Kelas IIB Bengkulu", "Program Pemagangan Kemnaker (MagangHub)", "magang.sosiologi@mitrapas.test",
     MaterialCategory.PHOTO, "Ruang konseling Klinik Pratama.jpg", "Ruang konseling sebelum kegiatan dimulai."),
    ("Rutan Kelas IIA Balikpapan", "SEKATA Balikpapan", "admin@sekata.mitrapas.test",
     MaterialCategory.MODULE, "Modul dukungan keluarga dan lingkungan sosial.pdf",
     "Materi sesi rehabilitasi SEKATA Balikpapan."),
]


def _pdf(title: str) -> bytes:
    output = io.BytesIO()
    page = canvas.Canvas(output, pagesize=A4)
    page.setTitle(title)
    page.drawString(72, 770, title)
    page.drawString(72, 750, "Dokumen contoh MitraPAS: hanya jumlah, tanpa nama warga binaan.")
    page.showPage()
    page.save()
    return output.getvalue()


def picture(caption: str) -> bytes:
    """A plain picture with a caption (what the demo shows where a photo would be)."""
    image = Image.new("RGB", (1200, 800), (226, 232, 240))
    ImageDraw.Draw(image).text((40, 380), caption, fill=(30, 41, 59))
    output = io.BytesIO()
    image.save(output, "JPEG", quality=85)
    return output.getvalue()


def load(by_name: dict[str, Organisation], person) -> None:
    for facility, partner, by, category, filename, description in MATERIALS:
        content = picture(filename) if filename.endswith(".jpg") else _pdf(filename.removesuffix(".pdf"))
        materials.upload_materials(by_name[facility], by_name[partner], [Upload(io.BytesIO(content), filename)],
                                   category=category, description=description, actor=person(by))
