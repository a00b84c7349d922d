"""What an agreement's codes are called on screen, in PDFs and in messages: its statuses (and their badge colours),
types, kinds, documents, signature methods, the verbs people do to it and its audit actions.

`portal.core.vocabulary` reads these tables; nothing else repeats them.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.agreements.chain_models import StepActor, StepState
from portal.agreements.events import AgreementVerb as V
from portal.agreements.models import AgreementKind, AgreementStatus, AgreementType, DocumentKind, SignatureMethod

AGREEMENT_STATUS = {
    AgreementStatus.DRAFT: _l("Draft"),
    AgreementStatus.SUBMITTED: _l("Submitted for review"),
    AgreementStatus.CHANGES_REQUESTED: _l("Changes requested"),
    AgreementStatus.FORWARDED: _l("Awaiting the head's decision"),
    AgreementStatus.APPROVED: _l("Approved, awaiting signatures"),
    AgreementStatus.REJECTED: _l("Rejected"),
    AgreementStatus.PARTNER_SIGNED: _l("Signed by the partner"),
    AgreementStatus.SIGNED: _l("Signed, not yet in force"),
    AgreementStatus.ACTIVE: _l("Active"),
    AgreementStatus.EXPIRED: _l("Expired"),
    AgreementStatus.TERMINATED: _l("Terminated"),
}

#: Bootstrap colour of each status badge.
AGREEMENT_STATUS_COLOUR = {
    AgreementStatus.DRAFT: "secondary",
    AgreementStatus.SUBMITTED: "info",
    AgreementStatus.CHANGES_REQUESTED: "warning",
    AgreementStatus.FORWARDED: "info",
    AgreementStatus.APPROVED: "primary",
    AgreementStatus.REJECTED: "danger",
    AgreementStatus.PARTNER_SIGNED: "primary",
    AgreementStatus.SIGNED: "success",
    AgreementStatus.ACTIVE: "success",
    AgreementStatus.EXPIRED: "dark",
    AgreementStatus.TERMINATED: "danger",
}

AGREEMENT_TYPE = {
    AgreementType.HEALTH_REFERRAL: _l("Health referral"),
    AgreementType.REHABILITATION: _l("Rehabilitation"),
    AgreementType.COUNSELLING: _l("Counselling"),
    AgreementType.VOCATIONAL_TRAINING: _l("Vocational training"),
    AgreementType.INTERNSHIP: _l("Internship placement"),
    AgreementType.ECONOMIC_EMPOWERMENT: _l("UMKM / economic empowerment"),
    AgreementType.SPIRITUAL: _l("Spiritual guidance"),
    AgreementType.EDUCATION: _l("Education"),
    AgreementType.OTHER: _l("Other"),
}

AGREEMENT_KIND = {
    AgreementKind.AGREEMENT: _l("Cooperation agreement (PKS)"),
    AgreementKind.ADDENDUM: _l("Addendum"),
}

DOCUMENT_KIND = {
    DocumentKind.DRAFT: _l("Draft document"),
    DocumentKind.SIGNED_SCAN: _l("Scan of the paper-signed PKS"),
    DocumentKind.SIGNED: _l("PDF signed by the partner"),
    DocumentKind.FINAL: _l("Final signed PDF"),
}

SIGNATURE_METHOD = {
    SignatureMethod.ELECTRONIC: _l("Electronic signature"),
    SignatureMethod.PAPER: _l("Signed on paper (scan confirmed)"),
}

#: What the people in a workflow do, as named on buttons and in refusals.
AGREEMENT_ACTIONS = {
    V.EDIT: _l("edit"),
    V.SUBMIT: _l("submit"),
    V.REQUEST_CHANGES: _l("request changes"),
    V.FORWARD: _l("forward to the head"),
    V.COMPLETE_STEP: _l("complete this approval step"),
    V.ACKNOWLEDGE: _l("acknowledge"),
    V.APPROVE: _l("approve"),
    V.REJECT: _l("reject"),
    V.SIGN: _l("sign"),
    V.UPLOAD_SCAN: _l("upload a signed scan"),
    V.CONFIRM_SCAN: _l("confirm the signed scan"),
    V.TERMINATE: _l("terminate"),
    V.RENEW: _l("renew"),
    V.AMEND: _l("add an addendum"),
}

#: Audit trail actions, as the timeline and the trail pages show them.
AUDIT_ACTIONS = {
    V.CREATE.action: _l("Agreement drafted"),
    V.EDIT.action: _l("Agreement edited"),
    V.ADD_DOCUMENT.action: _l("Document version uploaded"),
    V.SUBMIT.action: _l("Submitted for review"),
    V.REQUEST_CHANGES.action: _l("Changes requested"),
    V.FORWARD.action: _l("Forwarded to the head"),
    V.COMPLETE_STEP.action: _l("Approval step completed"),
    V.ACKNOWLEDGE.action: _l("Acknowledged by the regional office (Kanwil)"),
    V.APPROVE.action: _l("Approved by the head"),
    V.REJECT.action: _l("Rejected by the head"),
    V.SIGN.action: _l("Signed"),
    V.UPLOAD_SCAN.action: _l("Paper-signed scan uploaded"),
    V.CONFIRM_SCAN.action: _l("Paper-signed scan confirmed"),
    V.COMPLETE.action: _l("Signed by both parties; final PDF issued"),
    V.ACTIVATE.action: _l("In force"),
    V.EXPIRE.action: _l("Expired"),
    V.TERMINATE.action: _l("Terminated"),
    V.RENEW.action: _l("Renewal drafted"),
    V.AMEND.action: _l("Addendum drafted"),
    V.APPLY_ADDENDUM.action: _l("Addendum took effect"),
    V.PUBLISH_DOCUMENT.action: _l("Signed document shown on the public page"),
    V.UNPUBLISH_DOCUMENT.action: _l("Signed document taken off the public page"),
}

#: Who acts at an approval step, as the settings page offers it and an unnamed step is called.
STEP_ACTOR = {
    StepActor.OFFICER: _l("Officer review"),
    StepActor.LEGAL: _l("Legal review (Subbag Umum)"),
    StepActor.SECTION: _l("Section head's check"),
    StepActor.KANWIL: _l("Acknowledgement by the Kanwil"),
    StepActor.HEAD: _l("Head's decision"),
}

STEP_STATE = {
    StepState.OPEN: _l("Waiting"),
    StepState.DONE: _l("Done"),
    StepState.RETURNED: _l("Sent back for changes"),
    StepState.CLOSED: _l("Ended"),
}

def step_name(step) -> str:
    """An approval step as people call it: the name the facility gave it, else who acts ("Keputusan Kepala")."""
    return step.name or str(STEP_ACTOR[step.actor])


#: Each coded value's table, for `portal.core.vocabulary.label`.
LABELS = {
    AgreementStatus: AGREEMENT_STATUS,
    AgreementType: AGREEMENT_TYPE,
    AgreementKind: AGREEMENT_KIND,
    DocumentKind: DOCUMENT_KIND,
    SignatureMethod: SIGNATURE_METHOD,
    StepActor: STEP_ACTOR,
    StepState: STEP_STATE,
}
STATUS_COLOUR = AGREEMENT_STATUS_COLOUR
