"""The other party of a pair, found by name: what the lists filter on, and what the filter suggests as one types.

A facility with two hundred partners cannot be offered a two-hundred-option select on every
list page (it was half the page's cost), so the lists take part of a name as plain text, and a
small script asks `suggestions` for the names that match while one types.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select

from portal.extensions import db
from portal.organisations.models import Organisation, OrgKind
from portal.organisations.partnership_models import Partnership

SUGGESTIONS = 10


def _pattern(typed: str) -> str:
    escaped = typed.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def named(organisation: Organisation, typed: str, facility_id, partner_id) -> ColumnElement[bool]:
    """Records whose other party's name contains `typed` (a partner's for a facility, and so on)."""
    names = select(Organisation.id).where(func.lower(Organisation.name).like(_pattern(typed), escape="\\"),
                                          Organisation.id != organisation.id)
    if organisation.kind == OrgKind.FACILITY:
        return partner_id.in_(names)
    if organisation.kind == OrgKind.PARTNER:
        return facility_id.in_(names)
    return or_(facility_id.in_(names), partner_id.in_(names))


def suggestions(organisation: Organisation, typed: str, limit: int = SUGGESTIONS) -> list[str]:
    """Names of the parties this organisation works with (the pairs it sees) that contain `typed`."""
    if organisation.kind == OrgKind.FACILITY:
        on = Partnership.partner_id == Organisation.id
    elif organisation.kind == OrgKind.PARTNER:
        on = Partnership.facility_id == Organisation.id
    else:
        on = or_(Partnership.partner_id == Organisation.id, Partnership.facility_id == Organisation.id)
    return list(db.session.scalars(
        select(Organisation.name).join(Partnership, on)  # the tenancy filter narrows Partnership to the pairs seen
        .where(func.lower(Organisation.name).like(_pattern(typed), escape="\\"))
        .group_by(Organisation.name).order_by(Organisation.name).limit(limit)))
