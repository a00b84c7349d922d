"""What each role may do: one table of capabilities per role of each kind of organisation.

CKAN's `ROLE_PERMISSIONS`: a role is a name for a set of capabilities, written here once. `portal.policy` reads
the table (adding what is not about roles: the record's state, the pair, the platform admin), and so do the pages'
buttons and the API, which ask the policy. Nothing else compares roles: who is told of what
(`portal.notifications`) asks `holding()` which roles hold a capability.
"""
from __future__ import annotations

import enum

from portal.organisations.models import ROLES_BY_KIND, Organisation, OrgKind, Role


class Capability(enum.StrEnum):
    #: Add, invite, re-role and remove the organisation's people.
    MANAGE_MEMBERS = "manage_members"
    #: Give other systems API tokens and webhooks for the organisation.
    MANAGE_INTEGRATIONS = "manage_integrations"
    #: Read the organisation's audit trail.
    READ_AUDIT = "read_audit"
    #: Record that a partner works with the facility (and invite its first admin).
    LINK_PARTNER = "link_partner"
    #: Draft and edit agreements (and renew and amend them) for the organisation's pairs.
    DRAFT_AGREEMENT = "draft_agreement"
    #: Review agreements: request changes, forward to the head, confirm a paper scan.
    REVIEW_AGREEMENT = "review_agreement"
    #: Approve, reject and terminate agreements.
    DECIDE_AGREEMENT = "decide_agreement"
    #: Be named signatory for the facility, sign for it, and hold a signing certificate.
    SIGN_FOR_FACILITY = "sign_for_facility"
    #: Be named signatory for the partner, sign for it, and hold a signing certificate.
    SIGN_FOR_PARTNER = "sign_for_partner"
    #: Upload materials for the pair (and delete one's own).
    SHARE_MATERIALS = "share_materials"
    #: Record and correct contributions; start and close programmes with the facility.
    RECORD_CONTRIBUTION = "record_contribution"
    #: Verify or return contributions; start and close programmes with the partner.
    VERIFY_CONTRIBUTION = "verify_contribution"
    #: Turn the facility's public page on or off, choose whether news needs approval, publish signed documents.
    MANAGE_PUBLIC_PAGE = "manage_public_page"
    #: Draft, edit and publish news, and mark photos publishable.
    WRITE_NEWS = "write_news"
    #: Approve news written by others.
    APPROVE_NEWS = "approve_news"
    #: Complete an approval step that asks for the legal review of a draft (Subbag/Urusan Umum).
    REVIEW_LEGAL = "review_legal"
    #: Complete an approval step that asks the section carrying out the work to check a draft.
    CHECK_SECTION = "check_section"
    #: As the regional office (Kanwil) covering the facility, acknowledge an agreement at its approval step: the
    #: oversight office's one write on a facility's agreement (`portal.agreements.chains`).
    ACKNOWLEDGE_AGREEMENT = "acknowledge_agreement"
    #: Set the facility's approval chains (its agreements' steps before the head's decision).
    SET_APPROVAL_CHAIN = "set_approval_chain"
    #: Keep the facility's products (UMKM), their certificates and helpers, the counts of inmates' interests, and
    #: answer buyers' inquiries and record sales (the Kegiatan Kerja section's work).
    MANAGE_PRODUCTS = "manage_products"


C = Capability
#: Who holds what: every role of every kind of organisation, with its capabilities (none: reads only).
CAPABILITIES: dict[OrgKind, dict[Role, frozenset[Capability]]] = {
    OrgKind.FACILITY: {
        Role.HEAD: frozenset({
            C.MANAGE_MEMBERS, C.MANAGE_INTEGRATIONS, C.READ_AUDIT, C.LINK_PARTNER, C.DRAFT_AGREEMENT,
            C.REVIEW_AGREEMENT, C.DECIDE_AGREEMENT, C.SIGN_FOR_FACILITY, C.SHARE_MATERIALS, C.VERIFY_CONTRIBUTION,
            C.MANAGE_PUBLIC_PAGE, C.WRITE_NEWS, C.APPROVE_NEWS, C.SET_APPROVAL_CHAIN, C.MANAGE_PRODUCTS}),
        Role.OFFICER: frozenset({
            C.LINK_PARTNER, C.DRAFT_AGREEMENT, C.REVIEW_AGREEMENT, C.SHARE_MATERIALS, C.VERIFY_CONTRIBUTION,
            C.MANAGE_PRODUCTS}),
        #: The general affairs' legal review and a section head's check: their steps of an approval chain, no more.
        Role.LEGAL: frozenset({C.REVIEW_LEGAL}),
        Role.SECTION: frozenset({C.CHECK_SECTION, C.MANAGE_PRODUCTS}),
        Role.HUMAS: frozenset({C.WRITE_NEWS}),
        Role.VIEWER: frozenset(),
    },
    OrgKind.PARTNER: {
        Role.ADMIN: frozenset({
            C.MANAGE_MEMBERS, C.MANAGE_INTEGRATIONS, C.READ_AUDIT, C.DRAFT_AGREEMENT, C.SIGN_FOR_PARTNER,
            C.SHARE_MATERIALS, C.RECORD_CONTRIBUTION}),
        #: Interns included.
        Role.MEMBER: frozenset({C.SHARE_MATERIALS, C.RECORD_CONTRIBUTION}),
    },
    OrgKind.OVERSIGHT: {
        #: An oversight office's people are all analysts: they connect its own dashboards.
        Role.ANALYST: frozenset({C.MANAGE_INTEGRATIONS, C.READ_AUDIT, C.ACKNOWLEDGE_AGREEMENT}),
    },
}
#: The capabilities that make a person sign agreements for their organisation.
SIGNING = frozenset({C.SIGN_FOR_FACILITY, C.SIGN_FOR_PARTNER})
#: The one kind of organisation each role exists in.
KIND_OF: dict[Role, OrgKind] = {role: kind for kind, roles in ROLES_BY_KIND.items() for role in roles}


def grants(kind: OrgKind, role: Role | None, capability: Capability) -> bool:
    """Whether `role` in an organisation of `kind` holds `capability` (a role of another kind holds nothing)."""
    return role is not None and capability in CAPABILITIES[kind].get(role, frozenset())


def signs(role: Role) -> bool:
    """Whether the role signs agreements for its organisation (whose kind is the role's own), and so its holders
    hold a signing certificate."""
    return bool(CAPABILITIES[KIND_OF[role]][role] & SIGNING)


def holding(kind: OrgKind, capability: Capability) -> tuple[Role, ...]:
    """The roles of `kind` that hold `capability`, in `ROLES_BY_KIND`'s order (whom to tell, whom to offer)."""
    return tuple(role for role in ROLES_BY_KIND[kind] if grants(kind, role, capability))


def is_active(user) -> bool:
    """Signed in and not deactivated: a missing, anonymous or inactive user holds nothing."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def role_of(user, organisation: Organisation) -> Role | None:
    """The person's role there, if they are active and their membership has not lapsed."""
    if not is_active(user):
        return None
    membership = user.membership_in(organisation)
    return membership.role if membership else None


def holds(user, organisation: Organisation, capability: Capability) -> bool:
    """Whether the person's role in `organisation` holds `capability`."""
    return grants(organisation.kind, role_of(user, organisation), capability)
