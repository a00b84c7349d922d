"""The mapping of inmates' potential and interests (pemetaan potensi dan minat), as counts per skill area and month:
how many are interested in each, and how many are trained for it. The facility counts; its partners (the cooperative
office, BLK) read the counts to plan training. Nothing here identifies a person: no names, no lists, only numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import policy
from portal.accounts.models import User
from portal.audit import chain as audit
from portal.core import clock
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations.models import Organisation, OrgKind
from portal.umkm.models import SkillArea, SkillInterest

#: A count larger than any facility's population is a typo, not a mapping.
MOST = 10_000


@dataclass(frozen=True)
class Count:
    interested: int = 0
    trained: int = 0


@dataclass
class Mapping:
    """One month's counts, every skill area in the enum's order (zero where nothing was counted)."""

    period: date
    counts: dict[SkillArea, Count]

    @property
    def interested(self) -> int:
        return sum(count.interested for count in self.counts.values())

    @property
    def trained(self) -> int:
        return sum(count.trained for count in self.counts.values())


def month_of(day: date) -> date:
    return day.replace(day=1)


def count(facility: Organisation, period: date, counts: dict[SkillArea, Count], *, actor: User) -> Mapping:
    """Record one month's counts, replacing what that month said before (a recount corrects the mapping)."""
    policy.require(policy.can_manage_products(actor, facility))
    period = month_of(period)
    if period > month_of(clock.today()):
        raise DomainError(_l("A mapping is counted for this month or one before it."))
    for given in counts.values():
        if not (0 <= given.interested <= MOST and 0 <= given.trained <= MOST):
            raise DomainError(_l("Each count is a whole number from 0 to %(most)s.", most=MOST))
    stored = {row.skill: row for row in db.session.scalars(
        select(SkillInterest).where(SkillInterest.facility_id == facility.id, SkillInterest.period == period))}
    for skill, given in counts.items():
        row = stored.get(skill)
        if row is None:
            if given == Count():
                continue
            row = SkillInterest(facility_id=facility.id, period=period, skill=skill)
            db.session.add(row)
        row.interested, row.trained, row.updated_by_id = given.interested, given.trained, actor.id
    db.session.flush()
    mapping = mapping_of(facility, period)
    audit.record("skills.counted", actor=actor, object_type="skills", object_id=None, organisation=facility,
                 facility=facility, after={"period": period.isoformat(), "interested": mapping.interested,
                                           "trained": mapping.trained})
    return mapping


def mapping_of(facility: Organisation, period: date) -> Mapping:
    rows = db.session.scalars(select(SkillInterest).where(SkillInterest.facility_id == facility.id,
                                                          SkillInterest.period == month_of(period)))
    found = {row.skill: Count(row.interested, row.trained) for row in rows}
    return Mapping(month_of(period), {skill: found.get(skill, Count()) for skill in SkillArea})


def periods_of(facility: Organisation, limit: int = 12) -> list[date]:
    """The months the facility counted, newest first."""
    return list(db.session.scalars(select(SkillInterest.period).where(SkillInterest.facility_id == facility.id)
                                   .group_by(SkillInterest.period).order_by(SkillInterest.period.desc())
                                   .limit(limit)))


def seen_mappings(organisation: Organisation, months: int = 6) -> list[tuple[Organisation, Mapping]]:
    """What the organisation reads: a facility its own last months, newest first; a partner or an office the latest
    month of each facility it sees (the tenancy filter decides which)."""
    if organisation.kind == OrgKind.FACILITY:
        return [(organisation, mapping_of(organisation, period)) for period in periods_of(organisation, months)]
    newest = (select(SkillInterest.facility_id, func.max(SkillInterest.period).label("period"))
              .group_by(SkillInterest.facility_id).subquery())
    rows = db.session.scalars(select(SkillInterest).join(
        newest, (newest.c.facility_id == SkillInterest.facility_id) & (newest.c.period == SkillInterest.period)))
    by_facility: dict[int, tuple[Organisation, dict]] = {}
    for row in rows:
        facility, counts = by_facility.setdefault(row.facility_id, (row.facility, {}))
        counts[row.skill] = (row.period, Count(row.interested, row.trained))
    found = []
    for facility, counts in sorted(by_facility.values(), key=lambda pair: pair[0].name):
        period = next(iter(counts.values()))[0]
        found.append((facility, Mapping(period, {skill: counts.get(skill, (period, Count()))[1]
                                                 for skill in SkillArea})))
    return found
