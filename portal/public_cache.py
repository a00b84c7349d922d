"""Public pages drawn once per change: a shared report brings thousands of visitors to one page.

A drawn page is kept (in Redis, shared by every worker and instance; in the process without Redis) under
its address, language and date, together with the portal's *publication version* it was drawn at. Any
committed write to a table the public pages read moves the version on, so the next visitor draws the
page anew; nothing has to know which pages a change touched. The version is read (in the same round trip
as the kept page) before the page's data, so a page drawn from older data is only ever kept with a
version that is already past.

Answers carry an ETag and `Cache-Control: public`, so browsers and proxies ask again cheaply (304).
"""
from __future__ import annotations

import hashlib
from functools import wraps

from flask import Response, current_app, make_response, request
from flask_babel import get_locale
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from portal import clock
from portal.extensions import cache

VERSION_KEY = "public:version"
#: What a kept answer keeps besides its body.
KEPT_HEADERS = ("Content-Type", "Content-Disposition")
#: The tables whose rows the public pages show; a committed change to any of them redraws them.
PUBLIC_TABLES = frozenset({"organisations", "partnerships", "agreements", "contributions", "contribution_tallies",
                           "programmes", "news_items", "news_quotes", "news_photos"})


def _ask(operation, *args):
    """The store is a help, not a need: with Redis away, pages are drawn for each visitor meanwhile."""
    try:
        return getattr(cache.cache, operation)(*args)
    except Exception as error:  # noqa: BLE001  (redis-py and cachelib raise their own kinds)
        current_app.logger.warning("public pages: the store did not answer %s: %s", operation, error)
        return None


def _version_and_kept(key: str) -> tuple[int | None, tuple | None]:
    """In one round trip: the publication version and what is kept under `key`; (None, None) when the store
    cannot say (nothing is reused or kept then)."""
    found = _ask("get_many", VERSION_KEY, key)
    if found is None:
        return None, None
    version, kept = found
    return int(version or 0), kept


def move_on() -> None:
    """Every drawn public page is out of date (a change the public may see was committed)."""
    if _ask("inc", VERSION_KEY) is None:
        current_app.logger.error("public pages: the publication version could not be moved on; drawn pages "
                                 "expire after PUBLIC_CACHE_SECONDS")


def cached_page(*, vary_on: tuple[str, ...] = ()):
    """Keep the view's 200 answer; `vary_on` names the (already validated) query arguments it depends on."""
    def decorate(view):
        @wraps(view)
        def answer(*args, **kwargs):
            arguments = "&".join(f"{name}={request.args.get(name, '')}" for name in vary_on)
            key = f"public:{clock.today()}:{get_locale()}:{request.path}?{arguments}"
            current, kept = _version_and_kept(key)
            if current is None or kept is None or kept[0] != current:
                response = make_response(view(*args, **kwargs))
                if response.status_code != 200:
                    return response
                body = response.get_data()
                headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
                kept = (current, body, headers, hashlib.sha256(body).hexdigest()[:32])
                if current is not None:
                    _ask("set", key, kept, current_app.config["PUBLIC_CACHE_SECONDS"])
            _, body, headers, etag = kept
            response = Response(body, headers=headers)
            response.set_etag(etag)
            response.cache_control.public = True
            response.cache_control.max_age = current_app.config["PUBLIC_MAX_AGE"]
            return response.make_conditional(request)
        return answer
    return decorate


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
