"""The whole-object check of a joined upload, in the background: what lifts (or keeps) its quarantine.

Finishing an upload proved it whole without reading it (`portal.materials.uploads.complete`).
This job reads it once, off the person's way: still the object finishing proved (its
size and ETag), of an accepted type by its content, and its SHA-256. Then either the
upload is checked (or, if a material took it meanwhile, its version gets its fingerprint
and becomes downloadable), or the file is refused: its object is removed, and the upload
or the version keeps saying why in the uploader's language. A version refused here stays
quarantined for good. Safe to run twice; a store that cannot be read leaves everything
as it was, for the next run (`storage-reconcile` asks again for what waits too long).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
import logging

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from portal.accounts.models import User
from portal.core import storage, transactional_files as files
from portal.core.columns import utcnow
from portal.core.errors import DomainError
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.materials.upload_models import ResumableUpload, UploadStatus
from portal.materials.uploads import NOT_WHOLE, bare_etag, reject

log = logging.getLogger(__name__)

#: Statuses of an upload whose object is whole but may still wait for this check.
WAITING = (UploadStatus.JOINED, UploadStatus.ATTACHED)


def check_job(upload_id: str) -> None:
    """Read a joined upload whole and conclude (see the module); for `portal.jobs.queue.run_later`."""
    with unscoped("the background check of an upload is asked for by no request; it reads that upload alone"):
        upload = db.session.get(ResumableUpload, upload_id)
        if upload is None or not _waiting(upload):
            return
        uploader = db.session.get(User, upload.uploaded_by_id) if upload.uploaded_by_id else None
        locale = (uploader.locale if uploader else None) or current_app.config["BABEL_DEFAULT_LOCALE"]
        sent = Sent(upload.storage_key, upload.filename, upload.size, upload.etag)
    db.session.commit()  # no transaction stays open while the object is read
    with force_locale(locale):
        try:
            found = _read_whole(sent)
        except files.StoreUnreachable:  # not the file's fault: it stays quarantined until it can be read
            log.warning("the background check of upload %s could not read it; it stays quarantined", upload_id)
            db.session.rollback()
            return
        with unscoped("the background check of an upload writes what it found on that upload alone"):
            # Locked, as `attach` locks it: a material takes the upload either before this or after it.
            upload = db.session.scalar(select(ResumableUpload).where(ResumableUpload.id == upload_id)
                                       .with_for_update(of=ResumableUpload).execution_options(populate_existing=True))
            if upload is not None and _waiting(upload):
                _conclude(upload, found)
        db.session.commit()


def waiting_since(older_than: timedelta, now: datetime | None = None, prefix: str = "") -> list[str]:
    """Uploads whose check has waited longer than `older_than` (a worker stopped): for `storage-reconcile`."""
    return list(db.session.scalars(select(ResumableUpload.id).where(
        ResumableUpload.status.in_(WAITING), ResumableUpload.etag.is_not(None), ResumableUpload.sha256.is_(None),
        ResumableUpload.problem == "", ResumableUpload.created_at < (now or utcnow()) - older_than,
        ResumableUpload.storage_key.startswith(prefix, autoescape=True))))


def _waiting(upload: ResumableUpload) -> bool:
    # An upload attached before this revision has no ETag recorded: it was checked while the person waited.
    return upload.status in WAITING and upload.etag is not None and upload.sha256 is None and not upload.problem


@dataclass(frozen=True)
class Sent:
    """What finishing proved of an upload, read before its transaction ends."""

    key: str
    filename: str
    size: int
    etag: str


def _read_whole(sent: Sent) -> files.StoredFile | str:
    """The checked file, or the problem that refuses it."""
    try:
        found = storage.head(sent.key)
    except storage.StorageError as error:
        raise files.StoreUnreachable() from error
    if found is None or found["size"] != sent.size or bare_etag(found["etag"]) != sent.etag:
        log.error("%s is no longer the object its parts made: %s", sent.key, found)
        return str(NOT_WHOLE)
    try:
        stored = files.check_stored(sent.key, filename=sent.filename,
                                    allowed=current_app.config["MATERIAL_TYPES"],
                                    max_bytes=current_app.config["MATERIAL_MAX_BYTES"])
    except files.FileRefused as refusal:
        return str(refusal.message)
    except DomainError as error:  # the store stopped answering half-way
        raise files.StoreUnreachable() from error
    return stored if stored.size == sent.size else str(NOT_WHOLE)


def _conclude(upload: ResumableUpload, found: files.StoredFile | str) -> None:
    from portal.materials import operations as materials  # operations takes files from uploads

    checked = found if isinstance(found, files.StoredFile) else None
    if upload.status == UploadStatus.JOINED:  # no material has it yet: it is attached checked, or not at all
        if checked is None:
            reject(upload, found)
            return
        upload.sha256, upload.status, upload.checked_at = checked.sha256, UploadStatus.CHECKED, utcnow()
        return
    upload.checked_at = utcnow()
    upload.sha256, upload.problem = (checked.sha256, "") if checked else (None, found)
    materials.conclude_check(upload.storage_key, checked, problem=None if checked else found)
