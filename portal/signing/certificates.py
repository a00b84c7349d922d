"""Signing certificates: issued by the portal CA to the people who sign for their organisation when they turn
on two-factor sign-in (or at their first signature), renewed when what they name changes, revoked when the
person can no longer sign. Each state change is audited; the keys never enter the database.
"""
from __future__ import annotations

from datetime import timedelta

from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from portal import signing
from portal.accounts.models import User
from portal.audit import chain as audit
from portal.core.columns import as_utc, utcnow
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.organisations import roles
from portal.organisations.models import Organisation
from portal.signing.models import SigningCertificate

#: A certificate this close to its end is renewed before it signs, so a signature never outlives it unnoticed.
RENEW_BEFORE = timedelta(days=30)


def issue_for_signing_roles(user: User) -> list[SigningCertificate]:
    """At enrolment in two-factor sign-in: one certificate per organisation the person signs for."""
    return [current_for(user, membership.organisation, user.position)
            for membership in user.memberships if roles.signs(membership.role)]


def current_for(user: User, organisation: Organisation, position: str | None) -> SigningCertificate:
    """The person's valid certificate for this organisation that names them as they are now, else a new one."""
    with unscoped("a person's own signing certificates, whichever organisation they act for"):
        for held in db.session.scalars(select(SigningCertificate).where(
                SigningCertificate.user_id == user.id, SigningCertificate.organisation_id == organisation.id,
                SigningCertificate.revoked_at.is_(None)).order_by(SigningCertificate.id.desc())):
            if ((held.name, held.position, held.organisation_name) == (user.name, position, organisation.name)
                    and as_utc(held.not_after) > utcnow() + RENEW_BEFORE):
                return held
        certificate = signing.authority().issue(signing.Subject(
            name=user.name, position=position, organisation=organisation.name, email=user.email))
        held = SigningCertificate(
            serial=f"{certificate.serial_number:x}", user_id=user.id, organisation_id=organisation.id,
            name=user.name, position=position, organisation_name=organisation.name,
            der=certificate.public_bytes(serialization.Encoding.DER), not_after=certificate.not_valid_after_utc)
        db.session.add(held)
        db.session.flush()
    audit.record("signing_certificate.issued", actor=user, object_type="signing_certificate", object_id=held.id,
                 organisation=organisation, after={"serial": held.serial, "name": held.name,
                                                   "position": held.position})
    return held


def revoke_all_of(user: User, *, actor: User | None) -> None:
    """The person can no longer sign (two-factor sign-in reset, account erased): revoke and destroy the keys."""
    ca = signing.authority()
    with unscoped("a person's own signing certificates, in every organisation"):
        held = list(db.session.scalars(select(SigningCertificate).where(
            SigningCertificate.user_id == user.id, SigningCertificate.revoked_at.is_(None))))
        for certificate in held:
            certificate.revoked_at = utcnow()
            ca.forget(int(certificate.serial, 16))
        db.session.flush()
    for certificate in held:
        audit.record("signing_certificate.revoked", actor=actor, object_type="signing_certificate",
                     object_id=certificate.id, after={"serial": certificate.serial})


def status_of(serial: int) -> signing.Revocation | None | bool:
    """For OCSP: revoked (and when), good (None), or not one the portal CA issued (False)."""
    with unscoped("the public OCSP answer reads any certificate the portal CA issued"):
        held = db.session.scalar(select(SigningCertificate).where(SigningCertificate.serial == f"{serial:x}"))
    if held is None:
        return False
    return signing.Revocation(held.revoked_at) if held.revoked_at else None


def revoked() -> list[tuple[int, object]]:
    """For the CRL: every revoked serial and when."""
    with unscoped("the public CRL lists every certificate the portal CA revoked"):
        rows = db.session.execute(select(SigningCertificate.serial, SigningCertificate.revoked_at).where(
            SigningCertificate.revoked_at.is_not(None))).all()
    return [(int(serial, 16), at) for serial, at in rows]
