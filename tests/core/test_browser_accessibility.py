"""People using a screen reader or a cheap phone: every page a facility head, an intern, an analyst and the
platform administrator reach from their home page passes axe-core's WCAG 2.1 A and AA rules with no
serious or critical violation, and at a phone's 360 px is no wider than the screen (wide tables scroll
inside their own area).

How a page is judged: tests/accessibility.py. The deployed tier checks every page its crawl reaches the
same way (tests/deployed/test_crawl.py).
"""
import re
import urllib.parse

import pytest
from playwright.sync_api import expect

from tests.accessibility import DESKTOP, PHONE, new_context, problems_of
from tests.conftest import ARTIFACTS, log_in
from tests.journeys.page_checks import WIDTHS, overflow_of

pytestmark = pytest.mark.browser

#: A head, an intern, an analyst and the platform administrator (the most menu entries); with the demo's longest
#: organisation name, "Program Pemagangan Kemnaker (MagangHub)", for the intern.
PEOPLE = ("agung.novarianto@mitrapas.test", "magang.psikologi@mitrapas.test", "analis.ditjenpas@mitrapas.test",
          "admin@mitrapas.test")
#: Files, state changes and one-off links: not pages to check.
NOT_PAGES = re.compile(r"\.(csv|xlsx|pdf|json|jsonl)$|/(download|preview|thumbnail|file|logout|language|documents)\b")
MOST_PAGES = 40


def pages_of(page, base: str) -> list[str]:
    """The same-origin pages linked from the current page, as paths (with their query)."""
    found = []
    for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
        parts = urllib.parse.urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base or NOT_PAGES.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


#: The navbar's own height on one line (a wrapped entry or a badge fallen below its bell makes it taller).
NAVBAR_ONE_LINE = 64


def navbar_problems(page) -> list[str]:
    """At every width the journeys check, the navbar is one line and nothing of the page is past the edge."""
    found = overflow_of(page)
    own = page.viewport_size
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": own["height"]})
            height = page.eval_on_selector("nav.navbar", "nav => nav.getBoundingClientRect().height")
            if height > NAVBAR_ONE_LINE:
                found.append(f"the navbar is {height:.0f} px tall at {width} px: an entry wrapped")
    finally:
        page.set_viewport_size(own)
    return found


@pytest.mark.parametrize("email", PEOPLE)
def test_every_page_a_person_reaches_meets_wcag_21_aa_and_fits_a_phone(live_portal, browser, email):
    context = new_context(browser)
    page = context.new_page()
    log_in(page, live_portal, email)
    page.wait_for_load_state()
    seen, queue, problems = set(), ["/"], []
    while queue and len(seen) < MOST_PAGES:
        path = queue.pop(0)
        if path.split("?")[0] in {p.split("?")[0] for p in seen}:
            continue  # one look per page, whatever its filters
        seen.add(path)
        response = page.goto(live_portal + path)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        problems += [(path, found) for found in problems_of(page)]
        if path == "/":  # the frame every page shares, once: the navbar with this person's entries and names
            problems += [(path, found) for found in navbar_problems(page)]
        queue += [link for link in pages_of(page, live_portal) if link not in seen]
    context.close()
    assert len(seen) >= 5
    assert problems == []


def test_every_public_page_meets_wcag_21_aa_and_fits_a_phone(live_portal, browser):
    """The public pages, as a visitor without an account follows their links from the index."""
    context = new_context(browser)
    page = context.new_page()
    seen, queue, problems = set(), ["/publik/"], []
    while queue and len(seen) < MOST_PAGES:
        path = queue.pop(0)
        if path in seen or not path.startswith("/publik/") or path.endswith((".jpg", ".atom")):
            continue
        seen.add(path)
        response = page.goto(live_portal + path)
        assert response is not None and response.status == 200, path
        problems += [(path, found) for found in problems_of(page)]
        queue += [link for link in pages_of(page, live_portal) if link not in seen]
    context.close()
    assert any("/berita/" in path for path in seen) and any("/provinsi/" in path for path in seen)
    assert problems == []


def test_the_busiest_pages_are_photographed_at_phone_and_desktop_width(live_portal, browser):
    """For a reviewer's eye: tests/artifacts/a11y-<page>-<width>.png."""
    context = browser.new_context(locale="id-ID", viewport=DESKTOP)
    page = context.new_page()
    log_in(page, live_portal, PEOPLE[0])
    page.wait_for_load_state()
    home = urllib.parse.urlsplit(page.url).path  # /o/<the head's facility>/
    agreement = next(link for link in pages_of(page.goto(live_portal + home + "agreements/") and page, live_portal)
                     if re.search(r"/agreements/\d+$", link))
    ARTIFACTS.mkdir(exist_ok=True)
    for name, path in (("dashboard", home), ("agreements", home + "agreements/"), ("agreement", agreement),
                       ("contributions", home + "contributions/"), ("materials", home + "materials/")):
        for size in (PHONE, DESKTOP):
            page.set_viewport_size(size)
            assert page.goto(live_portal + path).status == 200
            page.screenshot(path=str(ARTIFACTS / f"a11y-{name}-{size['width']}.png"), full_page=True)
    context.close()
    assert len(list(ARTIFACTS.glob("a11y-*.png"))) >= 10


def test_a_form_sent_back_puts_the_focus_on_the_first_field_in_error(live_portal, browser):
    context = new_context(browser)
    page = context.new_page()
    log_in(page, live_portal, PEOPLE[1])  # the intern
    page.wait_for_load_state()
    page.get_by_role("link", name="Kontribusi", exact=True).click()
    page.get_by_role("link", name="Catat kontribusi").click()
    page.get_by_role("link", name=re.compile("Rutan Kelas IIB Bengkulu")).click()
    expect(page.get_by_label("Judul (wajib)")).to_be_visible()  # "required" said in words
    with page.expect_navigation():
        page.get_by_role("button", name="Ajukan untuk verifikasi").click()
    focused = page.evaluate("() => [document.activeElement.id, document.activeElement.getAttribute('aria-invalid'),"
                            " document.activeElement.getAttribute('aria-describedby')]")
    assert focused[1] == "true" and focused[2].startswith(focused[0] + "-error")
    assert problems_of(page) == []
    context.close()


def test_the_keyboard_reaches_the_content_and_switches_organisation(live_portal, browser):
    """The first Tab offers to skip the navbar; the organisation switcher opens and is walked with the keys."""
    context = new_context(browser)
    page = context.new_page()
    log_in(page, live_portal, "admin@mitrapas.test")  # a member of more than one organisation
    page.wait_for_load_state()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == "#content"
    toggle = page.locator('[data-testid="org-switcher"] .dropdown-toggle')
    assert toggle.locator(".name-cut").get_attribute("title")  # a shortened name keeps its whole name
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    chosen = page.evaluate("() => [document.activeElement.className, document.activeElement.href]")
    assert "dropdown-item" in chosen[0]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == chosen[1]
    context.close()
