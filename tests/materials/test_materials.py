"""Materials against a real SeaweedFS: round trips, refusals, versions, deletes, reconciliation."""
from datetime import timedelta
import hashlib
import io
import os
import re
import urllib.request

import pytest
from sqlalchemy import func, select

from portal.agreements.models import AgreementStatus as S
from portal.core import storage
from portal.core.columns import utcnow
from portal.core.errors import DomainError, NotAllowed
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.materials import operations as materials
from portal.materials.models import Material, MaterialCategory, MaterialVersion
from portal.materials.operations import Upload
from portal.ops import reconcile
from portal.organisations.partnership_models import Partnership
from tests import sample_files
from tests.office_pages import digests_in


def pair_id(pks):
    with unscoped("the test looks up its own pair"):
        return db.session.scalar(select(Partnership.id).where(Partnership.facility_id == pks.facility.id))


def upload(pks, content: bytes, filename="modul.pdf", by=None, **options):
    by = by or pks.partner_member
    with pks.acting(by):
        return materials.upload_materials(pks.facility, pks.partner, [Upload(io.BytesIO(content), filename)],
                                          category=options.pop("category", MaterialCategory.MODULE), actor=by,
                                          **options)[0]


def fetch(url: str) -> tuple[bytes, dict]:
    with urllib.request.urlopen(url) as response:
        return response.read(), dict(response.headers)


def count_rows():
    with unscoped("the test counts every material"):
        return db.session.scalar(select(func.count()).select_from(MaterialVersion))


def big_pdf(size: int) -> bytes:
    return b"%PDF-1.7\n" + os.urandom(size - 9)


def test_an_intern_uploads_three_files_at_once_and_sees_them_listed(pks, login_as):
    web = login_as(pks.partner_member)
    files = [(io.BytesIO(sample_files.pdf(f"Daftar hadir {n}")), f"daftar-hadir-{n}.pdf") for n in range(3)]
    response = web.post(f"/o/{pks.partner.slug}/materials/new?pair={pair_id(pks)}",
                        {"files": files, "category": "attendance", "agreement": "0", "description": "Sesi 1-3"},
                        content_type="multipart/form-data", follow_redirects=True)
    assert "3 berkas telah diunggah." in response.text
    listing = web.get(f"/o/{pks.partner.slug}/materials/?category=attendance").text
    assert all(f"daftar-hadir-{n}.pdf" in listing for n in range(3))


def test_a_small_file_round_trips_byte_for_byte_as_an_attachment(pks):
    content = sample_files.pdf("Modul konseling")
    material = upload(pks, content, "Modul Konseling.pdf")
    with pks.acting(pks.officer):
        version = material.latest
        body, headers = fetch(materials.download_url(version))
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(content).hexdigest() == version.sha256
    assert headers["Content-Disposition"].startswith("attachment;")
    assert version.storage_key.startswith(f"f/{pks.facility.id}/p/{pks.partner.id}/materials/")
    assert "Modul" not in version.storage_key


def test_a_large_file_goes_up_in_more_than_two_parts_and_comes_back_whole(pks):
    content = big_pdf(3 * storage.TRANSFER.multipart_chunksize + 1024)
    material = upload(pks, content, "rekaman-pelatihan.pdf")
    with pks.acting(pks.partner_member):
        version = material.latest
    etag = storage._client().head_object(Bucket=storage._bucket(), Key=version.storage_key)["ETag"]
    assert etag.strip('"').endswith("-4"), etag  # an S3 multipart upload of four parts
    digest = hashlib.sha256()
    for chunk in storage.get(version.storage_key):
        digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(content).hexdigest() == version.sha256
    assert version.size == len(content)


@pytest.mark.parametrize("content, filename, message", [
    (b"", "kosong.pdf", "kosong (0 byte)"),
    (sample_files.executable_named_pdf(), "laporan.pdf", "isinya bukan salah satu jenis berkas yang diterima"),
    (b"MZ" + b"\0" * 100, "setup.exe", "isinya bukan salah satu jenis berkas yang diterima"),
])
def test_bad_files_are_refused_with_the_reason_and_nothing_is_kept(pks, login_as, content, filename, message):
    web = login_as(pks.partner_member)
    page = web.post(f"/o/{pks.partner.slug}/materials/new?pair={pair_id(pks)}",
                    {"files": [(io.BytesIO(content), filename)], "category": "report", "agreement": "0"},
                    content_type="multipart/form-data", follow_redirects=True)
    assert message in page.text
    assert count_rows() == 0


def test_a_file_over_the_limit_is_refused_and_its_partial_object_removed(pks, app):
    app.config["MATERIAL_MAX_BYTES"] = 1024 * 1024
    try:
        before = set(storage.keys(f"f/{pks.facility.id}/"))
        with pytest.raises(DomainError, match="1 MB"):
            upload(pks, big_pdf(3 * 1024 * 1024))
    finally:
        app.config["MATERIAL_MAX_BYTES"] = 2 * 1024**3
    db.session.rollback()
    assert count_rows() == 0 and set(storage.keys(f"f/{pks.facility.id}/")) == before


@pytest.mark.parametrize("given, kept", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\boot.ini", "boot.ini"),
    ("laporan\x00\x1b[31m.pdf", "laporan[31m.pdf"),
    ("📄 " + "Laporan kegiatan pembinaan kepribadian " * 8 + ".pdf", None),
])
def test_file_names_are_kept_safe_and_readable(pks, given, kept):
    material = upload(pks, sample_files.pdf(given[:20]), given)
    with pks.acting(pks.partner_member):
        name = material.latest.filename
    assert "/" not in name and "\\" not in name and "\x00" not in name and len(name) <= 200
    assert name == kept if kept else (name.startswith("📄 Laporan") and name.endswith(".pdf"))


def test_the_same_file_twice_is_a_double_submission(pks):
    content = sample_files.pdf("Sertifikat")
    upload(pks, content, "sertifikat.pdf")
    with pytest.raises(DomainError, match="sudah ada sebagai materi|already a material"):
        upload(pks, content, "sertifikat (1).pdf")


def test_a_form_without_its_csrf_token_is_refused(pks, login_as):
    web = login_as(pks.partner_member)
    response = web.client.post(f"/o/{pks.partner.slug}/materials/new?pair={pair_id(pks)}",
                               data={"files": [(io.BytesIO(sample_files.pdf()), "a.pdf")], "category": "report"},
                               content_type="multipart/form-data")
    assert response.status_code == 400 and count_rows() == 0


def test_a_new_version_keeps_the_old_one(pks, login_as):
    material = upload(pks, sample_files.pdf("v1"), "modul.pdf")
    web = login_as(pks.partner_admin)
    web.post(f"/o/{pks.partner.slug}/materials/{material.id}/versions",
             {"file": (io.BytesIO(sample_files.pdf("v2")), "modul-revisi.pdf")}, content_type="multipart/form-data")
    page = web.get(f"/o/{pks.partner.slug}/materials/{material.id}").text
    assert "modul.pdf" in page and "modul-revisi.pdf" in page and "v2" in page
    assert digests_in(page) == [], "fingerprints are folded under technical details"
    assert len(re.findall(r"<code[^>]*>[0-9a-f]{64}</code>", page)) == 2


def test_an_image_gets_a_thumbnail_served_by_the_portal(pks, login_as):
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (1200, 800), (30, 120, 200)).save(picture, "JPEG")
    material = upload(pks, picture.getvalue(), "kegiatan.jpg", category=MaterialCategory.PHOTO)
    with pks.acting(pks.partner_member):
        version = material.latest
    web = login_as(pks.officer)
    thumbnail = web.get(f"/o/{pks.facility.slug}/materials/{material.id}/versions/{version.id}/thumbnail")
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumbnail.data)).size) <= 320
    preview = web.get(f"/o/{pks.facility.slug}/materials/{material.id}/versions/{version.id}/preview")
    assert preview.status_code == 303 and "inline" in urllib.request.unquote(preview.headers["Location"])


def test_only_the_uploader_deletes_and_never_a_signed_agreements_material(pks):
    loose = upload(pks, sample_files.pdf("lepas"), "lepas.pdf")
    with pks.acting(pks.partner_admin), pytest.raises(NotAllowed):
        materials.delete_material(loose, actor=pks.partner_admin)
    with pks.acting(pks.partner_member):
        materials.delete_material(loose, actor=pks.partner_member)
    assert loose.deleted_at is not None

    agreement = pks.in_state(S.ACTIVE)
    attached = upload(pks, sample_files.pdf("PKS scan"), "pks.pdf", agreement=agreement,
                      category=MaterialCategory.PKS_SCAN)
    with pks.acting(pks.partner_member), pytest.raises(DomainError, match="ditandatangani|signed"):
        materials.delete_material(attached, actor=pks.partner_member)


def test_purge_removes_deleted_materials_after_the_retention_period(pks, app):
    material = upload(pks, sample_files.pdf("lama"), "lama.pdf")
    with pks.acting(pks.partner_member):
        key = material.latest.storage_key
        materials.delete_material(material, actor=pks.partner_member)
    with unscoped("the purge runs across tenants"):
        assert materials.purge_deleted() == 0
        later = utcnow() + timedelta(days=app.config["MATERIAL_RETENTION_DAYS"] + 1)
        assert materials.purge_deleted(later) == 1
    db.session.commit()  # the test's savepoint: objects go once the rows are gone
    assert key not in set(storage.keys(key))
    assert count_rows() == 0


def test_reconcile_finds_and_fixes_orphans_and_lost_files(pks):
    kept = upload(pks, sample_files.pdf("tetap"), "tetap.pdf")
    lost = upload(pks, sample_files.pdf("hilang"), "hilang.pdf")
    with pks.acting(pks.partner_member):
        lost_key, kept_id = lost.latest.storage_key, kept.id
    storage.delete(lost_key)
    orphan = f"f/{pks.facility.id}/p/{pks.partner.id}/materials/orphan-from-a-crash"
    storage.put(orphan, io.BytesIO(b"%PDF-1.4 orphan"))
    later = utcnow() + reconcile.GRACE + timedelta(minutes=1)
    ours = f"f/{pks.facility.id}/p/{pks.partner.id}/"
    with unscoped("reconciliation sees every tenant"):
        assert reconcile.reconcile(prefix=ours).orphan_objects == []  # too young to judge: maybe mid-upload
        report = reconcile.reconcile(prefix=ours, now=later)
        assert report.orphan_objects == [orphan]
        assert [key for _what, _id, key in report.missing_objects] == [lost_key]
        reconcile.reconcile(fix=True, prefix=ours, now=later)
        assert reconcile.reconcile(prefix=ours, now=later).clean
        assert db.session.get(Material, lost.id) is None and db.session.get(Material, kept_id) is not None
    assert orphan not in set(storage.keys(orphan))


def test_the_reconcile_command_reports_a_lost_file_and_exits_1(pks, app):
    material = upload(pks, sample_files.pdf("ok"), "ok.pdf")
    ours = f"f/{pks.facility.id}/p/{pks.partner.id}/"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["portal", "storage-reconcile", "--prefix", ours]).exit_code == 0
    with pks.acting(pks.partner_member):
        storage.delete(material.latest.storage_key)
    result = runner.invoke(args=["portal", "storage-reconcile", "--prefix", ours])
    assert result.exit_code == 1 and "material_version" in result.output


def test_the_list_narrows_to_an_agreement_a_category_or_a_search(pks, login_as):
    agreement = pks.draft()
    upload(pks, sample_files.pdf("a"), "lampiran-pks.pdf", agreement=agreement, category=MaterialCategory.PKS_SCAN)
    upload(pks, sample_files.pdf("b"), "foto-kegiatan.pdf", category=MaterialCategory.PHOTO)
    web = login_as(pks.officer)
    base = f"/o/{pks.facility.slug}/materials/"
    by_agreement = web.get(f"{base}?agreement={agreement.id}").text
    assert "lampiran-pks.pdf" in by_agreement and "foto-kegiatan.pdf" not in by_agreement
    assert "lampiran-pks.pdf" not in web.get(f"{base}?category=photo").text
    assert "foto-kegiatan.pdf" in web.get(f"{base}?q=FOTO").text
    agreement_page = web.get(f"/o/{pks.facility.slug}/agreements/{agreement.id}").text
    assert f"materials/?agreement={agreement.id}" in agreement_page


def test_an_object_that_does_not_arrive_whole_is_refused(pks, monkeypatch):
    from portal.core import transactional_files as files

    real_head = storage.head
    monkeypatch.setattr(files.storage, "head", lambda key: {**real_head(key), "size": 1})
    with pytest.raises(DomainError, match="utuh|whole"):
        upload(pks, sample_files.pdf("terpotong"), "terpotong.pdf")
    db.session.rollback()
    assert count_rows() == 0


def test_reconcile_aborts_an_upload_left_unfinished_for_more_than_a_day(pks, app):
    """A process killed mid-upload leaves a multipart upload whose parts take space and are listed nowhere."""
    from portal.core.storage import _bucket, _client

    ours = f"f/{pks.facility.id}/p/{pks.partner.id}/"
    client = _client()
    left = client.create_multipart_upload(Bucket=_bucket(), Key=f"{ours}materials/killed-mid-upload")
    client.upload_part(Bucket=_bucket(), Key=left["Key"], UploadId=left["UploadId"], PartNumber=1,
                       Body=b"x" * (5 * 1024 * 1024))
    tomorrow = utcnow() + reconcile.ABANDONED + timedelta(minutes=1)
    with unscoped("reconciliation sees every tenant"):
        assert reconcile.reconcile(prefix=ours).clean  # a day is not over: it may still be on its way
        assert reconcile.reconcile(prefix=ours, now=tomorrow).abandoned_uploads == [(left["Key"], left["UploadId"])]
        assert reconcile.reconcile(fix=True, prefix=ours, now=tomorrow).aborted_uploads == 1
        assert reconcile.reconcile(prefix=ours, now=tomorrow).clean
    assert list(storage.unfinished_uploads(ours)) == []
    runner = app.test_cli_runner()
    assert runner.invoke(args=["portal", "storage-reconcile", "--prefix", ours]).exit_code == 0
