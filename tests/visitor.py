"""A person at a browser over real HTTP: a cookie jar, CSRF tokens, forms, as a served portal sees them.

The in-process `Web` helper (conftest) drives the app through Flask's test client;
this one talks to a server on a loopback port (werkzeug's or gunicorn), so
streamed bodies, teardown, and several processes behave as they do in production.
"""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import requests

from mitrapas_dev.demo import DEMO_PASSWORD

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
USER_AGENT = "MitraPAS tests (requests)"


class Visitor:
    """One browser: its own cookies; `bases` lets it alternate between several app instances."""

    def __init__(self, *bases: str, timeout: float = 60, verify: bool | str = True):
        self.bases = bases
        self.turn = 0
        self.timeout = timeout
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT
        self.http.verify = verify
        self.http.trust_env = False  # loopback only: no proxy, and the CA we were given, not the environment's
        self.email: str | None = None
        #: What each list page said it counts (`data-list-total`), by address: its exports must match.
        self.list_totals: dict[str, int] = {}

    @property
    def base(self) -> str:
        return self.bases[self.turn % len(self.bases)]

    def url(self, path: str) -> str:
        return urljoin(self.base, path)

    def _next_instance(self) -> None:
        self.turn += 1

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        response = self.http.get(self.url(path), **kwargs)
        self._next_instance()
        return response

    def csrf_token(self, path: str = "/login") -> tuple[str, str]:
        """The CSRF token of the page at `path`, and that page's address (a browser's Referer)."""
        page = self.get(path)
        found = _CSRF.search(page.text)
        assert found, f"no CSRF token on {path} ({page.status_code})"
        return found.group(1), page.url

    def post(self, path: str, data: dict | None = None, *, token_from: str | None = None, **kwargs):
        """Submit a form as a browser would: with the CSRF token of the page the form is on, and its Referer."""
        token, page = self.csrf_token(token_from or path)
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("allow_redirects", False)
        # Several instances stand for one public address behind a load balancer: the page came from "here".
        page_parts = urlsplit(page)
        kwargs.setdefault("headers", {})["Referer"] = self.url(
            page_parts.path + (f"?{page_parts.query}" if page_parts.query else ""))
        response = self.http.post(self.url(path), data={**(data or {}), "csrf_token": token}, **kwargs)
        self._next_instance()
        return response

    def login(self, email: str, password: str = DEMO_PASSWORD) -> requests.Response:
        response = self.post("/login", {"email": email, "password": password})
        assert response.status_code == 302, f"login of {email} failed: {response.status_code}"
        assert not response.headers["Location"].endswith("/login/two-factor"), \
            f"{email} has two-factor sign-in on: sign in with a code"
        self.email = email
        return response

    def logout(self) -> None:
        self.post("/logout", token_from="/")
