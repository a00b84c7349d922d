"""Photos for the public: an officer confirms no WBP can be recognised, and the portal publishes a copy made
from the pixels alone (no EXIF, no GPS position, no camera serial), sized for a phone on a slow link.

The original stays a private material of its pair; only the copies are served on the public pages.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import User
from portal.audit import chain as audit
from portal.core import images, transactional_files as files
from portal.core.errors import DomainError
from portal.extensions import db
from portal.materials.models import Material, MaterialVersion
from portal.public import news
from portal.public.news_models import NewsItem, NewsPhoto

MAX_PHOTOS = 6


def add_photo(item: NewsItem, version: MaterialVersion, *, caption: str, no_wbp_recognisable: bool,
              actor: User) -> NewsPhoto:
    """Attach a photo material of the facility to a draft, once the officer confirms it shows no WBP's face."""
    news.require_draft(item, actor)
    if not no_wbp_recognisable:
        raise DomainError(_l("Confirm that no WBP can be recognised in the photo before it is published."))
    if version.facility_id != item.facility_id or version.content_type not in images.IMAGE_TYPES:
        raise DomainError(_l("Choose a JPEG or PNG photo among the facility's materials."))
    if version.size > images.MAX_SOURCE_BYTES:
        raise DomainError(_l("This photo is too large to publish (at most 25 MB)."))
    if len(item.photos) >= MAX_PHOTOS:
        raise DomainError(_l("A report holds at most %(count)s photos.", count=MAX_PHOTOS))
    large, small, (width, height) = images.web_copies(files.read_object(version.storage_key))
    prefix = f"f/{version.facility_id}/p/{version.partner_id}/news/{item.id}"
    keys = [files.store_bytes(data, filename=f"foto-{size}.jpg", prefix=prefix, content_type="image/jpeg",
                              session=db.session).key for size, data in (("besar", large), ("kecil", small))]
    photo = NewsPhoto(facility_id=item.facility_id, material_version_id=version.id, caption=caption.strip()[:300],
                      confirmed_by_id=actor.id, large_key=keys[0], small_key=keys[1], width=width, height=height)
    item.photos.append(photo)
    db.session.flush()
    audit.record("news.photo_added", actor=actor, object_type="news", object_id=item.id,
                 organisation=item.facility, facility=item.facility,
                 after={"material_version": version.id, "no_wbp_recognisable": True})
    return photo


def remove_photo(item: NewsItem, photo_id: int, *, actor: User) -> None:
    news.require_draft(item, actor)
    photo = next((p for p in item.photos if p.id == photo_id), None)
    if photo is None:
        raise DomainError(_l("This photo is no longer part of the report."))
    item.photos.remove(photo)
    for key in (photo.large_key, photo.small_key):
        files.remove_after_commit(key, db.session)
    db.session.flush()
    audit.record("news.photo_removed", actor=actor, object_type="news", object_id=item.id,
                 organisation=item.facility, facility=item.facility, before={"material_version": photo.material_version_id})


def candidates(item: NewsItem) -> list[MaterialVersion]:
    """The facility's photo materials (latest version of each), newest first."""
    latest = (select(MaterialVersion)
              .join(Material, Material.id == MaterialVersion.material_id)
              .where(Material.facility_id == item.facility_id, Material.deleted_at.is_(None),
                     MaterialVersion.content_type.in_(images.IMAGE_TYPES), MaterialVersion.sha256.is_not(None))
              .order_by(MaterialVersion.uploaded_at.desc(), MaterialVersion.id.desc()).limit(60))
    return list(db.session.scalars(latest))
