"""What happens to an agreement: its verbs, spelled once, and the event each one sends.

A verb's value is the name `moves.RULES`, the buttons and `labels.AGREEMENT_ACTIONS` use; its `action` is the
audit trail's; its `webhook` the event `portal.integrations.webhook_events` announces it as; its `segment` the
one in the agreement page's address (`blueprints/agreements` STEPS and routes).
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.agreements.models import Agreement
from portal.core.events import Happened, Verb


class AgreementVerb(Verb):
    CREATE = "create", "agreement.created"
    EDIT = "edit", "agreement.updated"
    ADD_DOCUMENT = "add_document", "agreement.document_added"
    SUBMIT = "submit", "agreement.submitted", "agreement.submitted"
    REQUEST_CHANGES = "request_changes", "agreement.changes_requested"
    #: The facility's last review step done (with the default chain, the officer's review): the head decides.
    FORWARD = "forward", "agreement.forwarded", "agreement.step_completed"
    #: A review step of the facility's approval chain done, with more before the head's decision.
    COMPLETE_STEP = "complete_step", "agreement.step_completed", "agreement.step_completed"
    #: The Kanwil's step: the regional office acknowledged the agreement (and, if the head's decision is next,
    #: forwarded it: one entry).
    ACKNOWLEDGE = "acknowledge", "agreement.acknowledged", "agreement.step_completed"
    APPROVE = "approve", "agreement.approved", "agreement.approved"
    REJECT = "reject", "agreement.rejected"
    #: One party's signature; both parties' is COMPLETE, announced as the same webhook event (`fully_signed`).
    SIGN = "sign", "agreement.signed", "agreement.signed"
    UPLOAD_SCAN = "upload_scan", "agreement.scan_uploaded", None, "scan"
    CONFIRM_SCAN = "confirm_scan", "agreement.scan_confirmed"
    COMPLETE = "complete", "agreement.completed", "agreement.signed"
    ACTIVATE = "activate", "agreement.activated"
    EXPIRE = "expire", "agreement.expired"
    TERMINATE = "terminate", "agreement.terminated"
    RENEW = "renew", "agreement.renewed"
    AMEND = "amend", "agreement.amended", None, "addendum"
    APPLY_ADDENDUM = "apply_addendum", "agreement.addendum_applied"
    PUBLISH_DOCUMENT = "publish_document", "agreement.document_published"
    UNPUBLISH_DOCUMENT = "unpublish_document", "agreement.document_unpublished"
    EMPTY_DRAFT = "empty_draft", "agreement.draft_emptied"
    #: Ends within 90, 30 or 7 days: told by `flask portal remind`, never audited.
    EXPIRING = "expiring", None, "agreement.expiring"
    #: Its current approval step passed its deadline: told by `flask portal remind`, never audited.
    STEP_LATE = "step_late", None, "agreement.step_late"


@dataclass(eq=False)
class AgreementEvent(Happened):
    verbs = AgreementVerb
    model = Agreement
    verb: AgreementVerb

    @property
    def agreement(self) -> Agreement | None:
        return self.record

    @property
    def party(self) -> str | None:
        """Which party signed (SIGN), as its entry says."""
        return self.after.get("party")
