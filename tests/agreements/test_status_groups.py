"""Status groups ("in review", "signed", "in force"...) are spelled once, in portal/agreements/models.py, and every
list, count, rule and page reads them: a scan of the source fails on a second spelling."""
import ast
from pathlib import Path
import re

from portal.agreements import moves, signing as agreement_signing
from portal.agreements.models import (
    AWAITING_SIGNATURE_STATES, EDITABLE_STATES, IN_FORCE_STATES, IN_REVIEW_STATES, PENDING_STATES, RENEWABLE_STATES,
    SIGNED_STATES, WITH_REASON_STATES, AgreementStatus as S,
)
from portal.contributions.models import ContributionStatus
from portal.reporting import queues

ROOT = Path(__file__).resolve().parents[2]
ENUM_OF = {"AgreementStatus": S, "ContributionStatus": ContributionStatus}
ENUMS = set(ENUM_OF)
#: The one place groups are written: module-level `*_STATES` there.
DEFINITIONS = {"portal/agreements/models.py", "portal/contributions/models.py"}
#: Spellings allowed elsewhere, by the states they name: "not verified yet", the one spelling of a contribution
#: group (it moves to portal/contributions/models.py when a second reader appears).
NOT_YET = {
    ("portal/contributions/operations.py", frozenset({ContributionStatus.SUBMITTED, ContributionStatus.REJECTED})),
}


def test_the_groups():
    assert EDITABLE_STATES == {S.DRAFT, S.CHANGES_REQUESTED}
    assert IN_REVIEW_STATES == {S.SUBMITTED, S.FORWARDED}
    assert AWAITING_SIGNATURE_STATES == {S.APPROVED, S.PARTNER_SIGNED} == set(agreement_signing.SIGNS_IN.values())
    assert PENDING_STATES == {S.SUBMITTED, S.CHANGES_REQUESTED, S.FORWARDED, S.APPROVED, S.PARTNER_SIGNED}
    assert PENDING_STATES == set(queues.AGREEMENT_TURNS)  # every pending agreement waits for someone
    assert IN_FORCE_STATES == {S.SIGNED, S.ACTIVE}
    assert SIGNED_STATES == {S.SIGNED, S.ACTIVE, S.EXPIRED, S.TERMINATED}
    assert RENEWABLE_STATES == {S.ACTIVE, S.EXPIRED}
    assert WITH_REASON_STATES == {S.CHANGES_REQUESTED, S.REJECTED, S.TERMINATED}
    assert moves.RULES["terminate"][0] is IN_FORCE_STATES and moves.RULES["reject"][0] is IN_REVIEW_STATES


def _enum_names(tree: ast.AST) -> dict[str, str]:
    """What the status enums are called in a module: their own names, `as` imports and `S = AgreementStatus`."""
    names = {name: name for name in ENUMS}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names |= {alias.asname: alias.name for alias in node.names if alias.name in ENUMS and alias.asname}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in names:
            names |= {target.id: names[node.value.id] for target in node.targets if isinstance(target, ast.Name)}
    return names


def status_groups(source: str, definition: bool = False) -> list[tuple[int, frozenset]]:
    """Literal tuples, lists and sets of two or more statuses (in a definition module, outside its `*_STATES`)."""
    tree = ast.parse(source)
    names, defined = _enum_names(tree), set()
    if definition:
        defined = {id(node) for statement in tree.body if isinstance(statement, ast.Assign)
                   and all(isinstance(t, ast.Name) and t.id.endswith("_STATES") for t in statement.targets)
                   for node in ast.walk(statement.value)}

    def state(element):
        if isinstance(element, ast.Attribute) and isinstance(element.value, ast.Name) and element.value.id in names:
            return ENUM_OF[names[element.value.id]][element.attr]
        return None

    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and id(node) not in defined:
            states = [found_state for found_state in map(state, node.elts) if found_state is not None]
            if len(states) > 1:
                found.append((node.lineno, frozenset(states)))
    return sorted(found, key=lambda line_states: line_states[0])


def test_status_groups_are_spelled_only_where_they_are_defined():
    offenders = []
    for path in sorted([*ROOT.glob("portal/**/*.py"), *ROOT.glob("blueprints/**/*.py")]):
        relative = path.relative_to(ROOT).as_posix()
        for line, states in status_groups(path.read_text(), definition=relative in DEFINITIONS):
            if (relative, states) not in NOT_YET:
                offenders.append(f"{relative}:{line} {sorted(states)}")
    assert offenders == [], "read the group from portal/agreements/models.py (or define it there)"


def test_templates_read_the_groups_too():
    statuses = "|".join(status.value for status in (*S, *ContributionStatus))
    listed = re.compile(rf"""\bin\s*[(\[]\s*["']({statuses})["']\s*,""")
    offenders = [path.relative_to(ROOT).as_posix() for path in ROOT.glob("templates/**/*.html")
                 if listed.search(path.read_text())]
    assert offenders == []


def test_the_scan_finds_a_second_spelling():
    source = ("from portal.agreements.models import AgreementStatus as A\nS = A\n"
              "X = (S.SIGNED, S.ACTIVE)\nY = {A.DRAFT}\nIN_FORCE_STATES = (A.SIGNED, A.ACTIVE)\n")
    assert status_groups(source) == [(3, frozenset({S.SIGNED, S.ACTIVE})), (5, frozenset({S.SIGNED, S.ACTIVE}))]
    assert status_groups(source, definition=True) == [(3, frozenset({S.SIGNED, S.ACTIVE}))]
