"""Who sees which pair: DESIGN.md's pair rule and "this oversight office covers this facility", written once in Python.

A shared record belongs to one (facility, partner) pair. Its two parties see it and write it; an oversight office
sees it when it covers the facility: an office of the facility's province, or one without a province (Ditjen PAS),
which covers every facility. A facility's own records (its news, its tallies) are a pair without a partner.

This module is the rule's one Python spelling, read by everything that asks it: `tenancy`'s ORM filter and write
guard, the audit trail's reader, the webhooks' recipients, the dashboards' facilities. No other module compares an
office's province with a facility's (tests/core/test_tenancy.py scans the source for one). The database's own spelling,
which every Row-Level Security policy calls, is two SQL functions: `mitrapas_party_to` (migration 0035; since 0038
it takes the acting scope as arguments, which the policies read once per statement) and
`mitrapas_overseen_facilities` (tests/core/test_row_level_security.py reads the live policies for another).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import false, or_, select
from sqlalchemy.orm import aliased

from portal.organisations.models import Organisation, OrgKind

if TYPE_CHECKING:
    from portal.core.tenancy import Scope

#: The kinds of organisation that are one side of a pair; an oversight office never is.
PARTIES = (OrgKind.FACILITY, OrgKind.PARTNER)


def covers(oversight, facility):
    """Whether the oversight office covers the facility.

    Given two organisations, True or False; given two (aliased) `Organisation` entities, the same rule as the SQL
    condition that joins them (SQLAlchemy's hybrid idiom: `&`, `|` and `== None` mean the same in both worlds).
    """
    return ((oversight.kind == OrgKind.OVERSIGHT) & (facility.kind == OrgKind.FACILITY)
            & ((oversight.province == None) | (oversight.province == facility.province)))  # noqa: E711


def overseen_facilities(oversight_id):
    """The ids of the facilities the organisation with this id covers, as a sub-select (none unless it is an
    oversight office)."""
    overseer, facility = aliased(Organisation, name="overseer"), aliased(Organisation, name="facility")
    return select(facility.id).join(overseer, overseer.id == oversight_id).where(covers(overseer, facility))


def is_regional(office) -> bool:
    """An oversight office of one province (a Kanwil): not Ditjen PAS, which covers every province."""
    return office.kind == OrgKind.OVERSIGHT and office.province is not None


def regional_offices_of(facility_id):
    """The ids of the regional offices (Kanwil) covering the facility with this id, as a sub-select."""
    overseer, facility = aliased(Organisation, name="overseer"), aliased(Organisation, name="facility")
    return select(overseer.id).join(facility, facility.id == facility_id).where(
        covers(overseer, facility), overseer.province != None)  # noqa: E711


def overseers_of(facility_id):
    """The ids of the oversight offices covering the facility with this id, as a sub-select."""
    overseer, facility = aliased(Organisation, name="overseer"), aliased(Organisation, name="facility")
    return select(overseer.id).join(facility, facility.id == facility_id).where(covers(overseer, facility))


def overseers_of_facilities(organisation_ids):
    """(organisation id, id of an office covering it, or None) for each of these organisations (an office covers
    facilities only), as one statement."""
    overseer, facility = aliased(Organisation, name="overseer"), aliased(Organisation, name="facility")
    return (select(facility.id, overseer.id).select_from(facility)
            .outerjoin(overseer, covers(overseer, facility)).where(facility.id.in_(sorted(organisation_ids))))


def is_party(scope: Scope, facility_id: int | None, partner_id: int | None) -> bool:
    """Whether `scope` may write the pair's records: the facility or the partner (or the escape hatch)."""
    if scope.every_tenant:
        return True
    return scope.kind in PARTIES and scope.org_id is not None and scope.org_id in (facility_id, partner_id)


def is_owner(scope: Scope, facility_id: int | None) -> bool:
    """Whether `scope` may write a facility's own records (its news, its tallies): that facility (or the escape
    hatch). A pair without a partner, but the one party must be a facility: a partner never writes a record
    filed under its own id as a facility's."""
    if scope.every_tenant:
        return True
    return scope.kind == OrgKind.FACILITY and is_party(scope, facility_id, None)


def sees_pair(scope: Scope):
    """The pair rule for `scope` as the ORM filter applies it: a function of a shared model (or an alias of one)
    giving the condition its rows must meet.

    Every scope gets the whole rule (a party to the pair, or an office covering its facility); the kind of the
    acting organisation only picks which half can hold, so that each SQL shape is one lambda, which SQLAlchemy
    caches by its code with the acting organisation as a bound value. Anonymous visitors of the public pages see
    the pairs of the facilities that publish."""
    org_id = scope.org_id
    if scope.public:
        return lambda cls: cls.facility_id.in_(_publishing_facilities())
    if scope.kind in PARTIES:
        return lambda cls: or_(cls.facility_id == org_id, cls.partner_id == org_id)
    if scope.kind == OrgKind.OVERSIGHT:
        return lambda cls: cls.facility_id.in_(overseen_facilities(org_id))
    return lambda cls: false()


def sees_facility(scope: Scope):
    """Whose facility records `scope` sees (the facility's own; its overseers'; the public's once it publishes), as
    `sees_pair` gives it: the rule of a pair without a partner."""
    if scope.kind == OrgKind.FACILITY:
        org_id = scope.org_id
        return lambda cls: cls.facility_id == org_id
    if scope.kind == OrgKind.OVERSIGHT or scope.public:
        return sees_pair(scope)
    return lambda cls: false()


def sees_shared_with_partners(scope: Scope):
    """Whose records shared with partners `scope` sees: as `sees_facility`, and a partner those of the facilities it
    has a partnership with (the SQL spelling: `mitrapas_partnered_facilities()`, migration 0040)."""
    if scope.kind == OrgKind.PARTNER:
        org_id = scope.org_id
        return lambda cls: cls.facility_id.in_(partnered_facilities(org_id))
    return sees_facility(scope)


def partnered_facilities(partner_id):
    """The ids of the facilities the organisation with this id has a partnership with, as a sub-select."""
    from portal.organisations.partnership_models import Partnership
    return select(Partnership.facility_id).where(Partnership.partner_id == partner_id)


def _publishing_facilities():
    return select(Organisation.id).where(Organisation.kind == OrgKind.FACILITY, Organisation.public_page.is_(True))
