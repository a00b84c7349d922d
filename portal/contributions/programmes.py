"""Programmes: a series of sessions a facility and a partner run together, opened and then closed with its results.

Its sessions are contributions (`contributions.record_sessions`); closing records who completed it
and the certificates handed over.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import policy
from portal.accounts.models import User
from portal.audit import chain as audit
from portal.contributions.fields import ProgrammeFields
from portal.contributions.models import Programme, ProgrammeStatus
from portal.core.columns import utcnow
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations.models import Organisation


def create_programme(facility: Organisation, partner: Organisation, fields: ProgrammeFields, *,
                     actor: User) -> Programme:
    policy.require(policy.can_record_contribution(actor, facility, partner)
                   or policy.can_verify_contribution_for(actor, facility))
    if fields.end_date and fields.end_date < fields.start_date:
        raise DomainError(_l("The end date must not be before the start date."))
    if fields.agreement is not None and (fields.agreement.facility_id, fields.agreement.partner_id) != \
            (facility.id, partner.id):
        raise DomainError(_l("That agreement belongs to another facility or partner."))
    if any(value is not None and value < 0 for value in (fields.duration_days, fields.planned_participants)):
        raise DomainError(_l("Numbers of days and participants cannot be negative."))
    programme = Programme(facility=facility, partner=partner, created_by_id=actor.id,
                          **{key: value for key, value in vars(fields).items()})
    db.session.add(programme)
    db.session.flush()
    audit.record("programme.created", actor=actor, object_type="programme", object_id=programme.id,
                 facility=facility, partner=partner, organisation=audit.party_of(actor, facility, partner),
                 after={"name": programme.name, "type": programme.type})
    return programme


def close_programme(programme: Programme, *, actual_participants: int, certificates_issued: int,
                    end_date: date, actor: User) -> None:
    """The closing: how many took part to the end, and how many certificates were handed over."""
    policy.require(policy.can_verify_contribution_for(actor, programme.facility)
                   or policy.can_record_contribution(actor, programme.facility, programme.partner))
    if programme.status == ProgrammeStatus.CLOSED:
        raise DomainError(_l("This programme is already closed."))
    if actual_participants < 0 or certificates_issued < 0:
        raise DomainError(_l("Numbers of days and participants cannot be negative."))
    if certificates_issued > actual_participants:
        raise DomainError(_l("More certificates than participants: please check the numbers."))
    if end_date < programme.start_date:
        raise DomainError(_l("The end date must not be before the start date."))
    programme.status, programme.closed_at, programme.end_date = ProgrammeStatus.CLOSED, utcnow(), end_date
    programme.actual_participants, programme.certificates_issued = actual_participants, certificates_issued
    db.session.flush()
    audit.record("programme.closed", actor=actor, object_type="programme", object_id=programme.id,
                 facility=programme.facility, partner=programme.partner,
                 organisation=audit.party_of(actor, programme.facility, programme.partner),
                 after={"participants": actual_participants, "certificates": certificates_issued})


def listed(status: ProgrammeStatus | None = None):
    """The programmes the organisation sees (the tenancy filter decides which), newest first."""
    query = select(Programme).order_by(Programme.start_date.desc(), Programme.id.desc())
    return query if status is None else query.where(Programme.status == status)
