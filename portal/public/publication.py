"""A facility's choices about going public: its head turns the public page on or off, decides whether news
waits for the head's approval, and which signed agreements show their document there."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal import policy
from portal.accounts.models import User
from portal.agreements.events import AgreementVerb
from portal.agreements.models import IN_FORCE_STATES, Agreement, DocumentKind
from portal.audit import chain as audit
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations.models import Organisation

#: Agreements whose signed document may be shown: signed by both, in force or waiting for their start.
PUBLISHABLE = IN_FORCE_STATES


def set_public_page(facility: Organisation, on: bool, *, actor: User) -> None:
    policy.require(policy.can_manage_public_page(actor, facility))
    if facility.public_page == on:
        return
    facility.public_page = on
    db.session.flush()
    audit.record("organisation.public_page_on" if on else "organisation.public_page_off", actor=actor,
                 object_type="organisation", object_id=facility.id, organisation=facility, facility=facility)


def set_news_approval(facility: Organisation, required: bool, *, actor: User) -> None:
    policy.require(policy.can_manage_public_page(actor, facility))
    if facility.news_needs_approval == required:
        return
    facility.news_needs_approval = required
    db.session.flush()
    audit.record("organisation.news_approval_changed", actor=actor, object_type="organisation",
                 object_id=facility.id, organisation=facility, facility=facility, after={"required": required})


def may_show_document(actor: User, agreement: Agreement) -> bool:
    """Whether the agreement page offers its head to show (or hide) the signed document publicly."""
    return agreement.status in PUBLISHABLE and policy.can_manage_public_page(actor, agreement.facility)


def set_document_public(agreement: Agreement, public: bool, *, actor: User) -> None:
    """Show (or stop showing) the signed PDF, certificate page included, on the facility's public page."""
    policy.require(policy.can_manage_public_page(actor, agreement.facility))
    if public and (agreement.status not in PUBLISHABLE
                   or not any(d.kind == DocumentKind.FINAL for d in agreement.documents)):
        raise DomainError(_l("Only the signed document of an agreement in force can be made public."))
    if agreement.document_public == public:
        return
    agreement.document_public = public
    db.session.flush()
    verb = AgreementVerb.PUBLISH_DOCUMENT if public else AgreementVerb.UNPUBLISH_DOCUMENT
    audit.record(verb.action, actor=actor,
                 object_type="agreement", object_id=agreement.id, organisation=agreement.facility,
                 facility=agreement.facility, partner=agreement.partner)
