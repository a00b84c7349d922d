"""The head turns the public page off and on, Humas publishes a drafted report with a photo, and an
anonymous visitor reads it and the feed: the photo carries no EXIF, a draft and an unverified session
never reach the visitor."""
import io
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from PIL import Image

from tests.conftest import ARTIFACTS, signed_in_page as person

pytestmark = pytest.mark.browser

FACILITY = "rutan-kelas-iib-tamiang-layang"
HEAD = "agung.novarianto@mitrapas.test"
HUMAS = "humas@rutan-tamiang-layang.mitrapas.test"
INTERN = "magang.psikologi@mitrapas.test"


def visitor(browser):
    """Someone who followed a shared link on a phone: no account, a narrow screen."""
    return browser.new_context(locale="id-ID", viewport={"width": 390, "height": 800}).new_page()


def test_a_report_goes_from_a_verified_activity_to_the_public_with_a_clean_photo(live_portal, browser):
    public_page = f"{live_portal}/publik/{FACILITY}"
    intern = person(browser, live_portal, INTERN)
    intern.get_by_role("link", name="Kontribusi", exact=True).click()
    intern.get_by_role("link", name="Catat kontribusi").click()
    intern.get_by_role("link", name=re.compile("Rutan Kelas IIB Tamiang Layang")).click()
    intern.get_by_label("Jenis kontribusi").select_option(label="Sesi konseling")
    intern.get_by_label("Judul").fill("Konseling sebaya yang belum diverifikasi")
    intern.get_by_label("Tanggal (atau hari pertama)").fill((date.today() - timedelta(days=1)).isoformat())
    intern.get_by_label("Peserta WBP: total").fill("77")
    intern.get_by_role("button", name="Ajukan untuk verifikasi").click()
    expect(intern.get_by_text("Kontribusi telah dicatat")).to_be_visible()

    head = person(browser, live_portal, HEAD)
    head.get_by_role("button", name="Lainnya").click()  # the menu's less used pages
    head.get_by_role("link", name="Berita", exact=True).click()
    head.get_by_label("Tampilkan halaman publik UPT").uncheck()
    head.get_by_role("button", name="Simpan").click()
    reader = visitor(browser)
    assert reader.goto(public_page).status == 404
    head.get_by_label("Tampilkan halaman publik UPT").check()
    head.get_by_role("button", name="Simpan").click()
    expect(head.get_by_text("Halaman publik aktif")).to_be_visible()

    humas = person(browser, live_portal, HUMAS)
    humas.get_by_role("button", name="Lainnya").click()
    humas.get_by_role("link", name="Berita", exact=True).click()
    humas.locator("li", has_text="Sistem Rujukan Pelayanan Kesehatan").get_by_role(
        "button", name="Buat draf berita").click()
    expect(humas.get_by_test_id("news-status")).to_have_text("Draf")
    humas.get_by_label("Isi ucapan").fill("Layanan rujukan kini lebih cepat, tepat dan akuntabel")
    humas.get_by_label("Nama narasumber").fill("Agung Novarianto")
    humas.get_by_label("Jabatan narasumber").fill("Kepala Rutan Tamiang Layang")
    humas.get_by_role("button", name="Tambahkan kutipan").click()
    humas.get_by_label("Keterangan foto").fill("Aula klinik setelah penandatanganan")
    humas.get_by_role("button", name="Tambahkan foto").click()
    expect(humas.get_by_text("Pastikan tidak ada WBP yang dapat dikenali")).to_be_visible()  # refused: not confirmed
    humas.get_by_label("Keterangan foto").fill("Aula klinik setelah penandatanganan")
    humas.get_by_label("Saya sudah memeriksa foto ini: tidak ada WBP yang dapat dikenali.").check()
    humas.get_by_role("button", name="Tambahkan foto").click()
    expect(humas.get_by_text("tanpa data EXIF dan lokasinya")).to_be_visible()
    humas.get_by_role("button", name="Terbitkan").click()
    expect(humas.get_by_test_id("news-status")).to_have_text("Terbit")
    title = humas.locator("h1").inner_text()

    humas.get_by_role("link", name="Semua berita").click()
    humas.locator("li", has_text="Program Rehabilitasi WBP Kategori II").get_by_role(
        "button", name="Buat draf berita").click()
    humas.get_by_label("Judul").fill("Draf rahasia yang belum terbit")
    humas.get_by_role("button", name="Simpan draf").click()

    reader.goto(public_page)
    assert "Konseling sebaya yang belum diverifikasi" not in reader.content()
    assert ">77<" not in reader.content(), "an unverified figure never reaches the public"
    assert "Draf rahasia" not in reader.content()
    assert reader.goto(f"{public_page}/berita/draf-rahasia-yang-belum-terbit").status == 404
    reader.goto(public_page)
    reader.get_by_role("link", name=title).click()
    expect(reader.get_by_text("Agung Novarianto, Kepala Rutan Tamiang Layang")).to_be_visible()
    photo_address = reader.locator("figure img").first.get_attribute("src")
    photo = reader.request.get(f"{live_portal}{photo_address}")
    image = Image.open(io.BytesIO(photo.body()))
    assert photo.ok and image.format == "JPEG" and not image.getexif() and "exif" not in image.info
    ARTIFACTS.mkdir(exist_ok=True)
    reader.screenshot(path=str(ARTIFACTS / "public-news-on-a-phone.png"), full_page=True)
    feed = reader.request.get(f"{public_page}/feed.atom")
    assert feed.ok and title in feed.text() and "Draf rahasia" not in feed.text()
