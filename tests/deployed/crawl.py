"""A signed-in person clicking everything: every link, every filter, every export the portal shows.

Nothing here names a page: what is crawled is what the portal's own navigation
reaches, so a page or export added later is covered without editing the test.
Each answer is checked whole: no 5xx, no 404 behind a link the portal showed,
HTML that ends, CSV that parses (with as many rows as its list counts), XLSX that
openpyxl opens, PDF that pypdf reads.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import islice
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import requests
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.visitor import Visitor

#: Enough to reach every page of the demo data many times over; a runaway crawl stops here.
MAX_FETCHES = 500
#: Variants of one path (filters, sorting, pages) worth fetching: every single option of a list's filters.
MAX_PER_PATH = 40
#: Option values of one select tried in a GET form.
MAX_OPTIONS = 12


class _Page(HTMLParser):
    """The links, images and GET forms of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self.list_total: int | None = None
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-list-total" in attrs:
            self.list_total = int(attrs["data-list-total"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag in ("img", "script") and attrs.get("src"):
            self.links.append(attrs["src"])
        elif tag == "link" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = {"action": attrs.get("action", ""), "method": (attrs.get("method") or "get").lower(),
                          "fields": {}, "options": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                self._form["options"].setdefault(attrs["name"], []).append(attrs.get("value", "on"))
                if "checked" in attrs:
                    self._form["fields"][attrs["name"]] = attrs.get("value", "on")
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._form["fields"][attrs["name"]] = attrs.get("value", "")
        elif self._form is not None and tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
            self._form["fields"].setdefault(self._select, "")
        elif self._form is not None and tag == "option" and self._select:
            value = attrs.get("value", "")
            self._form["options"].setdefault(self._select, []).append(value)
            if "selected" in attrs:
                self._form["fields"][self._select] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


@dataclass
class Visit:
    url: str
    status: int
    kind: str
    #: The page that showed the link, or None for the start.
    source: str | None


@dataclass
class Crawl:
    """What one account reached, and what went wrong on the way."""

    email: str
    visits: list[Visit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def urls(self) -> list[str]:
        return [visit.url for visit in self.visits if visit.status < 400]

    def kinds(self) -> Counter:
        return Counter(visit.kind for visit in self.visits)


def _normal(url: str) -> str:
    parts = urlsplit(url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + (f"?{query}" if query else "")


def _form_variants(form: dict) -> list[str]:
    """The form as submitted untouched, then with each option of each select or box, one at a time."""
    base = dict(form["fields"])
    variants = [base]
    for name, values in form["options"].items():
        for value in islice(values, MAX_OPTIONS):
            variants.append({**base, name: value})
    return [urlencode({key: value for key, value in variant.items() if key != "csrf_token"})
            for variant in variants]


def crawl(visitor: Visitor, start: str = "/", limit: int = MAX_FETCHES) -> Crawl:
    """Breadth first from `start`, through everything this signed-in visitor is shown (the first `limit` answers)."""
    origin = urlsplit(visitor.base).netloc
    result = Crawl(visitor.email or "anonymous")
    queue: list[tuple[str, str | None]] = [(start, None)]
    seen: set[str] = set()
    per_path: Counter = Counter()
    while queue and len(result.visits) < limit:
        path, source = queue.pop(0)
        key = _normal(path)
        if key in seen or per_path[urlsplit(key).path] >= MAX_PER_PATH:
            continue
        seen.add(key)
        per_path[urlsplit(key).path] += 1
        for link in _fetch(visitor, path, source, result):
            parts = urlsplit(urljoin(visitor.url(path), link))
            if parts.scheme in ("http", "https") and parts.netloc == origin:
                queue.append((parts.path + (f"?{parts.query}" if parts.query else ""), path))
    return result


def _fetch(visitor: Visitor, path: str, source: str | None, result: Crawl) -> list[str]:
    try:
        response = visitor.get(path)
    except requests.RequestException as error:  # a body cut short, a dropped connection
        result.problems.append(f"{path} (from {source}): {type(error).__name__}: {error}")
        result.visits.append(Visit(path, 599, "broken", source))
        return []
    kind = _kind(response)
    result.visits.append(Visit(path, response.status_code, kind, source))
    if response.status_code >= 500:
        result.problems.append(f"{path} (from {source}): {response.status_code}")
        return []
    if response.status_code == 404 and source is not None:
        result.problems.append(f"{path}: 404 behind a link shown on {source}")
        return []
    if urlsplit(response.url).path == "/login" and path != "/login":
        result.problems.append(f"{path}: sent to the login page (the session was lost)")
        return []
    problem = _incomplete(response, kind) or _short_export(visitor, path, source, response, kind)
    if problem:
        result.problems.append(f"{path} (from {source}): {problem}")
    if kind != "html":
        return []
    page = _Page()
    page.feed(response.text)
    links = list(page.links)
    for form in page.forms:
        if form["method"] == "get":
            action = form["action"] or urlsplit(response.url).path
            links += [f"{action}?{query}" if query else action for query in _form_variants(form)]
    if page.list_total is not None:
        visitor.list_totals[_normal(path)] = page.list_total
    return links


def _short_export(visitor: Visitor, path: str, source: str | None, response, kind: str) -> str | None:
    """An export linked from a list must hold every row the list counts (with the same filters)."""
    if kind not in ("csv", "xlsx") or source is None or _normal(source) not in visitor.list_totals:
        return None
    if _query_without_page(source) != _query_without_page(path):
        return None
    expected, found = visitor.list_totals[_normal(source)], export_rows(response)
    return None if found == expected else f"{found} rows, but the list counts {expected}"


def _query_without_page(url: str) -> list:
    return sorted((key, value) for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True)
                  if key != "page")


def _kind(response: requests.Response) -> str:
    mimetype = response.headers.get("Content-Type", "").split(";")[0].strip()
    return {"text/html": "html", "text/csv": "csv", "application/pdf": "pdf", "application/json": "json",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx"}.get(
        mimetype, mimetype.split("/")[0] or "empty")


def _incomplete(response: requests.Response, kind: str) -> str | None:
    """Why the body is not whole, or None."""
    body = response.content
    declared = response.headers.get("Content-Length")
    if declared is not None and int(declared) != len(body) and response.request.method != "HEAD":
        return f"{len(body)} bytes of {declared}"
    try:
        if kind == "html" and response.status_code < 300 and not re.search(rb"</html>\s*$", body):
            return "the HTML page does not end"
        if kind == "json":
            json.loads(body)
        if kind == "csv":
            list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        if kind == "xlsx":
            load_workbook(io.BytesIO(body), read_only=True).close()
        if kind == "pdf":
            reader = PdfReader(io.BytesIO(body))
            assert len(reader.pages) > 0
            reader.pages[0].extract_text()
    except Exception as error:  # any parser's complaint means the file is not whole
        return f"{kind} does not open: {type(error).__name__}: {error}"
    return None


def export_rows(response: requests.Response) -> int:
    """Data rows of a CSV or XLSX export (without its header)."""
    if _kind(response) == "csv":
        return len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))) - 1
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return len(list(sheet.iter_rows(values_only=True))) - 1
