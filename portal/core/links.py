"""Links that leave the portal in e-mail and PDFs, and the single-use tokens some of them carry.

A link must work from a request, a cron command or a mail worker alike, and
point at PUBLIC_URL, not at whatever host a request came in on. A token is
stored only as its SHA-256, so a leaked database does not hand out valid links.
"""
from __future__ import annotations

import hashlib
import secrets

from flask import current_app, has_request_context, url_for


def path(endpoint: str, **values) -> str:
    """The portal path of a page, with or without a request to build it in."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):  # a host it trusts
        return url_for(endpoint, **values)


def absolute(endpoint_or_path: str, **values) -> str:
    """The full address of a page (an endpoint and its values, or a path starting with "/")."""
    where = endpoint_or_path if endpoint_or_path.startswith("/") else path(endpoint_or_path, **values)
    return current_app.config["PUBLIC_URL"].rstrip("/") + where


def new_token() -> tuple[str, str]:
    """A token for a link, and the digest to store instead of it."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
