"""Materials: several files at once, new versions, listing, download links, soft delete and purge.

Each file goes to storage first (streamed, hashed, its type sniffed), and only
then does its row reach the database; if the transaction fails the object is
removed again (`portal.core.transactional_files`), and `storage-reconcile` finds what a
crash in between could leave.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from portal import policy
from portal.accounts.models import User
from portal.agreements.models import Agreement
from portal.audit import chain as audit
from portal.core import images, storage, transactional_files as files
from portal.core.columns import utcnow
from portal.core.errors import DomainError
from portal.extensions import db
from portal.integrations import keyset
from portal.materials.events import MaterialVerb
from portal.materials.models import Material, MaterialCategory, MaterialVersion
from portal.organisations import party_search as parties
from portal.organisations.models import Organisation

#: What a browser may show inline; everything else downloads as an attachment.
PREVIEWABLE = ("application/pdf",) + images.IMAGE_TYPES
PER_PAGE = 25


@dataclass(frozen=True)
class Upload:
    """A file from the form (a stream), or one the browser already sent to storage and the portal checked."""

    stream: BinaryIO | None
    filename: str | None
    checked: files.StoredFile | None = None


def upload_materials(facility: Organisation, partner: Organisation, uploads: list[Upload], *,
                     category: MaterialCategory, description: str = "", agreement: Agreement | None = None,
                     contribution=None, actor: User) -> list[Material]:
    """Share one or more files with the pair; each becomes a material at version 1."""
    policy.require(policy.can_upload_material(actor, facility, partner))
    for linked in (agreement, contribution):
        if linked is not None and (linked.facility_id, linked.partner_id) != (facility.id, partner.id):
            raise DomainError(_l("That agreement belongs to another facility or partner."))
    uploads = [upload for upload in uploads if upload.filename or upload.stream or upload.checked]
    if not uploads:
        raise DomainError(_l("Choose at least one file."))
    materials = []
    for upload in uploads:
        material = Material(facility=facility, partner=partner, agreement=agreement, contribution=contribution,
                            category=category,
                            title=files.safe_filename(upload.filename), description=(description or "").strip(),
                            created_by=actor)
        db.session.add(material)
        db.session.flush()
        version = _store_version(material, upload, actor)
        if not version.quarantined:  # a quarantined file is compared when the background check has hashed it
            _refuse_duplicate(version, contribution)
        audit.record(MaterialVerb.UPLOAD.action, actor=actor, object_type="material", object_id=material.id,
                     organisation=audit.party_of(actor, material.facility, material.partner), facility=facility, partner=partner,
                     after={"filename": version.filename, "category": category, "sha256": version.sha256,
                            "size": version.size, "agreement": agreement.id if agreement else None})
        materials.append(material)
    return materials


def add_version(material: Material, upload: Upload, *, actor: User) -> MaterialVersion:
    """A newer file for the same material; the older versions stay downloadable."""
    policy.require(policy.can_upload_material(actor, material.facility, material.partner))
    _require_present(material)
    version = _store_version(material, upload, actor)
    audit.record("material.version_added", actor=actor, object_type="material", object_id=material.id,
                 organisation=audit.party_of(actor, material.facility, material.partner), facility=material.facility, partner=material.partner,
                 after={"version": version.number, "filename": version.filename, "sha256": version.sha256})
    return version


def delete_material(material: Material, *, actor: User) -> None:
    """Soft delete by the uploader, only while nothing refers to it."""
    policy.require(policy.can_delete_material(actor, material))
    _require_present(material)
    if material.agreement is not None and material.agreement.is_signed:
        raise DomainError(_l("This material belongs to a signed agreement and cannot be deleted."))
    if material.agreement is not None:
        raise DomainError(_l("This material is attached to an agreement; it can be deleted only while "
                             "nothing refers to it."))
    material.deleted_at, material.deleted_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record("material.deleted", actor=actor, object_type="material", object_id=material.id,
                 organisation=audit.party_of(actor, material.facility, material.partner), facility=material.facility, partner=material.partner,
                 before={"deleted": False}, after={"deleted": True})


def purge_deleted(now: datetime | None = None, *, dry_run: bool = False) -> int:
    """Remove soft-deleted materials older than the retention period (or count them); their objects go
    after the commit.

    The caller decides the scope (the command runs it across tenants).
    """
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["MATERIAL_RETENTION_DAYS"])
    expired = db.session.scalars(select(Material).where(
        Material.deleted_at.is_not(None), Material.deleted_at < cutoff)).unique().all()
    if dry_run:
        return len(expired)
    for material in expired:
        for version in material.versions:
            for key in (version.storage_key, version.thumbnail_key):
                if key:
                    files.remove_after_commit(key, db.session)
            db.session.delete(version)
        audit.record("material.purged", actor=None, object_type="material", object_id=material.id,
                     facility=material.facility, partner=material.partner,
                     after={"versions": len(material.versions)})
        db.session.delete(material)
    db.session.flush()
    return len(expired)


def retire_evidence_photos(now: datetime | None = None, *, dry_run: bool = False) -> int:
    """Delete (softly: `purge_deleted` removes the files later) photos that are evidence of a contribution and
    older than RETENTION_EVIDENCE_PHOTO_DAYS: they may show people, and the verified figure stays.
    Photos that belong to an agreement are archive and stay."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["RETENTION_EVIDENCE_PHOTO_DAYS"])
    photos = db.session.scalars(select(Material).where(
        Material.contribution_id.is_not(None), Material.agreement_id.is_(None), Material.deleted_at.is_(None),
        Material.created_at < cutoff,
        Material.versions.any(MaterialVersion.content_type.in_(images.IMAGE_TYPES)))).unique().all()
    if dry_run:
        return len(photos)
    for material in photos:
        material.deleted_at = utcnow()
        audit.record("material.retention_expired", actor=None, object_type="material", object_id=material.id,
                     facility=material.facility, partner=material.partner,
                     before={"deleted": False}, after={"deleted": True})
    db.session.flush()
    return len(photos)


@dataclass
class MaterialFilter:
    category: MaterialCategory | None = None
    agreement_id: int | None = None
    #: Part of the other party's name: a partner's for a facility, a facility's for a partner.
    party: str | None = None
    search: str | None = None


def page_of(organisation: Organisation, wanted: MaterialFilter, page: int):
    """The materials the acting organisation sees, a numbered page at a time (the pages)."""
    return db.paginate(filtered(organisation, wanted), page=page, per_page=PER_PAGE, error_out=False)


def keyset_page(organisation: Organisation, wanted: MaterialFilter, after_id: int | None, limit: int):
    """The same, a keyset page at a time (the API)."""
    return keyset.page(filtered(organisation, wanted), Material, after_id, limit)


def filtered(organisation: Organisation, wanted: MaterialFilter):
    """The materials the acting organisation sees (the tenancy filter decides which), newest first."""
    query = select(Material).where(Material.deleted_at.is_(None)).order_by(Material.created_at.desc(),
                                                                           Material.id.desc())
    if wanted.category:
        query = query.where(Material.category == wanted.category)
    if wanted.agreement_id:
        query = query.where(Material.agreement_id == wanted.agreement_id)
    if wanted.party:
        query = query.where(parties.named(organisation, wanted.party, Material.facility_id, Material.partner_id))
    if wanted.search:
        pattern = f"%{wanted.search.strip().lower()}%"
        query = query.where(or_(func.lower(Material.title).like(pattern),
                                func.lower(Material.description).like(pattern)))
    return query


def latest_versions(materials: list[Material]) -> dict[int, MaterialVersion]:
    """The newest version of each listed material, in one query."""
    if not materials:
        return {}
    newest = (select(MaterialVersion.material_id, func.max(MaterialVersion.number).label("number"))
              .where(MaterialVersion.material_id.in_([m.id for m in materials]))
              .group_by(MaterialVersion.material_id).subquery())
    versions = db.session.scalars(select(MaterialVersion).join(
        newest, (MaterialVersion.material_id == newest.c.material_id) & (MaterialVersion.number == newest.c.number)))
    return {version.material_id: version for version in versions.unique()}


def download_url(version: MaterialVersion, *, preview: bool = False, thumbnail: bool = False) -> str:
    """A short-lived link: inline only for a PDF or image preview, otherwise an attachment."""
    if version.quarantined:
        raise DomainError(version.problem or _l("This file is still being checked; it can be downloaded as soon as "
                                                "the check is done. Reload the page in a moment."))
    key = version.thumbnail_key if thumbnail else version.storage_key
    if key is None:
        raise DomainError(_l("There is no preview of this file."))
    inline = (preview or thumbnail) and version.content_type in PREVIEWABLE
    if storage.head(key) is None:  # a StorageError (the store is down) is the caller's 503
        raise DomainError(_l("This file is missing from the document store. Please tell the platform "
                             "administrator."))
    return storage.presigned_get(key, filename=version.filename, inline=inline)


def _store_version(material: Material, upload: Upload, actor: User) -> MaterialVersion:
    prefix = f"f/{material.facility_id}/p/{material.partner_id}/materials"
    stored = upload.checked or files.store_upload(
        upload.stream, filename=upload.filename, prefix=prefix, allowed=current_app.config["MATERIAL_TYPES"],
        max_bytes=current_app.config["MATERIAL_MAX_BYTES"], session=db.session)
    version = MaterialVersion(
        material=material, facility_id=material.facility_id, partner_id=material.partner_id,
        number=1 + len(material.versions), filename=stored.filename, content_type=stored.content_type,
        size=stored.size, sha256=stored.sha256, storage_key=stored.key, uploaded_by=actor,
        thumbnail_key=images.check_and_thumbnail(stored, prefix) if stored.sha256 else None)
    db.session.add(version)
    db.session.flush()
    return version


def conclude_check(storage_key: str, checked: files.StoredFile | None, *, problem: str | None) -> None:
    """The background check's word on a version made of a file sent in parts (`portal.materials.upload_checks`):
    checked whole, it takes its fingerprint (and thumbnail) and may be downloaded, unless the pair has that file
    already; refused, it stays quarantined with the reason, and its object goes."""
    version = db.session.scalar(select(MaterialVersion).where(MaterialVersion.storage_key == storage_key))
    if version is None:
        return
    material = version.material
    if checked is not None:
        version.sha256 = checked.sha256
        try:
            if version.number == 1:  # as upload_materials compares a first version, and add_version does not
                _refuse_duplicate(version, material.contribution)
            version.thumbnail_key = images.check_and_thumbnail(
                checked, f"f/{material.facility_id}/p/{material.partner_id}/materials")
        except DomainError as refusal:
            version.sha256, problem = None, str(refusal.message)
    where = dict(actor=None, object_type="material", object_id=material.id, facility=material.facility,
                 partner=material.partner)
    if problem is None:
        audit.record("material.checked", **where, after={"version": version.number, "sha256": version.sha256})
    else:
        version.problem = problem
        files.remove_after_commit(version.storage_key, db.session)
        audit.record("material.check_refused", **where, after={"version": version.number, "problem": problem})
    db.session.flush()


class DuplicateFile(files.FileRefused):
    """The same content is already a material of the pair (`twin`): said beside the file's field, with what to do."""

    def __init__(self, message, twin: Material):
        super().__init__(message)
        self.twin_id, self.twin_title = twin.id, twin.title
        #: Whether the new contribution may take the twin as its evidence instead (it is nobody else's).
        self.choosable = twin.contribution_id is None


def _refuse_duplicate(version: MaterialVersion, contribution=None) -> None:
    """The same file twice for the same pair is a double submission, or evidence that is there already."""
    twin = db.session.scalar(select(Material).join(MaterialVersion).where(
        MaterialVersion.sha256 == version.sha256, MaterialVersion.id != version.id,
        Material.facility_id == version.facility_id, Material.partner_id == version.partner_id,
        Material.deleted_at.is_(None)).limit(1))
    if twin is None:
        return
    named = dict(file=version.filename, title=twin.title)
    if contribution is None:
        message = _l('"%(file)s" is already a material of this partnership ("%(title)s"), so nothing was uploaded '
                     "again. Find it in the materials list; to replace it, upload a new version there.", **named)
    elif twin.contribution_id is None:
        message = _l('"%(file)s" is already a material of this partnership ("%(title)s"), so nothing was saved. '
                     "Choose it among the materials already in the portal instead of uploading it again, and send "
                     "the form again.", **named)
    elif twin.contribution_id == contribution.id:
        message = _l('"%(file)s" is already evidence of this contribution ("%(title)s"), so nothing was saved. '
                     "Leave it out and send the form again.", **named)
    else:
        message = _l('"%(file)s" is already the evidence of another contribution ("%(contribution)s"), so nothing '
                     "was saved. A file is the evidence of one contribution: leave it out here.",
                     file=version.filename, contribution=twin.contribution.title)
    raise DuplicateFile(message, twin)


def _require_present(material: Material) -> None:
    if material.deleted_at is not None:
        raise DomainError(_l("This material has been deleted."))

