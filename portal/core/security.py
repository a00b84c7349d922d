"""Request-level security: who is logged in, deny by default, headers, rate limits."""
from __future__ import annotations

import hashlib

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import SecurityError

from portal.accounts import kept_people, login_sessions, operations as accounts
from portal.audit import chain as audit
from portal.core import session_pages, storage, tenancy
from portal.extensions import db, limiter, login_manager, talisman

#: Endpoints anyone may open without logging in. Everything else needs a login.
PUBLIC_ENDPOINTS = frozenset({
    "auth.login", "auth.forgot_password", "auth.reset_password", "auth.accept_invitation", "auth.two_factor_login", "home.index", "home.set_language", "home.healthz", "home.privacy", "static",
    "bootstrap.static",
    "verify.index", "verify.show",
    "pki.root", "pki.crl", "pki.ocsp", "pki.ocsp_by_get",
    "provider_hooks.whatsapp_subscription", "provider_hooks.callback",
})
#: The largest JSON body read (the API's and the providers' callbacks): files come as uploads, never as JSON.
MAX_JSON_BODY = 10 * 1024 * 1024
#: Blueprints anyone may open: the public pages of facilities that publish.
PUBLIC_BLUEPRINTS = frozenset({"public"})
#: Blueprints that sign their callers in themselves: the API (a bearer token, not a session).
TOKEN_BLUEPRINTS = frozenset({"api"})

#: No inline script anywhere, no framing, assets only from this app.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

SESSION_KEY = "login_session"


def register_security(app: Flask) -> None:
    development = app.config["ENV_NAME"] != "production"
    talisman.init_app(
        app,
        force_https=False,  # TLS ends at the reverse proxy; HSTS still tells browsers.
        strict_transport_security=app.config["HSTS"],
        # Browsers send upload parts straight to the object store (and nowhere else).
        content_security_policy={**CONTENT_SECURITY_POLICY,
                                 "connect-src": f"'self' {storage.browser_origin(app.config)}"},
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=not development,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    login_manager._session_identifier_generator = session_identifier
    login_manager.user_loader(_load_user)
    limiter.init_app(app)

    app.before_request(_refuse_untrusted_host)  # before anything builds a link
    app.register_error_handler(SecurityError, _untrusted_host)
    app.before_request(_note_origin)
    app.before_request(_refuse_nul_characters)
    session_pages.remember_configuration(app)
    session_pages.subscribe(app)
    app.before_request(session_pages.answer_if_kept)  # before anything loads the person from the database
    app.before_request(_require_login)
    app.after_request(_no_store_when_logged_in)
    app.after_request(session_pages.keep_drawn)
    app.teardown_request(_note_session_seen)


def session_identifier() -> str:
    """What strong session protection binds a cookie to: the visitor's address and browser.

    flask-login's own reads the first X-Forwarded-For entry, which the client writes (nginx appends the
    address it saw): a stolen cookie sent with the victim's address there passed. `request.remote_addr` is the
    peer, or (in production) the one address ProxyFix takes from the trusted proxy's hop.
    """
    seen = f"{request.remote_addr}|{request.headers.get('User-Agent', '')}"
    return hashlib.sha512(seen.encode()).hexdigest()


def _load_user(user_id: str):
    """The session cookie is only as good as its server-side record. The person of a signed cookie acts
    for the rest of the request, holding the session's token (the database shows them that row)."""
    session_id = session.get(SESSION_KEY)
    if not session_id or not str(user_id).isdigit():
        return None
    person_id = int(user_id)
    tenancy.enter_person(person_id, presented=session_id)
    user, seen_due = kept_people.user_of(session_id, person_id)
    if user is None:
        tenancy.leave_person(announce=True)
    elif seen_due:
        g.session_seen = session_id
    return user


def _note_session_seen(exc=None) -> None:
    """Teardown: write "last seen" (at most every few minutes) in a transaction of its own, never the
    request's: nothing a page left unsaved is committed with it."""
    session_id = g.pop("session_seen", None)
    if session_id is None or exc is not None:
        return
    try:
        db.session.rollback()
        login_sessions.touch(session_id)
        db.session.commit()
    except SQLAlchemyError:  # "last seen" is a courtesy: a database hiccup here must not fail the page
        db.session.rollback()


def _refuse_untrusted_host() -> None:
    """A Host outside TRUSTED_HOSTS is a 400 at once: Flask would only say so after the other checks, which
    build links and cannot without a host."""
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception


def _untrusted_host(error):
    """Plain words, not the error page: the page's links cannot be built for a host the portal does not serve."""
    return _("This address is not served here."), 400, {"Content-Type": "text/plain; charset=utf-8"}


def _note_origin() -> None:
    audit.origin_ip.set(request.remote_addr)


def _refuse_nul_characters():
    """No text a person types holds a NUL character, and PostgreSQL refuses one in any string (a 500 deep in a
    query); found by schemathesis in the API's search and then in the pages' `party` filter. Files may hold them:
    only the address, form fields and JSON bodies are looked at."""
    if request.is_json and (request.content_length or 0) > MAX_JSON_BODY:
        abort(413)  # read into memory below: a JSON body is never an upload
    if b"\x00" in request.query_string or b"%00" in request.query_string \
            or any("\x00" in value for value in request.form.values()) \
            or (request.is_json and b"\\u0000" in request.get_data()):
        abort(400)


def _require_login():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None \
            or request.blueprint in PUBLIC_BLUEPRINTS | TOKEN_BLUEPRINTS:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    return None


def _no_store_when_logged_in(response):
    """Judged by the session cookie alone: an answer must not ask the database again (it may be the error)."""
    if session.get("_user_id"):
        response.headers["Cache-Control"] = "no-store"
    return response


def login_limit_per_ip() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def login_limit_per_account() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def account_key() -> str:
    return "account:" + accounts.normalise_email(request.form.get("email", ""))


def failed_login(response) -> bool:
    """Only failed attempts use up the allowance; a successful login redirects, and one refused for want of a turn
    to hash (429: nothing was checked) is no attempt at the password."""
    return response.status_code not in (302, 429)
