"""Migration 0037 rewrote who sees a person and a membership; on generated data every scope sees what it saw.

A database of its own, migrated to head, gets a generated national picture in miniature (the bench generator's
facilities in 38 provinces, partners, partnerships, contributions and their audit entries, provincial offices and
Ditjen PAS) and people: members of every organisation, people in two organisations, members who left (their
entries stay), a newcomer with a reset link only, sessions and reset links. For every scope the portal acts in,
each table under Row-Level Security is read as the login role under 0035's policies and under 0037's; the rows
must be the same. The comparison is shown to find a difference when one clause of the new rule is dropped.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.bench import data_generator
from tests.conftest import make_app
from tests.databases import fresh_database

pytestmark = [pytest.mark.postgres, pytest.mark.own_database]

MIGRATION = next((Path(__file__).parents[2] / "migrations" / "versions").glob("*_0037_*.py"))


def migration():
    spec = importlib.util.spec_from_file_location("cheap_people_policies", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PEOPLE = """
INSERT INTO users (email, name, password_hash, is_platform_admin, is_active, locale, muted_notifications, created_at,
                   password_changed_at)
SELECT 'p' || o.id || '-' || n || '@contoh.go.id', 'Orang ' || o.id || '-' || n, 'x', false, true, 'id', '[]', now(),
       now()
FROM organisations o CROSS JOIN generate_series(1, 3) n;
INSERT INTO memberships (user_id, organisation_id, role, created_at)
SELECT u.id, o.id, CASE o.kind WHEN 'facility' THEN 'officer' WHEN 'partner' THEN 'member' ELSE 'analyst' END, now()
FROM organisations o JOIN users u ON u.email LIKE 'p' || o.id || '-%';
-- someone in two organisations: the second person of every fifth partner also works at a facility
INSERT INTO memberships (user_id, organisation_id, role, created_at)
SELECT u.id, (SELECT f.id FROM organisations f WHERE f.kind = 'facility' ORDER BY (f.id * 7 + o.id) % 97 LIMIT 1),
       'viewer', now()
FROM organisations o JOIN users u ON u.email = 'p' || o.id || '-2@contoh.go.id'
WHERE o.kind = 'partner' AND o.id % 5 = 0;
-- a newcomer who belongs nowhere yet, holding a reset link and a session
INSERT INTO users (email, name, password_hash, is_platform_admin, is_active, locale, muted_notifications, created_at,
                   password_changed_at)
VALUES ('baru@contoh.go.id', 'Orang Baru', 'x', false, true, 'id', '[]', now(), now());
INSERT INTO login_sessions (id, user_id, created_at) SELECT 's' || id, id, now() FROM users;
INSERT INTO account_tokens (purpose, token_hash, user_id, created_at, expires_at)
SELECT 'password_reset', 't' || id, id, now(), now() + interval '1 hour' FROM users WHERE id % 3 = 0
   OR email = 'baru@contoh.go.id';
-- what people did: the generated entries get actors from either side of their pair, and each organisation's own
-- entries (no pair: an invitation, a settings change) are its members'
UPDATE audit_entries a SET actor_id = u.id FROM users u
WHERE u.email = 'p' || (CASE WHEN a.id % 2 = 0 THEN a.facility_id ELSE a.partner_id END) || '-' || (1 + a.id % 3)
      || '@contoh.go.id';
INSERT INTO audit_entries (created_at, action, object_type, object_id, organisation_id, actor_id, changes, prev_hash,
                           hash)
SELECT now(), 'organisation.updated', 'organisation', o.id::text, o.id, u.id, '{}', md5('o' || u.id),
       md5('h' || u.id) || md5('o' || u.id)
FROM organisations o JOIN users u ON u.email = 'p' || o.id || '-3@contoh.go.id';
-- the third person of every organisation whose id is even left it (their entries and, for some, a session stay)
DELETE FROM memberships m USING users u, organisations o
WHERE m.user_id = u.id AND o.id = m.organisation_id AND u.email = 'p' || o.id || '-3@contoh.go.id' AND o.id % 2 = 0;
DELETE FROM login_sessions s USING users u
WHERE s.user_id = u.id AND u.email LIKE '%-3@contoh.go.id' AND u.id % 4 = 0;
"""


def generate(connection) -> None:
    data_generator.organisations(connection, facilities=60, partners=90)
    data_generator.partnerships_and_agreements(connection, agreements=160)
    data_generator.contributions(connection, 400)
    data_generator.tallies(connection)
    connection.execute(text(PEOPLE))


def scopes(connection) -> dict[str, dict[str, str]]:
    """Every kind of scope the portal acts in, with the settings it gives the database."""
    one = lambda sql: connection.execute(text(sql)).scalar()  # noqa: E731
    busiest = one("SELECT facility_id FROM partnerships GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    alone = one("SELECT id FROM organisations o WHERE kind = 'facility' AND NOT EXISTS "
                "(SELECT 1 FROM partnerships p WHERE p.facility_id = o.id) ORDER BY id LIMIT 1")
    partner = one("SELECT partner_id FROM partnerships GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    idle_partner = one("SELECT id FROM organisations o WHERE kind = 'partner' AND NOT EXISTS "
                       "(SELECT 1 FROM partnerships p WHERE p.partner_id = o.id) ORDER BY id LIMIT 1")
    kanwil = one("SELECT o.id FROM organisations o JOIN organisations f ON f.province = o.province "
                 f"WHERE o.kind = 'oversight' AND f.id = {busiest}")
    empty_kanwil = one("SELECT id FROM organisations o WHERE kind = 'oversight' AND province IS NOT NULL "
                       "AND NOT EXISTS (SELECT 1 FROM organisations f WHERE f.kind = 'facility' "
                       "AND f.province = o.province) ORDER BY id LIMIT 1")
    ditjen = one("SELECT id FROM organisations WHERE slug = 'ditjenpas'")
    member = lambda org: one(f"SELECT min(user_id) FROM memberships WHERE organisation_id = {org}")  # noqa: E731
    departed = one("SELECT u.id FROM users u JOIN login_sessions s ON s.user_id = u.id WHERE u.email LIKE '%-3@%' "
                   "AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id) ORDER BY u.id LIMIT 1")
    two_places = one("SELECT user_id FROM memberships GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 1")
    newcomer = one("SELECT id FROM users WHERE email = 'baru@contoh.go.id'")
    assert None not in (alone, idle_partner, empty_kanwil, departed, two_places), "the generated data lacks a case"
    found = {
        "nobody": {},
        "escape hatch": {"every_tenant": "on"},
        "public visitor": {"public": "on"},
        "someone in two organisations, alone": {"person_id": two_places},
        "a member who left, alone": {"person_id": departed},
        "a member who left, by their session": {"person_id": departed, "presented": f"s{departed}"},
        "a newcomer, by their session": {"person_id": newcomer, "presented": f"s{newcomer}"},
        "a newcomer's reset link": {"presented": f"t{newcomer}"},
        "a session presented, before its person is known": {"presented": f"s{member(partner)}"},
    }
    for name, org in (("the busiest facility", busiest), ("a facility without partners", alone),
                      ("the busiest partner", partner), ("a partner without facilities", idle_partner),
                      ("a provincial office", kanwil), ("a provincial office without facilities", empty_kanwil),
                      ("Ditjen PAS", ditjen)):
        found[name] = {"org_id": org}
        found[f"{name}, signed in"] = {"org_id": org, "person_id": member(org), "presented": f"s{member(org)}"}
    return {name: {key: str(value) for key, value in settings.items()} for name, settings in found.items()}


def shown(app_engine, tables: list[str], scope_settings: dict[str, dict[str, str]]) -> dict:
    """Each table's rows (as text) under each scope, read as the login role."""
    seen = {}
    with app_engine.connect() as connection:
        for name, settings in scope_settings.items():
            with connection.begin():
                for key in ("org_id", "every_tenant", "person_id", "presented", "public"):
                    connection.execute(text("SELECT set_config(:key, :value, true)"),
                                       {"key": f"mitrapas.{key}", "value": settings.get(key, "")})
                for table in tables:
                    seen[name, table] = frozenset(connection.execute(text(f"SELECT t::text FROM {table} t")).scalars())
    return seen


class World:
    """The generated database, its scopes, and what each scope sees under 0035's policies."""

    def __init__(self, database):
        self.module = migration()
        self.owner = create_engine(database.owner_url)
        self.app_engine = create_engine(database.app_url)
        with self.owner.begin() as connection:
            generate(connection)
            self.scopes = scopes(connection)
            self.tables = sorted(connection.execute(text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity")).scalars())
        self.alter(self.module.PREVIOUS_POLICIES)
        try:
            self.before = self.now()
        finally:
            self.alter(self.module.POLICIES)

    def now(self) -> dict:
        return shown(self.app_engine, self.tables, self.scopes)

    def alter(self, policies) -> None:
        with self.owner.begin() as connection:
            for table, name, using in policies:
                connection.execute(text(f"ALTER POLICY {name} ON {table} USING ({using})"))

    def replace_functions(self, functions) -> None:
        with self.owner.begin() as connection:
            for function in functions:
                connection.execute(text(function.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)))

    def differences(self) -> list:
        after = self.now()
        return sorted((scope, table, len(self.before[scope, table] ^ after[scope, table]))
                      for scope, table in self.before if self.before[scope, table] != after[scope, table])


@pytest.fixture(scope="module")
def world():
    with fresh_database("people_visibility") as database:
        if not database.is_postgres:
            pytest.skip("Row-Level Security exists on PostgreSQL only (CI runs this with DATABASE_URL)")
        app = make_app(database)
        world = World(database)
        yield world
        world.app_engine.dispose()
        world.owner.dispose()
        with app.app_context():
            from portal.extensions import db

            db.engine.dispose()


def test_the_people_functions_run_as_their_owner_on_a_pinned_path_for_the_portal_alone(world):
    """SECURITY DEFINER (their reads do not re-enter other tables' policies), search_path pg_catalog, pg_temp, every
    table named by schema, and callable by the portal's role only (the owner's rights for anyone else would show
    who belongs where to a role granted nothing on these tables)."""
    with world.owner.connect() as connection:
        functions = connection.execute(text(
            "SELECT proname, prosecdef, proconfig, prosrc, provolatile, "
            "has_function_privilege('mitrapas_web', p.oid, 'EXECUTE') AS portal, "
            "coalesce(array_to_string(proacl, ','), '') AS acl FROM pg_proc p "
            "WHERE proname IN ('mitrapas_sees_person', 'mitrapas_sees_membership')")).all()
    assert len(functions) == 2
    for function in functions:
        assert function.prosecdef and function.provolatile == "s", function.proname
        assert function.proconfig == ["search_path=pg_catalog, pg_temp"], function.proname
        assert function.portal and function.acl and not function.acl.startswith("=") and ",=" not in function.acl
        tables = {word.split(".")[0] for word in function.prosrc.replace("(", " ").split()
                  if word.endswith(("memberships", "partnerships", "login_sessions", "account_tokens",
                                    "audit_entries", "organisations"))}
        assert tables <= {"public"}, f"{function.proname} names a table without its schema"


def test_every_scope_sees_the_same_rows_of_every_table_under_the_new_policies(world):
    assert {"users", "memberships", "audit_entries", "partnerships"} <= set(world.tables)
    seen = world.before
    assert seen["the busiest facility", "users"] and seen["a member who left, alone", "users"], "something to see"
    assert world.differences() == []


#: One clause of 0037's rule dropped or weakened at a time (in a function's body, or the audit policy): what a
#: comparison that can tell must notice. (old text, new text) replaced once in the function or policy.
DROPPED = {
    "a membership of the acting organisation": ("OR member_of = ", "AND member_of = "),
    "a membership of the presented session's person": (
        "AND EXISTS (SELECT 1 FROM public.login_sessions s WHERE s.id = presented AND s.user_id = member)",
        "AND false"),
    "a membership on either side of a pair the organisation is party to": (
        "(public.mitrapas_party_to(pair.facility_id, pair.partner_id)\n               OR", "("),
    "a membership on either side of a pair the office oversees": (
        "OR pair.facility_id IN (SELECT overseen FROM public.mitrapas_overseen_facilities() overseen)", ""),
    "a pair's partner side (members of the facility only)": ("OR pair.partner_id = member_of", ""),
    "a person seen through a membership": ("public.mitrapas_sees_membership(m.organisation_id, m.user_id)", "false"),
    "the person of a presented reset link": (
        "OR EXISTS (SELECT 1 FROM public.account_tokens t WHERE t.token_hash = presented AND t.user_id = person)", ""),
    "a person who acted in an entry the scope reads (who left)": ("WHERE a.actor_id = person AND", "WHERE false AND"),
    "the acting person themself": ("OR person = ", "AND person = "),
}


@pytest.mark.parametrize("clause", DROPPED)
def test_the_comparison_finds_a_dropped_clause(world, clause):
    old, new = DROPPED[clause]
    functions = world.module.FUNCTIONS
    weakened = [function.replace(old, new, 1) for function in functions]
    assert weakened != list(functions), f"{clause}: the clause is not in the functions as written"
    world.replace_functions(weakened)
    try:
        differences = world.differences()
    finally:
        world.replace_functions(functions)
    assert differences, f"dropping {clause!r} changed nothing the comparison sees"
    assert {table for _, table, _ in differences} <= {"users", "memberships"}


def test_the_comparison_finds_a_dropped_clause_of_the_audit_policy(world):
    """The audit policy is written from the same template as the people function's audit clause."""
    policies = [(table, name, using.replace(" OR organisation_id IN ", " AND organisation_id IN ", 1)
                 if table == "audit_entries" else using) for table, name, using in world.module.POLICIES]
    world.alter(policies)
    try:
        differences = world.differences()
    finally:
        world.alter(world.module.POLICIES)
    assert {table for _, table, _ in differences} >= {"audit_entries"}
