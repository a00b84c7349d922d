"""Every user-visible string is translatable, and every one has its Bahasa Indonesia translation."""
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).parents[2]
CATALOG = ROOT / "portal/translations/id/LC_MESSAGES/messages.po"
#: As in the Makefile: not Babel's default, which also skips every folder whose name starts with "_".
IGNORED_DIRS = ".* __pycache__"


def extracted(tmp_path):
    """The strings `make i18n-extract` finds (same options as the Makefile), with where they are."""
    template = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "--ignore-dirs", IGNORED_DIRS, "-o", str(template), "."],
                   cwd=ROOT, check=True, capture_output=True)
    return [message for message in read_po(template.open("rb")) if message.id]


def test_extraction_reads_every_file_that_has_strings(tmp_path):
    """Babel skips folders starting with "_" unless told otherwise; templates/_macros has strings too."""
    seen = {path for message in extracted(tmp_path) for path, _line in message.locations}
    calling = {str(path.relative_to(ROOT)) for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("templates/**/*.txt"), *ROOT.glob("portal/**/*.py"),
                                                         *ROOT.glob("blueprints/**/*.py")]
               if re.search(r"\b_l?\([\"']", path.read_text(encoding="utf-8"))}
    assert sorted(calling - seen) == []


def test_the_indonesian_catalog_covers_every_string_in_the_code(tmp_path):
    wanted = {message.id for message in extracted(tmp_path)}
    assert len(wanted) > 100, "extraction found the strings"
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    translated = {message.id for message in catalog if message.id and message.string and not message.fuzzy}
    assert sorted(wanted - translated) == [], "run `make i18n-update` and translate the new strings"
