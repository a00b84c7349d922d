"""The PKS lifecycle (DESIGN.md): every move of an agreement is one function here.

Each move locks the agreement's row, checks the state and `portal.policy`,
changes it and writes the audit entry, all in the caller's transaction; an
illegal move raises a `DomainError` and leaves everything as it was. Two
people acting at once are serialised by the row lock, and a write based on a
stale page fails on the version column instead of overwriting.
"""
from __future__ import annotations

from dataclasses import dataclass, fields as dataclass_fields
from datetime import date, timedelta
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import clock, policy
from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Agreement, AgreementDocument, AgreementKind, AgreementStatus, AgreementType, DocumentKind,
    Organisation, Party, Partnership, Role, Signature, SignatureMethod, User,
)
from portal.models.base import utcnow
from portal.services import accounts, agreement_files, audit, files, locking, two_factor
from portal.tenancy import current_scope
from portal.vocabulary import AGREEMENT_ACTIONS, AGREEMENT_STATUS

S = AgreementStatus
EDITABLE = frozenset({S.DRAFT, S.CHANGES_REQUESTED})
IN_REVIEW = frozenset({S.SUBMITTED, S.FORWARDED})
SIGNING = frozenset({S.APPROVED, S.PARTNER_SIGNED})
IN_FORCE = frozenset({S.SIGNED, S.ACTIVE})

#: Who may do what, from which states: the one table the moves and the pages both read.
#: Signing is not here: it depends on being the named signatory (see `sign_agreement`).
RULES = {
    "edit": (EDITABLE, policy.can_edit_agreement),
    "submit": (EDITABLE, policy.can_edit_agreement),
    "request_changes": (IN_REVIEW, policy.can_review_agreement),
    "forward": (frozenset({S.SUBMITTED}), policy.can_review_agreement),
    "approve": (frozenset({S.FORWARDED}), policy.can_decide_agreement),
    "reject": (IN_REVIEW, policy.can_decide_agreement),
    "upload_scan": (SIGNING, policy.can_edit_agreement),
    "confirm_scan": (SIGNING, policy.can_review_agreement),
    "terminate": (IN_FORCE, policy.can_decide_agreement),
    "renew": (frozenset({S.ACTIVE, S.EXPIRED}), policy.can_edit_agreement),
    "amend": (IN_FORCE, policy.can_edit_agreement),
}
#: Only an agreement itself is renewed or amended, never an addendum.
AGREEMENT_ONLY = frozenset({"renew", "amend"})



class IllegalTransition(DomainError):
    """The agreement's state does not allow this move."""


class AgreementChanged(DomainError):
    """Someone else changed the agreement since this page was loaded."""

    def __init__(self):
        super().__init__(_l("Someone else changed this agreement a moment ago. Nothing was saved; "
                            "reload the page and try again."))


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
    _audit("agreement.created", agreement, actor, after={"title": agreement.title, "type": agreement.type})
    if document is not None:
        add_draft_document(agreement, document, filename, actor=actor)
    return agreement


def update_agreement(agreement: Agreement, fields: AgreementFields, *, actor: User,
                     expected_version: int | None = None) -> None:
    """Change a draft's fields; refused once it left the drafters' hands."""
    _begin(agreement, actor, "edit", expected_version)
    before = _summary(agreement)
    _apply(agreement, fields)
    changed = {key: value for key, value in _summary(agreement).items() if before.get(key) != value}
    _save()
    if changed:
        _audit("agreement.updated", agreement, actor, before={k: before[k] for k in changed}, after=changed)


def add_draft_document(agreement: Agreement, stream: BinaryIO, filename: str | None, *, actor: User) -> AgreementDocument:
    """A new version of the draft document (PDF or DOCX); earlier versions are kept."""
    _begin(agreement, actor, "edit")
    return _add_document(agreement, DocumentKind.DRAFT, stream, filename, actor, "agreement.document_added")


def submit_agreement(agreement: Agreement, *, actor: User) -> None:
    _begin(agreement, actor, "submit")
    if agreement.latest_draft() is None:
        raise DomainError(_l("Upload the draft document (PDF or DOCX) before submitting."))
    if agreement.facility_signatory_id is None or agreement.partner_signatory_id is None:
        raise DomainError(_l("Name both signatories before submitting."))
    _move(agreement, actor, S.SUBMITTED, "agreement.submitted", version=agreement.latest_draft().number)


# --- review and decision --------------------------------------------------------------

def request_changes(agreement: Agreement, reason: str, *, actor: User) -> None:
    _begin(agreement, actor, "request_changes")
    _move(agreement, actor, S.CHANGES_REQUESTED, "agreement.changes_requested", reason=_reason(reason))


def forward_agreement(agreement: Agreement, *, actor: User) -> None:
    """The officer's review is done; the head decides."""
    _begin(agreement, actor, "forward")
    _move(agreement, actor, S.FORWARDED, "agreement.forwarded")


def approve_agreement(agreement: Agreement, *, actor: User) -> None:
    """The head approves the latest draft version: exactly that file will be signed."""
    _begin(agreement, actor, "approve")
    agreement.approved_document_number = agreement.latest_draft().number
    agreement.status_reason = None
    _move(agreement, actor, S.APPROVED, "agreement.approved", version=agreement.approved_document_number,
          sha256=agreement.approved_document().sha256)


def reject_agreement(agreement: Agreement, reason: str, *, actor: User) -> None:
    _begin(agreement, actor, "reject")
    _move(agreement, actor, S.REJECTED, "agreement.rejected", reason=_reason(reason))


# --- signing -----------------------------------------------------------------------------

#: The partner signs first, then the facility.
_SIGNS_IN = {Party.PARTNER: S.APPROVED, Party.FACILITY: S.PARTNER_SIGNED}


def signing_party(agreement: Agreement, user: User) -> Party | None:
    """Which party `user` is the named signatory of, if any."""
    for party in (Party.PARTNER, Party.FACILITY):
        if policy.can_sign_agreement(user, agreement, party):
            return party
    return None


def sign_agreement(agreement: Agreement, password: str, *, actor: User) -> Signature:
    """The named signatory signs the approved version, after re-entering the password.

    The partner signs first, then the facility head; the second signature
    completes the agreement and issues the final PDF.
    """
    party = signing_party(agreement, actor)
    policy.require(party is not None)
    _begin(agreement, actor, "sign", states={_SIGNS_IN[party]})
    if not two_factor.is_enabled(actor):
        raise DomainError(_l("Turn on two-factor sign-in (in the menu under your name) before signing."))
    if not accounts.password_matches(actor, password):
        raise DomainError(_l("The password is wrong; the agreement was not signed."))
    document = agreement.approved_document()
    if files.sha256_of_object(document.storage_key) != document.sha256:
        raise DomainError(_l("The stored document no longer matches the approved version, so it cannot be "
                             "signed. Please tell the platform administrator."))
    signature = _signature(agreement, party, SignatureMethod.ELECTRONIC, document, actor)
    if party == Party.PARTNER:
        _move(agreement, actor, S.PARTNER_SIGNED, "agreement.signed", party=party, sha256=document.sha256)
    else:
        _audit("agreement.signed", agreement, actor, after={"party": party, "sha256": document.sha256})
        _complete(agreement, actor, document)
    return signature


def upload_signed_scan(agreement: Agreement, stream: BinaryIO, filename: str | None, *,
                       actor: User) -> AgreementDocument:
    """The paper path: a scan of the PKS signed on paper, to be confirmed by a facility officer."""
    _begin(agreement, actor, "upload_scan")
    return _add_document(agreement, DocumentKind.SIGNED_SCAN, stream, filename, actor, "agreement.scan_uploaded")


def confirm_signed_scan(agreement: Agreement, *, actor: User) -> None:
    """A facility officer confirms the paper signatures; the scan becomes the signed document."""
    _begin(agreement, actor, "confirm_scan")
    scan = agreement.document_of(DocumentKind.SIGNED_SCAN)
    if scan is None:
        raise DomainError(_l("Upload the scan of the paper-signed agreement first."))
    for party in (Party.PARTNER, Party.FACILITY):
        if agreement.signature_of(party) is None:
            _signature(agreement, party, SignatureMethod.PAPER, scan, agreement.signatory_for(party),
                       confirmed_by=actor)
    _audit("agreement.scan_confirmed", agreement, actor, after={"sha256": scan.sha256})
    _complete(agreement, actor, scan)


def _signature(agreement: Agreement, party: Party, method: SignatureMethod, document: AgreementDocument,
               signer: User | None, confirmed_by: User | None = None) -> Signature:
    """Record what was signed, by whom and as what, copied so it stays true later."""
    signature = Signature(
        agreement=agreement, facility=agreement.facility, partner=agreement.partner, document=document,
        party=party, method=method, user_id=signer.id if signer else None, name=signer.name if signer else "-",
        position=getattr(agreement, f"{party.value}_signatory_position") or getattr(signer, "position", None),
        nip=getattr(agreement, f"{party.value}_signatory_nip") or getattr(signer, "nip", None),
        organisation_name=(agreement.facility if party == Party.FACILITY else agreement.partner).name,
        signed_at=utcnow(), ip=audit.origin_ip.get(), sha256=document.sha256,
        confirmed_by_id=confirmed_by.id if confirmed_by else None)
    db.session.add(signature)
    return signature


def _complete(agreement: Agreement, actor: User | None, signed: AgreementDocument) -> None:
    """Both signed: issue the final PDF with its certificate page, and put the agreement in force."""
    db.session.flush()
    agreement.signed_at = utcnow()
    final = agreement_files.issue_final_pdf(agreement, signed, actor)
    today = clock.today()
    target = S.EXPIRED if agreement.end_date < today else S.ACTIVE if agreement.start_date <= today else S.SIGNED
    _move(agreement, actor, target, "agreement.completed", verification_code=agreement.verification_code,
          final_sha256=final.sha256)
    if agreement.kind == AgreementKind.ADDENDUM:
        _apply_addendum(agreement, actor)


def _apply_addendum(addendum: Agreement, actor: User | None) -> None:
    """A signed addendum becomes part of its agreement: a changed end date carries over."""
    parent = addendum.amends
    if parent.end_date != addendum.end_date:
        before = parent.end_date
        parent.end_date = addendum.end_date
        _save()
        _audit("agreement.addendum_applied", parent, actor, before={"end_date": before},
               after={"end_date": parent.end_date, "addendum": addendum.id})


# --- in force, and after -----------------------------------------------------------------

def terminate_agreement(agreement: Agreement, reason: str, *, actor: User) -> None:
    """The facility head ends an agreement early; its addenda end with it."""
    _begin(agreement, actor, "terminate")
    reason = _reason(reason)
    _move(agreement, actor, S.TERMINATED, "agreement.terminated", reason=reason)
    for addendum in agreement.addenda:
        if addendum.status in IN_FORCE:
            _move(addendum, actor, S.TERMINATED, "agreement.terminated", reason=reason)


def renew_agreement(agreement: Agreement, *, actor: User) -> Agreement:
    """A new draft continuing this agreement, for the same length of time after it ends."""
    _begin(agreement, actor, "renew")
    fields = _carried_over(agreement)
    fields.start_date = agreement.end_date + timedelta(days=1)
    fields.end_date = fields.start_date + (agreement.end_date - agreement.start_date)
    renewal = create_agreement(agreement.facility, agreement.partner, fields, actor=actor)
    renewal.renews = agreement
    _audit("agreement.renewed", agreement, actor, after={"renewal": renewal.id})
    return renewal


def start_addendum(agreement: Agreement, *, actor: User) -> Agreement:
    """A draft amendment of an agreement in force; it follows the same workflow."""
    _begin(agreement, actor, "amend")
    fields = _carried_over(agreement)
    fields.title = str(_l("Addendum %(n)d to %(title)s", n=len(agreement.addenda) + 1, title=agreement.title))
    addendum = create_agreement(agreement.facility, agreement.partner, fields, actor=actor)
    addendum.kind, addendum.amends = AgreementKind.ADDENDUM, agreement
    _audit("agreement.amended", agreement, actor, after={"addendum": addendum.id})
    return addendum


def _carried_over(agreement: Agreement) -> AgreementFields:
    """The fields a renewal or addendum starts from: new numbers, signatories who still may sign."""
    fields = AgreementFields.of(agreement)
    fields.facility_number = fields.partner_number = None
    if policy.role_of(fields.facility_signatory, agreement.facility) != Role.HEAD:
        fields.facility_signatory = None
    if policy.role_of(fields.partner_signatory, agreement.partner) != Role.ADMIN:
        fields.partner_signatory = None
    return fields


def tick(today: date) -> dict[str, int]:
    """Put signed agreements in force on their start date and expire them after their end date.

    Idempotent: run it as often as you like (cron, daily). The caller decides the scope.
    """
    counts = {"activated": 0, "expired": 0}
    due = db.session.scalars(select(Agreement).where(
        Agreement.status.in_(IN_FORCE),
        (Agreement.end_date < today) | ((Agreement.status == S.SIGNED) & (Agreement.start_date <= today)),
    ).order_by(Agreement.id)).unique().all()
    for agreement in due:
        if agreement.end_date < today:
            _move(agreement, None, S.EXPIRED, "agreement.expired")
            counts["expired"] += 1
        else:
            _move(agreement, None, S.ACTIVE, "agreement.activated")
            counts["activated"] += 1
    return counts


# --- the machinery ----------------------------------------------------------------------

def _begin(agreement: Agreement, actor: User | None, action: str, expected_version: int | None = None,
           states=None) -> None:
    """Who first, then lock the row and check the state as it is now, not as it was read."""
    rule_states, allowed = RULES.get(action, (states, None))
    policy.require(allowed is None or allowed(actor, agreement))
    locking.lock(agreement, AgreementChanged, expected_version)
    if agreement.status not in (states or rule_states):
        raise IllegalTransition(_l('This agreement is "%(status)s": you cannot %(action)s it now.',
                                   status=AGREEMENT_STATUS[agreement.status], action=AGREEMENT_ACTIONS[action]))
    if action in AGREEMENT_ONLY and agreement.kind != AgreementKind.AGREEMENT:
        raise IllegalTransition(_l("An addendum cannot be renewed or amended; act on its agreement instead."))


def available_actions(agreement: Agreement, user: User) -> set[str]:
    """What `user` can do to the agreement right now: the buttons a page shows."""
    actions = {action for action, (states, allowed) in RULES.items()
               if agreement.status in states and allowed(user, agreement)
               and (action not in AGREEMENT_ONLY or agreement.kind == AgreementKind.AGREEMENT)}
    party = signing_party(agreement, user)
    if party is not None and agreement.status == _SIGNS_IN[party]:
        actions.add("sign")
    return actions


def _move(agreement: Agreement, actor: User | None, target: AgreementStatus, action: str,
          reason: str | None = None, **after) -> None:
    before = agreement.status
    agreement.status = target
    if reason is not None:
        agreement.status_reason = reason
    _save()
    _audit(action, agreement, actor, before={"status": before},
           after={"status": target, **({"reason": reason} if reason else {}), **after})


def _save() -> None:
    locking.save(AgreementChanged)


def _audit(action: str, agreement: Agreement, actor: User | None, **changes) -> None:
    scope = current_scope()
    acting = next((org for org in (agreement.facility, agreement.partner) if org.id == scope.org_id), None)
    audit.record(action, actor=actor, object_type="agreement", object_id=agreement.id, organisation=acting,
                 facility=agreement.facility, partner=agreement.partner, **changes)


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Please give a reason."))
    return reason


def _apply(agreement: Agreement, fields: AgreementFields) -> None:
    if fields.end_date < fields.start_date:
        raise DomainError(_l("The end date must not be before the start date."))
    _check_signatory(fields.facility_signatory, agreement.facility, Role.HEAD,
                     _l("The facility's signatory must be a head of the facility."))
    _check_signatory(fields.partner_signatory, agreement.partner, Role.ADMIN,
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


def _check_signatory(user: User | None, organisation: Organisation, role: Role, message) -> None:
    if user is not None and policy.role_of(user, organisation) != role:
        raise DomainError(message)


def _summary(agreement: Agreement) -> dict:
    summary = {field.name: getattr(agreement, field.name) for field in dataclass_fields(AgreementFields)}
    for party in ("facility", "partner"):
        signatory = summary.pop(f"{party}_signatory")
        summary[f"{party}_signatory"] = signatory.id if signatory else None
    return summary


def _add_document(agreement: Agreement, kind: DocumentKind, stream: BinaryIO, filename: str | None,
                  actor: User, action: str) -> AgreementDocument:
    document = agreement_files.store_upload(agreement, kind, stream, filename, actor)
    _audit(action, agreement, actor,
           after={"version": document.number, "filename": document.filename, "sha256": document.sha256})
    return document
