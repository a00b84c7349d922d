"""Two-factor sign-in with TOTP (an authenticator app), and recovery codes for a lost phone.

Required for facility heads and partner signatories before they sign an
agreement; optional for everyone else. A code is accepted once: the time step
it belongs to is remembered, and no code of that step or an earlier one works
again. Recovery codes are shown once and stored as hashes.

Every code checked against an account counts against that account's allowance
(TWO_FACTOR_LIMIT_PER_ACCOUNT), wherever it comes from: the login's per-address limit alone
lets someone with the password keep guessing from many addresses.
"""
from __future__ import annotations

import hashlib
import secrets
import time

from flask import current_app
from flask_babel import lazy_gettext as _l
import pyotp
import segno
from sqlalchemy import or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal.accounts.models import RecoveryCode, User
from portal.audit import chain as audit
from portal.core import rate_limits
from portal.core.columns import utcnow
from portal.core.errors import DomainError
from portal.core.tenancy import as_person
from portal.extensions import db, limiter
from portal.signing import certificates as signing_certificates

ISSUER = "MitraPAS"
RECOVERY_CODES = 10
STEP_SECONDS = 30


class TooManyCodes(DomainError):
    """The account's allowance of second-factor attempts is used up for now."""

    def __init__(self):
        super().__init__(_l("Too many codes have been tried for this account. Wait a few minutes and try again."))


class CodeAlreadyUsed(DomainError):
    """A right code whose time step was used already: the person waits for the next one, not types it again."""

    def __init__(self):
        super().__init__(_l("This code has already been used; wait for the next code in your app."))


def new_secret() -> str:
    return pyotp.random_base32()


def qr_svg(user: User, secret: str) -> str:
    """The enrolment QR code as inline SVG, drawn here (nothing is fetched from elsewhere) with attributes only:
    the pages' Content-Security-Policy refuses inline styles, and reportlab's SVG drew a black square with them."""
    return segno.make(provisioning_uri(user, secret), error="m").svg_inline(scale=5, border=4, dark="#000",
                                                                            light="#fff")


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address the QR code holds; on a phone, a link to it opens the authenticator app there (a
    phone cannot scan its own screen)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def enable(user: User, secret: str, code: str) -> list[str]:
    """Turn it on once the person proves their app has the secret; returns the recovery codes, shown once."""
    step = _matching_step(secret, code, after=None)
    if step is None:
        raise DomainError(_l("The code is not right. Check the time on your phone and try the newest code."))
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, utcnow(), step
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(c)) for c in codes)
    audit.record("user.two_factor_enabled", actor=user, object_type="user", object_id=user.id)
    signing_certificates.issue_for_signing_roles(user)  # two-factor sign-in is what binds a signature to them
    return codes


def is_enabled(user: User) -> bool:
    return user.totp_enabled_at is not None and bool(user.totp_secret)


def verify(user: User, code: str) -> bool:
    """A fresh authenticator code, or an unused recovery code; either works once. A right code used again in its
    time step raises `CodeAlreadyUsed`, so the person is told to wait rather than that the code is wrong."""
    code = (code or "").strip().replace(" ", "").lower()
    if not is_enabled(user) or not code:
        return False
    _count_attempt(user)
    with as_person(user):  # the person's own credentials: the database lets only the person change them
        return _checked(user, code)


def _checked(user: User, code: str) -> bool:
    step = _matching_step(user.totp_secret, code, after=user.totp_last_step)
    if step is not None:
        if not _claimed_step(user, step):
            raise CodeAlreadyUsed()
        return True
    recovery = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(code), RecoveryCode.used_at.is_(None)))
    if recovery is None:
        if _matching_step(user.totp_secret, code, after=None) is not None:
            raise CodeAlreadyUsed()
        return False
    used = db.session.execute(update(RecoveryCode).where(RecoveryCode.id == recovery.id, RecoveryCode.used_at.is_(None))
                              .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if used.rowcount != 1:
        return False  # another request used it a moment ago
    audit.record("user.recovery_code_used", actor=user, object_type="user", object_id=user.id)
    return True


def _claimed_step(user: User, step: int) -> bool:
    """Take the time step in one statement that only succeeds while no one has: two requests with the same code
    at once (a second tab, a phishing relay) both read the old step, but only one UPDATE finds it still older."""
    claimed = db.session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def _count_attempt(user: User) -> None:
    """One more code checked for this account, in the rate limiter's store; refused once the allowance is used.

    Counted before the check, whatever its outcome: one atomic step, so parallel guesses cannot slip past."""
    if limiter.enabled and not rate_limits.hit(current_app.config["TWO_FACTOR_LIMIT_PER_ACCOUNT"], "two-factor",
                                               str(user.id)):
        raise TooManyCodes()


def _matching_step(secret: str, code: str, *, after: int | None) -> int | None:
    """The time step (now, or one either side for clock drift) whose code this is, if later than `after`."""
    if not code.isdigit():
        return None
    totp, now = pyotp.TOTP(secret), int(time.time()) // STEP_SECONDS
    for step in (now - 1, now, now + 1):
        if (after is None or step > after) and secrets.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().encode()).hexdigest()
