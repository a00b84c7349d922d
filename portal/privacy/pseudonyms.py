"""Pseudonymisation: a person's name, e-mail, phone and the rest replaced by a pseudonym wherever the portal
may change them, while every record they made keeps pointing at the same account.

It happens RETENTION_DEPARTED_DAYS after someone left their last organisation, or at once when a platform
admin grants their request for erasure. The audit trail needs no change and keeps verifying: it names
people by their account id only (entries written by 0.2.0 and earlier may still hold an e-mail address,
and cannot be changed without breaking the chain). Signatures keep the name, position and NIP they were
made with: an agreement is archive (UU 43/2009), as the privacy notice says.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, cast, delete, or_, select

from portal import policy
from portal.accounts import operations as accounts
from portal.accounts.models import LoginSession, RecoveryCode, User
from portal.audit import chain as audit
from portal.core import links
from portal.core.columns import utcnow
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.notifications import channels, delivery
from portal.notifications.models import Notification
from portal.organisations.invitation_models import Invitation
from portal.signing import certificates as signing_certificates

#: Addresses under a reserved top-level domain (RFC 2606): mail to them can never be delivered.
PSEUDONYM_DOMAIN = "pseudonim.invalid"


def pseudonym_of(user: User) -> tuple[str, str]:
    """The name and e-mail address a pseudonymised person goes by."""
    return f"Pengguna {user.id}", f"pengguna-{user.id}@{PSEUDONYM_DOMAIN}"


def pseudonymise(user: User, *, actor: User | None) -> None:
    """Replace the person's details everywhere; their sign-in stops for good. Idempotent."""
    if user.pseudonymised_at is not None:
        return
    name, email = pseudonym_of(user)
    known = {user.email: email, user.name: name, **{value: "—" for value in (user.phone, user.nip) if value}}
    with unscoped("a person's details are replaced wherever the portal keeps them"):
        for invitation in db.session.scalars(select(Invitation).where(Invitation.email == user.email)):
            invitation.email = email
        for channel in channels.CHANNELS:  # what each keeps for or about the person (e-mail: the outbox)
            channel.forget(user, known, lambda text: _replace(text, known))
        _forget_in_notices(user, known)
        db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        user.name, user.email, user.phone, user.nip, user.position = name, email, None, None, None
        user.password_hash = accounts.unusable_password()
        user.totp_secret = user.totp_enabled_at = None
        signing_certificates.revoke_all_of(user, actor=actor)  # nothing can be signed in their name again
        user.is_active, user.pseudonymised_at = False, utcnow()
        audit.record("user.pseudonymised", actor=actor, object_type="user", object_id=user.id)
        db.session.flush()


def _forget_in_notices(user: User, known: dict[str, str]) -> None:
    """The person's own notices go; others' notices that name them name the pseudonym."""
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    mentions = or_(*(cast(Notification.params, String).contains(value) for value in known))
    for notice in db.session.scalars(select(Notification).where(mentions)):
        notice.params = {key: _replace(value, known) if isinstance(value, str) else value
                         for key, value in notice.params.items()}


def _replace(text: str, known: dict[str, str]) -> str:
    for value, pseudonym in sorted(known.items(), key=lambda item: -len(item[0])):
        text = text.replace(value, pseudonym)
    return text


def pseudonymise_departed(now: datetime | None = None, *, dry_run: bool = False) -> int:
    """Those who left their last organisation more than RETENTION_DEPARTED_DAYS ago (the retention purge)."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["RETENTION_DEPARTED_DAYS"])
    departed = db.session.scalars(select(User).where(
        User.left_at.is_not(None), User.left_at < cutoff, User.is_active.is_(False),
        User.pseudonymised_at.is_(None))).all()
    if not dry_run:
        for user in departed:
            pseudonymise(user, actor=None)
    return len(departed)


# --- a person's request for erasure ---------------------------------------------------------------

def request_erasure(user: User) -> None:
    """Asked on *Data saya*: the platform admins are told by e-mail and decide on their page."""
    if user.erasure_requested_at is not None:
        return
    user.erasure_requested_at = utcnow()
    audit.record("user.erasure_requested", actor=user, object_type="user", object_id=user.id)
    with unscoped("the platform admins belong to no organisation of the person's"):
        admins = list(db.session.scalars(select(User).where(User.is_platform_admin.is_(True),
                                                            User.is_active.is_(True))))
    for admin in admins:
        delivery.to_person(admin, "erasure_request", person=user, link=links.absolute("admin.erasure_index"))


def pending_requests() -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.erasure_requested_at.is_not(None), User.pseudonymised_at.is_(None)).order_by(User.erasure_requested_at)))


def grant_erasure(user: User, *, actor: User) -> None:
    """A platform admin grants the request: the person's details are replaced now and sign-in stops."""
    policy.require(policy.can_deactivate_user(actor, user))
    pseudonymise(user, actor=actor)
