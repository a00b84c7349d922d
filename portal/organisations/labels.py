"""What organisations, their people and partnerships are called on screen: roles, kinds, partner categories and the
audit actions of organisations, members, partnerships and invitations (`portal.core.vocabulary` reads them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.organisations.events import InvitationVerb as V
from portal.organisations.models import OrgKind, PartnerCategory, Role

ROLE = {
    Role.HEAD: _l("Head (Karutan/Kalapas)"),
    Role.OFFICER: _l("Officer"),
    Role.VIEWER: _l("Viewer"),
    Role.ADMIN: _l("Partner admin"),
    Role.MEMBER: _l("Partner member"),
    Role.ANALYST: _l("Analyst"),
    Role.HUMAS: _l("Public relations (Humas)"),
    Role.LEGAL: _l("Legal review (Subbag Umum)"),
    Role.SECTION: _l("Section head (Kepala Seksi)"),
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

AUDIT_ACTIONS = {
    V.SEND.action: _l("Invitation sent"),
    V.RESEND.action: _l("Invitation sent again"),
    V.REVOKE.action: _l("Invitation revoked"),
    V.ACCEPT.action: _l("Invitation accepted"),
    "organisation.created": _l("Organisation created"),
    "member.added": _l("Member added"),
    "member.role_changed": _l("Member's role changed"),
    "member.removed": _l("Member removed"),
    "partnership.created": _l("Partner added"),
}

LABELS = {Role: ROLE, OrgKind: ORG_KIND, PartnerCategory: PARTNER_CATEGORY}
