"""Signed-in pages drawn once per change, for the session that asked.

A head keeps the agreement queue open and reloads it; an office reloads its dashboard; a partner goes back to
the contribution list. Each of those drew the page anew: the login session, the person and their
memberships, the tenant's Row-Level Security policies planned for every query, then the template, about
20 ms of two cores, although nothing had changed.

A page of a view marked `kept_for_session` is kept in the shared store under a digest of the session's whole
content (its login token, CSRF secret, language), the address, the date, the release and its configuration, with the
*data versions* it was drawn at: the portal's, its person's and its organisation's. A committed write moves on the
versions of those whose pages may show it (`whose_pages`: a contribution moves its facility's, its partner's and
the oversight offices' of the facility; a notice its person's; a name or a role, or a write that cannot say,
the portal's), but bookkeeping (`committed_writes`: a session's "last seen"), so the next request of those draws
the page anew; nothing has to know which pages a change touched, and a facility in another province writing
every second leaves this head's pages kept. The portal's and the person's versions are read before the person
is, the organisation's as soon as the address named it and before any of its data (`tenancy.organisation_entered`),
so a page drawn from older data is only ever kept at a version already past. A kept page is never older than the
last commit that reached it.

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

from portal.core import clock, committed_writes, data_versions, tenancy
from portal.core.whose_pages import Reach
from portal.extensions import login_manager
from portal.version import __version__

DATA_VERSION_KEY = "data:version"
ABOUT = "signed-in pages"
#: The portal's data version, as this process has read it (`data_versions`: it never goes back).
DATA_VERSION = data_versions.DataVersion(DATA_VERSION_KEY, ABOUT)
#: Moved on with every organisation's or person's version and read by every request: few threads read one
#: organisation's counter, every thread reads this one, so a store that went back (a failover that lost recent
#: increments, a snapshot restored) is noticed at once, and every kept page is retired.
WRITES = data_versions.DataVersion(f"{DATA_VERSION_KEY}:writes", ABOUT)
_versions: dict[str, data_versions.DataVersion] = {}


def version_of(kind: str, identifier) -> data_versions.DataVersion:
    """The data version of one organisation (`kind` "org") or person ("person")."""
    return _version_at(f"{DATA_VERSION_KEY}:{kind}:{identifier}")


def _version_at(key: str) -> data_versions.DataVersion:
    """One object per counter in this process, so each thread's highest read of it is remembered."""
    found = _versions.get(key)
    if found is None:
        found = _versions.setdefault(key, data_versions.DataVersion(key, ABOUT))
    return found


def remember_configuration(app) -> None:
    """Pages drawn under one configuration are not another's: kept pages outlive a restart (they are in Redis),
    a changed setting after it must not show the page drawn before."""
    app.extensions["session_pages"] = hashlib.sha256(repr(sorted(app.config.items())).encode()).hexdigest()


def kept_for_session(view):
    """Mark a view whose 200 answers, to a GET without query arguments, are kept for the session that asked."""
    view.kept_for_session = True
    return view


def answer_if_kept():
    """Before the person is loaded: the kept page of this session and address, if none of its versions moved on."""
    if not _keepable():
        return None
    if login_manager._session_protection_failed():  # flask-login's own check of the cookie's address and browser
        return None
    key = _key()
    mine = (DATA_VERSION, version_of("person", session["_user_id"]))
    found = data_versions.ask("get_many", WRITES.key, *(version.key for version in mine), key, about=ABOUT)
    if found is None or _went_back(found[0]):
        return None
    versions = _checked(mine, found[1:-1])
    if versions is None:
        return None
    g.person_versions = (session["_user_id"], dict(versions))
    kept = found[-1]
    if kept is not None and _still_current(dict(kept[0]), versions):
        return Response(kept[1], content_type=kept[2])
    g.session_page = (key, versions)
    return None


def person_versions(person_id) -> dict[str, int] | None:
    """The portal's and this person's versions now, read once per request (the kept page's look-up may have read
    them), before the person is: what a person kept in this process (`accounts.kept_people`) is compared with.
    None when nothing is kept (no shared store moves them) or the store did not answer."""
    if not current_app.config["SESSION_PAGE_SECONDS"]:
        return None
    read = g.get("person_versions")
    if read is None or str(read[0]) != str(person_id):
        mine = (DATA_VERSION, version_of("person", person_id))
        found = data_versions.ask("get_many", WRITES.key, *(version.key for version in mine), about=ABOUT)
        read = (person_id, None if found is None or _went_back(found[0]) else _checked(mine, found[1:]))
        g.person_versions = read
    return read[1]


def _went_back(writes) -> bool:
    """Whether the store is behind the writes this thread saw: then no kept page is trusted (all are retired)."""
    went_back = (0 if writes is None else int(writes)) < WRITES.highest
    if went_back:
        current_app.logger.warning("signed-in pages: the store lost writes (%s, after %s): every kept page is "
                                   "retired", writes, WRITES.highest)
    WRITES.checked(writes)
    if went_back:
        DATA_VERSION.jump()
    return went_back


def _checked(versions, stored) -> dict[str, int] | None:
    """The versions to draw and keep at, from what the store held; None when it did not answer."""
    if stored is None:
        return None
    checked = {version.key: version.checked(value) for version, value in zip(versions, stored)}
    return None if None in checked.values() else checked


def _read(versions) -> dict[str, int] | None:
    """These versions as the store holds them now (checked); None when it did not answer."""
    return _checked(versions, data_versions.ask("get_many", *(version.key for version in versions), about=ABOUT))


def _still_current(kept_at: dict[str, int], read: dict[str, int]) -> bool:
    """Whether the page was kept at the versions read now, and at its organisation's as it is now."""
    if any(kept_at.get(key) != value for key, value in read.items()):
        return False
    rest = [_version_at(key) for key in kept_at if key not in read]
    if not rest:
        return True
    now = _read(rest)
    return now is not None and all(kept_at[key] == value for key, value in now.items())


def subscribe(app) -> None:
    """Hear, for this app's requests, which organisation each acts for."""
    tenancy.organisation_entered.connect(_read_organisation_version, sender=app)


def _read_organisation_version(app, *, organisation, **extra) -> None:
    """The address named the organisation: read its version before any of its data is."""
    if g.get("session_page") is None:
        return
    read = _read([version_of("org", organisation.id)])
    if read is None:
        g.pop("session_page")
        return
    g.session_page[1].update(read)


def keep_drawn(response: Response) -> Response:
    """After a page was drawn: keep it at the versions read before its data, unless drawing it changed the session."""
    pending = g.pop("session_page", None)
    if pending is None or response.status_code != 200 or response.is_streamed or session.modified:
        return response
    key, versions = pending
    data_versions.ask("set", key, (tuple(sorted(versions.items())), response.get_data(), response.content_type),
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


def move_on(reach: Reach | None = None) -> None:
    """The kept signed-in pages `reach` names are out of date (a write was committed); all of them without one."""
    if not current_app.config["SESSION_PAGE_SECONDS"]:
        return
    if reach is None or reach.everyone:
        moving = [DATA_VERSION]
    else:
        moving = [version_of("org", organisation) for organisation in sorted(reach.organisations)] \
            + [version_of("person", person) for person in sorted(reach.persons)] + [WRITES]
    if not all([version.move_on() for version in moving]):
        current_app.logger.error("signed-in pages: a data version could not be moved on; kept pages expire "
                                 "after SESSION_PAGE_SECONDS")


@committed_writes.after_commit
def _move_on_after_commit(written: frozenset[str], reach: Reach | None) -> None:
    move_on(reach)
