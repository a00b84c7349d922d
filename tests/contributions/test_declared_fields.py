"""A contribution's fields, and a programme's, are declared once (portal/contributions/fields.py): the forms, the
API's schemas, the importer, the export and the pages read that declaration, and no second list of the fields
creeps back; the dashboards' measures are read by name, added up in one place."""
import ast
from dataclasses import fields as dataclass_fields
from pathlib import Path
import re

from blueprints.api.schemas import ContributionChange, ContributionIn, ContributionOut, ProgrammeIn, ProgrammeOut
from blueprints.contributions.forms import ContributionForm, ProgrammeForm
from portal.contributions import importer, measures, operations
from portal.contributions.fields import (
    EXPORTED, FIELDS, IMPORTED, LINKS, PROGRAMME_FIELDS, ContributionFields, ProgrammeFields,
)
from portal.contributions.models import Contribution, Programme
from portal.reporting import figures

ROOT = Path(__file__).resolve().parents[2]
NAMES = {field.name for field in FIELDS}
COLUMNS = {field.column for field in FIELDS if field.column}
PROGRAMME_NAMES = {field.name for field in PROGRAMME_FIELDS}
#: The one module allowed to list them.
DECLARATION = ROOT / "portal" / "contributions" / "fields.py"


def test_every_declared_field_is_the_models():
    for field in FIELDS:
        assert field.api_name in Contribution.__table__.c, field.name
        assert hasattr(Contribution, field.name), field.name


def test_the_form_has_the_declared_fields_in_their_order_with_their_labels():
    unbound = sorted(((name, value) for name, value in vars(ContributionForm).items() if hasattr(value, "_formfield")),
                     key=lambda item: item[1].creation_counter)
    names = [name for name, _value in unbound]
    assert names[1:len(FIELDS) + 1] == [field.name for field in FIELDS], "after the one-time key, as declared"
    assert not set(names[len(FIELDS) + 1:]) & NAMES
    for field in FIELDS:
        assert vars(ContributionForm)[field.name].args[0] == field.label


def test_the_api_schemas_are_the_declared_fields():
    api_names = {field.api_name for field in FIELDS}
    assert set(ContributionOut.model_fields) == api_names | {"id", "status", "facility", "partner"}
    given = {field.api_name for field in FIELDS if field.api_in}
    assert set(ContributionIn.model_fields) == given | {"facility_id"}
    assert set(ContributionChange.model_fields) == {field.api_name for field in FIELDS
                                                    if field.api_in and field.kind not in LINKS}
    assert [name for name in ContributionIn.model_json_schema()["required"]] == [
        "facility_id", *(field.name for field in FIELDS if field.required)]


def test_the_import_template_and_the_export_are_the_declared_columns():
    assert importer.COLUMNS == tuple(field.column for field in IMPORTED)
    assert set(importer.COLUMNS) == COLUMNS
    assert importer.REQUIRED == tuple(field.column for field in IMPORTED if field.required)
    table = operations.as_table(operations.listed())
    assert [column.key for column in table.columns if column.key in NAMES] == [field.name for field in EXPORTED]
    assert {column.key for column in table.columns} - NAMES == {"facility", "partner", "status"}


def test_the_services_fields_are_the_declared_ones():
    assert [field.name for field in dataclass_fields(ContributionFields)] == [
        *(field.name for field in FIELDS if field.required), *(field.name for field in FIELDS if not field.required
                                                                and field.kind == "date"),
        *(field.name for field in FIELDS if not field.required and field.kind != "date")]


#: The declaration, and the model (its columns are the declaration's other half, with their migration); the audit
#: trail's names for the keys of every kind of record's changes, worded for the trail (a key it does not name is
#: shown with the technical details).
ALLOWED = {DECLARATION, ROOT / "portal" / "contributions" / "models.py", ROOT / "portal" / "audit" / "sentences.py"}


def _python_sources(root=ROOT):
    for folder in ("portal", "blueprints"):
        for path in (root / folder).rglob("*.py"):
            if path.relative_to(root) not in {allowed.relative_to(ROOT) for allowed in ALLOWED}:
                yield path


def _named(nodes) -> list[str]:
    """The strings among `nodes`, and the first argument of calls among them (`Column("hours", ...)`)."""
    named = []
    for node in nodes:
        if isinstance(node, ast.Call) and node.args:
            node = node.args[0]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            named.append(node.value)
    return named


def second_copies(root=ROOT) -> list[str]:
    """Where a module lists the contribution's fields, or the programme's: a tuple, list, set or dict of five or more
    of one's field names (or three import columns), a call given five or more of them as keywords, a class with five
    or more of them."""
    copies = []
    for path in _python_sources(root):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                found = _named(node.elts)
            elif isinstance(node, ast.Dict):
                found = _named(node.keys)
            elif isinstance(node, ast.Call):
                found = [keyword.arg for keyword in node.keywords if keyword.arg]
            elif isinstance(node, ast.ClassDef):
                found = [target.id for statement in node.body
                         for target in (statement.targets if isinstance(statement, ast.Assign) else
                                        [statement.target] if isinstance(statement, ast.AnnAssign) else [])
                         if isinstance(target, ast.Name)]
            else:
                continue
            if len(NAMES.intersection(found)) >= 5 or len(COLUMNS.intersection(found)) >= 3 \
                    or len(PROGRAMME_NAMES.intersection(found)) >= 5:
                copies.append(f"{path.relative_to(root)}:{node.lineno}")
    return copies


def test_no_module_but_the_declaration_lists_the_fields():
    """Build such a list from `FIELDS` instead: a field added there then reaches it too."""
    assert second_copies() == [], "a second list of the contribution's or the programme's fields"


def test_the_scan_finds_a_second_list_of_the_programmes_fields(tmp_path):
    (tmp_path / "portal").mkdir()
    (tmp_path / "blueprints").mkdir()
    (tmp_path / "portal" / "copy.py").write_text(
        "class ProgrammeFields:\n    name: str\n    type: str\n    category: str\n    duration_days: int\n"
        "    start_date: str\n")
    (tmp_path / "blueprints" / "view.py").write_text(
        "out(name=p.name, type=p.type, category=p.category, start_date=p.start_date, end_date=p.end_date)\n")
    assert second_copies(tmp_path) == ["portal/copy.py:1", "blueprints/view.py:1"]


def test_no_template_lists_the_form_fields_one_by_one():
    copies = []
    for path in (ROOT / "templates").rglob("*.html"):
        typed = set(re.findall(r"\bform\.(\w+)", path.read_text()))
        # (an agreement's form has a type and dates too: four of the programme's, beyond those)
        named = typed & NAMES if len(typed & NAMES) >= 3 else typed & PROGRAMME_NAMES
        if len(named) >= 3 + (named <= PROGRAMME_NAMES):
            copies.append(f"{path.relative_to(ROOT)}: {sorted(named)}")
    assert not copies, f"lay the declared fields out with form.page_rows(): {copies}"


# --- programmes ----------------------------------------------------------------------------------------------

def test_every_declared_programme_field_is_the_models():
    for field in PROGRAMME_FIELDS:
        assert field.record is Programme and field.api_name in Programme.__table__.c, field.name
        assert hasattr(Programme, field.name), field.name


def test_the_programme_form_has_the_declared_fields_in_their_order_with_their_labels():
    unbound = sorted(((name, value) for name, value in vars(ProgrammeForm).items() if hasattr(value, "_formfield")),
                     key=lambda item: item[1].creation_counter)
    assert [name for name, _value in unbound] == [field.name for field in PROGRAMME_FIELDS] + ["submit"]
    for field in PROGRAMME_FIELDS:
        assert vars(ProgrammeForm)[field.name].args[0] == field.label


def test_the_programme_api_schemas_and_the_services_fields_are_the_declared_ones():
    api_names = {field.api_name for field in PROGRAMME_FIELDS}
    closing = {"actual_participants", "certificates_issued", "closed_at"}
    assert set(ProgrammeOut.model_fields) == api_names | {"id", "status", "facility", "partner"} | closing
    assert set(ProgrammeIn.model_fields) == api_names | {"facility_id", "partner_id"}
    assert ProgrammeIn.model_json_schema()["required"] == [field.name for field in PROGRAMME_FIELDS if field.required]
    assert {field.name for field in dataclass_fields(ProgrammeFields)} == PROGRAMME_NAMES


# --- measures --------------------------------------------------------------------------------------------------

def test_measures_are_named_and_their_columns_are_their_names():
    assert [column.key for column in measures.COLUMNS] == list(measures.NAMES) == [
        field.name for field in dataclass_fields(measures.Measures)]
    total = measures.Measures.total([measures.Measures(1, 2, 3), measures.Measures(4, 5, 6)])
    assert total == measures.Measures(contributions=5, participants=7, hours=9)
    assert figures.breakdown_table("t", "T", "K", [figures.Line("a", total)]).total[1:] == total.cells()


def test_only_the_measures_module_adds_contributions_up():
    """Adding up participants or hours (or the tallies' counts): `measures.sums()` and `tally_sums()` do it, and
    everyone reads the result by name."""
    adding = re.compile(r"func\.sum\((Contribution|ContributionTally)\.")
    found = [f"{path.relative_to(ROOT)}:{number}" for path in _python_sources()
             if path.name != "measures.py"
             for number, line in enumerate(path.read_text().splitlines(), start=1) if adding.search(line)]
    assert found == [], "add verified work up with portal.contributions.measures"
