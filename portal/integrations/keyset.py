"""Keyset pages for other systems (the API): newest first by id, continuing after the last id seen. Unlike numbered
pages, a page does not shift when records are added while a system reads through a list."""
from __future__ import annotations

from portal.extensions import db


def page(query, model, after_id: int | None, limit: int) -> tuple[list, int | None]:
    """One page of `query` (its order is replaced) and the id to continue after (None on the last page)."""
    query = query.order_by(None).order_by(model.id.desc())
    if after_id:
        query = query.where(model.id < after_id)
    found = db.session.scalars(query.limit(limit + 1)).unique().all()
    return list(found[:limit]), (found[limit - 1].id if len(found) > limit else None)
