"""Inviting people by e-mail: a partner's first admin, a partner's members, a facility's staff.

Who may invite whom is `portal.policy`'s; the link is single-use, expires after
INVITATION_DAYS, and only ever grants the one role in the one organisation it
names. Re-sending replaces the link; revoking kills it.

Someone who already has an account joins only as themselves: logged in (password and,
where it is on, the second factor) before they accept. Someone who left every
organisation cannot log in, so they answer here exactly as the login would ask them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
import enum

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import policy
from portal.accounts import operations as accounts, two_factor
from portal.accounts.models import User
from portal.audit import chain as audit
from portal.core import links
from portal.core.columns import utcnow
from portal.core.errors import DomainError, NotAllowed
from portal.core.tenancy import acting_for, as_person, presenting
from portal.extensions import db
from portal.notifications import delivery
from portal.organisations import operations as organisations, partnerships
from portal.organisations.events import InvitationVerb
from portal.organisations.invitation_models import Invitation
from portal.organisations.models import FIRST_ROLE, Membership, Organisation, OrgKind, PartnerCategory, Role


def invite_member(organisation: Organisation, email: str, role: Role, *, actor: User,
                  access_until: date | None = None) -> Invitation:
    """A facility head invites staff; a partner admin invites members (interns with an end date)."""
    policy.require(policy.can_manage_members(actor, organisation))
    role = Role(role)
    if role not in organisations.ROLES_BY_KIND[organisation.kind]:
        raise DomainError(_l("This role does not exist in this kind of organisation."))
    return _invite(organisation, email, role, actor=actor, access_until=access_until)


def invite_partner_admin(facility: Organisation, email: str, *, actor: User, partner: Organisation | None = None,
                         new_partner_name: str | None = None, category: PartnerCategory | None = None,
                         focus: str | None = None) -> Invitation:
    """A facility head or officer brings in a partner: registered anew or already known, linked to the facility."""
    policy.require(policy.can_link_partner(actor, facility))
    if partner is None:
        if not (new_partner_name or "").strip():
            raise DomainError(_l("Choose a partner organisation or give the name of a new one."))
        partner = organisations.register_partner(new_partner_name, category, actor=actor, facility=facility)
    elif partner.kind != OrgKind.PARTNER:
        raise DomainError(_l("Only a partner organisation can be linked."))
    if not partnerships.pair_exists(facility, partner):
        partnerships.link_partner(facility, partner, actor=actor, focus=focus)
    return _invite(partner, email, FIRST_ROLE[OrgKind.PARTNER], actor=actor, on_behalf_of=facility)


def resend(invitation: Invitation, *, actor: User) -> Invitation:
    """A new link (the old one stops working) and a new expiry."""
    _require_manager(invitation, actor)
    if not invitation.is_open:
        raise DomainError(_l("This invitation has already been accepted or revoked."))
    token = _issue(invitation)
    _mail(invitation, token)
    audit.record(InvitationVerb.RESEND.action, actor=actor, object_type="invitation", object_id=invitation.id,
                 organisation=invitation.organisation)
    return invitation


def revoke(invitation: Invitation, *, actor: User) -> None:
    _require_manager(invitation, actor)
    if not invitation.is_open:
        raise DomainError(_l("This invitation has already been accepted or revoked."))
    invitation.revoked_at = utcnow()
    audit.record(InvitationVerb.REVOKE.action, actor=actor, object_type="invitation", object_id=invitation.id,
                 organisation=invitation.organisation)


def open_invitation(token: str) -> Invitation | None:
    """The invitation a link stands for, if it may still be accepted."""
    digest = links.token_digest(token)
    with presenting(digest):
        return _open(digest)


def _open(digest: str) -> Invitation | None:
    """The open invitation of a link's digest, while its holder presents it."""
    found = db.session.scalar(select(Invitation).where(
        Invitation.token_hash == digest, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow()))
    return found if found is not None and found.organisation.is_active else None


class Step(enum.Enum):
    """What the holder of a link does to accept it."""

    #: No account with the address yet: they choose their name and password here.
    NEW_PERSON = "new person"
    #: An account that can log in, nobody logged in: log in first (both steps), then come back.
    LOG_IN = "log in"
    #: Logged in as the person invited: they confirm.
    CONFIRM = "confirm"
    #: Logged in as someone else: not theirs to accept.
    OTHER_PERSON = "other person"
    #: An account that cannot log in: one that left every organisation gives its password, and its code if
    #: two-step sign-in is on; one a platform admin switched off is refused with the same words.
    RETURNING = "returning"


def step_for(invitation: Invitation, viewer: User | None) -> Step:
    """How the person at the browser (`viewer`, None when nobody is logged in) may accept this invitation."""
    invitee = accounts.find_user(invitation.email)
    if invitee is None:
        return Step.NEW_PERSON
    if viewer is not None:
        return Step.CONFIRM if viewer.id == invitee.id else Step.OTHER_PERSON
    return Step.LOG_IN if invitee.is_active else Step.RETURNING


def asks_code(invitation: Invitation) -> bool:
    """Whether the returning person's form asks for the second factor too."""
    invitee = accounts.find_user(invitation.email)
    return invitee is not None and two_factor.is_enabled(invitee)


@dataclass
class Acceptance:
    name: str | None = None
    password: str | None = None
    position: str | None = None
    nip: str | None = None
    #: The second factor, from a returning person who has it on.
    code: str | None = None


def accept(token: str, answer: Acceptance, *, viewer: User | None = None) -> Membership:
    """A new person sets name and password; someone with an account accepts logged in as themselves."""
    digest = links.token_digest(token)
    with presenting(digest):  # the link is what lets its holder see the invitation
        return _accept(digest, answer, viewer)


def _accept(digest: str, answer: Acceptance, viewer: User | None) -> Membership:
    invitation = _open(digest)
    if invitation is None:
        raise DomainError(_l("This invitation is not valid any more. Ask for a new one."))
    step = step_for(invitation, viewer)
    if step is Step.NEW_PERSON:
        if not (answer.name or "").strip():
            raise DomainError(_l("Please give your full name."))
        user = accounts.create_user(email=invitation.email, name=answer.name.strip(), password=answer.password or "",
                                    position=answer.position or None, nip=answer.nip or None)
    elif step is Step.CONFIRM:
        user = viewer
    elif step is Step.RETURNING:
        user = _returning(invitation, answer)
    else:  # the login, with its second factor, comes first; someone else's invitation is not theirs
        raise NotAllowed(_l("Log in as %(email)s to accept the invitation.", email=invitation.email))
    with as_person(user), acting_for(invitation.organisation):  # from here on, the new member is the one acting
        if not user.is_active:
            accounts.return_after_leaving(user)
        if user.membership_in(invitation.organisation, include_lapsed=True) is not None:
            raise DomainError(_l("You are already a member of %(org)s.", org=invitation.organisation.name))
        membership = Membership(user=user, organisation=invitation.organisation, role=invitation.role,
                                access_until=invitation.access_until)
        db.session.add(membership)
        invitation.accepted_at = utcnow()
        audit.record(InvitationVerb.ACCEPT.action, actor=user, object_type="invitation", object_id=invitation.id,
                     organisation=invitation.organisation,
                     after={"user": user.id, "role": invitation.role, "access_until": invitation.access_until})
        db.session.flush()
    return membership


def _returning(invitation: Invitation, answer: Acceptance) -> User:
    """Someone who left: what the login asks, in the same order (password, then the second factor)."""
    user = accounts.find_user(invitation.email)
    if user.left_at is None or not accounts.password_matches(user, answer.password or ""):
        raise DomainError(_l("The password is wrong."))
    if two_factor.is_enabled(user):
        with as_person(user):  # their recovery codes
            if not two_factor.verify(user, answer.code or ""):
                raise DomainError(_l("The code is not right. Try the newest code, or one of your recovery codes."))
    return user


def find_for(organisation: Organisation, invitation_id: int) -> Invitation | None:
    """An invitation into this organisation, or one it sent; any other does not exist for it."""
    return db.session.scalar(select(Invitation).where(
        Invitation.id == invitation_id,
        (Invitation.organisation_id == organisation.id) | (Invitation.sent_for_id == organisation.id)))


def pending_for(organisation: Organisation) -> list[Invitation]:
    """Open invitations into the organisation, and those it sent to partners' first admins."""
    return list(db.session.scalars(select(Invitation).where(
        (Invitation.organisation_id == organisation.id) | (Invitation.sent_for_id == organisation.id),
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc())))


# --- the machinery ------------------------------------------------------------------------------

def _invite(organisation: Organisation, email: str, role: Role, *, actor: User, access_until: date | None = None,
            on_behalf_of: Organisation | None = None) -> Invitation:
    email = accounts.normalise_email(email)
    existing = accounts.find_user(email)
    if existing is not None and existing.membership_in(organisation, include_lapsed=True) is not None:
        raise DomainError(_l("%(email)s is already a member of %(org)s.", email=email, org=organisation.name))
    if any(invitation.email == email and invitation.organisation_id == organisation.id
           for invitation in pending_for(organisation)):
        raise DomainError(_l("%(email)s has already been invited; send the invitation again from the list.",
                             email=email))
    invitation = Invitation(email=email, organisation=organisation, role=role, access_until=access_until,
                            invited_by_id=actor.id, sent_for=on_behalf_of, token_hash="")
    db.session.add(invitation)
    token = _issue(invitation)
    db.session.flush()
    _mail(invitation, token, inviter=actor, on_behalf_of=on_behalf_of)
    audit.record(InvitationVerb.SEND.action, actor=actor, object_type="invitation", object_id=invitation.id,
                 organisation=on_behalf_of or organisation,
                 after={"organisation": organisation.name, "role": role,
                        "access_until": access_until})
    return invitation


def _issue(invitation: Invitation) -> str:
    token, invitation.token_hash = links.new_token()
    invitation.expires_at = utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"])
    return token


def _mail(invitation: Invitation, token: str, *, inviter: User | None = None,
          on_behalf_of: Organisation | None = None) -> None:
    link = links.absolute("auth.accept_invitation", token=token)
    existing = accounts.find_user(invitation.email)
    delivery.to_address(invitation.email, "invitation", locale=existing.locale if existing else "id",
                        invitation=invitation, inviter=inviter or invitation.invited_by, link=link,
                        days=current_app.config["INVITATION_DAYS"], on_behalf_of=on_behalf_of)


def _require_manager(invitation: Invitation, actor: User) -> None:
    policy.require(policy.can_manage_invitation(actor, invitation))
