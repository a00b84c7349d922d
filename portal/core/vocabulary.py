"""What each stored code is called on screen, in PDFs and in messages, in both languages.

Codes (`agreement.approved`, `changes_requested`) stay stable in the database;
people read these labels instead.
"""
from __future__ import annotations

import re

from flask_babel import gettext, lazy_gettext as _l

from portal.agreements.models import AgreementKind, AgreementStatus, AgreementType, DocumentKind, SignatureMethod
from portal.contributions.models import ContributionStatus, ContributionType, ProgrammeStatus
from portal.materials.models import MaterialCategory
from portal.notifications.mail_models import MailStatus
from portal.organisations.models import OrgKind, PartnerCategory, Role
from portal.privacy.access_models import AccessHow
from portal.public.news_models import NewsSource, NewsStatus

ROLE = {
    Role.HEAD: _l("Head (Karutan/Kalapas)"),
    Role.OFFICER: _l("Officer"),
    Role.VIEWER: _l("Viewer"),
    Role.ADMIN: _l("Partner admin"),
    Role.MEMBER: _l("Partner member"),
    Role.ANALYST: _l("Analyst"),
    Role.HUMAS: _l("Public relations (Humas)"),
}

ORG_KIND = {
    OrgKind.FACILITY: _l("Facility (UPT Pemasyarakatan)"),
    OrgKind.PARTNER: _l("Partner"),
    OrgKind.OVERSIGHT: _l("Oversight (Kanwil / Ditjen PAS)"),
}

PARTNER_CATEGORY = {
    PartnerCategory.NGO: _l("Non-governmental organisation"),
    PartnerCategory.HOSPITAL: _l("Hospital or health service"),
    PartnerCategory.GOVERNMENT_PROGRAMME: _l("Government programme"),
    PartnerCategory.TRAINING_CENTRE: _l("Training centre"),
    PartnerCategory.GOVERNMENT_OFFICE: _l("Government office"),
    PartnerCategory.EDUCATION: _l("School or university"),
    PartnerCategory.BUSINESS: _l("Business"),
    PartnerCategory.OTHER: _l("Other"),
}

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

#: Bootstrap colour of each contribution status badge.
CONTRIBUTION_STATUS_COLOUR = {
    ContributionStatus.SUBMITTED: "info",
    ContributionStatus.VERIFIED: "success",
    ContributionStatus.REJECTED: "danger",
    ContributionStatus.SUPERSEDED: "secondary",
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

MATERIAL_CATEGORY = {
    MaterialCategory.MODULE: _l("Module or teaching material"),
    MaterialCategory.ATTENDANCE: _l("Attendance list"),
    MaterialCategory.PHOTO: _l("Photo"),
    MaterialCategory.CERTIFICATE: _l("Certificate"),
    MaterialCategory.REPORT: _l("Report"),
    MaterialCategory.PKS_SCAN: _l("PKS scan"),
    MaterialCategory.OTHER: _l("Other"),
}

CONTRIBUTION_TYPE = {
    ContributionType.COUNSELLING: _l("Counselling session"),
    ContributionType.REHABILITATION: _l("Rehabilitation session"),
    ContributionType.TRAINING: _l("Training"),
    ContributionType.HEALTH: _l("Health referral or service"),
    ContributionType.INTERNSHIP_HOURS: _l("Internship hours"),
    ContributionType.PRE_RELEASE: _l("Pre-release consultation"),
    ContributionType.DONATION: _l("Donation in kind"),
    ContributionType.CERTIFICATES: _l("Certificates issued"),
    ContributionType.UMKM: _l("UMKM production or market access"),
    ContributionType.OTHER: _l("Other"),
}

NEWS_STATUS = {
    NewsStatus.DRAFT: _l("Draft"),
    NewsStatus.AWAITING_APPROVAL: _l("Waiting for the head's approval"),
    NewsStatus.PUBLISHED: _l("Published"),
    NewsStatus.WITHDRAWN: _l("Withdrawn"),
}

NEWS_SOURCE = {
    NewsSource.AGREEMENT: _l("Agreement signing"),
    NewsSource.PROGRAMME: _l("Finished programme"),
    NewsSource.CONTRIBUTION: _l("Verified activity"),
}

CONTRIBUTION_STATUS = {
    ContributionStatus.SUBMITTED: _l("Waiting for verification"),
    ContributionStatus.VERIFIED: _l("Verified"),
    ContributionStatus.REJECTED: _l("Rejected"),
    ContributionStatus.SUPERSEDED: _l("Replaced by a correction"),
}

ACCESS_HOW = {
    AccessHow.DOWNLOAD: _l("Downloaded"),
    AccessHow.PREVIEW: _l("Previewed"),
}

MAIL_STATUS = {
    MailStatus.QUEUED: _l("Waiting to be sent"),
    MailStatus.SENT: _l("Sent"),
    MailStatus.DEAD: _l("Failed (dead)"),
}

PROGRAMME_STATUS = {
    ProgrammeStatus.RUNNING: _l("Running"),
    ProgrammeStatus.CLOSED: _l("Closed"),
}

#: What the people in a workflow do, as named on buttons and in refusals.
AGREEMENT_ACTIONS = {
    "edit": _l("edit"),
    "submit": _l("submit"),
    "request_changes": _l("request changes"),
    "forward": _l("forward to the head"),
    "approve": _l("approve"),
    "reject": _l("reject"),
    "sign": _l("sign"),
    "upload_scan": _l("upload a signed scan"),
    "confirm_scan": _l("confirm the signed scan"),
    "terminate": _l("terminate"),
    "renew": _l("renew"),
    "amend": _l("add an addendum"),
}

#: Audit trail actions, as the timeline and the trail pages show them.
AUDIT_ACTIONS = {
    "session.started": _l("Logged in"),
    "session.ended": _l("Logged out"),
    "session.ended_elsewhere": _l("Another session ended"),
    "user.data_exported": _l("Copy of one's own data downloaded"),
    "user.left": _l("Left the last organisation: sign-in stopped"),
    "user.returned": _l("Came back through an invitation"),
    "user.erasure_requested": _l("Asked for their personal data to be erased"),
    "user.pseudonymised": _l("Personal data replaced by a pseudonym"),
    "secrets.rotated": _l("Stored secrets sealed with a new key"),
    "user.created": _l("Account created"),
    "user.password_changed": _l("Password changed"),
    "user.password_reset_requested": _l("Password reset requested"),
    "user.password_reset": _l("Password reset by e-mail link"),
    "mail.requeued": _l("E-mail sent again"),
    "user.profile_updated": _l("Profile updated"),
    "user.two_factor_enabled": _l("Two-factor sign-in turned on"),
    "user.recovery_code_used": _l("Recovery code used to sign in"),
    "signing_certificate.issued": _l("Signing certificate issued"),
    "signing_certificate.revoked": _l("Signing certificate revoked"),
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "webhook.registered": _l("Webhook added"),
    "webhook.disabled": _l("Webhook switched off"),
    "webhook.enabled": _l("Webhook switched on"),
    "webhook.removed": _l("Webhook removed"),
    "webhook.resent": _l("Webhook delivery sent again"),
    "webhook.test_sent": _l("Webhook test event sent"),
    "invitation.sent": _l("Invitation sent"),
    "invitation.resent": _l("Invitation sent again"),
    "invitation.revoked": _l("Invitation revoked"),
    "invitation.accepted": _l("Invitation accepted"),
    "user.deactivated": _l("Account deactivated"),
    "user.locale_changed": _l("Language changed"),
    "organisation.created": _l("Organisation created"),
    "member.added": _l("Member added"),
    "member.role_changed": _l("Member's role changed"),
    "member.removed": _l("Member removed"),
    "partnership.created": _l("Partner added"),
    "agreement.created": _l("Agreement drafted"),
    "agreement.updated": _l("Agreement edited"),
    "agreement.document_added": _l("Document version uploaded"),
    "agreement.submitted": _l("Submitted for review"),
    "agreement.changes_requested": _l("Changes requested"),
    "agreement.forwarded": _l("Forwarded to the head"),
    "agreement.approved": _l("Approved by the head"),
    "agreement.rejected": _l("Rejected by the head"),
    "agreement.signed": _l("Signed"),
    "agreement.scan_uploaded": _l("Paper-signed scan uploaded"),
    "agreement.scan_confirmed": _l("Paper-signed scan confirmed"),
    "agreement.completed": _l("Signed by both parties; final PDF issued"),
    "agreement.activated": _l("In force"),
    "agreement.expired": _l("Expired"),
    "agreement.terminated": _l("Terminated"),
    "agreement.renewed": _l("Renewal drafted"),
    "agreement.amended": _l("Addendum drafted"),
    "agreement.addendum_applied": _l("Addendum took effect"),
    "contribution.recorded": _l("Contribution recorded"),
    "contribution.updated": _l("Contribution edited"),
    "contribution.resubmitted": _l("Contribution corrected and resubmitted"),
    "contribution.correction_recorded": _l("Correction of a verified contribution recorded"),
    "contribution.verified": _l("Contribution verified"),
    "contribution.rejected": _l("Contribution rejected"),
    "contribution.superseded": _l("Replaced by its verified correction"),
    "programme.created": _l("Programme started"),
    "programme.closed": _l("Programme closed"),
    "material.uploaded": _l("Material uploaded"),
    "material.version_added": _l("New version of a material"),
    "material.deleted": _l("Material deleted"),
    "material.purged": _l("Deleted material purged"),
    "material.retention_expired": _l("Evidence photo removed after its retention period"),
    "material.version_lost": _l("Material file found missing"),
    "organisation.public_page_on": _l("Public page turned on"),
    "agreement.document_published": _l("Signed document shown on the public page"),
    "agreement.document_unpublished": _l("Signed document taken off the public page"),
    "organisation.public_page_off": _l("Public page turned off"),
    "organisation.news_approval_changed": _l("Approval of news by the head changed"),
    "news.drafted": _l("News drafted"),
    "news.edited": _l("News edited"),
    "news.quote_added": _l("Quote added to news"),
    "news.quote_removed": _l("Quote removed from news"),
    "news.photo_added": _l("Photo added to news (no WBP recognisable)"),
    "news.photo_removed": _l("Photo removed from news"),
    "news.submitted": _l("News sent to the head for approval"),
    "news.returned": _l("News returned to its draft"),
    "news.published": _l("News published"),
    "news.withdrawn": _l("News withdrawn from the public page"),
}


def audit_action(code: str) -> str:
    """The label of an audit action; an unknown code is shown as it is."""
    return str(AUDIT_ACTIONS.get(code, code))


_LABELS_BY_TYPE = {
    Role: ROLE,
    OrgKind: ORG_KIND,
    PartnerCategory: PARTNER_CATEGORY,
    AgreementStatus: AGREEMENT_STATUS,
    AgreementType: AGREEMENT_TYPE,
    AgreementKind: AGREEMENT_KIND,
    DocumentKind: DOCUMENT_KIND,
    SignatureMethod: SIGNATURE_METHOD,
    MaterialCategory: MATERIAL_CATEGORY,
    ContributionType: CONTRIBUTION_TYPE,
    ContributionStatus: CONTRIBUTION_STATUS,
    ProgrammeStatus: PROGRAMME_STATUS,
    MailStatus: MAIL_STATUS,
    AccessHow: ACCESS_HOW,
    NewsStatus: NEWS_STATUS,
    NewsSource: NEWS_SOURCE,
}


def label(code) -> str:
    """The label of any coded value the portal stores (a status, a type, a kind...)."""
    return str(_LABELS_BY_TYPE[type(code)][code])


def programme_name(programme) -> str:
    """A programme as lists name it: its name and how long it runs, unless the name says so already (the demo's
    "Program Rehabilitasi WBP Kategori II (30 hari)" read "... (30 hari) (30 hari)")."""
    days = programme.duration_days
    if not days or re.search(rf"\b{days}\s*(hari|days?)\b", programme.name, re.IGNORECASE):
        return programme.name
    return f"{programme.name} ({gettext('%(days)s days', days=days)})"


def status_colour(status) -> str:
    """The Bootstrap colour of an agreement's or a contribution's status badge."""
    return {**AGREEMENT_STATUS_COLOUR, **CONTRIBUTION_STATUS_COLOUR}.get(status, "secondary")


#: Background jobs by kind (`portal.jobs.tracked.RUNNERS`): the heading of each job's page.
JOB_KIND = {
    "contribution-import": _l("Import from a spreadsheet"),
    "list-export": _l("Export of a long list"),
    "monthly-report": _l("Monthly activity report (PDF)"),
}

NOTIFICATION_GROUPS = {
    "agreements": _l("Agreements: submitted, changes, decisions, signatures"),
    "contributions": _l("Contributions: verified or sent back"),
    "people": _l("People: invitations accepted"),
    "materials": _l("Materials added to an agreement"),
    "news": _l("News: waiting for approval, published or returned"),
    "reminders": _l("Reminders: agreements ending or unsigned, verification waiting"),
}
