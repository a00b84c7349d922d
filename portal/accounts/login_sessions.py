"""Login sessions: the server-side record behind each session cookie, which a person can see and end.

The cookie holds a random token naming a `LoginSession`; signing out, a password change, deactivation
or the person themselves (on *Sesi aktif*) end the record, and with it the cookie, at once. The token
never leaves the cookie: pages name a session by a digest of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload
from ua_parser import parse as parse_user_agent

from portal.accounts.models import LoginSession, User
from portal.audit import chain as audit
from portal.core import whose_pages
from portal.core.columns import as_utc, utcnow
from portal.core.committed_writes import BOOKKEEPING
from portal.core.errors import DomainError
from portal.core.tenancy import as_person, presenting
from portal.extensions import db
from portal.organisations.models import Membership

#: "Last seen" is written at most this often per session, not on every request.
SEEN_EVERY = timedelta(minutes=5)


def start(user: User, *, ip: str | None, user_agent: str | None) -> LoginSession:
    login = LoginSession(id=secrets.token_urlsafe(32), user=user, ip=ip, user_agent=(user_agent or "")[:255],
                         last_seen_at=utcnow())
    db.session.add(login)
    audit.record("session.started", actor=user, object_type="user", object_id=user.id)
    return login


def user_of(session_id: str, user_id: int) -> tuple[User | None, bool]:
    """The user of a live session (None once it was revoked or the account deactivated), and whether its
    "last seen" is due to be written (`touch`). The caller has read both from a signed cookie."""
    # One query for the session, the person, their memberships and organisations: every page needs them all.
    login = db.session.scalars(
        select(LoginSession).where(LoginSession.id == session_id)
        .options(joinedload(LoginSession.user).joinedload(User.memberships).joinedload(Membership.organisation))
        .execution_options(populate_existing=True)  # as stored now, even if the request had read the person before
    ).unique().one_or_none()
    if login is None or login.revoked_at is not None or login.user_id != user_id or not login.user.is_active:
        return None, False
    return login.user, login.last_seen_at is None or utcnow() - as_utc(login.last_seen_at) >= SEEN_EVERY


def touch(session_id: str) -> None:
    """Note that the session was used now (in a transaction of its own, after the request's)."""
    with presenting(session_id):
        db.session.execute(update(LoginSession).where(LoginSession.id == session_id).values(last_seen_at=utcnow())
                           .execution_options(**BOOKKEEPING))


def end(session_id: str, actor: User) -> None:
    db.session.execute(
        update(LoginSession).where(LoginSession.id == session_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(**whose_pages.reaching(user_id=actor.id))
    )
    audit.record("session.ended", actor=actor, object_type="user", object_id=actor.id)


def end_all(user: User) -> None:
    """Every session of `user` ends (their own doing, or on their behalf: an admin, a reset link)."""
    with as_person(user):
        db.session.execute(
            update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow()).execution_options(**whose_pages.reaching(user_id=user.id))
        )


def handle(session_id: str) -> str:
    """How a page names a session: a digest of its token, which cannot be used as a cookie."""
    return hashlib.sha256(session_id.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class ActiveSession:
    handle: str
    device: str
    ip: str | None
    started_at: datetime
    last_seen_at: datetime
    is_current: bool


def describe_device(user_agent: str | None) -> str:
    """"Chrome Mobile 120 · Android 10": what a person recognises of their own browser."""
    parsed = parse_user_agent(user_agent or "")
    parts = [" ".join(p for p in (part.family, part.major) if p) for part in (parsed.user_agent, parsed.os) if part]
    return " · ".join(parts) or str(_l("Unknown device"))


def active(user: User, current_session_id: str | None) -> list[ActiveSession]:
    """The person's sessions that still work, the one in use first, then the most recently seen."""
    logins = db.session.scalars(select(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))).all()
    listed = [ActiveSession(handle=handle(login.id), device=describe_device(login.user_agent), ip=login.ip,
                            started_at=as_utc(login.created_at),
                            last_seen_at=as_utc(login.last_seen_at or login.created_at),
                            is_current=login.id == current_session_id) for login in logins]
    return sorted(listed, key=lambda s: (not s.is_current, -s.last_seen_at.timestamp()))


def end_by_handle(user: User, session_handle: str, current_session_id: str | None) -> None:
    """End one of one's own other sessions (a phone left signed in at the facility, say)."""
    login = next((login for login in db.session.scalars(select(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)))
        if secrets.compare_digest(handle(login.id), session_handle or "")), None)
    if login is None:
        raise DomainError(_l("That session has ended already."))
    if login.id == current_session_id:
        raise DomainError(_l("To end this session, log out."))
    login.revoked_at = utcnow()
    audit.record("session.ended_elsewhere", actor=user, object_type="user", object_id=user.id,
                 after={"device": describe_device(login.user_agent)})


def end_others(user: User, current_session_id: str | None) -> int:
    """End every session of the person but the one in use; how many."""
    ended = db.session.execute(
        update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None),
                                   LoginSession.id != (current_session_id or "")).values(revoked_at=utcnow())
    ).rowcount
    if ended:
        audit.record("session.ended_elsewhere", actor=user, object_type="user", object_id=user.id,
                     after={"sessions": ended})
    return ended
