"""The machinery every move of an agreement goes through (DESIGN.md, the PKS lifecycle).

Each move locks the agreement's row, checks the state and `portal.policy`,
changes it and writes the audit entry, all in the caller's transaction; an
illegal move raises a `DomainError` and leaves everything as it was. Two
people acting at once are serialised by the row lock, and a write based on a
stale page fails on the version column instead of overwriting. The moves
themselves live by verb: `agreements` (drafting, review, in force, after) and
`agreement_signing`.
"""
from __future__ import annotations

from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from portal import policy
from portal.accounts.models import User
from portal.agreements import files as agreement_files
from portal.agreements.events import AgreementVerb
from portal.agreements.labels import AGREEMENT_ACTIONS, AGREEMENT_STATUS
from portal.agreements.models import (
    EDITABLE_STATES, IN_FORCE_STATES, IN_REVIEW_STATES, RENEWABLE_STATES, Agreement, AgreementDocument,
    AgreementKind, AgreementStatus, DocumentKind,
)
from portal.audit import chain as audit
from portal.core import locking
from portal.core.errors import DomainError
from portal.core.tenancy import current_scope
from portal.extensions import db
from portal.organisations.models import Organisation

S = AgreementStatus

#: Who may do what, from which states: the one table the moves and the pages both read.
#: Signing is not here: it depends on being the named signatory (`agreement_signing`).
RULES = {
    AgreementVerb.EDIT: (EDITABLE_STATES, policy.can_edit_agreement),
    AgreementVerb.SUBMIT: (EDITABLE_STATES, policy.can_edit_agreement),
    AgreementVerb.REQUEST_CHANGES: (IN_REVIEW_STATES, policy.can_return_agreement),
    # A review step of the approval chain (`chains`): its people complete it; the Kanwil's, it acknowledges.
    AgreementVerb.FORWARD: (frozenset({S.SUBMITTED}), policy.can_complete_step),
    AgreementVerb.ACKNOWLEDGE: (frozenset({S.SUBMITTED}), policy.can_acknowledge_agreement),
    AgreementVerb.APPROVE: (frozenset({S.FORWARDED}), policy.can_decide_agreement),
    AgreementVerb.REJECT: (IN_REVIEW_STATES, policy.can_decide_agreement),
    # Paper is the other way to sign, not a second one: once a party signed here, the agreement is signed here.
    AgreementVerb.UPLOAD_SCAN: (frozenset({S.APPROVED}), policy.can_edit_agreement),
    AgreementVerb.CONFIRM_SCAN: (frozenset({S.APPROVED}), policy.can_review_agreement),
    AgreementVerb.TERMINATE: (IN_FORCE_STATES, policy.can_decide_agreement),
    AgreementVerb.RENEW: (RENEWABLE_STATES, policy.can_edit_agreement),
    AgreementVerb.AMEND: (IN_FORCE_STATES, policy.can_edit_agreement),
}
#: Only an agreement itself is renewed or amended, never an addendum.
AGREEMENT_ONLY = frozenset({AgreementVerb.RENEW, AgreementVerb.AMEND})


class IllegalTransition(DomainError):
    """The agreement's state does not allow this move."""


class AgreementChanged(DomainError):
    """Someone else changed the agreement since this page was loaded."""

    def __init__(self):
        super().__init__(_l("Someone else changed this agreement a moment ago. Nothing was saved; "
                            "reload the page and try again."))


def begin(agreement: Agreement, actor: User | None, verb: AgreementVerb, expected_version: int | None = None,
          states=None) -> None:
    """Who first, then lock the row and check the state as it is now, not as it was read."""
    rule_states, allowed = RULES.get(verb, (states, None))
    policy.require(allowed is None or allowed(actor, agreement))
    locking.lock(agreement, AgreementChanged, expected_version)
    if agreement.status not in (states or rule_states):
        raise IllegalTransition(_l('This agreement is "%(status)s": you cannot %(action)s it now.',
                                   status=AGREEMENT_STATUS[agreement.status], action=AGREEMENT_ACTIONS[verb]))
    if verb in AGREEMENT_ONLY and agreement.kind != AgreementKind.AGREEMENT:
        raise IllegalTransition(_l("An addendum cannot be renewed or amended; act on its agreement instead."))


def move(agreement: Agreement, actor: User | None, target: AgreementStatus, verb: AgreementVerb,
         reason: str | None = None, **after) -> None:
    """Into `target`, saved (the version column refuses a stale write) and in the audit trail."""
    before = agreement.status
    agreement.status = target
    if reason is not None:
        agreement.status_reason = reason
    save()
    record(verb, agreement, actor, before={"status": before},
           after={"status": target, **({"reason": reason} if reason else {}), **after})


def save() -> None:
    """Flush now: a concurrent change shows as `AgreementChanged`, not as a failure at commit."""
    locking.save(AgreementChanged)


def record(verb: AgreementVerb, agreement: Agreement, actor: User | None, **changes) -> None:
    """The audit entry of a move (its verb's action), in the name of whichever party is acting."""
    scope = current_scope()
    acting = next((org for org in (agreement.facility, agreement.partner) if org.id == scope.org_id), None)
    if acting is None and scope.org_id is not None:  # the Kanwil acknowledging, in its own name
        acting = db.session.get(Organisation, scope.org_id)
    audit.record(verb.action, actor=actor, object_type="agreement", object_id=agreement.id, organisation=acting,
                 facility=agreement.facility, partner=agreement.partner, **changes)


def reason_given(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Please give a reason."))
    return reason


def add_document(agreement: Agreement, kind: DocumentKind, stream: BinaryIO, filename: str | None,
                 actor: User, verb: AgreementVerb) -> AgreementDocument:
    document = agreement_files.store_upload(agreement, kind, stream, filename, actor)
    record(verb, agreement, actor,
           after={"version": document.number, "filename": document.filename, "sha256": document.sha256})
    return document
