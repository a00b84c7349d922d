"""Story: an intern imports 8,000 rows on the deployed portal; the RQ worker does it while the page follows it."""
from __future__ import annotations

import re
import time

import boto3
import requests
import pytest
from botocore.exceptions import ClientError

from tests.deployed.people import intern_pair_at_bengkulu, org_path

ROWS = 8000


def test_a_long_import_runs_in_the_worker_and_its_page_follows_it_to_the_end(stack, visitor):
    intern = visitor()
    intern.login("magang.psikologi@mitrapas.test")
    pair = intern_pair_at_bengkulu(stack)
    page = f"{org_path(intern)}contributions/import?pair={pair}"
    # The first day a contribution of the pair may have (the partnership's start): before the other stories'
    # work, so their lists still open with it.
    day = stack.sql("SELECT since FROM partnerships WHERE id = :id", id=pair)[0][0].isoformat()
    sheet = "tanggal_mulai,jenis,judul,peserta_total,jam\r\n" + "".join(
        f"{day},counselling,Impor latar belakang {n},9,1\r\n" for n in range(ROWS))
    preview = intern.post(page, {"preview": "1"}, files={"file": ("rekap.csv", sheet.encode("utf-8"), "text/csv")})
    assert preview.status_code == 200 and 'data-testid="import-ready"' in preview.text, preview.text[-2000:]
    stash = re.search(r'name="stash" value="([^"]+)"', preview.text).group(1)
    confirmed = intern.post(page, {"stash": stash, "stash_name": "rekap.csv", "confirm": "1"})
    assert confirmed.status_code == 302
    job_page = confirmed.headers["Location"]
    assert 'data-status="' in intern.get(job_page).text

    seen, deadline = [], time.monotonic() + 180
    while time.monotonic() < deadline:
        status = intern.get(job_page + ".json").json()
        seen.append(status["percent"])
        if status["finished"]:
            break
        time.sleep(0.2)
    assert status["status"] == "done", status
    assert any(0 < percent < 100 for percent in seen), f"no progress was seen between start and end: {seen}"
    assert seen == sorted(seen)
    done_page = intern.get(job_page).text
    assert f"{ROWS} kontribusi diimpor" in done_page
    assert stack.sql("SELECT count(*) FROM contributions WHERE title LIKE 'Impor latar belakang %'")[0][0] == ROWS
    assert stack.sql("SELECT count(*) FROM audit_entries a JOIN contributions c ON a.object_id = c.id::text "
                     "WHERE a.action = 'contribution.recorded' AND c.title LIKE 'Impor latar belakang %'")[0][0] == ROWS
    storage = boto3.client("s3", endpoint_url=stack.env["S3_ENDPOINT_URL"], region_name=stack.env.get("S3_REGION"),
                           aws_access_key_id=stack.env["S3_ACCESS_KEY_ID"],
                           aws_secret_access_key=stack.env["S3_SECRET_ACCESS_KEY"])
    with pytest.raises(ClientError):  # the previewed copy of the file goes once its rows are kept
        storage.head_object(Bucket=stack.env.get("S3_BUCKET", "mitrapas"), Key=stash)


def _follow(visitor, job_page: str) -> dict:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        status = visitor.get(job_page + ".json").json()
        if status["finished"]:
            return status
        time.sleep(0.2)
    raise AssertionError(f"{job_page} did not finish")


def _file_of(visitor, job_page: str) -> bytes:
    page = visitor.get(job_page).text
    href = re.search(r'href="([^"]+)" data-testid="job-file"', page).group(1)
    link = visitor.get(href, allow_redirects=False)
    assert link.status_code == 303
    return requests.get(link.headers["Location"], timeout=60).content


def test_the_long_list_is_exported_by_the_worker_and_holds_every_row_the_list_counts(stack, visitor):
    intern = visitor()
    intern.login("magang.psikologi@mitrapas.test")
    listing = intern.get(f"{org_path(intern)}contributions/").text
    total = int(re.search(r'data-list-total="(\d+)"', listing).group(1))
    assert total > ROWS and 'data-testid="prepare-csv"' in listing  # long: made in the background
    made = intern.post(f"{org_path(intern)}contributions/export.csv", token_from=f"{org_path(intern)}contributions/")
    assert made.status_code == 302
    job_page = made.headers["Location"]
    assert _follow(intern, job_page)["status"] == "done"
    rows = _file_of(intern, job_page).decode("utf-8-sig").splitlines()
    assert len(rows) == total + 1  # and the header


def test_the_monthly_report_is_drawn_by_the_worker(stack, visitor):
    officer = visitor()
    officer.login("rafi.rizaldi@mitrapas.test")  # Bengkulu's officer: its month of 8,000 imported sessions
    month = stack.sql("SELECT since FROM partnerships WHERE id = :id", id=intern_pair_at_bengkulu(stack))[0][0]
    made = officer.post(f"{org_path(officer)}report.pdf", {"month": month.strftime("%Y-%m")},
                        token_from=org_path(officer))
    assert made.status_code == 302
    assert _follow(officer, made.headers["Location"])["status"] == "done"
    assert _file_of(officer, made.headers["Location"]).startswith(b"%PDF")
