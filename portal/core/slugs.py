"""Readable addresses of a facility's public records (its news, its products): unique within the facility."""
from __future__ import annotations

from slugify import slugify
from sqlalchemy import select

from portal.extensions import db


def free_slug(model, facility, text: str, *, fallback: str, keep=None) -> str:
    """The text's words, numbered if another record of the facility has them (`keep`: the record being renamed)."""
    base = slugify(text, max_length=120, word_boundary=True) or fallback
    query = select(model.slug).where(model.facility_id == facility.id, model.slug.like(f"{base}%"))
    if keep is not None:
        query = query.where(model.id != keep.id)
    taken = set(db.session.scalars(query))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug
