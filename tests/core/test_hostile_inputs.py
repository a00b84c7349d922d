"""Story: someone sends the portal what it should never trust, and the portal stays whole.

Every hostile input is answered with a clear message in Bahasa Indonesia, or
stored safely as plain data; never a 500, and never a row without its object or
an object without its row.
"""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from portal.contributions.models import Contribution
from portal.core import storage, transactional_files as files
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.materials.models import MaterialVersion
from portal.organisations.partnership_models import Partnership
from tests import hostile_files, sample_files

NOT_ACCEPTED = "tidak dapat diunggah: isinya bukan salah satu jenis berkas yang diterima di sini"
EMPTY_FILE = "kosong (0 byte)"
TOO_MANY_PIXELS = "Gambar ini memiliki terlalu banyak piksel"
EMPTY = "Berkas kosong."
NOT_A_WORKBOOK = "Berkas bukan buku kerja XLSX yang dapat dibaca."
NO_ROWS = "Berkas tidak berisi baris di bawah judul kolomnya."


def counts() -> tuple[int, int, int]:
    """Material versions, contributions and stored objects: what a refusal must leave as it was."""
    with unscoped("the test counts every record"):
        versions = db.session.scalar(select(func.count()).select_from(MaterialVersion))
        recorded = db.session.scalar(select(func.count()).select_from(Contribution))
    return versions, recorded, len(list(storage.keys()))


@pytest.fixture
def partner(pks, login_as):
    web = login_as(pks.partner_admin)
    with unscoped("the test looks up its own pair"):
        web.pair = db.session.scalar(select(Partnership.id).where(Partnership.facility_id == pks.facility.id))
    web.slug = pks.partner.slug
    return web


def upload_material(web, content: bytes, filename: str):
    return web.post(f"/o/{web.slug}/materials/new?pair={web.pair}",
                    {"files": [(io.BytesIO(content), filename)], "category": "photo", "agreement": "0"},
                    content_type="multipart/form-data", follow_redirects=True)


def import_sheet(web, content: bytes, filename: str):
    return web.post(f"/o/{web.slug}/contributions/import?pair={web.pair}",
                    {"file": (io.BytesIO(content), filename), "preview": "1"}, content_type="multipart/form-data")


REFUSED_MATERIALS = {
    "png pixel bomb": (hostile_files.png_pixel_bomb, "bom.png", TOO_MANY_PIXELS),
    "jpeg pixel bomb": (hostile_files.jpeg_pixel_bomb, "bom.jpg", TOO_MANY_PIXELS),
    "gif pixel bomb": (hostile_files.gif_pixel_bomb, "bom.gif", NOT_ACCEPTED),
    "svg with a script": (hostile_files.svg_with_script, "logo.svg", NOT_ACCEPTED),
    "html named as a pdf": (hostile_files.html_page, "laporan.pdf", NOT_ACCEPTED),
    "executable named as a pdf": (sample_files.executable_named_pdf, "modul.pdf", NOT_ACCEPTED),
    "empty file": (lambda: b"", "kosong.pdf", EMPTY_FILE),
    "one byte": (lambda: b"%", "satu.pdf", NOT_ACCEPTED),
}


@pytest.mark.parametrize("made, filename, message", REFUSED_MATERIALS.values(), ids=REFUSED_MATERIALS.keys())
def test_a_hostile_material_is_refused_and_leaves_nothing(partner, made, filename, message):
    before = counts()

    response = upload_material(partner, made(), filename)

    assert response.status_code == 200 and message in response.text
    assert counts() == before


def test_one_byte_over_the_limit_is_refused_and_the_limit_itself_accepted(partner, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATERIAL_MAX_BYTES", 64 * 1024)
    at_limit = b"%PDF-1.7\n" + b"0" * (64 * 1024 - 9)
    before = counts()

    over = upload_material(partner, at_limit + b"0", "terlalu-besar.pdf")
    assert "terlalu-besar.pdf&#34; melebihi batas 64 KB" in over.text and counts() == before

    upload_material(partner, at_limit, "pas.pdf")
    assert counts()[0] == before[0] + 1


@pytest.mark.parametrize("made", [hostile_files.docx_zip_bomb, hostile_files.xlsx_zip_bomb],
                         ids=["docx", "xlsx"])
def test_a_zip_bomb_material_is_stored_as_plain_bytes_never_unpacked(partner, made):
    """Materials are kept as sent and never opened by the portal, so a bomb is only its own small size."""
    bomb = made(256)
    before = counts()

    response = upload_material(partner, bomb, "bom.docx")

    assert "1 berkas telah diunggah." in response.text
    assert counts()[0] == before[0] + 1


def test_a_pdf_html_polyglot_is_kept_and_served_only_as_a_pdf(partner, pks):
    response = upload_material(partner, hostile_files.pdf_html_polyglot(), "poliglot.pdf")
    assert "1 berkas telah diunggah." in response.text
    with unscoped("the test reads what was stored"):
        version = db.session.scalar(select(MaterialVersion).order_by(MaterialVersion.id.desc()).limit(1))
    assert version.content_type == "application/pdf"
    assert storage.head(version.storage_key)["content_type"] == "application/pdf"


HOSTILE_NAMES = {
    "path traversal": ("../../../etc/passwd.pdf", "passwd.pdf"),
    "nul byte": ("modul\x00.exe.pdf", "modul.exe.pdf"),
    "right-to-left override": ("laporan\u202efdp.exe", "laporanfdp.exe"),
    "300 characters": ("a" * 296 + ".pdf", "a" * 190 + ".pdf"),
    "only dots and slashes": ("../..", "dokumen"),
}


@pytest.mark.parametrize("given, kept", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_a_hostile_file_name_is_kept_only_as_harmless_display_text(partner, given, kept):
    response = upload_material(partner, sample_files.pdf(given), given)

    assert "1 berkas telah diunggah." in response.text
    with unscoped("the test reads what was stored"):
        version = db.session.scalar(select(MaterialVersion).order_by(MaterialVersion.id.desc()).limit(1))
    assert version.filename == kept
    assert version.storage_key.startswith("f/") and given not in version.storage_key


def test_a_windows_path_as_a_file_name_keeps_only_its_last_part():
    """Old browsers send the whole path; the multipart parser of the test client cannot carry backslashes."""
    assert files.safe_filename("C:\\Users\\admin\\..\\modul.pdf") == "modul.pdf"


REFUSED_SHEETS = {
    "a million rows": (lambda: hostile_files.xlsx_with_rows(1_000_000), "sejuta.xlsx", "lebih dari 64 MB"),
    "a million csv rows": (lambda: b"tanggal_mulai,jenis,judul\r\n" + b"2025-11-29,counselling,Sesi\r\n" * 1_000_000,
                           "sejuta.csv", "Paling banyak 20000 baris"),
    "zip bomb": (lambda: hostile_files.xlsx_zip_bomb(256), "bom.xlsx", "lebih dari 64 MB"),
    "deeply nested xml": (hostile_files.xlsx_nested_xml, "bersarang.xlsx", NO_ROWS),
    "billion laughs": (hostile_files.xlsx_billion_laughs, "tawa.xlsx", NOT_A_WORKBOOK),
    "not a workbook": (lambda: b"PK\x03\x04 bukan zip", "rusak.xlsx", NOT_A_WORKBOOK),
    "windows-1252 csv": (hostile_files.csv_windows_1252, "kontribusi.csv", "tidak berenkode UTF-8"),
    "empty csv": (lambda: b"", "kosong.csv", EMPTY),
    "a one-megabyte cell": (lambda: b"tanggal_mulai,jenis,judul\r\n2025-11-29,counselling," + b"x" * 1_000_000,
                            "panjang.csv", "Berkas CSV tidak dapat dibaca"),
}


@pytest.mark.parametrize("made, filename, message", REFUSED_SHEETS.values(), ids=REFUSED_SHEETS.keys())
def test_a_hostile_spreadsheet_is_refused_with_a_reason_and_imports_nothing(partner, made, filename, message):
    before = counts()

    response = import_sheet(partner, made(), filename)

    assert response.status_code == 200 and message in response.text
    assert counts() == before


FORM_FLOODS = {
    "contribution title": lambda web: web.post(f"/o/{web.slug}/contributions/new?pair={web.pair}",
                                               {"title": "x" * 1_000_000, "type": "counselling"}),
    "agreement title": lambda web: web.post(f"/o/{web.slug}/agreements/new?pair={web.pair}",
                                            {"title": "x" * 1_000_000}),
    "login e-mail": lambda web: web.client.post("/login", data={"email": "x" * 1_000_000, "password": "y"}),
    "search box": lambda web: web.get(f"/o/{web.slug}/agreements/?q=" + "x" * 100_000),
}


@pytest.mark.parametrize("send", FORM_FLOODS.values(), ids=FORM_FLOODS.keys())
def test_a_one_megabyte_field_gets_a_clear_answer_not_an_error(partner, send):
    before = counts()

    response = send(partner)

    assert response.status_code in (200, 400, 413)
    if response.status_code == 413:
        assert "Kiriman Anda lebih besar daripada yang diterima portal" in response.text
    assert counts() == before


NONSENSE_PATHS = ["agreements/99999999999999999999", "materials/2147483648", "contributions/-1",
                  "contributions/new?programme=99999999999999999999", "materials/new?pair=99999999999999999999",
                  "materials/?agreement=99999999999999999999", "contributions/programmes/1e9"]


@pytest.mark.parametrize("path", NONSENSE_PATHS)
def test_an_impossible_record_id_is_not_found_not_an_error(pks, login_as, path):
    web = login_as(pks.partner_admin)

    response = web.get(f"/o/{pks.partner.slug}/{path}")

    assert response.status_code in (200, 404)


NONSENSE_QUERIES = ["page=-1", "page=abc", "page=" + "9" * 30, "counterpart=" + "9" * 30, "party=%25%25_", "party=" + "x" * 500, "status=%00",
                    "type=%27%3B--", "period=custom&from=2025-13-45&to=x", "sort=" + "x" * 500,
                    "search=ab%00cd", "party=ab%00cd"]


@pytest.mark.parametrize("query", NONSENSE_QUERIES)
@pytest.mark.parametrize("listing", ["agreements/", "contributions/", "materials/", ""])
def test_nonsense_in_a_list_address_never_breaks_the_page(pks, login_as, listing, query):
    web = login_as(pks.head)

    response = web.get(f"/o/{pks.facility.slug}/{listing}?{query}")

    assert response.status_code in (200, 400, 404)
