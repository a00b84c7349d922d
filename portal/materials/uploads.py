"""Resumable uploads: the browser sends a file's parts straight to storage; the portal signs, joins and checks.

A partner on a shared rural link sends 8 MiB parts with presigned links; a
dropped connection or a closed tab costs only the part in flight, because the
store itself (ListParts) says which parts it already holds. Until the portal
has joined the parts and checked the whole object (its size, its type by
content, its SHA-256, an image's pixel count) nothing points at it: it is
neither listed nor downloadable. Only a checked upload can become a
material's file, once, by its uploader, for its own pair.
"""
from __future__ import annotations

from datetime import datetime, timedelta
import logging
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import policy
from portal.accounts.models import User
from portal.core import images, storage, transactional_files as files
from portal.core.columns import utcnow
from portal.core.errors import DomainError
from portal.extensions import db
from portal.materials.upload_models import ResumableUpload, UploadStatus
from portal.organisations.models import Organisation

log = logging.getLogger(__name__)

#: The parts a browser may ask links for at once.
MAX_LINKS = 20
#: S3 joins at most this many parts into one object.
MAX_PARTS = 10_000


def begin(facility: Organisation, partner: Organisation, *, filename: str | None, size: int,
          actor: User) -> ResumableUpload:
    """Open a multipart upload for one file of `size` bytes, for the pair's materials."""
    policy.require(policy.can_upload_material(actor, facility, partner))
    limit = current_app.config["MATERIAL_MAX_BYTES"]
    if size <= 0:
        raise files.EmptyFile(filename)
    if size > limit:
        raise files.FileTooLarge(limit, filename)
    part_size = max(current_app.config["UPLOAD_PART_BYTES"], -(-size // MAX_PARTS))
    key = files.new_key(f"f/{facility.id}/p/{partner.id}/materials")
    try:
        multipart_id = storage.begin_upload(key)
    except storage.StorageError as error:
        log.error("could not begin an upload: %s", error)
        raise files.StoreUnreachable() from error
    upload = ResumableUpload(id=secrets.token_hex(16), facility=facility, partner=partner, uploaded_by_id=actor.id,
                             filename=files.safe_filename(filename), size=size, part_size=part_size,
                             storage_key=key, multipart_id=multipart_id)
    db.session.add(upload)
    db.session.flush()
    return upload


def own_upload(upload_id: str, actor: User) -> ResumableUpload | None:
    """The actor's own upload (through the pair rule), or None: nobody else continues or attaches it."""
    upload = db.session.scalar(select(ResumableUpload).where(ResumableUpload.id == upload_id))
    return upload if upload is not None and upload.uploaded_by_id == actor.id else None


def finished_parts(upload: ResumableUpload) -> list[int]:
    """The part numbers the store already holds whole: a resumed upload sends only the others."""
    if upload.status != UploadStatus.UPLOADING:
        return list(range(1, upload.part_count + 1)) if upload.status != UploadStatus.REJECTED else []
    return sorted(number for number, _etag, size in _parts(upload) if size == _expected_size(upload, number))


def part_links(upload: ResumableUpload, numbers: list[int]) -> dict[int, str]:
    """Short-lived links, one PUT each, for the parts the browser is about to send."""
    _require_uploading(upload)
    wanted = sorted(set(numbers))
    if not wanted or len(wanted) > MAX_LINKS or wanted[0] < 1 or wanted[-1] > upload.part_count:
        raise DomainError(_l("Those parts do not belong to this file."))
    seconds = current_app.config["UPLOAD_PART_URL_SECONDS"]
    return {number: storage.presigned_part(upload.storage_key, upload.multipart_id, number, seconds=seconds)
            for number in wanted}


def complete(upload: ResumableUpload) -> ResumableUpload:
    """Join the parts and check the whole file; a refused file is removed and the reason kept.

    The caller commits in both cases (a refusal is an outcome, not a failure to roll back).
    """
    if upload.status != UploadStatus.UPLOADING:
        return upload
    parts = _parts(upload)
    if sorted(number for number, _etag, _size in parts) != list(range(1, upload.part_count + 1)) \
            or sum(size for _number, _etag, size in parts) != upload.size:
        raise DomainError(_l("Not every part of the file has arrived yet; the upload continues where it "
                             "stopped."))
    try:
        storage.complete_upload(upload.storage_key, upload.multipart_id,
                                [(number, etag) for number, etag, _size in sorted(parts)])
    except storage.StorageError as error:
        log.error("could not join an upload: %s", error)
        raise files.StoreUnreachable() from error
    try:  # the parts add up to upload.size (checked above): the limit is the real one, as a refusal names it
        stored = files.check_stored(upload.storage_key, filename=upload.filename,
                                    allowed=current_app.config["MATERIAL_TYPES"],
                                    max_bytes=current_app.config["MATERIAL_MAX_BYTES"])
        images.refuse_pixel_bomb(stored)
    except DomainError as refusal:
        _reject(upload, refusal.message)
        return upload
    upload.content_type, upload.sha256 = stored.content_type, stored.sha256
    upload.status, upload.checked_at = UploadStatus.CHECKED, utcnow()
    db.session.flush()
    return upload


def attach(upload_ids: list[str], facility: Organisation, partner: Organisation,
           actor: User) -> list[files.StoredFile]:
    """The checked files the actor uploaded for this pair, now taken by a material (each only once)."""
    stored = []
    for upload_id in dict.fromkeys(upload_ids):
        upload = own_upload(upload_id, actor)
        if upload is None or (upload.facility_id, upload.partner_id) != (facility.id, partner.id) \
                or upload.status != UploadStatus.CHECKED:
            raise files.FileRefused(_l("An uploaded file could not be found or is not checked yet; please choose "
                                       "it again."))
        upload.status = UploadStatus.ATTACHED
        stored.append(files.StoredFile(upload.storage_key, upload.filename, upload.content_type, upload.size,
                                       upload.sha256))
    db.session.flush()
    return stored


def _unattached_since(older_than: timedelta, now: datetime | None, prefix: str):
    return select(ResumableUpload).where(ResumableUpload.status != UploadStatus.ATTACHED,
                                         ResumableUpload.created_at < (now or utcnow()) - older_than,
                                         ResumableUpload.storage_key.startswith(prefix, autoescape=True))


def count_unattached(older_than: timedelta, now: datetime | None = None, prefix: str = "") -> int:
    query = _unattached_since(older_than, now, prefix)
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def sweep_unattached(older_than: timedelta, now: datetime | None = None, prefix: str = "") -> int:
    """Forget uploads never attached (their objects and unfinished parts go too); for `storage-reconcile`."""
    stale = db.session.scalars(_unattached_since(older_than, now, prefix)).all()
    for upload in stale:
        try:
            if upload.status == UploadStatus.UPLOADING:
                storage.abort_upload(upload.storage_key, upload.multipart_id)
            files.remove_after_commit(upload.storage_key, db.session)
        except storage.StorageError as error:
            log.warning("could not abort upload %s: %s", upload.id, error)
        db.session.delete(upload)
    db.session.flush()
    return len(stale)


def unattached_keys() -> set[str]:
    """Keys of uploads still waiting to become a material's file (not orphans)."""
    return set(db.session.scalars(select(ResumableUpload.storage_key).where(
        ResumableUpload.status != UploadStatus.ATTACHED)))


def _parts(upload: ResumableUpload) -> list[tuple[int, str, int]]:
    try:
        return storage.uploaded_parts(upload.storage_key, upload.multipart_id)
    except storage.StorageError as error:
        log.error("could not list an upload's parts: %s", error)
        raise files.StoreUnreachable() from error


def _expected_size(upload: ResumableUpload, number: int) -> int:
    return upload.part_size if number < upload.part_count else upload.size - upload.part_size * (upload.part_count - 1)


def _reject(upload: ResumableUpload, problem) -> None:
    upload.status, upload.problem, upload.checked_at = UploadStatus.REJECTED, str(problem), utcnow()
    files.remove_after_commit(upload.storage_key, db.session)
    db.session.flush()


def _require_uploading(upload: ResumableUpload) -> None:
    if upload.status != UploadStatus.UPLOADING:
        raise DomainError(_l("This upload has already ended."))

