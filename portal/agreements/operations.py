"""The PKS lifecycle (DESIGN.md) apart from signing: drafting, review and decision, and what happens to an
agreement in force. Every move goes through `agreement_moves` (lock, state and policy check, audit);
signing is `agreement_signing`.
"""
from __future__ import annotations

from dataclasses import dataclass, fields as dataclass_fields
from datetime import date, timedelta
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import policy
from portal.accounts.models import User
from portal.agreements import chains, moves, signing as agreement_signing
from portal.agreements.events import AgreementVerb
from portal.agreements.models import (
    IN_FORCE_STATES, Agreement, AgreementDocument, AgreementKind, AgreementStatus, AgreementType, DocumentKind, Party,
)
from portal.core import clock
from portal.core.errors import DomainError, FieldErrors
from portal.core.i18n import long_date
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.organisations.partnership_models import Partnership

S = AgreementStatus


@dataclass
class AgreementFields:
    """What a drafter fills in (DESIGN.md, "The agreement (PKS) lifecycle")."""

    type: AgreementType
    title: str
    start_date: date
    end_date: date
    scope: str = ""
    objectives: str = ""
    facility_rights: str = ""
    facility_obligations: str = ""
    partner_rights: str = ""
    partner_obligations: str = ""
    facility_number: str | None = None
    partner_number: str | None = None
    facility_signatory: User | None = None
    facility_signatory_position: str | None = None
    facility_signatory_nip: str | None = None
    partner_signatory: User | None = None
    partner_signatory_position: str | None = None
    partner_signatory_nip: str | None = None

    @classmethod
    def of(cls, agreement: Agreement) -> "AgreementFields":
        return cls(**{field.name: getattr(agreement, field.name) for field in dataclass_fields(cls)})


# --- drafting -------------------------------------------------------------------------

def create_agreement(facility: Organisation, partner: Organisation, fields: AgreementFields, *,
                     actor: User, document: BinaryIO | None = None, filename: str | None = None) -> Agreement:
    """A new draft between a facility and a partner that already work together."""
    policy.require(policy.can_draft_agreement(actor, facility, partner))
    if db.session.scalar(select(Partnership.id).where(
            Partnership.facility_id == facility.id, Partnership.partner_id == partner.id)) is None:
        raise DomainError(_l("%(partner)s is not a partner of %(facility)s yet.",
                             partner=partner.name, facility=facility.name))
    agreement = Agreement(facility=facility, partner=partner, created_by=actor, status=S.DRAFT)
    _apply(agreement, fields)
    db.session.add(agreement)
    db.session.flush()
    moves.record(AgreementVerb.CREATE, agreement, actor, after={"title": agreement.title, "type": agreement.type})
    if document is not None:
        add_draft_document(agreement, document, filename, actor=actor)
    return agreement


def update_agreement(agreement: Agreement, fields: AgreementFields, *, actor: User,
                     expected_version: int | None = None) -> None:
    """Change a draft's fields; refused once it left the drafters' hands."""
    moves.begin(agreement, actor, AgreementVerb.EDIT, expected_version)
    before = _summary(agreement)
    _apply(agreement, fields)
    changed = {key: value for key, value in _summary(agreement).items() if before.get(key) != value}
    moves.save()
    if changed:
        moves.record(AgreementVerb.EDIT, agreement, actor, before={k: before[k] for k in changed}, after=changed)


def add_draft_document(agreement: Agreement, stream: BinaryIO, filename: str | None, *,
                       actor: User) -> AgreementDocument:
    """A new version of the draft document (PDF or DOCX); earlier versions are kept."""
    moves.begin(agreement, actor, AgreementVerb.EDIT)
    return moves.add_document(agreement, DocumentKind.DRAFT, stream, filename, actor, AgreementVerb.ADD_DOCUMENT)


def submit_agreement(agreement: Agreement, *, actor: User) -> None:
    moves.begin(agreement, actor, AgreementVerb.SUBMIT)
    if agreement.latest_draft() is None:
        raise DomainError(_l("Upload the draft document (PDF or DOCX) before submitting."))
    if agreement.facility_signatory_id is None or agreement.partner_signatory_id is None:
        raise DomainError(_l("Name both signatories before submitting."))
    chains.start(agreement)  # first: whoever hears of the submission is told by its first step
    moves.move(agreement, actor, S.SUBMITTED, AgreementVerb.SUBMIT, version=agreement.latest_draft().number)


# --- review and decision --------------------------------------------------------------

def request_changes(agreement: Agreement, reason: str, *, actor: User) -> None:
    moves.begin(agreement, actor, AgreementVerb.REQUEST_CHANGES)
    chains.returned(agreement, actor)
    moves.move(agreement, actor, S.CHANGES_REQUESTED, AgreementVerb.REQUEST_CHANGES,
               reason=moves.reason_given(reason))


def forward_agreement(agreement: Agreement, *, actor: User) -> None:
    """The current review step is done: the next one's turn, or, after the last, the head decides."""
    chains.complete(agreement, actor, AgreementVerb.FORWARD)


def acknowledge_agreement(agreement: Agreement, *, actor: User) -> None:
    """The Kanwil covering the facility acknowledges the agreement at its step of the chain."""
    chains.complete(agreement, actor, AgreementVerb.ACKNOWLEDGE)


def approve_agreement(agreement: Agreement, *, actor: User) -> None:
    """The head approves the latest draft version: exactly that file will be signed."""
    moves.begin(agreement, actor, AgreementVerb.APPROVE)
    agreement.approved_document_number = agreement.latest_draft().number
    agreement.status_reason = None
    chains.decided(agreement, actor, approved=True)
    moves.move(agreement, actor, S.APPROVED, AgreementVerb.APPROVE, version=agreement.approved_document_number,
               sha256=agreement.approved_document().sha256)


def reject_agreement(agreement: Agreement, reason: str, *, actor: User) -> None:
    moves.begin(agreement, actor, AgreementVerb.REJECT)
    chains.decided(agreement, actor, approved=False)
    moves.move(agreement, actor, S.REJECTED, AgreementVerb.REJECT, reason=moves.reason_given(reason))


# --- in force, and after -----------------------------------------------------------------

def terminate_agreement(agreement: Agreement, reason: str, *, actor: User) -> None:
    """The facility head ends an agreement early; its addenda end with it."""
    moves.begin(agreement, actor, AgreementVerb.TERMINATE)
    reason = moves.reason_given(reason)
    moves.move(agreement, actor, S.TERMINATED, AgreementVerb.TERMINATE, reason=reason)
    for addendum in agreement.addenda:
        if addendum.status in IN_FORCE_STATES:
            moves.move(addendum, actor, S.TERMINATED, AgreementVerb.TERMINATE, reason=reason)


def renew_agreement(agreement: Agreement, *, actor: User) -> Agreement:
    """A new draft continuing this agreement, for the same length of time after it ends."""
    moves.begin(agreement, actor, AgreementVerb.RENEW)
    fields = _carried_over(agreement)
    fields.start_date = agreement.end_date + timedelta(days=1)
    fields.end_date = fields.start_date + (agreement.end_date - agreement.start_date)
    renewal = create_agreement(agreement.facility, agreement.partner, fields, actor=actor)
    renewal.renews = agreement
    moves.record(AgreementVerb.RENEW, agreement, actor, after={"renewal": renewal.id})
    return renewal


def start_addendum(agreement: Agreement, *, actor: User) -> Agreement:
    """A draft amendment of an agreement in force; it follows the same workflow."""
    moves.begin(agreement, actor, AgreementVerb.AMEND)
    fields = _carried_over(agreement)
    fields.title = str(_l("Addendum %(n)d to %(title)s", n=len(agreement.addenda) + 1, title=agreement.title))
    addendum = create_agreement(agreement.facility, agreement.partner, fields, actor=actor)
    addendum.kind, addendum.amends = AgreementKind.ADDENDUM, agreement
    moves.record(AgreementVerb.AMEND, agreement, actor, after={"addendum": addendum.id})
    return addendum


def _carried_over(agreement: Agreement) -> AgreementFields:
    """The fields a renewal or addendum starts from: new numbers, signatories who still may sign."""
    fields = AgreementFields.of(agreement)
    fields.facility_number = fields.partner_number = None
    if not policy.may_be_signatory(fields.facility_signatory, agreement.facility, Party.FACILITY):
        fields.facility_signatory = None
    if not policy.may_be_signatory(fields.partner_signatory, agreement.partner, Party.PARTNER):
        fields.partner_signatory = None
    return fields


def tick(today: date) -> dict[str, int]:
    """Put signed agreements in force on their start date and expire them after their end date.

    Idempotent: run it as often as you like (cron, daily). The caller decides the scope.
    """
    counts = {"activated": 0, "expired": 0}
    due = db.session.scalars(select(Agreement).where(
        Agreement.status.in_(IN_FORCE_STATES),
        (Agreement.end_date < today) | ((Agreement.status == S.SIGNED) & (Agreement.start_date <= today)),
    ).order_by(Agreement.id)).unique().all()
    for agreement in due:
        if agreement.end_date < today:
            moves.move(agreement, None, S.EXPIRED, AgreementVerb.EXPIRE)
            counts["expired"] += 1
        else:
            moves.move(agreement, None, S.ACTIVE, AgreementVerb.ACTIVATE)
            counts["activated"] += 1
    return counts


# --- what a page offers ------------------------------------------------------------------

def available_actions(agreement: Agreement, user: User) -> set[AgreementVerb]:
    """What `user` can do to the agreement right now: the buttons a page shows."""
    actions = {action for action, (states, allowed) in moves.RULES.items()
               if agreement.status in states and allowed(user, agreement)
               and (action not in moves.AGREEMENT_ONLY or agreement.kind == AgreementKind.AGREEMENT)}
    party = agreement_signing.signing_party(agreement, user)
    if party is not None and agreement.status == agreement_signing.SIGNS_IN[party]:
        actions.add(AgreementVerb.SIGN)
    return actions


#: The longest an agreement may run (DESIGN.md is silent; cooperation agreements of government bodies commonly
#: run at most five years, then are renewed).
MAX_YEARS = 5
#: How far ahead of its start an agreement may be drafted.
MAX_YEARS_AHEAD = 2


def period_problems(start: date, end: date) -> dict[str, object]:
    """What is wrong with an agreement's period, by field: it runs at most MAX_YEARS, starts at most
    MAX_YEARS_AHEAD from today, and did not begin so long ago that it would have ended already."""
    today, found = clock.today(), {}
    if start > _years_after(today, MAX_YEARS_AHEAD):
        found["start_date"] = _l("The start date is more than %(n)d years ahead (after %(last)s): draft the agreement "
                                 "closer to its start. Check the year.", n=MAX_YEARS_AHEAD,
                                 last=long_date(_years_after(today, MAX_YEARS_AHEAD)))
    elif start <= _years_after(today, -MAX_YEARS):
        found["start_date"] = _l("The start date is more than %(n)d years ago: an agreement runs at most %(n)d years, "
                                 "so this one would have ended already. Check the year.", n=MAX_YEARS)
    if end < start:
        found["end_date"] = _l("The end date must not be before the start date.")
    elif end >= _years_after(start, MAX_YEARS):
        found["end_date"] = _l("An agreement runs at most %(n)d years: from this start, it ends on %(last)s at the "
                               "latest. A longer cooperation is renewed.", n=MAX_YEARS,
                               last=long_date(_years_after(start, MAX_YEARS) - timedelta(days=1)))
    return found


def _years_after(day: date, years: int) -> date:
    """The same day `years` later (or earlier); 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _apply(agreement: Agreement, fields: AgreementFields) -> None:
    if found := period_problems(fields.start_date, fields.end_date):
        raise FieldErrors(found)
    _check_signatory(fields.facility_signatory, agreement.facility, Party.FACILITY,
                     _l("The facility's signatory must be a head of the facility."))
    _check_signatory(fields.partner_signatory, agreement.partner, Party.PARTNER,
                     _l("The partner's signatory must be an administrator of the partner."))
    for name, value in vars(fields).items():
        if isinstance(value, str):
            value = value.strip() or ("" if name in _TEXT_FIELDS else None)
        setattr(agreement, name, value)
    for party in ("facility", "partner"):  # a signatory's own position and NIP, unless typed in
        person = getattr(agreement, f"{party}_signatory")
        for detail in ("position", "nip"):
            if person is not None and not getattr(agreement, f"{party}_signatory_{detail}"):
                setattr(agreement, f"{party}_signatory_{detail}", getattr(person, detail))


_TEXT_FIELDS = {"title", "scope", "objectives", "facility_rights", "facility_obligations", "partner_rights",
                "partner_obligations"}


def _check_signatory(user: User | None, organisation: Organisation, party: Party, message) -> None:
    if user is not None and not policy.may_be_signatory(user, organisation, party):
        raise DomainError(message)


def _summary(agreement: Agreement) -> dict:
    summary = {field.name: getattr(agreement, field.name) for field in dataclass_fields(AgreementFields)}
    for party in ("facility", "partner"):
        signatory = summary.pop(f"{party}_signatory")
        summary[f"{party}_signatory"] = signatory.id if signatory else None
    return summary
