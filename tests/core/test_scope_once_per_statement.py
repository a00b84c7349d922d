"""Migration 0038 reads the acting scope once per statement instead of once per row; on generated data every scope
sees what it saw.

The people-visibility test's generated national picture in miniature (facilities in 38 provinces, partners, pairs,
contributions and their audit entries, provincial offices and Ditjen PAS, members, people in two organisations,
members who left, sessions and reset links) is read, table by table, under every kind of scope the portal acts in,
as the login role: once under 0037's policies and once under 0038's. The rows must be the same, and the comparison
is shown to notice one clause dropped from the pair rule.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from flask_migrate import downgrade, upgrade
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import make_app
from tests.core.test_people_visibility import generate, scopes, shown
from tests.databases import fresh_database

pytestmark = [pytest.mark.postgres, pytest.mark.own_database]

MIGRATION = next((Path(__file__).parents[2] / "migrations" / "versions").glob("*_0038_*.py"))


def migration():
    spec = importlib.util.spec_from_file_location("scope_once_per_statement", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class World:
    def __init__(self, app, database):
        self.module = migration()
        self.owner = create_engine(database.owner_url)
        self.app_engine = create_engine(database.app_url)
        with self.owner.begin() as connection:
            generate(connection)
            self.scopes = scopes(connection)
            self.tables = sorted(connection.execute(text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity")).scalars())
        with app.app_context():
            downgrade(revision="0037")
            self.before = self.now()
            upgrade()

    def now(self) -> dict:
        return shown(self.app_engine, self.tables, self.scopes)

    def replace_rule(self, body: str) -> None:
        rule = next(function for function in self.module.FUNCTIONS if "acting_again integer" in function)
        with self.owner.begin() as connection:
            connection.execute(text(rule.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
                                    .replace(RULE_BODY, body)))

    def differences(self) -> list:
        after = self.now()
        return sorted((scope, table, len(self.before[scope, table] ^ after[scope, table]))
                      for scope, table in self.before if self.before[scope, table] != after[scope, table])


RULE_BODY = ("SELECT every_tenant OR facility_id OPERATOR(pg_catalog.=) acting "
             "OR partner_id OPERATOR(pg_catalog.=) acting_again")


@pytest.fixture(scope="module")
def world():
    with fresh_database("scope_once") as database:
        if not database.is_postgres:
            pytest.skip("Row-Level Security exists on PostgreSQL only (CI runs this with DATABASE_URL)")
        app = make_app(database)
        world = World(app, database)
        yield world
        world.app_engine.dispose()
        world.owner.dispose()
        with app.app_context():
            from portal.extensions import db

            db.engine.dispose()


def test_every_scope_sees_the_same_rows_of_every_table_with_the_scope_read_once(world):
    assert {"contributions", "partnerships", "audit_entries", "users", "organisations"} <= set(world.tables)
    assert world.before["the busiest partner", "contributions"], "something to see"
    assert world.before["a provincial office", "contributions"] and world.before["escape hatch", "uploads"] is not None
    with world.owner.connect() as connection:
        bare = connection.execute(text(
            "SELECT tablename || '.' || policyname FROM pg_policies WHERE schemaname = 'public' AND "
            "(coalesce(qual, '') || coalesce(with_check, '')) ~ '(?<!SELECT )current_setting\\('")).scalars().all()
    assert bare == [], "a policy still reads a setting for every row"
    assert world.differences() == []


#: One clause of the rule dropped at a time: what a comparison that can tell must notice.
DROPPED = {
    "the escape hatch": "SELECT facility_id OPERATOR(pg_catalog.=) acting OR partner_id OPERATOR(pg_catalog.=) "
                        "acting_again",
    "the facility's side": "SELECT every_tenant OR partner_id OPERATOR(pg_catalog.=) acting_again",
    "the partner's side": "SELECT every_tenant OR facility_id OPERATOR(pg_catalog.=) acting",
}


@pytest.mark.parametrize("clause", DROPPED)
def test_the_comparison_finds_a_dropped_clause_of_the_rule(world, clause):
    assert RULE_BODY in " ".join(next(f for f in world.module.FUNCTIONS if "acting_again integer" in f).split())
    world.replace_rule(DROPPED[clause])
    try:
        differences = world.differences()
    finally:
        world.replace_rule(RULE_BODY)
    assert differences, f"dropping {clause!r} changed nothing the comparison sees"
    assert world.differences() == []
