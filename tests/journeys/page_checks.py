"""What every page a journey passes is checked for, as a person would notice it.

- It fits: no sideways scrolling at 360, 768, 992, 1024, 1280, 1366 or 1920 px (a phone, a tablet, the laptops
  and an office monitor; one resize and one look per width).
- It speaks Indonesian: no English the catalog translates (a whole phrase, or a word of its own that Indonesian
  does not also use) and no English function word ("the", "your", ...), in what the page shows.
- It shows words, not data: no JSON, no Python reprs (`None`, `object at 0x...`, `Role.HEAD`), no raw enum
  values (`changes_requested`), no record named by its internal id ("perjanjian #5", "material 10").
- Its pictures loaded (`naturalWidth > 0`).
- Its words can be read: no visible text drawn smaller than 9 px (a chart's labels scaled down to a phone).

`check_page(page, where)` raises one AssertionError naming every problem and a screenshot of the page.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

from tests.conftest import ARTIFACTS

JOURNEYS = ARTIFACTS / "journeys"
WIDTHS = (360, 768, 992, 1024, 1280, 1366, 1920)
CATALOG = Path(__file__).parents[2] / "portal/translations/id/LC_MESSAGES/messages.po"

#: English words that give a leak away wherever they stand, translated or not.
FUNCTION_WORDS = ("the", "and", "your", "with", "this", "from", "have", "been", "will", "please")
#: Words an Indonesian page uses as they are: the language switch's "English", the portal's name, e-mail.
SAID_AS_IS = {"english", "mitrapas", "e-mail", "email", "whatsapp"}
#: Placeholders, markup and the like that split a message into the literal pieces a page shows.
_PIECES = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdfirx]|%[sd]|\{[^}]*\}|<[^>]+>|\n")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")

_RAW = [
    (re.compile(r"\{\s*\"[\w\- ]+\"\s*:"), "JSON"),
    (re.compile(r"\[\s*\{\s*\""), "JSON"),
    (re.compile(r"\bobject at 0x[0-9a-fA-F]+"), "a Python repr"),
    (re.compile(r"<[A-Za-z_][\w.]*(?: [^<>\n]{0,80})?>"), "a Python repr"),
    (re.compile(r"(?<![\w-])(?:None|True|False|NaN|null|undefined)(?![\w-])"), "a raw value"),
    (re.compile(r"\b(?:datetime|date|Decimal|UUID|Markup)\("), "a Python repr"),
    (re.compile(r"(?<![\w.-])[A-Z][a-z]+(?:[A-Z][a-z]+)*\.[A-Z][A-Z_]{2,}(?![\w.-])"), "a raw enum"),  # not W17.PAS.PAS
    (re.compile(r"(?<![\w.@/\\-])[a-z]+(?:_[a-z0-9]+)+(?![\w.@/\\-])"), "a raw name"),
    (re.compile(r"(?i)\b(?:perjanjian|agreement|kontribusi|contribution|materi|material|organisasi|organisation|"
                r"program|programme|pengguna|user|berkas|file|dokumen|document|pks|id)\s*#\s*\d+\b"), "an internal id"),
    (re.compile(r"(?i)\b(?:material|agreement|contribution|organisation|user|membership|notification)\s+\d+\b"),
     "an internal id"),
    (re.compile(r"(?i)\bid\s*[=:]\s*\d+\b"), "an internal id"),
]


@lru_cache(maxsize=1)
def english_of_the_catalog() -> tuple[tuple[str, ...], frozenset[str]]:
    """(phrases, words): the English the catalog translates into something else, as a page would show it."""
    with CATALOG.open("rb") as handle:
        messages = [message for message in read_po(handle) if message.id and message.string]
    pairs = []
    for message in messages:
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        pairs += [(english, indonesian) for english in ids for indonesian in strings if indonesian]
    indonesian_words = {word.lower() for _, indonesian in pairs for word in _WORD.findall(indonesian)}
    phrases, words = set(), set()
    for english, indonesian in pairs:
        if english == indonesian:
            continue
        for piece in _PIECES.split(english):
            piece = piece.strip(" \t\"'“”‘’:;,.()[]·-–—/")
            found = _WORD.findall(piece)
            if len(found) >= 2 and piece not in indonesian and not all(
                    word.lower() in indonesian_words or word.lower() in SAID_AS_IS for word in found):
                phrases.add(piece)
        found = _WORD.findall(english)
        if len(found) == 1 and len(found[0]) >= 5 and found[0].lower() not in indonesian_words | SAID_AS_IS:
            words.add(found[0].lower())
    return tuple(sorted(phrases, key=len, reverse=True)), frozenset(words)


def english_in(text: str) -> list[str]:
    """The English a person would read in `text` (a page's visible text)."""
    phrases, words = english_of_the_catalog()
    found = [phrase for phrase in phrases
             if phrase in text and re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", text)]
    seen = {word.lower() for word in _WORD.findall(text)}
    found += sorted(word for word in words & seen
                    if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, re.IGNORECASE))
    found += [word for word in FUNCTION_WORDS if word in seen]
    return found


def raw_data_in(text: str) -> list[str]:
    """JSON, Python reprs, raw enum values and internal ids in `text`, each with what it looks like."""
    return [f"{kind}: {match.group(0)!r}" for pattern, kind in _RAW for match in pattern.finditer(text)]


#: The page's width (reading it lays the page out at the new size), and the widest elements past the screen's edge
#: (the innermost ones, outside any area that scrolls or clips on its own).
_OVERFLOW = """() => {
  const root = document.documentElement, edge = root.clientWidth + 1;
  if (root.scrollWidth <= edge) return null;
  const clipped = element => {
    for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const past = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width > 0 && box.right + window.scrollX > edge && !clipped(element)) past.push([element, box]);
    if (past.length > 400) break;
  }
  const innermost = past.filter(([element]) => !past.some(([other]) => other !== element && element.contains(other)));
  const named = ([element, box]) => {
    const classes = [...element.classList].slice(0, 3).map(name => "." + name).join("");
    const text = (element.innerText || element.getAttribute("aria-label") || "").trim().replace(/\\s+/g, " ");
    return `${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""}${classes}` +
      ` (${Math.round(box.left + window.scrollX)}-${Math.round(box.right + window.scrollX)} px)` +
      (text ? ` "${text.slice(0, 40)}"` : "");
  };
  innermost.sort((a, b) => b[1].right - a[1].right);
  return {width: root.scrollWidth, wide: innermost.slice(0, 5).map(named)};
}"""

#: Every picture, lazy ones too, given up to five seconds to load; the ones that did not.
_IMAGES = """async () => {
  const images = [...document.images];
  images.forEach(image => { if (image.loading === "lazy") image.loading = "eager"; });
  await Promise.all(images.map(image => image.complete ? null : new Promise(done => {
    image.addEventListener("load", done, {once: true});
    image.addEventListener("error", done, {once: true});
    setTimeout(done, 5000);
  })));
  return images.filter(image => !(image.naturalWidth > 0))
    .map(image => image.currentSrc || image.getAttribute("src") || image.outerHTML.slice(0, 120));
}"""

#: Visible text drawn smaller than 9 px: the words of a chart (scaled with its drawing) and of the page.
_TINY_TEXT = """() => {
  const tiny = [];
  for (const element of document.body.querySelectorAll("text, p, span, a, td, th, li, label, small, dd, dt")) {
    const box = element.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(element).visibility === "hidden") continue;
    const drawn = element.tagName.toLowerCase() === "text" ? box.height
      : [...element.childNodes].some(node => node.nodeType === 3 && node.textContent.trim())
        ? parseFloat(getComputedStyle(element).fontSize) : 9;
    if (drawn < 9) tiny.push(`${(element.textContent || "").trim().slice(0, 30)} (${drawn.toFixed(1)} px)`);
    if (tiny.length >= 5) break;
  }
  return tiny;
}"""

#: What a person reads: the visible text, the title in the tab, the words on buttons and in empty fields. Code
#: shown as code (<code>, <pre>: an event's name for an integrator, an API example) is left out.
_SHOWN = """() => [document.title,
  [...document.querySelectorAll("code, pre, kbd, samp")].reduce((text, code) => text.replace(code.innerText, " "),
                                                                 document.body.innerText),
  ...[...document.querySelectorAll("input[type=submit], input[type=button], input[placeholder], textarea[placeholder]")]
    .filter(field => field.offsetParent !== null)
    .map(field => field.type === "submit" || field.type === "button" ? field.value : field.placeholder)
].join("\\n")"""


def overflow_of(page, widths=WIDTHS) -> list[str]:
    """Where the page is wider than the screen, at each of `widths`; the page is left at its own size."""
    own = page.viewport_size
    found = []
    try:
        for width in widths:
            page.set_viewport_size({"width": width, "height": own["height"]})
            answer = page.evaluate(_OVERFLOW)
            if answer:
                found.append(f"{answer['width']} px wide at {width} px; past the edge: " + "; ".join(answer["wide"]))
    finally:
        page.set_viewport_size(own)
    return found


def problems_of(page) -> list[str]:
    """Every problem of the page: overflow at each width, English, raw data, pictures that did not load."""
    shown = page.evaluate(_SHOWN)
    found = overflow_of(page)
    found += [f"English: {phrase!r}" for phrase in english_in(shown)]
    found += [f"raw data, {problem}" for problem in raw_data_in(shown)]
    found += [f"picture not loaded: {source}" for source in page.evaluate(_IMAGES)]
    found += [f"text too small to read: {text}" for text in page.evaluate(_TINY_TEXT)]
    return found


def check_page(page, where: str, shot: Path | None = None) -> None:
    """Raise AssertionError naming every problem of the page (and a screenshot of it), if it has any."""
    found = problems_of(page)
    if not found:
        return
    shot = shot or JOURNEYS / "failed" / f"{slug(where)}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    raise AssertionError(f"{where} ({page.url}):\n  " + "\n  ".join(found) + f"\n  screenshot: {shot}")


def slug(text: str, most: int = 48) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:most].strip("-") or "page"
