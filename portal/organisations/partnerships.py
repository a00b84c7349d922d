"""Partnerships: a facility records which partners it works with."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import policy
from portal.accounts.models import User
from portal.audit import chain as audit
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations.models import Organisation, OrgKind
from portal.organisations.partnership_models import Partnership


def link_partner(facility: Organisation, partner: Organisation, *, actor: User,
                 focus: str | None = None, since: date | None = None) -> Partnership:
    policy.require(policy.can_link_partner(actor, facility))
    if partner.kind != OrgKind.PARTNER:
        raise DomainError(_l("Only a partner organisation can be linked."))
    existing = db.session.scalar(select(Partnership).where(
        Partnership.facility_id == facility.id, Partnership.partner_id == partner.id))
    if existing is not None:
        raise DomainError(_l("%(partner)s is already a partner of this facility.", partner=partner.name))
    partnership = Partnership(facility=facility, partner=partner, focus=focus or None, since=since)
    db.session.add(partnership)
    db.session.flush()
    audit.record("partnership.created", actor=actor, object_type="partnership",
                 object_id=partnership.id, organisation=facility, facility=facility, partner=partner,
                 after={"partner": partner.name, "focus": focus})
    return partnership


def pair_exists(facility: Organisation, partner: Organisation) -> bool:
    """Asked by one of the pair (the facility), whose scope sees it if it exists."""
    return db.session.scalar(select(Partnership.id).where(
        Partnership.facility_id == facility.id, Partnership.partner_id == partner.id)) is not None


def newest_partnerships(limit: int) -> list[Partnership]:
    """The latest pairs the acting organisation sees: what a dashboard has room for."""
    return list(db.session.scalars(
        select(Partnership).order_by(Partnership.created_at.desc(), Partnership.id.desc()).limit(limit)
    ).unique())


def count_visible() -> int:
    return db.session.scalar(select(func.count(Partnership.id)))


def visible_pair(facility_id: int, partner_id: int) -> Partnership | None:
    """The pair of these two, if the acting organisation sees it."""
    return db.session.scalar(select(Partnership).where(Partnership.facility_id == facility_id,
                                                       Partnership.partner_id == partner_id))


def visible_partnerships() -> list[Partnership]:
    """Every pair the acting organisation may see: the tenancy filter decides which."""
    return list(db.session.scalars(
        select(Partnership).order_by(Partnership.created_at)
    ).unique())
