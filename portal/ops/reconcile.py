"""Storage and database agree: every stored object has a row, every row its object.

A crash between writing an object and committing its row leaves an orphan
object; an object lost from storage leaves a dangling row. This finds both and,
asked to, repairs what can be repaired. The caller decides the scope (the
command runs it across tenants).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import inspect, select

from portal.agreements.models import AgreementDocument
from portal.audit import chain as audit
from portal.core import storage
from portal.extensions import db
from portal.jobs import made_files as file_jobs
from portal.materials import upload_checks, uploads
from portal.materials.models import MaterialVersion
from portal.public.news_models import NewsPhoto
from portal.umkm.models import ProductCertificate, ProductPhoto

#: An object younger than this may belong to an upload still in progress: never touched.
GRACE = timedelta(hours=1)
#: A multipart upload unfinished for longer than this was abandoned (a killed process, a dropped browser).
ABANDONED = timedelta(days=1)


@dataclass
class Report:
    #: Objects no row points at (older than the grace period).
    orphan_objects: list[str] = field(default_factory=list)
    #: (what, id, key) of rows whose object is missing.
    missing_objects: list[tuple[str, int, str]] = field(default_factory=list)
    #: (key, upload id) of multipart uploads left unfinished for longer than ABANDONED.
    abandoned_uploads: list[tuple[str, str]] = field(default_factory=list)
    #: Browser uploads opened longer than ABANDONED ago and never attached to a material.
    unattached_uploads: int = 0
    removed_objects: int = 0
    removed_rows: int = 0
    aborted_uploads: int = 0
    #: Uploads whose background check had waited longer than the grace period, checked now.
    checked_uploads: int = 0

    @property
    def clean(self) -> bool:
        return (not self.orphan_objects and not self.missing_objects and not self.abandoned_uploads
                and not self.unattached_uploads)


def reconcile(*, fix: bool = False, prefix: str = "", now: datetime | None = None,
              grace: timedelta = GRACE, abandoned: timedelta = ABANDONED) -> Report:
    """Compare the objects under `prefix` (default: all) with the rows that point into it."""
    now = now or datetime.now(timezone.utc)
    report = Report(unattached_uploads=uploads.count_unattached(abandoned, now, prefix))
    if fix:  # first, so that their objects and parts are not counted again below
        report.removed_rows += uploads.sweep_unattached(abandoned, now, prefix)
        db.session.flush()
    rows = {key: row for key, row in referenced_objects().items() if key.startswith(prefix)}
    # Browser uploads not yet attached (maybe not joined yet) and files made by jobs: not orphans.
    waiting = uploads.unattached_keys() | file_jobs.kept_keys()
    stored = set()
    for key, modified in storage.objects(prefix):
        stored.add(key)
        if key not in rows and key not in waiting and now - modified > grace:
            report.orphan_objects.append(key)
    report.missing_objects = [(what, row_id, key) for key, (what, row_id) in sorted(rows.items())
                              if key not in stored]
    report.abandoned_uploads = [(key, upload_id) for key, upload_id, started in storage.unfinished_uploads(prefix)
                                if now - started > abandoned]
    if fix:
        for key, upload_id in report.abandoned_uploads:
            storage.abort_upload(key, upload_id)
            report.aborted_uploads += 1
        for key in report.orphan_objects:
            storage.delete(key)
            report.removed_objects += 1
        for what, row_id, key in report.missing_objects:
            if what == "material_version":
                report.removed_rows += _forget_version(row_id, key)
        for upload_id in upload_checks.waiting_since(grace, now, prefix):  # a worker stopped before checking them
            upload_checks.check_job(upload_id)  # commits what was fixed above, then its own conclusion
            report.checked_uploads += 1
    return report


def referenced_objects(session=None) -> dict[str, tuple[str, int]]:
    """Every key a row points at, with (what, row id): documents, material files and thumbnails, news and product
    photos, product certificates' scans (also what a backup copies, read from its snapshot's `session`)."""
    session = session or db.session
    rows: dict[str, tuple[str, int]] = {}
    for row_id, key in session.execute(select(AgreementDocument.id, AgreementDocument.storage_key)):
        rows[key] = ("agreement_document", row_id)
    for row_id, key, thumbnail in session.execute(  # a version its check refused has no object, by design
            select(MaterialVersion.id, MaterialVersion.storage_key, MaterialVersion.thumbnail_key)
            .where(MaterialVersion.problem.is_(None))):
        rows[key] = ("material_version", row_id)
        if thumbnail:
            rows[thumbnail] = ("material_thumbnail", row_id)
    for row_id, large, small in session.execute(select(NewsPhoto.id, NewsPhoto.large_key, NewsPhoto.small_key)):
        rows[large] = rows[small] = ("news_photo", row_id)
    if not inspect(session.connection()).has_table(ProductPhoto.__tablename__):
        return rows  # a database of a release before products (0040), which a backup may copy as it is
    for row_id, large, small in session.execute(
            select(ProductPhoto.id, ProductPhoto.large_key, ProductPhoto.small_key)):
        rows[large] = rows[small] = ("product_photo", row_id)
    for row_id, key in session.execute(select(ProductCertificate.id, ProductCertificate.document_key)
                                       .where(ProductCertificate.document_key.is_not(None))):
        rows[key] = ("product_certificate", row_id)
    return rows


def _forget_version(version_id: int, key: str) -> int:
    """A material version whose file is gone: drop the row (and a material left without any file)."""
    version = db.session.get(MaterialVersion, version_id)
    material = version.material
    audit.record("material.version_lost", actor=None, object_type="material", object_id=material.id,
                 facility=material.facility, partner=material.partner,
                 before={"version": version.number, "key": key})
    db.session.delete(version)
    db.session.flush()
    removed = 1
    if not db.session.scalar(select(MaterialVersion.id).where(MaterialVersion.material_id == material.id)):
        db.session.delete(material)
        removed += 1
    db.session.flush()
    return removed
