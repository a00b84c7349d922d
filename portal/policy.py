"""Who may do what: every permission rule, as `can_<verb>_<noun>(user, obj)`.

Services and views both ask here, so pages and the API share one rule. Which role may do what is the table in
`portal.organisations.roles` (a role of another kind of organisation holds nothing there); these add what is not
about roles: the pair, the named signatory, the uploader, the platform admin, an organisation still active.
Deny by default: a missing, anonymous or inactive user is always "no".
"""
from __future__ import annotations

from portal.accounts.models import User
from portal.agreements.chain_models import StepActor
from portal.agreements.models import Party
from portal.core.errors import NotAllowed
from portal.organisations.models import Organisation, OrgKind
from portal.organisations import visibility
from portal.organisations.roles import Capability as C, holds, is_active as _active, role_of


def can_view_organisation(user: User | None, organisation: Organisation) -> bool:
    return role_of(user, organisation) is not None and organisation.is_active


def can_create_organisation(user: User | None) -> bool:
    return _active(user) and user.is_platform_admin


def can_create_accounts(user: User | None) -> bool:
    """Only the platform admin makes an account for someone else (and sees every account anyway); an
    organisation's manager invites, and the person sets their own password on accepting."""
    return _active(user) and user.is_platform_admin


def can_manage_members(user: User | None, organisation: Organisation) -> bool:
    """Facility heads and partner admins manage their people; the platform admin, anyone's."""
    if _active(user) and user.is_platform_admin:
        return True
    return holds(user, organisation, C.MANAGE_MEMBERS)


def can_manage_integrations(user: User | None, organisation: Organisation) -> bool:
    """Whoever manages an organisation's people decides which other systems may act for it (API tokens) and be
    told of its events (webhooks); an oversight office (whose people are all analysts) lets its analysts connect
    its own dashboards."""
    return holds(user, organisation, C.MANAGE_INTEGRATIONS) and organisation.is_active


def can_manage_invitation(user: User | None, invitation) -> bool:
    """The organisation's managers, or for a partner's first admin the staff of the facility that invited."""
    if can_manage_members(user, invitation.organisation):
        return True
    return invitation.sent_for is not None and can_link_partner(user, invitation.sent_for)


def can_deactivate_user(user: User | None, target: User) -> bool:
    return _active(user) and user.is_platform_admin and user.id != target.id


def can_read_audit(user: User | None, organisation: Organisation) -> bool:
    """Heads, partner admins and oversight analysts read their organisation's trail."""
    return holds(user, organisation, C.READ_AUDIT)


def can_link_partner(user: User | None, facility: Organisation) -> bool:
    """A facility's head or officer records that a partner works with it."""
    return holds(user, facility, C.LINK_PARTNER)


# --- agreements (PKS) ---------------------------------------------------------------
# State is checked by portal.agreements.operations; these say only *who*.

def can_draft_agreement(user: User | None, facility: Organisation, partner: Organisation) -> bool:
    """A partner admin, or a facility head or officer, drafts and edits for the pair."""
    return holds(user, facility, C.DRAFT_AGREEMENT) or holds(user, partner, C.DRAFT_AGREEMENT)


def can_draft_agreements(user: User | None, organisation: Organisation) -> bool:
    """Whether the person drafts agreements for the organisation's pairs (the list offers "Draft an agreement")."""
    return holds(user, organisation, C.DRAFT_AGREEMENT)


def can_edit_agreement(user: User | None, agreement) -> bool:
    return can_draft_agreement(user, agreement.facility, agreement.partner)


def can_review_agreement(user: User | None, agreement) -> bool:
    """Facility officers (and the head) review: request changes, forward, confirm a paper scan."""
    return holds(user, agreement.facility, C.REVIEW_AGREEMENT)


def can_decide_agreement(user: User | None, agreement) -> bool:
    """Only the facility head approves, rejects and terminates."""
    return holds(user, agreement.facility, C.DECIDE_AGREEMENT)


#: What acting at an approval step takes, by who acts there (`portal.agreements.chains`).
STEP_CAPABILITY = {
    StepActor.OFFICER: C.REVIEW_AGREEMENT,
    StepActor.LEGAL: C.REVIEW_LEGAL,
    StepActor.SECTION: C.CHECK_SECTION,
    StepActor.KANWIL: C.ACKNOWLEDGE_AGREEMENT,
    StepActor.HEAD: C.DECIDE_AGREEMENT,
}


def can_set_approval_chain(user: User | None, facility: Organisation) -> bool:
    """The head sets the steps the facility's agreements take."""
    return holds(user, facility, C.SET_APPROVAL_CHAIN) and facility.is_active


def can_complete_step(user: User | None, agreement) -> bool:
    """The facility's people of the current step complete it (an agreement without steps: its reviewers, as
    before approval chains). The Kanwil's step is acknowledged, not completed; the head's is decided."""
    actor = agreement.current_step_actor
    if actor in (None, StepActor.HEAD):  # no chain, or its review over: the reviewers, as before chains
        return can_review_agreement(user, agreement)
    if actor == StepActor.KANWIL:
        return False
    return _acts_at(user, agreement, actor)


def _acts_at(user: User | None, agreement, actor: StepActor) -> bool:
    """Whether the person's role at the facility acts at a step of `actor`'s."""
    return holds(user, agreement.facility, STEP_CAPABILITY[actor])


def can_acknowledge_for(user: User | None, office: Organisation) -> bool:
    """Whether the person acknowledges agreements for `office`: its analysts, if it is a regional office (one of a
    province: Ditjen PAS, which covers every province, reads but does not acknowledge)."""
    return visibility.is_regional(office) and office.is_active and holds(user, office, C.ACKNOWLEDGE_AGREEMENT)


def kanwil_of(user: User | None, facility: Organisation) -> Organisation | None:
    """The regional office covering the facility in which the person may acknowledge its agreements."""
    if not _active(user):
        return None
    return next((membership.organisation for membership in user.memberships
                 if visibility.covers(membership.organisation, facility)
                 and can_acknowledge_for(user, membership.organisation)), None)


def can_acknowledge_agreement(user: User | None, agreement) -> bool:
    """Only at its Kanwil step, by the analysts of the Kanwil covering the facility, acting for that office (never
    as another organisation they also belong to): the one write an oversight office makes on a facility's
    agreement (Row-Level Security allows it the same, and nothing more)."""
    from portal.core.tenancy import current_scope

    office = kanwil_of(user, agreement.facility)
    return (agreement.current_step_actor == StepActor.KANWIL and office is not None
            and office.id == current_scope().org_id)


def can_return_agreement(user: User | None, agreement) -> bool:
    """Sending a draft back for changes: the facility's reviewers at any step (as before chains), and the people
    of a step that may send it back."""
    if can_review_agreement(user, agreement):
        return True
    step = agreement.current_step
    if step is None or not step.may_return or step.actor == StepActor.KANWIL:  # the Kanwil acknowledges only
        return False
    return _acts_at(user, agreement, step.actor)


#: What signing for each party takes.
SIGNS_FOR = {Party.FACILITY: C.SIGN_FOR_FACILITY, Party.PARTNER: C.SIGN_FOR_PARTNER}


def may_be_signatory(user: User | None, organisation: Organisation, party) -> bool:
    """Whether the person may be named to sign for `party` (its organisation being `organisation`)."""
    return holds(user, organisation, SIGNS_FOR[party])


def can_sign_agreement(user: User | None, agreement, party) -> bool:
    """Only the named signatory signs for a party, and only while still allowed to sign for it."""
    if party == Party.FACILITY:
        named, organisation = agreement.facility_signatory_id, agreement.facility
    else:
        named, organisation = agreement.partner_signatory_id, agreement.partner
    return user is not None and named == user.id and may_be_signatory(user, organisation, party)


# --- materials ------------------------------------------------------------------------

def can_upload_material(user: User | None, facility: Organisation, partner: Organisation) -> bool:
    """Anyone of the partner (interns included) and the facility's head or officers share materials."""
    return holds(user, partner, C.SHARE_MATERIALS) or holds(user, facility, C.SHARE_MATERIALS)


def can_delete_material(user: User | None, material) -> bool:
    """Only the uploader deletes (softly), while still in the organisation."""
    return (user is not None and material.created_by_id == user.id
            and can_upload_material(user, material.facility, material.partner))


# --- contributions --------------------------------------------------------------------

def can_record_contribution(user: User | None, facility: Organisation, partner: Organisation) -> bool:
    """The partner's people (interns included) record what they did for the facility."""
    return holds(user, partner, C.RECORD_CONTRIBUTION)


def can_edit_contribution(user: User | None, contribution) -> bool:
    return can_record_contribution(user, contribution.facility, contribution.partner)


def can_verify_contribution_for(user: User | None, facility: Organisation) -> bool:
    """The facility's head and officers verify; they also run programmes with the partner."""
    return holds(user, facility, C.VERIFY_CONTRIBUTION)


def can_verify_contribution(user: User | None, contribution) -> bool:
    return can_verify_contribution_for(user, contribution.facility)


# --- the public page and news ------------------------------------------------------------

def can_manage_public_page(user: User | None, facility: Organisation) -> bool:
    """Only the head turns the facility's public page on or off, and decides whether news needs approval."""
    return holds(user, facility, C.MANAGE_PUBLIC_PAGE)


def can_write_news(user: User | None, facility: Organisation) -> bool:
    """The Humas officer (and the head) drafts, edits and publishes news and marks photos publishable."""
    return holds(user, facility, C.WRITE_NEWS)


def can_approve_news(user: User | None, facility: Organisation) -> bool:
    return holds(user, facility, C.APPROVE_NEWS)


# --- UMKM: products, inquiries, sales -----------------------------------------------------

def can_manage_products(user: User | None, facility: Organisation) -> bool:
    """The facility's head, officers and section heads (Kegiatan Kerja) keep its products, count its inmates'
    interests, answer buyers and record sales; partners and oversight offices read."""
    return facility.kind == OrgKind.FACILITY and holds(user, facility, C.MANAGE_PRODUCTS)


def require(allowed: bool) -> None:
    """Raise NotAllowed unless `allowed`; services call this before any write."""
    if not allowed:
        raise NotAllowed()
