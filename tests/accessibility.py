"""How the browser tests judge a page for people with a screen reader or a cheap phone.

axe-core is pinned in tests/a11y (npm, installed by `make browser`) and put into the page by the
test browser only (its context ignores the page's script policy for that); users never get it.
"""
from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 360, "height": 740}
_RUN_AXE = """async () => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({rule: v.id, impact: v.impact, count: v.nodes.length, first: v.nodes[0].target.join(" ")}));
}"""


#: After the resize has been handled (two frames): the page's width, and its wide tables that do not say so.
_ON_A_PHONE = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done([
  document.documentElement.scrollWidth,
  [...document.querySelectorAll(".table-responsive, .wide")].filter(area => area.scrollWidth > area.clientWidth + 1
    && !(area.previousElementSibling && area.previousElementSibling.classList.contains("wide-table-hint"))
    && area.getAttribute("role") !== "region").length]))))"""


def new_context(browser, **options):
    """A test browser that can run axe-core inside the portal's pages."""
    assert AXE.exists(), "axe-core is missing: run `make browser`"
    return browser.new_context(locale="id-ID", viewport=DESKTOP, bypass_csp=True, **options)


def problems_of(page) -> list:
    """The page's serious and critical WCAG 2.1 A/AA violations; on a phone, the page wider than the screen,
    and wide tables that do not say they scroll sideways (the public pages' `.wide` never say so: no script)."""
    page.add_script_tag(path=str(AXE))
    found: list = page.evaluate(_RUN_AXE)
    page.set_viewport_size(PHONE)
    width, unsaid = page.evaluate(_ON_A_PHONE)
    page.set_viewport_size(DESKTOP)
    if width > PHONE["width"]:
        found.append(f"{width} px wide on a {PHONE['width']} px phone")
    if unsaid:
        found.append(f"{unsaid} table(s) wider than a phone without saying they scroll")
    return found
