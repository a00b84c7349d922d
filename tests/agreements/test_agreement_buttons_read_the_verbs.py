"""The agreement page's buttons read the verbs (`portal.agreements.events.AgreementVerb`): the view passes them as
`verb`, the page asks `verb.X in actions` and posts to `verb.X.segment`, so no template types a verb or a segment."""
from pathlib import Path
import re

from portal.agreements.events import AgreementVerb

ROOT = Path(__file__).resolve().parents[2]
#: A Jinja tag that asks what a person may do, or says where a step is posted.
ASKING = re.compile(r"\bactions\b|agreements\.act\b|\bstep\s*=|reason_box\(")


def typed_verbs(root=ROOT) -> list[str]:
    spelled = {verb.value for verb in AgreementVerb} | {verb.segment for verb in AgreementVerb}
    typed = []
    for template in sorted((root / "templates").rglob("*.html")):
        for tag in re.findall(r"\{[{%].*?[%}]\}", template.read_text(), re.S):
            if "macro " in tag or not ASKING.search(tag):
                continue
            found = {text for _quote, text in re.findall(r"""(["'])([\w-]+)\1""", tag)} & spelled
            if found:
                typed.append(f"{template.relative_to(root)}: {sorted(found)} in {tag[:80]}")
    return typed


def test_no_template_types_an_agreement_verb_or_its_segment():
    """`"submit" in actions` or `step='addendum'` typed again would miss a verb renamed or a segment changed."""
    assert typed_verbs() == [], "ask `verb.X in actions` and post to `verb.X.segment`"


def test_the_scan_finds_a_typed_verb_and_a_typed_segment(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        """{% if "submit" in actions %}{{ url_for('agreements.act', agreement_id=1, step='addendum') }}{% endif %}""")
    found = typed_verbs(tmp_path)
    assert len(found) == 2 and "['submit']" in found[0] and "['addendum']" in found[1]
