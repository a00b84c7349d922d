"""Story: an intern sends a 40 MiB recording from the browser straight to storage, through gunicorn's workers;
the link drops after three parts, the upload resumes from what the store holds, the portal proves it whole when
it is finished, and the material made of it is downloadable only once the RQ worker has checked it whole."""
from __future__ import annotations

import hashlib
import os
import time

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
    status, joined = browser.complete(upload)
    assert status == 200 and joined["status"] in ("joined", "checked")  # the worker may have checked it already

    page = f"{org_path(intern)}materials/new?pair={pair}"
    saved = intern.post(page, {"category": "report", "agreement": "0", "description": "Rekaman sesi",
                               "uploaded-0": upload["id"]}, allow_redirects=True)
    assert ("success", "1 berkas telah diunggah.") in flashes(saved.text)
    version = ("SELECT v.id, v.material_id, v.size, v.sha256 FROM material_versions v "
               "JOIN uploads u ON u.storage_key = v.storage_key WHERE u.id = :id AND u.status = 'attached'")
    version_id, material_id, size, sha256 = stack.sql(version, id=upload["id"])[0]
    download = f"{org_path(intern)}materials/{material_id}/versions/{version_id}/download"
    if sha256 is None:  # quarantined until the worker has read it whole: not downloadable
        refused = intern.get(download, allow_redirects=True)
        assert "Berkas ini masih diperiksa" in refused.text or stack.sql(version, id=upload["id"])[0][3]
    for _ in range(600):
        version_id, material_id, size, sha256 = stack.sql(version, id=upload["id"])[0]
        if sha256 is not None:
            break
        time.sleep(0.1)
    assert (size, sha256) == (len(content), hashlib.sha256(content).hexdigest())
    link = intern.get(download, allow_redirects=False).headers["Location"]
    assert hashlib.sha256(requests.get(link, timeout=60).content).hexdigest() == sha256
