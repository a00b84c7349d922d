"""An intern on a slow link sends a 48 MiB recording in Chromium: the network drops at 60% and comes back, or
the page is closed and opened again; either way the upload goes on from the last finished part."""
import hashlib
import os
import re
import urllib.parse

import pytest

from tests.conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.browser

INTERN = "magang.psikologi@mitrapas.test"
MiB = 1024 * 1024
#: Slow enough that a cut lands mid-way, fast enough for CI: 48 MiB in about eight seconds.
UPLINK = 6 * MiB


class Link:
    """The browser's network, through the DevTools protocol: throttled, cut, restored."""

    def __init__(self, context, page):
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.up()

    def up(self):
        self.cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": UPLINK})

    def down(self):
        self.cdp.send("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})


class PartLog:
    """Every part the browser sent straight to storage, and how it ended."""

    def __init__(self, page):
        self.sent: list[tuple[int, bool]] = []
        page.on("requestfinished", lambda request: self._note(request, request.response().status == 200))
        page.on("requestfailed", lambda request: self._note(request, False))

    def _note(self, request, ok: bool):
        if request.method == "PUT" and "partNumber=" in request.url:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.url).query)
            self.sent.append((int(query["partNumber"][0]), ok))

    def finished(self) -> set[int]:
        return {number for number, ok in self.sent if ok}


@pytest.fixture
def recording(tmp_path):
    path = tmp_path / "Rekaman sesi konseling.pdf"
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(48 * MiB - 9))
    return path


def open_upload_form(page, live_portal):
    page.goto(f"{live_portal}/")
    page.get_by_role("link", name="Materi", exact=True).click()
    page.get_by_role("link", name="Unggah materi").click()
    page.get_by_role("link", name=re.compile("Rutan Kelas IIB Bengkulu")).click()


def start_upload(page, path):
    page.get_by_label("Berkas").set_input_files(str(path))
    page.get_by_label("Kategori").select_option(label="Modul atau bahan ajar")
    page.get_by_role("button", name="Unggah", exact=True).click()


def percent(page) -> int:
    return int(page.locator("[data-progress-bar]").text_content().rstrip("%") or 0)


def wait_for_percent(page, wanted: int, seconds: float = 60) -> None:
    """Poll the bar (the page's script policy forbids evaluating a waiting function in it)."""
    for _ in range(int(seconds * 20)):
        if percent(page) >= wanted:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"the upload did not reach {wanted}%")


def downloaded_sha256(page, live_portal, name) -> str:
    """The file as downloaded once the background check lets it out (until then its page says it is checked)."""
    page.get_by_test_id("material-list").get_by_role("link", name=name).first.click()
    download = page.get_by_role("link", name="Unduh")
    for _ in range(100):
        if download.count():
            break
        assert page.get_by_test_id("version-checking").count(), "neither downloadable nor being checked"
        page.wait_for_timeout(200)
        page.reload()
    href = download.first.get_attribute("href")
    return hashlib.sha256(page.request.get(live_portal + href).body()).hexdigest()


def test_a_connection_lost_at_60_percent_resumes_from_the_last_finished_part(live_portal, browser, recording):
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_portal, INTERN)
    page.wait_for_url(re.compile(r".*/o/[^/]+/$"))
    open_upload_form(page, live_portal)
    link, parts = Link(context, page), PartLog(page)
    start_upload(page, recording)

    wait_for_percent(page, 60)
    link.down()
    status = page.locator("[data-progress-text]")
    status.get_by_text("Koneksi terputus").wait_for(timeout=30_000)
    before_cut, at_cut = parts.finished(), percent(page)
    assert 1 <= len(before_cut) < 6 and at_cut >= 60
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "upload-1-connection-lost.png"), full_page=True)
    page.wait_for_timeout(2_000)
    assert percent(page) >= at_cut - 20  # still counting what the store holds, not back to zero

    link.up()
    page.get_by_text("1 berkas telah diunggah.").wait_for(timeout=120_000)
    # Each part stored once: none the store held at the cut went again (the log is in the order requests ended,
    # not began, so the parts that failed at the cut may come before the last ones that had arrived).
    assert sorted(number for number, ok in parts.sent if ok) == list(range(1, 7)), parts.sent
    assert parts.finished() == set(range(1, 7))
    assert downloaded_sha256(page, live_portal, recording.name) == hashlib.sha256(recording.read_bytes()).hexdigest()
    context.close()


def test_an_upload_closed_half_way_goes_on_when_the_same_file_is_chosen_again(live_portal, browser, recording):
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_portal, INTERN)
    page.wait_for_url(re.compile(r".*/o/[^/]+/$"))
    recording.write_bytes(b"%PDF-1.7\n" + os.urandom(48 * MiB - 9))  # not the first test's file
    open_upload_form(page, live_portal)
    link, parts = Link(context, page), PartLog(page)
    start_upload(page, recording)
    for _ in range(1200):  # until the store holds two parts whole
        if len(parts.finished()) >= 2:
            break
        page.wait_for_timeout(50)
    link.down()  # the tab is closed: what was in flight is lost
    page.goto("about:blank")
    before_close = parts.finished()
    assert before_close

    link.up()
    parts.sent.clear()
    open_upload_form(page, live_portal)
    start_upload(page, recording)
    page.get_by_text("1 berkas telah diunggah.").wait_for(timeout=120_000)
    sent_again = {number for number, _ok in parts.sent}
    # Only what the store lacked (parts in flight at the close may have arrived all the same).
    assert sent_again <= set(range(1, 7)) - before_close
    assert downloaded_sha256(page, live_portal, recording.name) == hashlib.sha256(recording.read_bytes()).hexdigest()
    context.close()
