"""Story: an intern sends a 40 MiB recording from the browser straight to storage, through gunicorn's workers;
the link drops after three parts, the upload resumes from what the store holds, and only the checked file
becomes a material."""
from __future__ import annotations

import hashlib
import os

import requests

from tests.deployed.people import flashes, intern_pair_at_bengkulu, org_path
from tests.upload_client import BrowserUpload, over_http

MiB = 1024 * 1024


def test_a_large_upload_resumes_across_workers_and_becomes_a_material_once_checked(stack, visitor):
    intern = visitor()
    intern.login("magang.psikologi@mitrapas.test")
    org = org_path(intern).strip("/").split("/")[-1]
    pair = intern_pair_at_bengkulu(stack)
    browser = BrowserUpload(over_http(intern), org)
    content = b"%PDF-1.7\n" + os.urandom(40 * MiB - 9)

    upload = browser.open(len(content), "Rekaman sesi konseling.pdf", pair=pair)
    assert upload["parts"] == 5
    browser.send(upload, content, parts=[1, 2, 3])  # then the link drops
    assert stack.sql("SELECT status FROM uploads WHERE id = :id", id=upload["id"])[0][0] == "uploading"
    resumed = browser.state(upload)  # any worker knows: the store itself says what it holds
    assert resumed["finished"] == [1, 2, 3]
    browser.send(upload, content, parts=[4, 5])
    status, checked = browser.complete(upload)
    assert status == 200 and checked["sha256"] == hashlib.sha256(content).hexdigest()

    page = f"{org_path(intern)}materials/new?pair={pair}"
    saved = intern.post(page, {"category": "report", "agreement": "0", "description": "Rekaman sesi",
                               "uploaded-0": upload["id"]}, allow_redirects=True)
    assert ("success", "1 berkas telah diunggah.") in flashes(saved.text)
    version_id, material_id, size, sha256 = stack.sql(
        "SELECT v.id, v.material_id, v.size, v.sha256 FROM material_versions v "
        "JOIN uploads u ON u.storage_key = v.storage_key WHERE u.id = :id AND u.status = 'attached'", id=upload["id"])[0]
    assert (size, sha256) == (len(content), checked["sha256"])
    link = intern.get(f"{org_path(intern)}materials/{material_id}/versions/{version_id}/download",
                      allow_redirects=False).headers["Location"]
    assert hashlib.sha256(requests.get(link, timeout=60).content).hexdigest() == checked["sha256"]
