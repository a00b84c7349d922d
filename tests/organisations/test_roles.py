"""The role -> capability table: what every role of every kind of organisation holds, that the policy's answers
are those it gave before the table (written out here from the old role lists), and that no second copy of a role
rule creeps back into the code."""
import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

from portal import policy
from portal.agreements.models import Party
from portal.organisations import roles
from portal.organisations.models import ROLES_BY_KIND, OrgKind, Role
from portal.organisations.roles import CAPABILITIES, Capability
from tests.factories import FacilityFactory, OversightFactory, PartnerFactory, member_of

#: The table as documentation: who holds what.
WHO_HOLDS_WHAT = {
    (OrgKind.FACILITY, Role.HEAD): {
        "manage_members", "manage_integrations", "read_audit", "link_partner", "draft_agreement", "review_agreement",
        "decide_agreement", "sign_for_facility", "share_materials", "verify_contribution", "manage_public_page",
        "write_news", "approve_news", "set_approval_chain", "manage_products"},
    (OrgKind.FACILITY, Role.OFFICER): {
        "link_partner", "draft_agreement", "review_agreement", "share_materials", "verify_contribution",
        "manage_products"},
    # Issue 37: the general affairs' legal review and a section head's check, each their step of a chain alone;
    # issue 38: the section head (Kegiatan Kerja) keeps the facility's products too.
    (OrgKind.FACILITY, Role.LEGAL): {"review_legal"},
    (OrgKind.FACILITY, Role.SECTION): {"check_section", "manage_products"},
    (OrgKind.FACILITY, Role.HUMAS): {"write_news"},
    (OrgKind.FACILITY, Role.VIEWER): set(),
    (OrgKind.PARTNER, Role.ADMIN): {
        "manage_members", "manage_integrations", "read_audit", "draft_agreement", "sign_for_partner",
        "share_materials", "record_contribution"},
    (OrgKind.PARTNER, Role.MEMBER): {"share_materials", "record_contribution"},
    # A regional office's analysts acknowledge agreements at its step (`policy.can_acknowledge_for`: a Kanwil only).
    (OrgKind.OVERSIGHT, Role.ANALYST): {"manage_integrations", "read_audit", "acknowledge_agreement"},
}


def test_the_table_lists_every_role_of_every_kind_with_what_it_holds():
    assert {kind: tuple(table) for kind, table in CAPABILITIES.items()} == ROLES_BY_KIND
    assert {(kind, role): {str(c) for c in held} for kind, table in CAPABILITIES.items()
            for role, held in table.items()} == WHO_HOLDS_WHAT
    assert {c for held in WHO_HOLDS_WHAT.values() for c in held} == {str(c) for c in Capability}


def test_a_role_outside_its_kind_holds_nothing():
    assert not roles.grants(OrgKind.PARTNER, Role.HEAD, Capability.MANAGE_MEMBERS)
    assert not roles.grants(OrgKind.FACILITY, None, Capability.SHARE_MATERIALS)
    assert roles.holding(OrgKind.FACILITY, Capability.VERIFY_CONTRIBUTION) == (Role.HEAD, Role.OFFICER)
    assert [role for role in Role if roles.signs(role)] == [Role.HEAD, Role.ADMIN]


# The rules as policy.py spelled them before the table, role by role.
_H, _O, _V, _HU, _A, _M, _AN = Role.HEAD, Role.OFFICER, Role.VIEWER, Role.HUMAS, Role.ADMIN, Role.MEMBER, Role.ANALYST
BEFORE = {
    "manage_members": lambda kind, role: role in (_H, _A),
    "manage_integrations": lambda kind, role: role in ((_AN,) if kind == OrgKind.OVERSIGHT else (_H, _A)),
    "read_audit": lambda kind, role: role in (_H, _A, _AN),
    "link_partner": lambda kind, role: kind == OrgKind.FACILITY and role in (_H, _O),
    "manage_public_page": lambda kind, role: kind == OrgKind.FACILITY and role == _H,
    "write_news": lambda kind, role: kind == OrgKind.FACILITY and role in (_H, _HU),
    "approve_news": lambda kind, role: kind == OrgKind.FACILITY and role == _H,
    "draft": lambda kind, role: role in (_H, _O, _A),
    "review": lambda kind, role: kind == OrgKind.FACILITY and role in (_H, _O),
    "decide": lambda kind, role: kind == OrgKind.FACILITY and role == _H,
    "upload_material": lambda kind, role: role in (_A, _M, _H, _O) and kind != OrgKind.OVERSIGHT,
    "record_contribution": lambda kind, role: kind == OrgKind.PARTNER and role in (_A, _M),
    "verify_contribution": lambda kind, role: kind == OrgKind.FACILITY and role in (_H, _O),
    "sign": lambda kind, role: role in (_H, _A),
}
EVERY_ROLE = [(kind, role) for kind, kind_roles in ROLES_BY_KIND.items() for role in kind_roles]


@pytest.mark.parametrize("kind, role", EVERY_ROLE)
def test_whoever_could_act_before_the_table_still_can_and_nobody_else(kind, role):
    facility, partner = FacilityFactory(), PartnerFactory()
    own = {OrgKind.FACILITY: facility, OrgKind.PARTNER: partner, OrgKind.OVERSIGHT: OversightFactory()}[kind]
    person = member_of(own, role)
    agreement = SimpleNamespace(facility=facility, partner=partner, facility_signatory_id=person.id,
                                partner_signatory_id=person.id)
    party = Party.FACILITY if kind == OrgKind.FACILITY else Party.PARTNER
    now = {
        "manage_members": policy.can_manage_members(person, own),
        "manage_integrations": policy.can_manage_integrations(person, own),
        "read_audit": policy.can_read_audit(person, own),
        "link_partner": policy.can_link_partner(person, own),
        "manage_public_page": policy.can_manage_public_page(person, own),
        "write_news": policy.can_write_news(person, own),
        "approve_news": policy.can_approve_news(person, own),
        "draft": policy.can_draft_agreement(person, facility, partner),
        "review": policy.can_review_agreement(person, agreement),
        "decide": policy.can_decide_agreement(person, agreement),
        "upload_material": policy.can_upload_material(person, facility, partner),
        "record_contribution": policy.can_record_contribution(person, facility, partner),
        "verify_contribution": policy.can_verify_contribution_for(person, facility),
        "sign": policy.can_sign_agreement(person, agreement, party),
    }
    assert now == {name: rule(kind, role) for name, rule in BEFORE.items()}
    assert policy.can_draft_agreements(person, own) == BEFORE["draft"](kind, role)


# --- no second copy ------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
#: Where roles may be named: their definition, the table, their labels (who is told of what asks `roles.holding`).
ALLOWED = {"portal/organisations/models.py", "portal/organisations/roles.py", "portal/organisations/labels.py"}


def _role_rules(tree: ast.AST) -> list[int]:
    """Lines that compare with a named role or group roles by hand (`role == Role.HEAD`, `in (Role.X, Role.Y)`)."""
    def names_a_role(node):
        return any(isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "Role"
                   and n.attr.isupper() for n in ast.walk(node))
    return sorted({node.lineno for node in ast.walk(tree)
                   if isinstance(node, ast.Compare) and names_a_role(node)
                   or isinstance(node, (ast.Tuple, ast.List, ast.Set)) and len(node.elts) > 1
                   and all(names_a_role(element) for element in node.elts)})


def test_roles_are_compared_only_in_the_table():
    offenders = []
    for path in sorted([*ROOT.glob("portal/**/*.py"), *ROOT.glob("blueprints/**/*.py")]):
        relative = path.relative_to(ROOT).as_posix()
        if relative not in ALLOWED:
            offenders += [f"{relative}:{line}" for line in _role_rules(ast.parse(path.read_text()))]
    assert offenders == [], "ask portal.policy (or roles.holding) instead of comparing roles"


def test_templates_ask_the_policy_not_the_role():
    offenders = [path.relative_to(ROOT).as_posix() for path in ROOT.glob("templates/**/*.html")
                 if any(f'"{role.value}"' in line or f"'{role.value}'" in line
                        for line in path.read_text().splitlines() if ".role" in line for role in Role)]
    assert offenders == []


def test_the_scan_finds_a_role_rule():
    assert _role_rules(ast.parse("ok = role_of(u, o) in (Role.HEAD, Role.OFFICER)\nx = r == Role.ADMIN")) == [1, 2]


def test_an_organisations_people_are_listed_in_the_order_they_joined_whatever_was_updated_since():
    """PostgreSQL answers an unordered question in the rows' physical order, which an UPDATE changes: the admin's
    page of an organisation listed its people in another order after a backup was restored."""
    from sqlalchemy import text

    from portal.core.tenancy import unscoped
    from portal.extensions import db

    facility = FacilityFactory()
    first, second, third = (member_of(facility, role) for role in (Role.OFFICER, Role.HUMAS, Role.VIEWER))
    with unscoped("test: the first row written anew behind the ORM's back, as a restore or migration may"):
        row = dict(db.session.execute(text("SELECT * FROM memberships WHERE user_id = :id"), {"id": first.id})
                   .mappings().one())
        db.session.execute(text("DELETE FROM memberships WHERE id = :id"), {"id": row["id"]})
        db.session.execute(text(f"INSERT INTO memberships ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})"),
                           row)
        db.session.expire(facility, ["memberships"])
        assert [membership.user_id for membership in facility.memberships] == [first.id, second.id, third.id]
