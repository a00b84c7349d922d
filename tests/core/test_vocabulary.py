"""Each concept holds its own labels (`portal/<concept>/labels.py`); `portal.core.vocabulary` only assembles them,
from one explicit list, so a label is written once and beside the codes it names (issue 35)."""
import ast
import enum
import importlib
from pathlib import Path

from flask_babel import force_locale

from portal.core import vocabulary

ROOT = Path(__file__).resolve().parents[2]
VOCABULARY = ROOT / "portal/core/vocabulary.py"

#: Stored codes no page, PDF or message names (shown as they are, or never shown): the only enums without labels.
NOT_SHOWN = {
    "portal.accounts.token_models.TokenPurpose", "portal.agreements.models.Party",
    "portal.integrations.webhook_models.DeliveryStatus", "portal.jobs.models.JobStatus",
    "portal.materials.upload_models.UploadStatus", "portal.privacy.access_models.AccessedFile",
}


def _stored_enums() -> list[type[enum.Enum]]:
    """Every enum a concept's models declare (the codes the database stores), aliases once."""
    found = []
    for file in sorted(ROOT.glob("portal/*/*models.py")):
        if file.parent.name == "core":
            continue
        module = importlib.import_module(".".join(file.relative_to(ROOT).with_suffix("").parts))
        found += [value for name, value in vars(module).items() if isinstance(value, type)
                  and issubclass(value, enum.Enum) and value.__module__ == module.__name__ and value.__name__ == name]
    return found


def test_core_vocabulary_holds_no_label_of_its_own():
    """No translated string, no table keyed by a code and no concept's enum in core: a label typed there again
    would be a second copy of the one in its concept's labels module."""
    tree = ast.parse(VOCABULARY.read_text())
    enum_names = {kind.__name__ for kind in _stored_enums()}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in {"_l", "_", "lazy_gettext", "gettext"} or not node.args or \
                not isinstance(node.args[0], ast.Constant) or node.args[0].value == "%(days)s days", \
                f"vocabulary.py line {node.lineno} writes a label"
        assert not (isinstance(node, ast.Dict) and node.keys), f"vocabulary.py line {node.lineno} holds a table"
        assert not (isinstance(node, ast.Name) and node.id in enum_names), \
            f"vocabulary.py line {node.lineno} names {node.id}: its labels belong in its concept's labels.py"
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("portal."):
            assert node.module.endswith(".labels") or node.module.split(".")[1] == "core" or \
                all(alias.name == "labels" for alias in node.names), f"vocabulary.py imports {node.module}"


def test_every_labels_module_is_in_the_registry_once():
    """Each `portal/<concept>/labels.py` that labels stored codes or audit actions is in `vocabulary.CONCEPTS`, and
    no audit action is labelled by two concepts (the later would silently win)."""
    modules = {importlib.import_module(f"portal.{file.parent.name}.labels")
               for file in ROOT.glob("portal/*/labels.py")}
    registering = {module for module in modules if hasattr(module, "LABELS") or hasattr(module, "AUDIT_ACTIONS")}
    assert registering == set(vocabulary.CONCEPTS)
    assert len(vocabulary.CONCEPTS) == len(set(vocabulary.CONCEPTS))
    assert sum(len(concept.AUDIT_ACTIONS) for concept in vocabulary.CONCEPTS) == len(vocabulary.AUDIT_ACTIONS)


def test_every_stored_code_is_labelled_in_its_own_concept():
    """An enum a concept stores has a label for each member in that concept's labels module (and nowhere else),
    unless it is one of the few codes never shown."""
    for kind in _stored_enums():
        where = f"{kind.__module__}.{kind.__name__}"
        if where in NOT_SHOWN:
            continue
        concept = kind.__module__.split(".")[1]
        own = importlib.import_module(f"portal.{concept}.labels")
        assert kind in getattr(own, "LABELS", {}), f"{where} has no table in portal/{concept}/labels.py LABELS"
        assert set(own.LABELS[kind]) == set(kind), f"{where}: labels for {set(kind) ^ set(own.LABELS[kind])}"
        others = [other.__name__ for other in vocabulary.CONCEPTS if other is not own and kind in other.LABELS]
        assert not others, f"{where} is labelled in {others} too"
    for concept in vocabulary.CONCEPTS:
        for kind in concept.LABELS:
            assert kind.__module__.split(".")[1] == concept.__name__.split(".")[1], \
                f"{concept.__name__} labels {kind.__name__}, which another concept stores"
    assert not NOT_SHOWN & {f"{kind.__module__}.{kind.__name__}" for kind in vocabulary._LABELS_BY_TYPE}


def test_labels_are_read_through_core(app):
    """The template filters and globals still read every concept's labels through core's machinery."""
    from portal.agreements.models import AgreementStatus
    from portal.contributions.models import ContributionStatus
    from portal.organisations.models import Role
    with app.test_request_context(), force_locale("en"):
        assert app.jinja_env.filters["label"](Role.HEAD) == "Head (Karutan/Kalapas)"
        assert app.jinja_env.filters["audit_action"]("agreement.approved") == "Approved by the head"
        assert app.jinja_env.filters["audit_action"]("invitation.sent") == "Invitation sent"
        assert app.jinja_env.filters["audit_action"]("made.up") == "made.up"
        assert app.jinja_env.globals["status_colour"](AgreementStatus.REJECTED) == "danger"
        assert app.jinja_env.globals["status_colour"](ContributionStatus.VERIFIED) == "success"
        assert app.jinja_env.globals["status_colour"]("unknown") == "secondary"
