"""Migration 0037 rewrote who sees a person and a membership; on generated data every scope sees what it saw.

A database of its own, migrated to head, gets a generated national picture in miniature (the bench generator's
facilities in 38 provinces, partners, partnerships, contributions and their audit entries, provincial offices and
Ditjen PAS) and people: members of every organisation, people in two organisations, members who left (their
entries stay), a newcomer with a reset link only, sessions and reset links. For every scope the portal acts in,
each table under Row-Level Security is read as the login role under 0035's policies and under 0037's; the rows
must be the same. The comparison is shown to find a difference when one clause of the new rule is dropped.
"""
from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.core.visibility_comparison import generated_world, migration

pytestmark = [pytest.mark.postgres, pytest.mark.own_database]


def alter(world, policies) -> None:
    world.run(f"ALTER POLICY {name} ON {table} USING ({using})" for table, name, using in policies)


def replace_functions(world, functions) -> None:
    world.run(function.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1) for function in functions)


@pytest.fixture(scope="module")
def world():
    """What each scope sees under 0035's policies (`before`), then 0037's in place."""
    with generated_world("people_visibility") as (_, world):
        world.module = migration("0037")
        alter(world, world.module.PREVIOUS_POLICIES)
        try:
            world.before = world.now()
        finally:
            alter(world, world.module.POLICIES)
        yield world


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
    replace_functions(world, weakened)
    try:
        differences = world.differences()
    finally:
        replace_functions(world, functions)
    assert differences, f"dropping {clause!r} changed nothing the comparison sees"
    assert {table for _, table, _ in differences} <= {"users", "memberships"}


def test_the_comparison_finds_a_dropped_clause_of_the_audit_policy(world):
    """The audit policy is written from the same template as the people function's audit clause."""
    policies = [(table, name, using.replace(" OR organisation_id IN ", " AND organisation_id IN ", 1)
                 if table == "audit_entries" else using) for table, name, using in world.module.POLICIES]
    alter(world, policies)
    try:
        differences = world.differences()
    finally:
        alter(world, world.module.POLICIES)
    assert {table for _, table, _ in differences} >= {"audit_entries"}
