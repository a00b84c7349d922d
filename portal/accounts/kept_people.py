"""The person behind a session cookie, kept in this process between their pages while nothing about them moved on.

Every signed-in request read its login session, the person, their memberships and their organisations: a query
planned under Row-Level Security, with a transaction begun and the scope told to the database for it alone, about a
third of what the cheapest signed-in page costs (`make bench-pages`, the signed-in floor). What it reads changes
only through a committed write that moves on the portal's data version (a person, a membership, an organisation:
`whose_pages` says those reach everyone) or the person's own (one of their sessions ended), the same versions the
kept pages are read at (`session_pages.person_versions`, read before the person is looked up). So a GET, whose
versions equal those the person was kept at, takes the person from here, merged into the request's database session
without a query; any other answer (a form sent, the store away, a version moved on) reads the database, as before.

A kept person lives SESSION_PAGE_SECONDS at most, as a kept page does: should a version move be lost (the store did
not answer a commit's increments, a failover or a restored snapshot lost them), the next read of the database after
that says what is true. Forms (anything but GET and HEAD) always read the database: the columns no page shows (a
password hash, a two-step code's last step) reach nobody when written, so a kept person would hold an old one; the
copy holds none of them (nor the two-step secret), and a page that needs one reads it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
import threading
import time

from cachetools import LRUCache
from flask import current_app, request
from sqlalchemy.orm import Session

from portal.accounts import login_sessions
from portal.accounts.models import User
from portal.core import session_pages
from portal.core.columns import as_utc, utcnow
from portal.extensions import db

#: Sessions kept per process: a worker serves a few hundred people at most; the least recently seen go first.
KEPT_SESSIONS = 5000
READING = frozenset({"GET", "HEAD"})
#: What the copy does not hold: secrets, and what a form may change in place.
NOT_KEPT = ("password_hash", "totp_secret", "totp_last_step", "notice_routes", "digest_groups")
_now = time.monotonic


@dataclass
class _Kept:
    versions: tuple
    user: User  # detached: merged into each request's session, never used in one itself
    #: When this process last had "last seen" written (or found it written lately).
    last_seen_at: datetime
    #: `_now()` after which the database is asked again, whatever the versions say.
    until: float


_kept: LRUCache = LRUCache(KEPT_SESSIONS)
_lock = threading.Lock()


def user_of(session_id: str, user_id: int) -> tuple[User | None, bool]:
    """`login_sessions.user_of`, from this process's copy when nothing it holds can have changed since."""
    versions = _versions_now(user_id)
    key = (id(current_app._get_current_object()), session_id)
    if versions is not None:
        with _lock:
            kept = _kept.get(key)
        if kept is not None and kept.versions == versions and kept.user.id == user_id and _now() < kept.until:
            return db.session.merge(kept.user, load=False), _seen_due(kept)
    user, seen_due = login_sessions.user_of(session_id, user_id)
    keeping = None if user is None or versions is None else _Kept(
        versions, _detached_copy(user), utcnow(),  # "last seen" written now, or known written lately
        _now() + current_app.config["SESSION_PAGE_SECONDS"])
    with _lock:
        if keeping is not None:
            _kept[key] = keeping
        elif user is None:  # the session ended: nothing of it stays
            _kept.pop(key, None)
    return user, seen_due


def _versions_now(user_id: int) -> tuple | None:
    if request.method not in READING:
        return None
    found = session_pages.person_versions(user_id)
    return None if found is None else tuple(sorted(found.items()))


def _seen_due(kept: _Kept) -> bool:
    """Whether this session's "last seen" is due, as `login_sessions.user_of` says it; noted as written now, so
    this process writes it at most every `login_sessions.SEEN_EVERY` (others may write theirs)."""
    now = utcnow()
    due = now - as_utc(kept.last_seen_at) >= login_sessions.SEEN_EVERY
    if due:
        kept.last_seen_at = now
    return due


def _detached_copy(user: User) -> User:
    """The person with what was loaded of them (memberships, organisations), in no session: no thread ever loads
    or changes anything through it."""
    scratch = Session()
    try:
        copy = scratch.merge(user, load=False)
        scratch.expire(copy, NOT_KEPT)
        scratch.expunge_all()
    finally:
        scratch.close()
    return copy
