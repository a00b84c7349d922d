"""Signed-in pages drawn once per change, for the session that asked.

A head keeps the agreement queue open and reloads it; an office reloads its dashboard; a partner goes back to
the contribution list. Each of those drew the page anew: the login session, the person and their
memberships, the tenant's Row-Level Security policies planned for every query, then the template, about
20 ms of two cores, although nothing had changed.

A page of a view marked `kept_for_session` is kept in the shared store under a digest of the session's whole
content (its login token, CSRF secret, language), the address, the date, the release and its configuration, with the
*data version* it was drawn at. Every committed write to the database moves the data version on (but
bookkeeping, as `committed_writes` tells them: a session's "last seen"), so the next request draws the page
anew; nothing has to know which pages a change touched. The version is read before the page's data, so a page
drawn from older data is only ever kept at a version already past. A version moved on by any write is coarse
(a busy portal redraws often) but never shows a page older than the last commit.

A kept page is answered inside Flask after the session cookie was opened and flask-login's session protection
checked its address and browser, but before the person is read from the database: a login session that
ended, an account deactivated or a membership removed was a write, which moved the version on.

Only pages asked for without query arguments are kept: those are the pages people come back to, and a session
cannot fill the store with a copy per filter text. A page whose drawing changed the session (a flashed
message shown, a CSRF secret made) is not kept: a page answered from the store never shows a message.
Pages are kept SESSION_PAGE_SECONDS: well within a form's CSRF time limit, and the longest a relative time
("3 menit lalu") may lag. It is 0 (nothing kept) without a store every process shares.
"""
from __future__ import annotations

import hashlib

from flask import current_app, g, request, session
from werkzeug.wrappers import Response

from portal.core import clock, committed_writes, data_versions
from portal.extensions import login_manager
from portal.version import __version__

DATA_VERSION_KEY = "data:version"
ABOUT = "signed-in pages"
#: The data version, as this process has read it (`data_versions`: it never goes back).
DATA_VERSION = data_versions.DataVersion(DATA_VERSION_KEY, ABOUT)


def remember_configuration(app) -> None:
    """Pages drawn under one configuration are not another's: kept pages outlive a restart (they are in Redis),
    a changed setting after it must not show the page drawn before."""
    app.extensions["session_pages"] = hashlib.sha256(repr(sorted(app.config.items())).encode()).hexdigest()


def kept_for_session(view):
    """Mark a view whose 200 answers, to a GET without query arguments, are kept for the session that asked."""
    view.kept_for_session = True
    return view


def answer_if_kept():
    """Before the person is loaded: the kept page of this session and address, if the data has not moved on."""
    if not _keepable():
        return None
    if login_manager._session_protection_failed():  # flask-login's own check of the cookie's address and browser
        return None
    key = _key()
    found = data_versions.ask("get_many", DATA_VERSION_KEY, key, about=ABOUT)
    if found is None:
        return None
    version, kept = DATA_VERSION.checked(found[0]), found[1]
    if version is None:
        return None
    if kept is not None and kept[0] == version:
        return Response(kept[1], content_type=kept[2])
    g.session_page = (key, version)
    return None


def keep_drawn(response: Response) -> Response:
    """After a page was drawn: keep it at the version read before its data, unless drawing it changed the session."""
    pending = g.pop("session_page", None)
    if pending is None or response.status_code != 200 or response.is_streamed or session.modified:
        return response
    key, version = pending
    data_versions.ask("set", key, (version, response.get_data(), response.content_type),
        current_app.config["SESSION_PAGE_SECONDS"], about=ABOUT)
    return response


def _keepable() -> bool:
    return bool(current_app.config["SESSION_PAGE_SECONDS"]) and request.method == "GET" and not request.args \
        and bool(session.get("_user_id")) \
        and getattr(current_app.view_functions.get(request.endpoint), "kept_for_session", False)


def _key() -> str:
    """The session's content, not the Host header the client sent (20 hosts made 20 copies): links on a page are
    drawn from PUBLIC_URL, which the configuration digest holds."""
    drawn_for = repr((sorted(session.items()), request.path, clock.today_for(current_app.config),
                      __version__, current_app.extensions["session_pages"]))
    return "session-page:" + hashlib.sha256(drawn_for.encode()).hexdigest()


def move_on() -> None:
    """Every kept signed-in page is out of date (a write was committed)."""
    if current_app.config["SESSION_PAGE_SECONDS"] and not DATA_VERSION.move_on():
        current_app.logger.error("signed-in pages: the data version could not be moved on; kept pages expire "
                                 "after SESSION_PAGE_SECONDS")


@committed_writes.after_commit
def _move_on_after_commit(written: frozenset[str]) -> None:
    move_on()
