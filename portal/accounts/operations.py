"""Accounts: passwords, logging in, profiles, deactivation (their sessions: `login_sessions`)."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import policy
from portal.accounts import login_sessions, password_hashes
from portal.accounts.models import User
from portal.audit import chain as audit
from portal.core.columns import utcnow
from portal.core.errors import DomainError
from portal.core.tenancy import as_person, unscoped
from portal.extensions import db
from portal.organisations.models import Membership

COMMON_PASSWORDS = Path(__file__).parent.parent / "data" / "common-passwords.txt"
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


def unusable_password() -> str:
    """A hash no password matches (nobody knows what was hashed): sign-in by password is over."""
    return password_hashes.new_hash(secrets.token_urlsafe(32))


#: Inside `sharing_hashes`: each password's hash, made once.
_shared_hashes: ContextVar[dict[str, str] | None] = ContextVar("mitrapas_shared_hashes", default=None)


@contextmanager
def sharing_hashes():
    """Demo data: its people all have the one published password, so they share one hash of it (argon2 is slow on
    purpose; at argon2-cffi's old defaults two dozen hashes were 40% of loading the demo). Never for real people:
    their hashes are salted each their own."""
    token = _shared_hashes.set({})
    try:
        yield
    finally:
        _shared_hashes.reset(token)


def hash_password(password: str) -> str:
    check_password_rules(password)
    shared = _shared_hashes.get()
    if shared is None:
        return password_hashes.new_hash(password)
    if password not in shared:
        shared[password] = password_hashes.new_hash(password)
    return shared[password]


@cache
def _common_passwords() -> frozenset[str]:
    """The list shipped in portal/data (ASVS 2.1.7): passwords attackers try first."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def check_password_rules(password: str) -> None:
    """ASVS 2.1: at least 8 characters, long passphrases welcome, none of the most common passwords."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_l("The password must be at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError(_l("The password must be at most %(n)d characters.", n=MAX_PASSWORD_LENGTH))
    if password.lower() in _common_passwords():
        raise DomainError(_l("This password is one of the most common ones and easy to guess. "
                             "Please choose another, for example a sentence of several words."))


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    """The person with this address, wherever they belong: an address names one person in the whole portal."""
    with unscoped("sign-in, invitations and reset links look a person up by e-mail before anyone acts"):
        return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None: one answer for every failure. A hash made with
    other settings than today's is renewed (bookkeeping, not audited: the password is the same); with no turn to
    hash in time, `password_hashes.Busy` and nothing checked or written."""
    user = find_user(email)
    verdict = password_hashes.verify(user.password_hash if user else None, password, renew=True)
    if user is None or not verdict.matches or not user.is_active:
        return None
    if verdict.renewed is not None:
        with as_person(user):
            user.password_hash = verdict.renewed
            db.session.flush()
    return user


def create_user(*, email: str, name: str, password: str, position: str | None = None,
                nip: str | None = None, is_platform_admin: bool = False) -> User:
    """A new person; callers audit the event that brought them in."""
    email = normalise_email(email)
    if find_user(email) is not None:
        raise DomainError(_l("An account with this e-mail address already exists."))
    user = User(email=email, name=name.strip(), password_hash=hash_password(password),
                position=position or None, nip=nip or None, is_platform_admin=is_platform_admin)
    db.session.add(user)
    db.session.flush()
    return user


def password_matches(user: User, password: str) -> bool:
    """Re-check the password of someone already logged in (before signing, changing it)."""
    return password_hashes.verify(user.password_hash, password).matches


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    """Change one's own password; every session of the account, this one included, ends."""
    if not password_matches(user, current_password):
        raise DomainError(_l("The current password is wrong."))
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    login_sessions.end_all(user)
    audit.record("user.password_changed", actor=user, object_type="user", object_id=user.id)


def deactivate_user(target: User, *, actor: User) -> None:
    """Switch an account off; its sessions end at once, its past records keep its name."""
    policy.require(policy.can_deactivate_user(actor, target))
    if not target.is_active:
        return
    target.is_active = False
    login_sessions.end_all(target)
    audit.record("user.deactivated", actor=actor, object_type="user", object_id=target.id,
                 before={"is_active": True}, after={"is_active": False})


def leave_if_unattached(user: User, *, actor: User) -> None:
    """Offboarding: someone removed from their last organisation (an intern at the end of the programme)
    can no longer sign in, and every session of theirs ends at once."""
    with unscoped("whether someone still belongs anywhere spans every organisation"):
        if not user.is_active or db.session.scalar(select(func.count(Membership.id))
                                                   .where(Membership.user_id == user.id)):
            return
        user.is_active, user.left_at = False, utcnow()
        login_sessions.end_all(user)
        audit.record("user.left", actor=actor, object_type="user", object_id=user.id,
                     before={"is_active": True}, after={"is_active": False})
        db.session.flush()


def return_after_leaving(user: User) -> None:
    """Someone who left and is invited again signs in as before."""
    user.is_active, user.left_at = True, None
    audit.record("user.returned", actor=user, object_type="user", object_id=user.id,
                 before={"is_active": False}, after={"is_active": True})


def set_locale(user: User, locale: str) -> None:
    if user.locale != locale:
        audit.record("user.locale_changed", actor=user, object_type="user", object_id=user.id,
                     before={"locale": user.locale}, after={"locale": locale})
        user.locale = locale



@dataclass
class Profile:
    name: str
    position: str | None
    nip: str | None
    phone: str | None
    locale: str


def update_profile(user: User, profile: Profile) -> None:
    """One's own details; every change is in the audit trail."""
    if not profile.name.strip():
        raise DomainError(_l("Please give your full name."))
    before = {field: getattr(user, field) for field in ("name", "position", "nip", "phone", "locale")}
    user.name, user.position = profile.name.strip(), profile.position or None
    user.nip, user.phone, user.locale = profile.nip or None, profile.phone or None, profile.locale
    after = {field: getattr(user, field) for field in ("name", "position", "nip", "phone", "locale")}
    changed = [field for field in after if after[field] != before[field]]
    if changed:  # which fields, not their values: the trail keeps no personal details (it is never rewritten)
        audit.record("user.profile_updated", actor=user, object_type="user", object_id=user.id,
                     after={"changed": changed})
