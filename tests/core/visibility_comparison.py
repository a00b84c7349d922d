"""What every kind of scope sees of every table under Row-Level Security, on generated data: how a policy migration
that must not change visibility (0037, 0038) is tested.

A database of its own, migrated to head, gets a generated national picture in miniature (the bench generator's
facilities in 38 provinces, partners, partnerships, contributions and their audit entries, provincial offices and
Ditjen PAS) and people: members of every organisation, people in two organisations, members who left (their
entries stay), a newcomer with a reset link only, sessions and reset links. Each table under Row-Level Security is
read as the login role under every scope the portal acts in; a test compares two such readings.
"""
from __future__ import annotations

from contextlib import contextmanager
import importlib.util
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.bench import data_generator
from tests.conftest import postgres_of_its_own

VERSIONS = Path(__file__).parents[2] / "migrations" / "versions"


def migration(number: str):
    """A migration's module (its policies and functions as written), loaded from its file."""
    path = next(VERSIONS.glob(f"*_{number}_*.py"))
    spec = importlib.util.spec_from_file_location(f"migration_{number}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PEOPLE = """
INSERT INTO users (email, name, password_hash, is_platform_admin, is_active, locale, created_at,
                   password_changed_at)
SELECT 'p' || o.id || '-' || n || '@contoh.go.id', 'Orang ' || o.id || '-' || n, 'x', false, true, 'id', now(),
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
INSERT INTO users (email, name, password_hash, is_platform_admin, is_active, locale, created_at,
                   password_changed_at)
VALUES ('baru@contoh.go.id', 'Orang Baru', 'x', false, true, 'id', now(), now());
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


class GeneratedWorld:
    """The generated database, its scopes, and (`before`) what each scope saw in the state a test compares with."""

    def __init__(self, database):
        self.owner = create_engine(database.owner_url)
        self.app_engine = create_engine(database.app_url)
        with self.owner.begin() as connection:
            generate(connection)
            self.scopes = scopes(connection)
        self.tables = self.rls_tables()
        self.before: dict = {}

    def rls_tables(self) -> list[str]:
        """The tables under Row-Level Security now (a later migration's tables are not there at an earlier one)."""
        with self.owner.connect() as connection:
            return sorted(connection.execute(text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity")).scalars())

    def now(self) -> dict:
        return shown(self.app_engine, self.tables, self.scopes)

    def differences(self) -> list:
        """(scope, table, how many rows differ) wherever what the scope sees now is not what it saw `before`."""
        after = self.now()
        return sorted((scope, table, len(self.before[scope, table] ^ after[scope, table]))
                      for scope, table in self.before if self.before[scope, table] != after[scope, table])

    def run(self, statements) -> None:
        with self.owner.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))


@contextmanager
def generated_world(name: str):
    """(app, world) on a PostgreSQL database of its own at head; skips on SQLite."""
    with postgres_of_its_own(name) as (app, database):
        world = GeneratedWorld(database)
        try:
            yield app, world
        finally:
            world.app_engine.dispose()
            world.owner.dispose()
