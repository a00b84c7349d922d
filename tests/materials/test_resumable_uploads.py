"""A partner on a poor link sends a large file straight to storage in parts, resumes after a cut, and the
portal proves it whole when it is finished; the material made of it stays quarantined until the background
check has read the whole file, which refuses an object that is not the one sent."""
from datetime import timedelta
import hashlib
import io
import os
import urllib.request

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.core import storage
from portal.core.columns import utcnow
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.materials import upload_checks, uploads
from portal.materials.models import Material, MaterialVersion
from portal.materials.upload_models import ResumableUpload
from portal.ops import reconcile
from portal.organisations.partnership_models import Partnership
from tests import hostile_files
from tests.upload_client import BrowserUpload

MiB = 1024 * 1024


@pytest.fixture
def small_parts(app):
    """Parts of S3's smallest size, so a test file of a few MiB has several."""
    saved = app.config["UPLOAD_PART_BYTES"]
    app.config["UPLOAD_PART_BYTES"] = 5 * MiB
    yield
    app.config["UPLOAD_PART_BYTES"] = saved


def pair_of(pks) -> int:
    with unscoped("the test looks up its own pair"):
        return db.session.scalar(select(Partnership.id).where(Partnership.facility_id == pks.facility.id))


def browser_of(web, org_slug: str) -> BrowserUpload:
    """resumable-upload.js's calls, made through the test client with the page's CSRF token."""
    token = web.csrf_token()

    def call(method, url, body):
        response = web.client.open(url, method=method, json=body, headers={"X-CSRFToken": token})
        return response.status_code, response.get_json(silent=True) or {}

    return BrowserUpload(call, org_slug, parallel=1)  # one test transaction: one request at a time


def pdf_of(size: int) -> bytes:
    return b"%PDF-1.7\n" + os.urandom(size - 9)


def attach(web, pks, *upload_ids, **fields):
    form = {"category": "module", "agreement": "0", "description": "", **fields}
    form.update({f"uploaded-{n}": upload_id for n, upload_id in enumerate(upload_ids)})
    return web.post(f"/o/{pks.partner.slug}/materials/new?pair={pair_of(pks)}", form, follow_redirects=True)


def materials_count() -> int:
    with unscoped("the test counts every material"):
        return db.session.scalar(select(func.count()).select_from(Material))


def test_a_large_file_goes_straight_to_storage_and_becomes_a_material_once_checked(pks, login_as, small_parts):
    web = login_as(pks.partner_member)
    browser = browser_of(web, pks.partner.slug)
    content = pdf_of(17 * MiB)
    upload = browser.open(len(content), "modul-konseling.pdf", pair=pair_of(pks))
    assert upload["parts"] == 4 and upload["status"] == "uploading"
    browser.send(upload, content)
    status, checked = browser.complete(upload)
    assert status == 200 and checked["status"] == "checked"
    assert checked["sha256"] == hashlib.sha256(content).hexdigest()
    assert materials_count() == 0  # checked, but nobody has said what it is yet

    page = attach(web, pks, upload["id"], description="Modul sesi konseling")
    assert "1 berkas telah diunggah." in page.text
    with unscoped("the test reads the new version"):
        version = db.session.scalar(select(MaterialVersion))
        assert (version.size, version.sha256, version.content_type) == (
            len(content), hashlib.sha256(content).hexdigest(), "application/pdf")
        assert version.storage_key == db.session.get(ResumableUpload, upload["id"]).storage_key
    download = web.get(f"/o/{pks.partner.slug}/materials/{version.material_id}/versions/{version.id}/download")
    with urllib.request.urlopen(download.headers["Location"]) as response:
        assert hashlib.sha256(response.read()).hexdigest() == checked["sha256"]


def test_an_upload_cut_off_resumes_from_the_parts_the_store_holds(pks, login_as, small_parts):
    web = login_as(pks.partner_member)
    browser = browser_of(web, pks.partner.slug)
    content = pdf_of(22 * MiB)
    upload = browser.open(len(content), "laporan.pdf", pair=pair_of(pks))
    browser.send(upload, content, parts=[1, 2, 3])  # then the connection drops

    status, early = browser.complete(upload)
    assert status == 422 and "Belum semua bagian berkas" in early["error"]
    reopened = browser.state(upload)  # the page is opened again and the same file chosen
    assert reopened["finished"] == [1, 2, 3] and reopened["parts"] == 5
    browser.send(upload, content, parts=[n for n in range(1, 6) if n not in reopened["finished"]])
    status, checked = browser.complete(upload)
    assert status == 200 and checked["sha256"] == hashlib.sha256(content).hexdigest()


def test_a_file_is_quarantined_until_checked_and_refused_by_its_content(pks, login_as):
    web = login_as(pks.partner_member)
    browser = browser_of(web, pks.partner.slug)
    disguised = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + os.urandom(4096)  # a Windows program called .pdf
    upload = browser.open(len(disguised), "laporan.pdf", pair=pair_of(pks))
    browser.send(upload, disguised)
    with unscoped("the test looks at the upload's object"):
        key = db.session.get(ResumableUpload, upload["id"]).storage_key
    assert storage.head(key) is None  # parts only: nothing to list or download yet
    assert "Unggah" in attach(web, pks, upload["id"]).text and materials_count() == 0  # not checked: not attachable

    status, refused = browser.complete(upload)
    assert status == 422 and refused["status"] == "rejected"
    assert "isinya bukan salah satu jenis berkas yang diterima" in refused["problem"]
    assert "paling besar 2 GB" in refused["problem"], "the real limit, not the file's own size (it said 4 KB)"
    assert storage.head(key) is None
    assert materials_count() == 0


def test_an_image_with_too_many_pixels_is_refused_after_it_arrives(pks, login_as):
    web = login_as(pks.partner_member)
    browser = browser_of(web, pks.partner.slug)
    bomb = hostile_files.png_pixel_bomb()
    upload = browser.open(len(bomb), "foto.png", pair=pair_of(pks))
    browser.send(upload, bomb)
    status, refused = browser.complete(upload)
    assert status == 422 and "terlalu banyak piksel" in refused["problem"]


def test_only_the_uploader_continues_or_attaches_an_upload_and_only_once(pks, login_as, small_parts):
    web = login_as(pks.partner_member)
    browser = browser_of(web, pks.partner.slug)
    checked = browser.whole(pdf_of(6 * MiB), "sekali.pdf", pair=pair_of(pks))
    assert "1 berkas telah diunggah." in attach(web, pks, checked["id"]).text
    assert "tidak ditemukan atau belum diperiksa" in attach(web, pks, checked["id"]).text
    assert materials_count() == 1

    web.logout()
    colleague = login_as(pks.partner_admin)  # same organisation, not the uploader
    for method, url in (("GET", checked["state_url"]), ("POST", checked["links_url"]),
                        ("POST", checked["complete_url"])):
        assert colleague.client.open(url, method=method, json={"parts": [1]},
                                     headers={"X-CSRFToken": colleague.csrf_token()}).status_code == 404


def test_a_file_over_the_limit_or_empty_is_refused_before_a_byte_is_sent(pks, login_as, app):
    web = login_as(pks.partner_member)
    browser = browser_of(web, pks.partner.slug)
    for size, message in ((app.config["MATERIAL_MAX_BYTES"] + 1, "melebihi batas"), (0, "kosong (0 byte)")):
        status, answer = browser.call("POST", f"/o/{pks.partner.slug}/uploads",
                                      {"filename": "besar.pdf", "size": size, "pair": pair_of(pks)})
        assert status == 422 and message in answer["error"]
    with unscoped("the test counts uploads"):
        assert db.session.scalar(select(func.count()).select_from(ResumableUpload)) == 0


def test_a_json_call_without_the_csrf_token_is_refused(pks, login_as):
    web = login_as(pks.partner_member)
    response = web.client.post(f"/o/{pks.partner.slug}/uploads",
                               json={"filename": "a.pdf", "size": 10, "pair": pair_of(pks)})
    assert response.status_code == 400


def test_reconcile_removes_uploads_never_attached_after_a_day(pks, login_as, small_parts):
    web = login_as(pks.partner_member)
    browser = browser_of(web, pks.partner.slug)
    forgotten = browser.whole(pdf_of(5 * MiB + 10), "lupa.pdf", pair=pair_of(pks))
    half = browser.open(12 * MiB, "setengah.pdf", pair=pair_of(pks))
    browser.send(half, pdf_of(12 * MiB), parts=[1])
    ours = f"f/{pks.facility.id}/p/{pks.partner.id}/"
    with unscoped("reconciliation sees every tenant"):
        key = db.session.get(ResumableUpload, forgotten["id"]).storage_key
        soon = reconcile.reconcile(prefix=ours, now=utcnow() + reconcile.GRACE + timedelta(minutes=1))
        assert soon.clean  # waiting for its form: neither an orphan nor abandoned yet
        later = utcnow() + reconcile.ABANDONED + timedelta(minutes=1)
        assert reconcile.reconcile(prefix=ours, now=later).unattached_uploads == 2
        reconcile.reconcile(fix=True, prefix=ours, now=later)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(ResumableUpload)) == 0
        assert [u for u in storage.unfinished_uploads(ours)] == []
    assert storage.head(key) is None


@pytest.fixture
def held_checks(monkeypatch):
    """The background checks asked for, held until the test runs them (inline, they would run at once)."""
    held: list[str] = []
    monkeypatch.setattr(uploads.jobs, "run_later", lambda job, upload_id: held.append(upload_id))
    return held


@pytest.fixture
def reads(monkeypatch):
    """How many bytes each read of the store asked for (None: the whole object)."""
    asked: list[int | None] = []
    real_get = storage.get

    def get(key, chunk_size=1024 * 1024, *, first=None):
        asked.append(first)
        return real_get(key, chunk_size, first=first)

    monkeypatch.setattr(storage, "get", get)
    return asked


def version_of(upload_id: str) -> MaterialVersion:
    with unscoped("the test reads the version made of its upload"):
        key = db.session.get(ResumableUpload, upload_id).storage_key
        version = db.session.scalar(select(MaterialVersion).where(MaterialVersion.storage_key == key))
        db.session.refresh(version)
        return version


def run_check(upload_id: str, pks) -> None:
    """The background job, as the worker runs it: for no request, committing its own transaction."""
    upload_checks.check_job(upload_id)
    with unscoped("the job's commit expired the test's own records: they are read again"):
        assert pks.partner.slug and pks.facility.id


def entries(action: str) -> list[AuditEntry]:
    with unscoped("the test reads the audit trail"):
        return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_finishing_proves_the_file_whole_without_reading_it_and_the_material_waits_quarantined(
        pks, login_as, small_parts, held_checks, reads):
    web = login_as(pks.partner_member)
    browser = browser_of(web, pks.partner.slug)
    content = pdf_of(17 * MiB)
    upload = browser.open(len(content), "modul-besar.pdf", pair=pair_of(pks))
    browser.send(upload, content)
    status, joined = browser.complete(upload)
    assert status == 200 and joined["status"] == "joined" and joined["sha256"] is None
    assert reads and None not in reads and max(reads) <= 64 * 1024, "finishing read only the file's first bytes"
    assert held_checks == [upload["id"]]

    page = attach(web, pks, upload["id"], description="Modul besar")
    assert "1 berkas telah diunggah." in page.text and "Sedang diperiksa" in page.text  # listed, not as checked
    assert "Dapat diunduh setelah diperiksa; muat ulang halaman sebentar lagi." in page.text  # and says what it means
    version = version_of(upload["id"])
    assert version.quarantined and version.sha256 is None
    show = f"/o/{pks.partner.slug}/materials/{version.material_id}"
    assert "Sedang diperiksa" in web.get(show).text
    refused = web.get(f"{show}/versions/{version.id}/download", follow_redirects=True)
    assert "Berkas ini masih diperiksa" in refused.text
    assert not entries("material.checked")

    # The worker never ran (stopped, say): storage-reconcile asks for the checks that waited too long.
    with unscoped("reconciliation sees every tenant"):
        report = reconcile.reconcile(fix=True, prefix=f"f/{pks.facility.id}/p/{pks.partner.id}/",
                                     now=utcnow() + reconcile.GRACE + timedelta(minutes=1))
    assert report.checked_uploads == 1
    version = version_of(upload["id"])
    assert version.sha256 == hashlib.sha256(content).hexdigest() and not version.quarantined
    assert [entry.changes["after"]["sha256"] for entry in entries("material.checked")] == [version.sha256]
    download = web.get(f"{show}/versions/{version.id}/download")
    with urllib.request.urlopen(download.headers["Location"]) as response:
        assert hashlib.sha256(response.read()).hexdigest() == version.sha256


def test_an_object_changed_after_finishing_is_refused_by_the_check_and_stays_quarantined(
        pks, login_as, small_parts, held_checks):
    web = login_as(pks.partner_member)
    browser = browser_of(web, pks.partner.slug)
    content = pdf_of(11 * MiB)
    upload = browser.open(len(content), "laporan-akhir.pdf", pair=pair_of(pks))
    browser.send(upload, content)
    assert browser.complete(upload)[1]["status"] == "joined"
    attach(web, pks, upload["id"])
    version = version_of(upload["id"])
    corrupted = bytearray(content)
    corrupted[-1] ^= 0xFF  # same size, same type: only the whole-object check can tell
    storage.put(version.storage_key, io.BytesIO(bytes(corrupted)))

    run_check(upload["id"], pks)
    version = version_of(upload["id"])
    assert version.quarantined and "tidak sama dengan yang dikirim" in version.problem
    assert storage.head(version.storage_key) is None  # removed
    page = web.get(f"/o/{pks.partner.slug}/materials/{version.material_id}").text
    assert "Ditolak" in page and "tidak sama dengan yang dikirim" in page
    refused = web.get(f"/o/{pks.partner.slug}/materials/{version.material_id}/versions/{version.id}/download",
                      follow_redirects=True)
    assert "tidak sama dengan yang dikirim" in refused.text
    assert [entry.changes["after"]["problem"] for entry in entries("material.check_refused")] == [version.problem]
    run_check(upload["id"], pks)  # asked twice (a queue may deliver twice): concluded once
    assert len(entries("material.check_refused")) == 1
    with unscoped("reconciliation sees every tenant"):
        assert reconcile.reconcile(prefix=f"f/{pks.facility.id}/p/{pks.partner.id}/").missing_objects == []


def test_a_file_the_check_refused_before_the_form_came_is_refused_with_its_reason(
        pks, login_as, small_parts, held_checks):
    web = login_as(pks.partner_member)
    browser = browser_of(web, pks.partner.slug)
    content = pdf_of(6 * MiB)
    upload = browser.open(len(content), "ganda.pdf", pair=pair_of(pks))
    browser.send(upload, content)
    browser.complete(upload)
    with unscoped("the test overwrites the joined object"):
        key = db.session.get(ResumableUpload, upload["id"]).storage_key
    storage.put(key, io.BytesIO(pdf_of(6 * MiB)))
    run_check(upload["id"], pks)
    assert browser.state(upload)["status"] == "rejected"
    page = attach(web, pks, upload["id"])
    assert "tidak sama dengan yang dikirim" in page.text and materials_count() == 0


def test_the_multipart_etag_is_the_one_the_store_gives_the_joined_object():
    parts = [b"a" * 10, b"b" * 7]
    expected = hashlib.md5(b"".join(hashlib.md5(part).digest() for part in parts)).hexdigest() + "-2"
    assert uploads.multipart_etag([f'"{hashlib.md5(part).hexdigest()}"' for part in parts]) == expected
    assert uploads.multipart_etag(['"not-an-md5"']) is None  # a store's own ETags: the size alone proves it
