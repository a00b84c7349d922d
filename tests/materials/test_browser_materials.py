"""An intern shares materials in a real browser: three files at once, listed, previewed, downloaded."""
import hashlib
import re
import urllib.parse

import pytest
from playwright.sync_api import expect

from tests import sample_files
from tests.conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.browser

INTERN = "magang.psikologi@mitrapas.test"


def test_an_intern_uploads_three_files_then_previews_and_downloads(live_portal, browser, tmp_path):
    files = []
    for n, name in enumerate(["Modul konseling.pdf", "Daftar hadir sesi 1.pdf", "Laporan kegiatan.pdf"]):
        path = tmp_path / name
        path.write_bytes(sample_files.pdf(f"{name} {n}"))
        files.append(path)
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    log_in(page, live_portal, INTERN)
    page.wait_for_url(re.compile(r".*/o/[^/]+/$"))
    page.get_by_role("link", name="Materi", exact=True).click()
    page.get_by_role("link", name="Unggah materi").click()
    page.get_by_role("link", name=re.compile("Rutan Kelas IIB Bengkulu")).click()
    page.get_by_label("Berkas").set_input_files([str(path) for path in files])
    page.get_by_label("Kategori").select_option(label="Modul atau bahan ajar")
    page.get_by_label("Keterangan").fill("Bahan sesi konseling psikologis WBP")
    page.get_by_role("button", name="Unggah", exact=True).click()
    page.get_by_text("3 berkas telah diunggah.").wait_for()
    listing = page.get_by_test_id("material-list")
    for path in files:
        expect(listing.get_by_role("link", name=path.name)).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "materials-1-listed.png"), full_page=True)

    listing.get_by_role("link", name="Modul konseling.pdf").click()
    preview = page.get_by_role("link", name="Pratinjau")
    response = page.request.get(live_portal + preview.get_attribute("href"), max_redirects=0)
    assert response.status == 303
    location = urllib.parse.unquote(urllib.parse.unquote(response.headers["location"]))  # filename*= is encoded too
    assert "inline" in location and "Modul konseling.pdf" in location
    shown = page.request.get(response.headers["location"])
    assert shown.status == 200 and shown.body().startswith(b"%PDF")

    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh").click()
    saved = tmp_path / "unduhan.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "Modul konseling.pdf"
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(files[0].read_bytes()).digest()
    page.screenshot(path=str(ARTIFACTS / "materials-2-detail.png"), full_page=True)
    context.close()
