"""Story: every demo account clicks through everything the portal shows it, on the deployed portal.

Then each URL an account reached is replayed by a person of an organisation that
shares nothing with it: another tenant's page answers 404 (403 where the design
says so) and never shows the other organisation's data.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
import re
from urllib.parse import urlsplit

import pytest

from mitrapas_dev import demo
from tests.deployed.crawl import Crawl, crawl

ACCOUNTS = [email for email, _name, _what in demo.logins()]
#: Rutan Balikpapan's world (its head, SEKATA, the Kanwil of Kalimantan Timur) shares nothing with
#: Rutan Tamiang Layang's; each is the stranger of everyone in the other, and Balikpapan's head of the rest.
BALIKPAPAN_WORLD = {"agus.salim@mitrapas.test", "humas@rutan-balikpapan.mitrapas.test", "admin@sekata.mitrapas.test",
                    "analis.kaltim@mitrapas.test"}
#: Pages of one's own person, not of an organisation: a stranger sees their own there, never 404.
PERSONAL = re.compile(r"^/($|account/|notifications/$|login|password/|language|verify/|healthz|privasi|static/|bootstrap/)")
#: The public pages (tests/deployed/test_public_pages.py) and the API's description and reference page: the same
#: for everyone, signed in or not.
PUBLIC = re.compile(r"^/(publik/|favicon\.ico$|sitemap\.xml$|robots\.txt$|api/v1/$|api/v1/openapi\.json$)")


def stranger_of(email: str) -> str:
    return "agung.novarianto@mitrapas.test" if email in BALIKPAPAN_WORLD else "agus.salim@mitrapas.test"


@pytest.fixture(scope="module")
def crawls(stack, visitor) -> dict[str, Crawl]:
    """Every demo account's crawl, four people at a time, as the deployed portal serves them."""
    def one(email: str) -> Crawl:
        person = visitor()
        person.login(email)
        return crawl(person)
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(ACCOUNTS, pool.map(one, ACCOUNTS)))


@pytest.mark.parametrize("email", ACCOUNTS)
def test_every_page_link_filter_and_export_answers_whole(crawls, email):
    reached = crawls[email]

    assert reached.problems == []
    assert len(reached.urls()) >= 10, f"{email} reached only {reached.urls()}"


def test_the_crawl_reached_every_kind_of_answer(crawls):
    """The demo data gives the crawl lists, records, CSV, XLSX and PDF files to check."""
    kinds = sum((reached.kinds() for reached in crawls.values()), start=type(crawls[ACCOUNTS[0]].kinds())())
    assert {"html", "csv", "xlsx", "pdf", "image"} <= set(kinds), kinds
    paths = {urlsplit(url).path for reached in crawls.values() for url in reached.urls()}
    for shape in (r"/agreements/\d+$", r"/contributions/\d+$", r"/materials/$", r"/agreements/export\.csv$",
                  r"/contributions/export\.xlsx$", r"/report\.pdf$", r"/facilities/\d+$", r"^/admin/"):
        assert any(re.search(shape, path) for path in paths), f"no page like {shape} was reached"


def _own_prefix(url: str) -> str | None:
    found = re.match(r"^/o/[^/]+/", urlsplit(url).path)
    return found.group(0) if found else None


@pytest.mark.parametrize("email", ACCOUNTS)
def test_a_stranger_replaying_every_url_gets_404_never_the_data(crawls, visitor, email):
    stranger_email = stranger_of(email)
    stranger = visitor()
    stranger.login(stranger_email)
    stranger_home = stranger.get("/").url
    stranger_prefix = _own_prefix(stranger_home)
    visible_to_stranger = set(crawls[stranger_email].urls())
    leaks = []
    for url in crawls[email].urls():
        path = urlsplit(url).path
        if PERSONAL.match(path) or PUBLIC.match(path) or url in visible_to_stranger:
            continue
        replays = [url]
        own = _own_prefix(url)
        if own and re.search(r"/\d+(/|$|\.)", path):  # the same record asked for under the stranger's own organisation
            swapped = stranger_prefix + url[len(own):]
            if swapped not in visible_to_stranger:
                replays.append(swapped)
        for replay in replays:
            answer = stranger.get(replay, allow_redirects=False)
            if answer.status_code not in (403, 404):
                leaks.append(f"{replay}: {answer.status_code}")
    assert leaks == [], f"{stranger_email} replaying {email}'s URLs"


@pytest.mark.parametrize("email", ["agung.novarianto@mitrapas.test", "admin@mitrapas.test"])
def test_without_signing_in_every_page_sends_to_the_login(crawls, visitor, email):
    anonymous = visitor()
    refused = []
    for url in crawls[email].urls():
        if PERSONAL.match(urlsplit(url).path) or PUBLIC.match(urlsplit(url).path):
            continue
        answer = anonymous.get(url, allow_redirects=False)
        if not (answer.status_code == 302 and urlsplit(answer.headers["Location"]).path == "/login"):
            refused.append(f"{url}: {answer.status_code}")
    assert refused == []


def test_every_kind_of_page_the_crawl_reached_meets_wcag_21_aa_and_fits_a_phone(crawls, stack, browser):
    """Each page shape the crawl reached (ids aside) is opened once in Chromium by someone who reached it,
    judged as tests/accessibility.py judges: a new page is covered without editing this test."""
    from tests.accessibility import new_context, problems_of
    from tests.conftest import log_in

    by_shape: dict[str, tuple[str, str]] = {}
    for email, reached in crawls.items():
        for visit in reached.visits:
            if visit.kind == "html" and visit.status == 200 and not PERSONAL.match(urlsplit(visit.url).path):
                by_shape.setdefault(re.sub(r"/\d+", "/N", urlsplit(visit.url).path), (email, visit.url))
    by_shape.setdefault("/", (ACCOUNTS[0], "/"))
    pages_of: dict[str, list[str]] = {}
    for email, url in by_shape.values():
        pages_of.setdefault(email, []).append(url)
    problems = []
    for email, urls in pages_of.items():
        context = new_context(browser, ignore_https_errors=True)
        page = context.new_page()
        log_in(page, stack.url, email)
        page.wait_for_load_state()
        for url in urls:
            response = page.goto(stack.url + url)
            assert response is not None and response.status == 200, (email, url)
            problems += [(url, found) for found in problems_of(page)]
        context.close()
    assert len(by_shape) >= 20
    assert problems == []
