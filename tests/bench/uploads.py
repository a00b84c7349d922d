"""A large upload as deployed, against boto3 straight to the same SeaweedFS, in one run: `make bench-uploads`.

Starts the deployed stack of the tier (gunicorn 2 workers x 4 threads over HTTPS,
PostgreSQL under Row-Level Security, SeaweedFS, Redis), signs in as a demo intern
and sends one file of `--mib` MiB (512 by default) three ways, alternating for
`--rounds` rounds:

- baseline: boto3's `upload_file` straight to the bucket, 8 MiB parts, 4 at a time;
- the portal's resumable upload as resumable-upload.js does it: open, a presigned
  link per part from the portal, 8 MiB parts PUT straight to SeaweedFS, 4 at a time,
  then "complete", where the portal joins the parts and checks the whole file
  (type by content, size, SHA-256: it reads the object back once);
- the same, attached to a material through the form.

It prints MiB/s and the ratio to boto3 for the transfer (first byte to last part
stored) and for the whole (until the portal has joined the file and proved it whole),
and the growth of the gunicorn workers' peak resident memory (VmHWM) over the run.

Then, in Chromium (`tests/bench/browser_uploads.py`), a file of `--browser-mib` MiB
(256 by default) through the portal's upload page against a plain browser uploader
to the same store, same part size and parallelism, alternating for `--rounds` rounds,
and whether the file was still quarantined when the page said it was uploaded.

    .venv/bin/python -m tests.bench.uploads [--mib 512] [--browser-mib 256] [--rounds 3] [--only client|browser]

It asserts nothing about time; the goals and the figures are in tests/bench/README.md.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig

from tests.bench import browser_uploads
from tests.deployed.stack import start_stack
from tests.upload_client import BrowserUpload, over_http
from tests.visitor import Visitor

MiB = 1024 * 1024
PART = 8 * MiB
PARALLEL = 4
INTERN = "magang.psikologi@mitrapas.test"


def peak_rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def pdf_of(path: Path, mib: int) -> Path:
    """A file of `mib` MiB the portal takes (a PDF by its first bytes), of random bytes."""
    with path.open("wb") as file:
        file.write(b"%PDF-1.7\n")
        for _ in range(mib):
            file.write(os.urandom(MiB))
        file.truncate(mib * MiB)
    return path


def boto3_upload(stack, path: Path, key: str) -> float:
    client = boto3.client(
        "s3", endpoint_url=stack.env["S3_ENDPOINT_URL"], region_name="us-east-1",
        aws_access_key_id=stack.env["S3_ACCESS_KEY_ID"], aws_secret_access_key=stack.env["S3_SECRET_ACCESS_KEY"],
        config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"}))
    config = TransferConfig(multipart_threshold=PART, multipart_chunksize=PART, max_concurrency=PARALLEL)
    started = time.perf_counter()
    client.upload_file(str(path), stack.env["S3_BUCKET"], key, Config=config)
    seconds = time.perf_counter() - started
    client.delete_object(Bucket=stack.env["S3_BUCKET"], Key=key)
    return seconds


def portal_upload(browser: BrowserUpload, path: Path, pair: int) -> tuple[float, float, str]:
    """(seconds until the last part is stored, seconds until the portal has proved it whole, upload id)."""
    started = time.perf_counter()
    upload = browser.open(path.stat().st_size, path.name, pair=pair)
    browser.send(upload, path)
    sent = time.perf_counter() - started
    status, answer = browser.complete(upload)
    assert status == 200 and answer["status"] in ("joined", "checked"), answer
    return sent, time.perf_counter() - started, upload["id"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mib", type=int, default=512)
    parser.add_argument("--browser-mib", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("client", "browser"), help="one of the two comparisons")
    parser.add_argument("--trace", action="store_true", help="when each request of the portal's page began and ended")
    args = parser.parse_args(argv)
    with ExitStack() as resources:
        print("Starting the deployed stack ...", flush=True)
        stack = start_stack(resources)
        folder = Path(resources.enter_context(tempfile.TemporaryDirectory(prefix="mitrapas-bench-uploads-")))
        if args.only != "client":
            browser_uploads.run(stack, pdf_of(folder / "rekaman-browser.pdf", args.browser_mib), rounds=args.rounds,
                                intern=INTERN, part=PART, parallel=PARALLEL, trace=args.trace)
        if args.only == "browser":
            return
        path = pdf_of(folder / "rekaman-sesi.pdf", args.mib)
        intern = Visitor(stack.url, verify=stack.ca_file, timeout=600)
        intern.login(INTERN)
        org = re.search(r"/o/([^/]+)/", intern.get("/").url).group(1)
        pair = stack.sql("SELECT p.id FROM partnerships p JOIN organisations o ON o.id = p.partner_id "
                         "JOIN organisations f ON f.id = p.facility_id "
                         "WHERE o.name LIKE 'Program Pemagangan%' AND f.name LIKE '%Bengkulu%'")[0][0]
        browser = BrowserUpload(over_http(intern), org, parallel=PARALLEL)
        workers = stack.instances[0].worker_pids()
        memory_before = {pid: peak_rss_mib(pid) for pid in workers}

        baseline, sent, checked = [], [], []
        for round_number in range(args.rounds):
            baseline.append(boto3_upload(stack, path, f"bench/boto3-{round_number}"))
            transfer, whole, upload_id = portal_upload(browser, path, pair)
            sent.append(transfer)
            checked.append(whole)
            print(f"round {round_number + 1}: boto3 {args.mib / baseline[-1]:.1f} MiB/s, portal transfer "
                  f"{args.mib / transfer:.1f} MiB/s, until proved whole {args.mib / whole:.1f} MiB/s", flush=True)
        attached = intern.post(f"/o/{org}/materials/new?pair={pair}",
                               {"category": "report", "agreement": "0", "uploaded-0": upload_id})
        assert attached.status_code == 302, attached.text[-1000:]
        memory_after = {pid: peak_rss_mib(pid) for pid in workers}

    base = args.mib / statistics.median(baseline)
    print(f"\n{args.mib} MiB, {PART // MiB} MiB parts, {PARALLEL} at a time, median of {args.rounds} rounds")
    print(f"{'way':<48} {'MiB/s':>8} {'vs boto3':>9}")
    print(f"{'boto3 straight to SeaweedFS (baseline)':<48} {base:>8.1f} {1:>9.2f}")
    for name, times in (("portal: parts stored (presigned, browser-side)", sent),
                        ("portal: until joined and proved whole", checked)):
        rate = args.mib / statistics.median(times)
        print(f"{name:<48} {rate:>8.1f} {rate / base:>9.2f}")
    growth = max(memory_after[pid] - memory_before[pid] for pid in workers)
    print(f"gunicorn workers' peak memory: {', '.join(f'{memory_after[pid]:.0f} MiB' for pid in workers)}; "
          f"largest growth over the run {growth:.1f} MiB")


if __name__ == "__main__":
    main()
