"""Public pages drawn once per change: a shared report brings thousands of visitors to one page.

A drawn page is kept (in Redis, shared by every worker and instance; in the process without Redis) under
its address, language and date, together with the portal's *publication version* it was drawn at. Any
committed write to a table the public pages read moves the version on, so the next visitor draws the
page anew; nothing has to know which pages a change touched. The version is read (in the same round trip
as the kept page) before the page's data, so a page drawn from older data is only ever kept with a
version that is already past.

A kept page is answered by `KeptPages`, a WSGI layer in front of Flask: a visitor of a shared report
costs one rate-limit hit, not a pass through sessions, sign-in, locale and headers (those were drawn with
the page and are kept with it). Each process keeps its own copies of the pages it answered and reads the
version at most every PUBLIC_VERSION_SECONDS (1): after a publication, the process that committed it
answers the new page at once and every other within that second (browsers may keep a page
PUBLIC_MAX_AGE, 60 s, anyway). Answers carry an ETag and `Cache-Control: public`, so browsers and proxies
ask again cheaply (304).
"""
from __future__ import annotations

from collections import OrderedDict
from functools import lru_cache
import hashlib
import threading
import time
from urllib.parse import urlencode

from flask import Flask, current_app
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_etags, remove_entity_headers
from werkzeug.sansio.utils import host_is_trusted
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import get_path_info

from portal.core import clock, committed_writes, data_versions, rate_limits
from portal.core.i18n import public_locale

VERSION_KEY = "public:version"
#: The publication version, as this process has read it (`data_versions`: it never goes back).
PUBLICATION_VERSION = data_versions.DataVersion(VERSION_KEY, "public pages")
#: Set in the WSGI environ for a visitor over PUBLIC_LIMIT: Flask answers them 429 (a page in their language).
REFUSED = "mitrapas.public.refused"
#: What is drawn anew for every answer, kept or not.
NOT_KEPT_HEADERS = frozenset({"date", "content-length", "set-cookie", "etag", "cache-control", "vary"})
#: The tables whose rows the public pages show; a committed change to any of them redraws them.
PUBLIC_TABLES = frozenset({"organisations", "partnerships", "agreements", "contributions", "contribution_tallies",
                           "programmes", "news_items", "news_quotes", "news_photos", "products", "product_photos",
                           "product_certificates", "product_helpers"})


def cached_page(*, vary_on: tuple[str, ...] = ()):
    """Mark a view's 200 answers as kept by `KeptPages`; `vary_on` names the (already validated) query arguments
    it depends on (any other argument is ignored, so it cannot be used to draw the page again and again)."""
    def decorate(view):
        view.kept_vary_on = vary_on
        return view
    return decorate


class LocalCopies:
    """This process's copies of kept pages, least recently answered first out, within a byte budget."""

    def __init__(self, budget: int):
        self.budget, self.size = budget, 0
        self.pages: OrderedDict[str, tuple] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, version: int) -> tuple | None:
        with self.lock:
            kept = self.pages.get(key)
            if kept is None or kept[0] != version:
                return None
            self.pages.move_to_end(key)
            return kept

    def put(self, key: str, kept: tuple) -> None:
        if len(kept[1]) > self.budget:
            return
        with self.lock:
            old = self.pages.pop(key, None)
            self.size += len(kept[1]) - (len(old[1]) if old else 0)
            self.pages[key] = kept
            while self.size > self.budget:
                self.size -= len(self.pages.popitem(last=False)[1][1])

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.size = 0


class KeptPages:
    """The WSGI layer that answers kept public pages, rate-limits their visitors and keeps what Flask draws."""

    def __init__(self, app: Flask):
        self.app = app
        self.flask = app.wsgi_app
        #: Where kept pages' addresses begin (their rules' text up to the first variable), found on first use.
        self._beginnings: tuple[str, ...] | None = None
        #: The endpoint of each recent public address: matching it against every rule was a sixth of a kept page.
        self._endpoint_of = lru_cache(maxsize=4096)(self._match)
        self.local = LocalCopies(app.config["PUBLIC_LOCAL_BYTES"])
        #: The publication version as last read from the store, and when (time.monotonic()).
        self._seen: tuple[int | None, float] = (None, 0.0)
        app.extensions["kept_pages"] = self

    def __call__(self, environ, start_response):
        vary_on = self._kept_vary_on(environ)
        if vary_on is None or not self._trusted(environ):  # Flask answers a foreign Host 400
            return self.flask(environ, start_response)
        request = Request(environ)
        if not self._within_limit(request.remote_addr):
            environ[REFUSED] = True
            return self.flask(environ, start_response)
        locale = public_locale(request.args.get("lang"), self.app.config)
        arguments = urlencode({name: request.args.get(name, "") for name in vary_on})
        key = f"public:{clock.today_for(self.app.config)}:{locale}:{request.path}?{arguments}"
        current = self._version()
        kept = None if current is None else self.local.get(key, current)
        if kept is None:  # only now is Flask's application context needed (the store, or drawing the page)
            with self.app.app_context():
                kept = None if current is None else self._shared(key, current)
                if kept is None:
                    if request.method == "HEAD":  # Flask answers HEAD without a body: nothing to keep
                        return self.flask(environ, start_response)
                    response = Response.from_app(self.flask, environ, buffered=True)
                    if response.status_code != 200:
                        return response(environ, start_response)
                    kept = self._keep(key, current, response)
        return self._answer(kept, environ, start_response)

    def _answer(self, kept: tuple, environ, start_response):
        """The kept page, or 304 to a visitor who has it: written straight to WSGI (werkzeug's Response and
        its conditional handling were half of a kept visit's work in-process)."""
        _, body, headers, etag = kept
        fresh = [("ETag", f'"{etag}"'), ("Cache-Control", f"public, max-age={self.app.config['PUBLIC_MAX_AGE']}")]
        asked = environ.get("HTTP_IF_NONE_MATCH")
        if asked and parse_etags(asked).contains_weak(etag):
            described = list(headers)
            remove_entity_headers(described)  # a 304 has no body to describe, as werkzeug answers it
            start_response("304 NOT MODIFIED", [*described, *fresh])
            return []
        start_response("200 OK", [*headers, *fresh, ("Content-Length", str(len(body)))])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _trusted(self, environ) -> bool:
        trusted = self.app.config["TRUSTED_HOSTS"]
        return trusted is None or host_is_trusted(environ.get("HTTP_HOST", ""), trusted)

    def _kept_vary_on(self, environ) -> tuple[str, ...] | None:
        """The kept view's arguments, or None for every other request (those go to Flask untouched)."""
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return None
        path = get_path_info(environ)
        if not path.startswith(self._kept_beginnings()):
            return None  # most requests: no address matching here (Flask matches them once, as ever)
        return getattr(self.app.view_functions.get(self._endpoint_of(path)), "kept_vary_on", None)

    def _match(self, path: str) -> str | None:
        """The endpoint a GET of `path` reaches (the portal's rules do not depend on the host), or None."""
        try:
            return self.app.url_map.bind("portal").match(path, method="GET")[0]
        except HTTPException:
            return None

    def _kept_beginnings(self) -> tuple[str, ...]:
        if self._beginnings is None:
            self._beginnings = tuple(sorted({
                rule.rule.split("<", 1)[0] for rule in self.app.url_map.iter_rules()
                if hasattr(self.app.view_functions.get(rule.endpoint), "kept_vary_on")}))
        return self._beginnings

    def _within_limit(self, address: str | None) -> bool:
        """PUBLIC_LIMIT per visitor's address, counted by the portal's rate limiter (its storage and strategy)."""
        return rate_limits.hit(self.app.config["PUBLIC_LIMIT"], "public", address or "")

    def _version(self) -> int | None:
        """The publication version, read from the store at most every PUBLIC_VERSION_SECONDS; None when the store
        cannot say (nothing is reused or kept then)."""
        seen, at = self._seen
        if seen is not None and time.monotonic() - at < self.app.config["PUBLIC_VERSION_SECONDS"]:
            return seen
        with self.app.app_context():
            found = data_versions.ask("get_many", VERSION_KEY)
            version = None if found is None else PUBLICATION_VERSION.checked(found[0])
        if version is None:
            return None
        self._seen = (version, time.monotonic())
        return version

    def forget_version(self) -> None:
        """Read the version again on the next visit (this process just moved it on)."""
        self._seen = (None, 0.0)

    def forget_everything(self) -> None:
        """The store was emptied (its version starts again): this process's copies go too."""
        self.local.clear()
        self.forget_version()

    def _shared(self, key: str, version: int) -> tuple | None:
        """The copy every worker shares, if drawn at this very version (one drawn at another may be from before
        the counter was made again: `data_versions`)."""
        kept = data_versions.ask("get", key)
        if kept is None or kept[0] != version:
            return None
        self.local.put(key, kept)
        return kept

    def _keep(self, key: str, version: int | None, response: Response) -> tuple:
        body = response.get_data()
        headers = [(name, value) for name, value in response.headers if name.lower() not in NOT_KEPT_HEADERS]
        kept = (version, body, headers, hashlib.sha256(body).hexdigest()[:32])
        if version is not None:
            data_versions.ask("set", key, kept, self.app.config["PUBLIC_CACHE_SECONDS"])
            self.local.put(key, kept)
        return kept


def move_on() -> None:
    """Every drawn public page is out of date (a change the public may see was committed)."""
    kept_pages = current_app.extensions.get("kept_pages")
    if kept_pages is not None:
        kept_pages.forget_version()
    if not PUBLICATION_VERSION.move_on():
        current_app.logger.error("public pages: the publication version could not be moved on; drawn pages "
                                 "expire after PUBLIC_CACHE_SECONDS")


@committed_writes.after_commit
def _move_on_after_commit(written: frozenset[str], reach) -> None:
    if committed_writes.touches(written, PUBLIC_TABLES):
        move_on()
