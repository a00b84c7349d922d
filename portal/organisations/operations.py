"""Organisations and their people: create a tenant, add, re-role and remove members.

Nobody is attached to an organisation without saying yes: an address that already has an
account is invited (`invitations`), and the person joins by accepting, logged in as
themselves. An organisation's manager always invites, so nothing they see tells whether
an address has an account; only the platform admin makes accounts for new people here.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from slugify import slugify
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from portal import policy
from portal.accounts import operations as accounts
from portal.accounts.models import User
from portal.audit import chain as audit
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations import invitations, visibility
from portal.organisations.invitation_models import Invitation
from portal.organisations.models import (
    FIRST_ROLE, ROLES_BY_KIND, Membership, Organisation, OrgKind, PartnerCategory, Role,
)


@dataclass
class Person:
    """Who to add: an address, and the details of a new account (used only by a platform admin, only when the
    address has no account yet)."""

    email: str
    name: str = ""
    position: str | None = None
    nip: str | None = None
    #: Needed only when the account does not exist yet.
    password: str | None = None


def _unique_slug(name: str) -> str:
    base = slugify(name, max_length=70, word_boundary=True) or "organisasi"
    slug, n = base, 2
    while db.session.scalar(select(func.count()).where(Organisation.slug == slug)):
        slug, n = f"{base}-{n}", n + 1
    return slug


def _snapshot(organisation: Organisation) -> dict:
    return {"name": organisation.name, "kind": organisation.kind, "province": organisation.province,
            "facility_class": organisation.facility_class,
            "partner_category": organisation.partner_category}


def register_partner(name: str, category: PartnerCategory | None, *, actor: User,
                     facility: Organisation) -> Organisation:
    """A facility brings in a partner that is not in the portal yet; its first admin is then invited."""
    policy.require(policy.can_link_partner(actor, facility))
    return _new_organisation(actor, OrgKind.PARTNER, name, partner_category=category)


def all_partners() -> list[Organisation]:
    """Every active partner organisation, for a facility choosing whom to invite or link."""
    return list(db.session.scalars(select(Organisation).where(
        Organisation.kind == OrgKind.PARTNER, Organisation.is_active).order_by(Organisation.name)))


def create_organisation(
    *, actor: User, kind: OrgKind, name: str, first_person: Person,
    province: str | None = None, city: str | None = None, facility_class: str | None = None,
    partner_category: PartnerCategory | None = None, first_role: Role | None = None,
) -> Organisation:
    """A new tenant together with its first person (by default its head, admin or analyst); someone who already
    has an account is invited to be that person."""
    policy.require(policy.can_create_organisation(actor))
    organisation = _new_organisation(actor, kind, name, province=province, city=city,
                                     facility_class=facility_class, partner_category=partner_category)
    add_member(organisation, first_person, first_role or FIRST_ROLE[kind], actor=actor)
    return organisation


def _new_organisation(actor: User, kind: OrgKind, name: str, *, province: str | None = None, city: str | None = None,
                      facility_class: str | None = None,
                      partner_category: PartnerCategory | None = None) -> Organisation:
    kind = OrgKind(kind)
    if not (name or "").strip():
        raise DomainError(_l("Please give the organisation's name."))
    if kind == OrgKind.FACILITY and not (province and facility_class):
        raise DomainError(_l("A facility needs a province and a facility class."))
    organisation = Organisation(
        slug=_unique_slug(name), name=name.strip(), kind=kind, province=province or None,
        city=city or None,
        facility_class=facility_class if kind == OrgKind.FACILITY else None,
        partner_category=PartnerCategory(partner_category) if kind == OrgKind.PARTNER and partner_category else None,
    )
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.created", actor=actor, object_type="organisation",
                 object_id=organisation.id, organisation=organisation, after=_snapshot(organisation))
    return organisation


def add_member(organisation: Organisation, person: Person, role: Role, *,
               actor: User) -> Membership | Invitation:
    """Give a new person a role; anyone else is sent an invitation, and joins only by accepting it."""
    policy.require(policy.can_manage_members(actor, organisation))
    role = Role(role)
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise DomainError(_l("This role does not exist in this kind of organisation."))
    if not policy.can_create_accounts(actor) or accounts.find_user(person.email) is not None:
        return invitations.invite_member(organisation, person.email, role, actor=actor)
    if not person.name.strip() or not person.password:
        raise DomainError(_l("A new person needs a name and an initial password."))
    user = accounts.create_user(email=person.email, name=person.name, password=person.password,
                                position=person.position, nip=person.nip)
    membership = Membership(user=user, organisation=organisation, role=role)
    db.session.add(membership)
    db.session.flush()
    audit.record("member.added", actor=actor, object_type="membership", object_id=membership.id,
                 organisation=organisation, after={"user": user.id, "role": role})
    return membership


def _keeps_organisation(membership: Membership) -> bool:
    """Whether the membership is in the role an organisation is created with (its head, admin or analyst), of
    which it keeps at least one."""
    return membership.role == FIRST_ROLE[membership.organisation.kind]


def _managers_left(organisation: Organisation, without: Membership) -> int:
    return sum(1 for m in organisation.memberships
               if m.id != without.id and _keeps_organisation(m) and m.user.is_active)


def change_role(membership: Membership, role: Role, *, actor: User) -> None:
    organisation = membership.organisation
    policy.require(policy.can_manage_members(actor, organisation))
    role = Role(role)
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise DomainError(_l("This role does not exist in this kind of organisation."))
    if role == membership.role:
        return
    if _keeps_organisation(membership) and not _managers_left(organisation, membership):
        raise DomainError(_l("An organisation keeps at least one head or admin."))
    audit.record("member.role_changed", actor=actor, object_type="membership",
                 object_id=membership.id, organisation=organisation,
                 before={"role": membership.role}, after={"role": role})
    membership.role = role


def remove_member(membership: Membership, *, actor: User) -> None:
    organisation = membership.organisation
    policy.require(policy.can_manage_members(actor, organisation))
    if _keeps_organisation(membership) and not _managers_left(organisation, membership):
        raise DomainError(_l("An organisation keeps at least one head or admin."))
    audit.record("member.removed", actor=actor, object_type="membership", object_id=membership.id,
                 organisation=organisation,
                 before={"user": membership.user_id, "role": membership.role})
    person = membership.user
    db.session.delete(membership)
    db.session.flush()
    accounts.leave_if_unattached(person, actor=actor)


def members_of(organisation: Organisation) -> list[Membership]:
    """The organisation's people by name, loaded in one query whatever their number."""
    return list(db.session.scalars(
        select(Membership).join(Membership.user).options(contains_eager(Membership.user))
        .where(Membership.organisation_id == organisation.id).order_by(User.name)))


def organisations_of(user: User) -> list[Organisation]:
    """The active organisations a person may act for, by name: not one whose fixed term (an intern's) has ended."""
    return sorted((m.organisation for m in user.memberships if m.organisation.is_active and not m.has_lapsed()),
                  key=lambda org: org.name)


def all_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.kind, Organisation.name)))


def partners_available_to(facility: Organisation) -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation).where(Organisation.kind == OrgKind.PARTNER, Organisation.is_active)
        .order_by(Organisation.name)))


def overseen_facility(oversight: Organisation, facility_id: int) -> Organisation | None:
    """The facility with this id if the oversight office's scope covers it (`visibility.covers`), else None."""
    facility = db.session.get(Organisation, facility_id)
    return facility if facility is not None and visibility.covers(oversight, facility) else None


def facilities_in_scope(oversight: Organisation) -> list[Organisation]:
    """The facilities an oversight office covers, by name."""
    return list(db.session.scalars(select(Organisation).where(
        Organisation.id.in_(visibility.overseen_facilities(oversight.id))).order_by(Organisation.name)))
