"""Resumable uploads: the browser sends a file's parts straight to storage; the portal signs, joins and checks.

A partner on a shared rural link sends 8 MiB parts with presigned links; a
dropped connection or a closed tab costs only the part in flight, because the
store itself (ListParts) says which parts it already holds.

Finishing proves what is cheap and leaves the reading to the background: every
part at its size, the joined object of the announced size with the ETag of
exactly those parts (S3's MD5 of their MD5s), its type by its first bytes and an
image's pixel count by its header. The upload is then "joined": it may become a
material's file at once, but that version has no SHA-256 and stays quarantined
(listed as being checked, never downloadable) until the background check
(`portal.materials.upload_checks`) has read the whole object, found it still that
object, and hashed it. Only the uploader attaches an upload, once, for its own pair.
"""
from __future__ import annotations

from datetime import datetime, timedelta
import hashlib
import logging
import re
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
from portal.jobs import queue as jobs
from portal.materials.upload_models import ResumableUpload, UploadStatus
from portal.organisations.models import Organisation

log = logging.getLogger(__name__)

#: The parts a browser may ask links for at once.
MAX_LINKS = 20
#: The links given with a new upload, for its first parts.
FIRST_LINKS = 12
#: S3 joins at most this many parts into one object.
MAX_PARTS = 10_000
#: The background check, by its dotted path (`portal.jobs.queue.run_later`).
CHECK_JOB = "portal.materials.upload_checks.check_job"
#: Statuses whose object is whole and may become a material's file.
WHOLE = (UploadStatus.JOINED, UploadStatus.CHECKED)
#: Said when the object in the store is not the one the parts make (or no longer is).
NOT_WHOLE = _l("The file in the document store is not the one that was sent: it did not arrive whole, or it "
               "changed after it arrived. It has been removed; please upload it again.")


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
    return storage.presigned_parts(upload.storage_key, upload.multipart_id, wanted,
                                   seconds=current_app.config["UPLOAD_PART_URL_SECONDS"])


def complete(upload: ResumableUpload) -> ResumableUpload:
    """Join the parts and prove the object whole without reading it; a refused file is removed and the reason kept.

    The caller commits in both cases (a refusal is an outcome, not a failure to roll back), then calls
    `check_later`: the whole-object check runs in the background.
    """
    if upload.status != UploadStatus.UPLOADING:
        return upload
    parts = sorted(_parts(upload))
    if [number for number, _etag, _size in parts] != list(range(1, upload.part_count + 1)) \
            or any(size != _expected_size(upload, number) for number, _etag, size in parts):
        raise DomainError(_l("Not every part of the file has arrived yet; the upload continues where it "
                             "stopped."))
    try:
        storage.complete_upload(upload.storage_key, upload.multipart_id,
                                [(number, etag) for number, etag, _size in parts])
        joined = storage.head(upload.storage_key)
    except storage.StorageError as error:
        log.error("could not join an upload: %s", error)
        raise files.StoreUnreachable() from error
    expected = multipart_etag([etag for _number, etag, _size in parts])
    if joined is None or joined["size"] != upload.size or (expected and bare_etag(joined["etag"]) != expected):
        log.error("upload %s joined as %s, not %s bytes with ETag %s", upload.id, joined, upload.size, expected)
        reject(upload, NOT_WHOLE)
        return upload
    try:  # the parts add up to upload.size (checked above): the limit is the real one, as a refusal names it
        content_type = files.check_head(upload.storage_key, filename=upload.filename,
                                        allowed=current_app.config["MATERIAL_TYPES"],
                                        max_bytes=current_app.config["MATERIAL_MAX_BYTES"])
        images.refuse_pixel_bomb(_stored(upload, content_type))
    except DomainError as refusal:
        reject(upload, refusal.message)
        return upload
    upload.content_type, upload.etag = content_type, bare_etag(joined["etag"])
    upload.status = UploadStatus.JOINED
    db.session.flush()
    return upload


def multipart_etag(part_etags: list[str]) -> str | None:
    """The ETag S3 gives the join of parts with these ETags (the MD5 of their MD5s, "-" and their count); None
    where a part's ETag is not its MD5 (a store encrypting with keys of its own): then the size alone proves it."""
    bare = [bare_etag(etag) for etag in part_etags]
    if not bare or not all(re.fullmatch(r"[0-9a-f]{32}", etag) for etag in bare):
        return None
    return f"{hashlib.md5(b''.join(bytes.fromhex(etag) for etag in bare)).hexdigest()}-{len(bare)}"


def bare_etag(etag: str | None) -> str:
    return (etag or "").strip('"').lower()


def check_later(upload: ResumableUpload) -> None:
    """Once the caller has committed: the whole-object check of a joined upload, in the background."""
    if upload.status == UploadStatus.JOINED:
        jobs.run_later(CHECK_JOB, upload.id)


def attach(upload_ids: list[str], facility: Organisation, partner: Organisation,
           actor: User) -> list[files.StoredFile]:
    """The whole files the actor uploaded for this pair, now taken by a material (each only once); one the
    background check has not yet hashed comes without its SHA-256, and its version stays quarantined."""
    stored = []
    for upload_id in dict.fromkeys(upload_ids):
        # Locked: the background check concludes either before this (the file comes hashed) or after (on the version).
        upload = db.session.scalar(select(ResumableUpload).where(ResumableUpload.id == upload_id)
                                   .with_for_update(of=ResumableUpload).execution_options(populate_existing=True))
        ours = upload is not None and upload.uploaded_by_id == actor.id \
            and (upload.facility_id, upload.partner_id) == (facility.id, partner.id)
        if ours and upload.status == UploadStatus.REJECTED and upload.problem:
            raise files.FileRefused(upload.problem)
        if not ours or upload.status not in WHOLE:
            raise files.FileRefused(_l("An uploaded file could not be found or is not checked yet; please choose "
                                       "it again."))
        upload.status = UploadStatus.ATTACHED
        stored.append(_stored(upload, upload.content_type))
    db.session.flush()
    return stored


def _stored(upload: ResumableUpload, content_type: str) -> files.StoredFile:
    return files.StoredFile(upload.storage_key, upload.filename, content_type, upload.size, upload.sha256)


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


def whole_unattached(session=None) -> dict[str, str]:
    """Keys of uploads whole in storage and not yet a material's file, with their ids: a backup copies them, so
    that the person who sent one can still save it as a material after a restore."""
    return dict((session or db.session).execute(select(ResumableUpload.storage_key, ResumableUpload.id).where(
        ResumableUpload.status.in_(WHOLE))).all())


def _parts(upload: ResumableUpload) -> list[tuple[int, str, int]]:
    try:
        return storage.uploaded_parts(upload.storage_key, upload.multipart_id)
    except storage.StorageError as error:
        log.error("could not list an upload's parts: %s", error)
        raise files.StoreUnreachable() from error


def _expected_size(upload: ResumableUpload, number: int) -> int:
    return upload.part_size if number < upload.part_count else upload.size - upload.part_size * (upload.part_count - 1)


def reject(upload: ResumableUpload, problem) -> None:
    """Refuse an upload not yet a material's file: its object goes after the commit, the reason stays."""
    upload.status, upload.problem, upload.checked_at = UploadStatus.REJECTED, str(problem), utcnow()
    files.remove_after_commit(upload.storage_key, db.session)
    db.session.flush()


def _require_uploading(upload: ResumableUpload) -> None:
    if upload.status != UploadStatus.UPLOADING:
        raise DomainError(_l("This upload has already ended."))

