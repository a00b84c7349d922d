"""Public pages drawn once per change: a shared report brings thousands of visitors to one page.

A drawn page is kept (in Redis, shared by every worker and instance; in the process without Redis) under
its address, language and date, together with the portal's *publication version* it was drawn at. Any
committed write to a table the public pages read moves the version on, so the next visitor draws the
page anew; nothing has to know which pages a change touched. The version is read (in the same round trip
as the kept page) before the page's data, so a page drawn from older data is only ever kept with a
version that is already past.

A kept page is answered by `KeptPages`, a WSGI layer in front of Flask: a visitor of a shared report
costs one rate-limit hit and one read of the store, not a pass through sessions, sign-in, locale and
headers (those were drawn with the page and are kept with it). Answers carry an ETag and
`Cache-Control: public`, so browsers and proxies ask again cheaply (304).
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from urllib.parse import urlencode

from flask import Flask, current_app
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from portal import clock
from portal.extensions import cache, limiter
from portal.i18n import public_locale

VERSION_KEY = "public:version"
#: Set in the WSGI environ for a visitor over PUBLIC_LIMIT: Flask answers them 429 (a page in their language).
REFUSED = "mitrapas.public.refused"
#: What is drawn anew for every answer, kept or not.
NOT_KEPT_HEADERS = frozenset({"date", "content-length", "set-cookie", "etag", "cache-control", "vary"})
#: The tables whose rows the public pages show; a committed change to any of them redraws them.
PUBLIC_TABLES = frozenset({"organisations", "partnerships", "agreements", "contributions", "contribution_tallies",
                           "programmes", "news_items", "news_quotes", "news_photos"})


def cached_page(*, vary_on: tuple[str, ...] = ()):
    """Mark a view's 200 answers as kept by `KeptPages`; `vary_on` names the (already validated) query arguments
    it depends on (any other argument is ignored, so it cannot be used to draw the page again and again)."""
    def decorate(view):
        view.kept_vary_on = vary_on
        return view
    return decorate


@lru_cache(maxsize=32)
def _limit(written: str):
    return parse(written)


class KeptPages:
    """The WSGI layer that answers kept public pages, rate-limits their visitors and keeps what Flask draws."""

    def __init__(self, app: Flask):
        self.app = app
        self.flask = app.wsgi_app
        #: While the limiter's storage (Redis) is away, this process counts alone, as Flask-Limiter then does.
        self.fallback = FixedWindowRateLimiter(MemoryStorage())

    def __call__(self, environ, start_response):
        vary_on = self._kept_vary_on(environ)
        if vary_on is None:
            return self.flask(environ, start_response)
        request = Request(environ)
        with self.app.app_context():
            if not self._within_limit(request.remote_addr):
                environ[REFUSED] = True
                return self.flask(environ, start_response)
            locale = public_locale(request.args.get("lang"), self.app.config)
            arguments = urlencode({name: request.args.get(name, "") for name in vary_on})
            key = f"public:{clock.today()}:{locale}:{request.path}?{arguments}"
            current, kept = self._version_and_kept(key)
            if current is None or kept is None or kept[0] != current:
                if request.method == "HEAD":  # Flask answers HEAD without a body: nothing to keep
                    return self.flask(environ, start_response)
                response = Response.from_app(self.flask, environ, buffered=True)
                if response.status_code != 200:
                    return response(environ, start_response)
                kept = self._keep(key, current, response)
        _, body, headers, etag = kept
        response = Response(body, headers=headers)
        response.set_etag(etag)
        response.cache_control.public = True
        response.cache_control.max_age = self.app.config["PUBLIC_MAX_AGE"]
        return response.make_conditional(environ)(environ, start_response)

    def _kept_vary_on(self, environ) -> tuple[str, ...] | None:
        """The kept view's arguments, or None for every other request (those go to Flask untouched)."""
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return None
        try:
            endpoint, _ = self.app.url_map.bind_to_environ(environ).match()
        except HTTPException:
            return None
        return getattr(self.app.view_functions.get(endpoint), "kept_vary_on", None)

    def _within_limit(self, address: str | None) -> bool:
        """PUBLIC_LIMIT per visitor's address, counted by the portal's rate limiter (its storage and strategy)."""
        allowed = _limit(self.app.config["PUBLIC_LIMIT"])
        try:
            return limiter.limiter.hit(allowed, "public", address or "")
        except Exception as error:  # noqa: BLE001  (the limiter's storage raises its own kinds)
            self.app.logger.warning("public pages: the rate limiter's storage did not answer: %s", error)
            return self.fallback.hit(allowed, "public", address or "")

    def _version_and_kept(self, key: str) -> tuple[int | None, tuple | None]:
        """In one round trip: the publication version and what is kept under `key`; (None, None) when the store
        cannot say (nothing is reused or kept then)."""
        found = _ask("get_many", VERSION_KEY, key)
        if found is None:
            return None, None
        version, kept = found
        return int(version or 0), kept

    def _keep(self, key: str, version: int | None, response: Response) -> tuple:
        body = response.get_data()
        headers = [(name, value) for name, value in response.headers if name.lower() not in NOT_KEPT_HEADERS]
        kept = (version, body, headers, hashlib.sha256(body).hexdigest()[:32])
        if version is not None:
            _ask("set", key, kept, self.app.config["PUBLIC_CACHE_SECONDS"])
        return kept


def _ask(operation, *args):
    """The store is a help, not a need: with Redis away, pages are drawn for each visitor meanwhile."""
    try:
        return getattr(cache.cache, operation)(*args)
    except Exception as error:  # noqa: BLE001  (redis-py and cachelib raise their own kinds)
        current_app.logger.warning("public pages: the store did not answer %s: %s", operation, error)
        return None


def move_on() -> None:
    """Every drawn public page is out of date (a change the public may see was committed)."""
    if _ask("inc", VERSION_KEY) is None:
        current_app.logger.error("public pages: the publication version could not be moved on; drawn pages "
                                 "expire after PUBLIC_CACHE_SECONDS")


# --- noticing changes ----------------------------------------------------------------------

def _table_of(instance) -> str | None:
    return getattr(getattr(type(instance), "__table__", None), "name", None)


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, flush_context) -> None:
    if any(_table_of(record) in PUBLIC_TABLES for record in (*session.new, *session.dirty, *session.deleted)):
        session.info["public_changed"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in PUBLIC_TABLES:
            state.session.info["public_changed"] = True


@event.listens_for(Session, "after_commit")
def _move_on_after_commit(session: Session) -> None:
    if session.info.pop("public_changed", False):
        move_on()


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop("public_changed", None)
