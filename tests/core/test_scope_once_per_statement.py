"""Migration 0038 reads the acting scope once per statement instead of once per row; on generated data every scope
sees what it saw.

The generated data of `tests/core/visibility_comparison.py` is read, table by table, under every kind of scope the
portal acts in, as the login role: once under 0037's policies and once under 0038's. The rows must be the same, and
the comparison is shown to notice one clause dropped from the pair rule.
"""
from __future__ import annotations

from flask_migrate import downgrade, upgrade
import pytest
from sqlalchemy import text

from tests.core.visibility_comparison import generated_world, migration

pytestmark = [pytest.mark.postgres, pytest.mark.own_database]


RULE_BODY = ("SELECT every_tenant OR facility_id OPERATOR(pg_catalog.=) acting "
             "OR partner_id OPERATOR(pg_catalog.=) acting_again")


def the_rule(world) -> str:
    return next(function for function in world.module.FUNCTIONS if "acting_again integer" in function)


def replace_rule(world, body: str) -> None:
    world.run([the_rule(world).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1).replace(RULE_BODY, body)])


@pytest.fixture(scope="module")
def world():
    """What each scope sees under 0037's policies (`before`), then 0038's in place."""
    with generated_world("scope_once") as (app, world):
        world.module = migration("0038")
        with app.app_context():
            downgrade(revision="0038")  # the tables of later migrations are not 0037's to compare
            world.tables = world.rls_tables()
            downgrade(revision="0037")
            world.before = world.now()
            upgrade(revision="0038")
        yield world


def test_every_scope_sees_the_same_rows_of_every_table_with_the_scope_read_once(world):
    assert {"contributions", "partnerships", "audit_entries", "users", "organisations"} <= set(world.tables)
    assert world.before["the busiest partner", "contributions"], "something to see"
    assert world.before["a provincial office", "contributions"] and world.before["escape hatch", "contributions"]
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
    assert RULE_BODY in the_rule(world)
    replace_rule(world, DROPPED[clause])
    try:
        differences = world.differences()
    finally:
        replace_rule(world, RULE_BODY)
    assert differences, f"dropping {clause!r} changed nothing the comparison sees"
    assert world.differences() == []
