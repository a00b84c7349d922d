"""The portal's upload page in Chromium against a plain browser uploader to the same store, in the same run.

Both send the same file in 8 MiB parts, 4 at a time, with XMLHttpRequest PUTs of
presigned links straight to the stack's SeaweedFS, from the same Chromium:

- plain: a bare page (served from loopback) handed every part's link up front, that
  PUTs the parts and nothing else; the multipart upload is then completed with boto3.
  Timed from the start of the first PUT to the object joined: the floor a browser here
  can reach.
- portal: the intern's "Unggah materi" page as a person uses it: the file chosen, the
  form sent; resumable-upload.js opens the upload, asks for links, sends the parts,
  has the portal finish it, and posts the form. Timed from the button's click (in the
  page, as the plain uploader is started) until the portal answered that it joined the
  file and proved it whole (the plain uploader's end), and until the material list said
  "1 berkas telah diunggah.". Right then the database is asked whether the new version
  is still quarantined (no SHA-256 yet), and then how long the background check took
  to lift it. `--trace` prints when each of the page's requests began and ended.

Used by `tests/bench/uploads.py` (`make bench-uploads`); asserts nothing about time.
"""
from __future__ import annotations

from dataclasses import dataclass
import http.server
import os
import re
import statistics
import threading
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "mitrapas-demo-2025"

#: The plain uploader: every link given, parts PUT 4 at a time, nothing drawn, nothing asked of anyone.
PLAIN_PAGE = b"""<!doctype html><meta charset="utf-8"><title>plain uploader</title>
<input type="file" id="file">
<script>
function put(link, blob) {
  return new Promise(function (resolve, reject) {
    var request = new XMLHttpRequest();
    request.open("PUT", link);
    request.onload = function () { request.status < 300 ? resolve() : reject(new Error(String(request.status))); };
    request.onerror = function () { reject(new Error("network")); };
    request.send(blob);
  });
}
window.sendAll = function (links, partSize, parallel) {
  var file = document.getElementById("file").files[0], next = 0;
  function worker() {
    var number = next++;
    if (number >= links.length) { return Promise.resolve(); }
    var start = number * partSize;
    return put(links[number], file.slice(start, Math.min(file.size, start + partSize))).then(worker);
  }
  var workers = [];
  for (var i = 0; i < parallel; i++) { workers.push(worker()); }
  return Promise.all(workers).then(function () { return links.length; });
};
</script>"""


@dataclass
class PortalRound:
    #: Until the portal had joined the file and proved it whole (the plain uploader's end: the object joined).
    joined: float
    #: Until the material list said "1 berkas telah diunggah.".
    seconds: float
    #: The new version had no SHA-256 yet when the page said the file was uploaded.
    quarantined_when_shown: bool
    #: From the page saying so until the background check had hashed it.
    checked_after: float


def serve_plain_page() -> tuple[http.server.ThreadingHTTPServer, str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PLAIN_PAGE)))
            self.end_headers()
            self.wfile.write(PLAIN_PAGE)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def plain_round(page, client, bucket: str, path: Path, key: str, part: int, parallel: int) -> float:
    size = path.stat().st_size
    upload_id = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    links = [client.generate_presigned_url("upload_part", ExpiresIn=3600, Params={
        "Bucket": bucket, "Key": key, "UploadId": upload_id, "PartNumber": number})
        for number in range(1, -(-size // part) + 1)]
    page.locator("#file").set_input_files(str(path))
    started = time.perf_counter()
    page.evaluate("([links, part, parallel]) => sendAll(links, part, parallel)", [links, part, parallel])
    parts = client.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)["Parts"]
    client.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={
        "Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]})
    seconds = time.perf_counter() - started
    client.delete_object(Bucket=bucket, Key=key)
    return seconds


def portal_round(page, stack, form_url: str, path: Path, trace: bool = False) -> PortalRound:
    page.goto(form_url)
    events: list[tuple[float, str, str, str]] = []
    listeners = {name: (lambda kind: lambda request: events.append(
        (time.perf_counter(), kind, request.method, request.url)))(kind)
        for name, kind in (("request", "start"), ("requestfinished", "end"))}
    for name, listener in listeners.items():
        page.on(name, listener)
    page.get_by_label("Berkas").set_input_files(str(path))
    page.get_by_label("Kategori").select_option(label="Laporan")
    done = page.get_by_text("1 berkas telah diunggah.")
    button = page.get_by_role("button", name="Unggah", exact=True)
    button.wait_for()
    started = time.perf_counter()
    # The button clicked in the page, as the plain uploader is started: without Playwright's checks before a click.
    button.evaluate("button => button.click()")
    done.wait_for(timeout=600_000)
    seconds = time.perf_counter() - started
    shown = time.perf_counter()
    for name, listener in listeners.items():
        page.remove_listener(name, listener)
    joined = min(t for t, kind, method, url in events if kind == "end" and url.endswith("/complete")) - started
    if trace:
        print_trace(events, started, shown)
    newest = "SELECT sha256, problem FROM material_versions ORDER BY id DESC LIMIT 1"
    sha256, problem = stack.sql(newest)[0]
    quarantined = sha256 is None
    while sha256 is None:
        if problem or time.perf_counter() - shown > 300:
            raise AssertionError(f"the background check did not lift the quarantine: {problem}")
        time.sleep(0.05)
        sha256, problem = stack.sql(newest)[0]
    return PortalRound(joined, seconds, quarantined, time.perf_counter() - shown)


def print_trace(events, started: float, shown: float) -> None:
    """When each of the page's requests began and ended, from the click (ms): where the time goes."""
    puts = [(t, kind) for t, kind, method, url in events if method == "PUT"]
    print(f"  first PUT began {1000 * (min(t for t, kind in puts if kind == 'start') - started):.0f} ms, "
          f"last PUT ended {1000 * (max(t for t, kind in puts if kind == 'end') - started):.0f} ms, "
          f"page said so {1000 * (shown - started):.0f} ms")
    for t, kind, method, url in events:
        if method != "PUT" and not url.endswith((".js", ".css", ".ico", ".png")):
            print(f"  {1000 * (t - started):7.0f} ms {kind:<5} {method} {url.split('?')[0][-60:]}")


def renew(path: Path) -> None:
    """Other bytes (the same size and type): the portal refuses a file the pair already has."""
    with path.open("r+b") as file:
        file.seek(16)
        file.write(os.urandom(1024))


def run(stack, path: Path, *, rounds: int, intern: str, part: int, parallel: int, trace: bool = False) -> None:
    """Alternate the plain uploader and the portal's page for `rounds` rounds; print the medians and the ratio."""
    import boto3
    from botocore.config import Config as BotoConfig
    from playwright.sync_api import sync_playwright

    mib = path.stat().st_size / (1024 * 1024)
    client = boto3.client(
        "s3", endpoint_url=stack.env["S3_ENDPOINT_URL"], region_name="us-east-1",
        aws_access_key_id=stack.env["S3_ACCESS_KEY_ID"], aws_secret_access_key=stack.env["S3_SECRET_ACCESS_KEY"],
        config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"}))
    server, plain_url = serve_plain_page()
    plain, portal = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(locale="id-ID", ignore_https_errors=True,
                                          viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(f"{stack.url}/login")
            page.get_by_label("E-mail").fill(intern)
            page.get_by_label("Kata sandi").fill(PASSWORD)
            page.get_by_role("button", name="Masuk").click()
            page.wait_for_url(re.compile(r".*/o/[^/]+/$"))
            org = re.search(r"/o/([^/]+)/", page.url).group(1)
            pair = stack.sql("SELECT p.id FROM partnerships p JOIN organisations o ON o.id = p.partner_id "
                             "JOIN organisations f ON f.id = p.facility_id "
                             "WHERE o.name LIKE 'Program Pemagangan%' AND f.name LIKE '%Bengkulu%'")[0][0]
            form_url = f"{stack.url}/o/{org}/materials/new?pair={pair}"
            plain_page = context.new_page()
            plain_page.goto(plain_url)
            for number in range(rounds):
                plain.append(plain_round(plain_page, client, stack.env["S3_BUCKET"], path,
                                         f"bench/plain-{number}", part, parallel))
                renew(path)  # new content and lastModified: a new upload, neither resumed nor a duplicate
                portal.append(portal_round(page, stack, form_url, path, trace))
                print(f"chromium round {number + 1}: plain uploader {mib / plain[-1]:.1f} MiB/s, portal's page "
                      f"{mib / portal[-1].joined:.1f} MiB/s until joined ({plain[-1] / portal[-1].joined:.2f}), "
                      f"{mib / portal[-1].seconds:.1f} until listed ({plain[-1] / portal[-1].seconds:.2f}); "
                      f"quarantined when shown: {'yes' if portal[-1].quarantined_when_shown else 'no'}, "
                      f"checked {portal[-1].checked_after:.2f} s later", flush=True)
            browser.close()
    finally:
        server.shutdown()
    base = mib / statistics.median(plain)
    joined = mib / statistics.median(round_.joined for round_ in portal)
    rate = mib / statistics.median(round_.seconds for round_ in portal)
    print(f"\nChromium, {mib:.0f} MiB, {part // (1024 * 1024)} MiB parts, {parallel} at a time, "
          f"median of {rounds} rounds")
    print(f"{'way':<56} {'MiB/s':>8} {'vs plain':>9}")
    print(f"{'plain browser uploader, every link given (baseline)':<56} {base:>8.1f} {1:>9.2f}")
    print(f"{'portal upload page, until joined and proved whole':<56} {joined:>8.1f} {joined / base:>9.2f}")
    print(f"{'portal upload page, until the material is listed':<56} {rate:>8.1f} {rate / base:>9.2f}")
    quarantined = sum(round_.quarantined_when_shown for round_ in portal)
    print(f"quarantined when the page said it was uploaded: {quarantined} of {rounds} rounds; the background check "
          f"lifted it {statistics.median(round_.checked_after for round_ in portal):.2f} s later (median)")
