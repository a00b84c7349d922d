"""Every user-visible string is translatable, and every one has its Bahasa Indonesia translation."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).parent.parent
CATALOG = ROOT / "portal/translations/id/LC_MESSAGES/messages.po"


def test_the_indonesian_catalog_covers_every_string_in_the_code(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(template), "."],
                   cwd=ROOT, check=True, capture_output=True)
    wanted = {message.id for message in read_po(template.open("rb")) if message.id}
    assert len(wanted) > 100, "extraction found the strings"
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    translated = {message.id for message in catalog if message.id and message.string and not message.fuzzy}
    assert sorted(wanted - translated) == [], "run `make i18n-update` and translate the new strings"
