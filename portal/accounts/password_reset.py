"""Resetting a forgotten password by e-mail: a single-use link valid for PASSWORD_RESET_HOURS.

The request answers the same whether or not the address has an account (the
page, its status and its timing), so the form cannot be used to find out who is
registered: it hands the address to the background, where the account is looked
up and the link made and mailed, out of the requester's sight.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from portal.accounts import login_sessions, operations as accounts
from portal.accounts.models import User
from portal.accounts.token_models import AccountToken, TokenPurpose
from portal.audit import chain as audit
from portal.core import links
from portal.core.columns import utcnow
from portal.core.errors import DomainError
from portal.core.tenancy import as_person, presenting
from portal.extensions import db
from portal.jobs import queue as jobs
from portal.notifications import delivery


def request_reset(email: str) -> None:
    """The same work for every address: the lookup and the mail happen in the background (`mail_link_job`)."""
    jobs.run_later("portal.accounts.password_reset.mail_link_job", email, audit.origin_ip.get())


def mail_link_job(email: str, ip: str | None) -> None:
    """The job: mail the link if the address has an account, as asked from `ip`."""
    origin = audit.origin_ip.set(ip)
    try:
        mail_link(email)
        db.session.commit()
    except Exception:  # the worker's session serves the next job: leave it clean, and let the queue see the failure
        db.session.rollback()
        raise
    finally:
        audit.origin_ip.reset(origin)


def mail_link(email: str) -> None:
    """Mail a reset link if the address belongs to an active account; the mail and its audit entry go together."""
    token, digest = links.new_token()
    user = accounts.find_user(email)
    if user is None or not user.is_active:
        return
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    with as_person(user):  # on the account's behalf: its own tokens only
        db.session.execute(update(AccountToken).where(  # an older unused link stops working
            AccountToken.user_id == user.id, AccountToken.purpose == TokenPurpose.PASSWORD_RESET,
            AccountToken.used_at.is_(None)).values(used_at=utcnow()))
        db.session.add(AccountToken(purpose=TokenPurpose.PASSWORD_RESET, token_hash=digest, user_id=user.id,
                                    expires_at=utcnow() + timedelta(hours=hours)))
        db.session.flush()
    link = links.absolute("auth.reset_password", token=token)
    delivery.to_person(user, "password_reset", user=user, link=link, hours=hours)
    audit.record("user.password_reset_requested", actor=user, object_type="user", object_id=user.id)


def valid_token(token: str) -> AccountToken | None:
    digest = links.token_digest(token)
    with presenting(digest):  # the link's holder sees the one token it names
        found = db.session.scalar(select(AccountToken).where(
            AccountToken.token_hash == digest, AccountToken.purpose == TokenPurpose.PASSWORD_RESET,
            AccountToken.used_at.is_(None), AccountToken.expires_at > utcnow()))
        return found if found is not None and found.user.is_active else None


def reset_password(token: str, new_password: str) -> User:
    """Set the new password through a valid link, once; every session of the account ends."""
    found = valid_token(token)
    if found is None:
        raise DomainError(_l("This link is not valid any more. Ask for a new one."))
    user = found.user
    with as_person(user):
        user.password_hash = accounts.hash_password(new_password)
        user.password_changed_at = found.used_at = utcnow()
        login_sessions.end_all(user)
        audit.record("user.password_reset", actor=user, object_type="user", object_id=user.id)
        db.session.flush()
    return user
