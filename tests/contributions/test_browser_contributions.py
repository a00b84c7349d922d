"""An intern imports a spreadsheet of sessions and follows the import's job to its end.

Recording one contribution with its evidence and verifying it is a journey (tests/journeys/); rejecting and
correcting one is tested through the pages in tests/contributions/test_contribution_pages.py.
"""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, signed_in_page as person

pytestmark = pytest.mark.browser

INTERN = "magang.psikologi@mitrapas.test"


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
    expect(intern.get_by_test_id("import-ready")).to_be_visible()
    intern.get_by_role("button", name="Impor semua baris").click()

    intern.wait_for_url(re.compile(r".*/jobs/[0-9a-f]{32}$"))
    intern.wait_for_selector('[data-testid="job"][data-status="done"]', timeout=120_000)  # job-progress.js reloads
    assert "4000 kontribusi diimpor" in intern.get_by_test_id("job-done").inner_text().replace(".", "")
    assert intern.get_by_test_id("job-rows").locator("tbody tr").count() == 50
    intern.screenshot(path=str(ARTIFACTS / "impor-selesai.png"), full_page=True)
