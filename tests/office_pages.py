"""What a page meant for office work shows outright, apart from its folded "technical details"."""
import re

_FOLDED = re.compile(r'<details[^>]*data-testid="technical-details".*?</details>', re.S)
_DIGEST = re.compile(r"\b(?=[0-9]*[a-f])[0-9a-f]{12,64}\b")  # a letter in it: not an NIP


def shown_outright(html: str) -> str:
    """The page's markup without its technical details, tags and attributes (a title= is not shown)."""
    return re.sub(r"<[^>]+>", " ", _FOLDED.sub(" ", html))


def digests_in(html: str) -> list[str]:
    """SHA-256 fingerprints (whole or cut), and the words that introduce them, an office worker would read."""
    shown = shown_outright(html)
    return _DIGEST.findall(shown) + re.findall(r"SHA-256", shown)
