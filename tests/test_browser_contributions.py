"""An intern records a session with a photo; the officer rejects, the intern corrects, the officer verifies."""
import re
from datetime import date, timedelta

import pytest
from PIL import Image

from tests.conftest import ARTIFACTS, signed_in_page as person

pytestmark = pytest.mark.browser

INTERN = "magang.psikologi@mitrapas.test"
OFFICER = "rafi.rizaldi@mitrapas.test"


def test_a_session_is_recorded_rejected_corrected_and_verified(live_portal, browser, tmp_path):
    photo = tmp_path / "sesi-konseling.jpg"
    Image.new("RGB", (800, 600), (200, 160, 90)).save(photo, "JPEG")
    officer = person(browser, live_portal, OFFICER)
    before = int(officer.get_by_test_id("verified-contributions").inner_text())

    intern = person(browser, live_portal, INTERN)
    intern.get_by_role("link", name="Kontribusi", exact=True).click()
    intern.get_by_role("link", name="Catat kontribusi").click()
    intern.get_by_role("link", name=re.compile("Rutan Kelas IIB Bengkulu")).click()
    intern.get_by_label("Jenis kontribusi").select_option(label="Sesi konseling")
    intern.get_by_label("Judul").fill("Konseling kelompok: mengelola kecemasan")
    intern.get_by_label("Tanggal (atau hari pertama)").fill((date.today() - timedelta(days=1)).isoformat())
    intern.get_by_label("Peserta WBP: laki-laki").fill("14")
    intern.get_by_label("Peserta WBP: perempuan").fill("0")
    intern.get_by_label("Peserta WBP: total").fill("14")
    intern.get_by_label("Jam", exact=True).fill("2")
    intern.get_by_label("Lokasi di UPT").fill("Klinik Pratama")
    intern.get_by_label("Bukti (foto, rekap kehadiran, laporan)").set_input_files(str(photo))
    intern.get_by_role("button", name="Ajukan untuk verifikasi").click()
    assert intern.get_by_text("Kontribusi telah dicatat").is_visible()
    assert intern.get_by_test_id("evidence").locator("img.thumb").count() == 1  # the photo's thumbnail

    officer.get_by_role("link", name="Kontribusi", exact=True).click()
    officer.get_by_test_id("queue-verify").click()
    officer.get_by_role("link", name="Konseling kelompok: mengelola kecemasan").click()
    officer.get_by_label("Mengapa ditolak?").fill("Jam kegiatan tertulis 2, daftar hadir menunjukkan 3 jam")
    officer.get_by_role("button", name="Tolak").click()

    intern.reload()
    assert "daftar hadir menunjukkan 3 jam" in intern.get_by_test_id("rejection-reason").inner_text()
    intern.get_by_role("link", name="Perbaiki dan ajukan kembali").click()
    intern.get_by_label("Jam", exact=True).fill("3")
    intern.get_by_role("button", name="Ajukan untuk verifikasi").click()
    assert intern.get_by_test_id("contribution-status").inner_text() == "Menunggu verifikasi"
    ARTIFACTS.mkdir(exist_ok=True)
    intern.screenshot(path=str(ARTIFACTS / "contribution-1-resubmitted.png"), full_page=True)

    officer.get_by_role("link", name="Kontribusi", exact=True).click()
    officer.get_by_test_id("queue-verify").click()
    officer.get_by_role("link", name="Konseling kelompok: mengelola kecemasan").click()
    officer.get_by_role("button", name="Verifikasi").click()
    officer.get_by_role("link", name="Dasbor").click()
    assert int(officer.get_by_test_id("verified-contributions").inner_text()) == before + 1
    officer.screenshot(path=str(ARTIFACTS / "contribution-2-dashboard.png"), full_page=True)


def test_an_intern_imports_four_thousand_rows_and_watches_the_job_to_its_end(live_portal, browser, tmp_path):
    """The import runs in a thread of the portal (no Redis here); its page follows it, then shows each row."""
    spreadsheet = tmp_path / "rekap-konseling.csv"
    day = (date.today() - timedelta(days=2)).isoformat()
    spreadsheet.write_text("tanggal_mulai,jenis,judul,peserta_total,jam\n" + "".join(
        f"{day},counselling,Konseling kelompok {n},12,2\n" for n in range(4000)), encoding="utf-8")
    intern = person(browser, live_portal, INTERN)
    intern.get_by_role("link", name="Kontribusi", exact=True).click()
    intern.get_by_role("link", name="Impor dari lembar kerja").click()
    intern.get_by_role("link", name=re.compile("Rutan Kelas IIB Bengkulu")).click()
    intern.get_by_label("Berkas CSV atau XLSX").set_input_files(str(spreadsheet))
    intern.get_by_role("button", name="Periksa baris").click()
    assert intern.get_by_test_id("import-ready").is_visible()
    intern.get_by_role("button", name="Impor semua baris").click()

    intern.wait_for_url(re.compile(r".*/jobs/[0-9a-f]{32}$"))
    intern.wait_for_selector('[data-testid="job"][data-status="done"]', timeout=120_000)  # job-progress.js reloads
    assert "4000 kontribusi diimpor" in intern.get_by_test_id("job-done").inner_text().replace(".", "")
    assert intern.get_by_test_id("job-rows").locator("tbody tr").count() == 50
    intern.screenshot(path=str(ARTIFACTS / "impor-selesai.png"), full_page=True)
