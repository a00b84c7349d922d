"""People using a screen reader or a cheap phone: every page a facility head, an intern, an analyst and the
platform administrator reach from their home page passes axe-core's WCAG 2.1 A and AA rules with no
serious or critical violation, and at a phone's 360 px is no wider than the screen (wide tables scroll
inside their own area).

axe-core is pinned in tests/a11y (npm, installed by `make browser`) and put into the pages by the test
browser only, which ignores the pages' script policy for that; users never get it.
"""
import re
import urllib.parse
from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
PEOPLE = ("agung.novarianto@mitrapas.test", "magang.psikologi@mitrapas.test", "analis.ditjenpas@mitrapas.test",
          "admin@mitrapas.test")
#: Files, state changes and one-off links: not pages to check.
NOT_PAGES = re.compile(r"\.(csv|xlsx|pdf|json)$|/(download|preview|thumbnail|file|logout|language|documents)\b")
MOST_PAGES = 40
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 360, "height": 740}
RUN_AXE = """async () => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({rule: v.id, impact: v.impact, count: v.nodes.length, first: v.nodes[0].target.join(" ")}));
}"""


def pages_of(page, base: str) -> list[str]:
    """The same-origin pages linked from the current page, as paths (with their query)."""
    found = []
    for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
        parts = urllib.parse.urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base or NOT_PAGES.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


@pytest.mark.parametrize("email", PEOPLE)
def test_every_page_a_person_reaches_meets_wcag_21_aa_and_fits_a_phone(live_portal, browser, email):
    assert AXE.exists(), "axe-core is missing: run `make browser`"
    context = browser.new_context(locale="id-ID", viewport=DESKTOP, bypass_csp=True)
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
        problems += [(path, found) for found in violations(page)]
        page.set_viewport_size(PHONE)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append((path, f"{width} px wide on a {PHONE['width']} px phone"))
        page.set_viewport_size(DESKTOP)
        queue += [link for link in pages_of(page, live_portal) if link not in seen]
    context.close()
    assert len(seen) >= 5
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
