"""The acting scope read once per statement, not once per row: every policy the same rows, a third of the work.

Every policy reads the acting scope from settings (`mitrapas.every_tenant`, `.org_id`, `.person_id`, `.presented`,
`.public`). Written bare, `current_setting(...)` is evaluated for every row the policy judges: a facility's list of
its 5,700 contributions asked for the escape hatch and the acting organisation about 17,000 times, each a lookup by
name and, for the organisation, a text-to-integer cast. Two changes, the visibility unchanged:

- **The pair rule's scope is an argument.** `mitrapas_party_to(facility_id, partner_id, every_tenant, acting,
  acting_again)` is the rule itself: the escape hatch, or the acting organisation is the facility or the partner.
  Pure comparisons of its arguments, so the planner inlines it. The policies pass the scope as sub-selects
  (`(SELECT mitrapas_every_tenant())`, `(SELECT mitrapas_acting_org())`), which PostgreSQL computes once per
  statement as initplans and the row comparisons read as parameters (`$7 OR facility_id = $8 OR partner_id =
  $9`). The acting organisation is passed twice because PostgreSQL inlines a SQL function only if an argument
  that is a sub-select is used once in its body (inline_function, clauses.c); used twice it stays a call per
  row. (`acting IN (facility_id, partner_id)` uses it once but builds an array per row: Ditjen PAS's count of
  200,000 contributions took 94-100 ms against 53-76 ms.) The two-argument `mitrapas_party_to(facility_id,
  partner_id)` stays, for the people functions of 0037 that call it inside PL/pgSQL: it is the same rule at the
  current settings, one call of the five-argument function, so the rule is still written once.
- **Every other bare setting in a policy is a sub-select too**: `current_setting('mitrapas.public', true)` becomes
  `(SELECT current_setting('mitrapas.public', true))`, and so on, in every policy (the public pages' reads that
  every pair table ORs in, `not_for_the_public`, the directory, sessions, notifications...). The policies are
  rewritten from their live text, one rule for all of them, and the downgrade reverses that rewrite: the same
  expressions, as PostgreSQL prints them (`agreements.public_read`'s `IN ('signed', 'active')` comes back as an
  array of two casts instead of one cast array, the same test). tests/ops/test_migrations.py checks both ways.

What a setting read once changes, besides the cost: a statement judges all its rows by the scope it started with.
A cursor left open while the scope changes (a server-side stream outliving an `unscoped()` block) would go on
with the first scope, where it was judged row by row before; nothing in the portal changes the scope inside a
stream (exports stream inside `stream_in_scope`, which holds one scope), and every statement it sends is judged
by one scope anyway.

Measured on the bench generator's national data set (550 facilities, 200,000 contributions), as the login role,
EXPLAIN ANALYZE after a warm run: a facility's count of its 5,699 contributions 6.3 ms before, 2.4-2.7 ms after
(planning 1.6 ms before, 0.3 after); Ditjen PAS's count of all 200,000, 197-201 ms before, 53-76 ms after; the
party-name search of the signed-in floor 2.1 ms before, 0.8 ms after. tests/core/test_scope_once_per_statement.py
compares, on generated data, the rows every kind of scope sees of every table before and after, and shows that the
comparison notices one clause dropped from the rule.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07 02:00:00
"""
import re

from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

_QUALIFIED_EVERY = "pg_catalog.current_setting('mitrapas.every_tenant', true) OPERATOR(pg_catalog.=) 'on'"
_QUALIFIED_ORG = "nullif(pg_catalog.current_setting('mitrapas.org_id', true), '')::integer"

#: The scope as the rule's arguments. Inlined into their callers, so parsed under the caller's search_path: every
#: function and operator named by schema (as 0035's `mitrapas_party_to`).
FUNCTIONS = (
    f"""
CREATE FUNCTION mitrapas_every_tenant() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT {_QUALIFIED_EVERY}
$$""",
    f"""
CREATE FUNCTION mitrapas_acting_org() RETURNS integer LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT {_QUALIFIED_ORG}
$$""",
    """
CREATE FUNCTION mitrapas_party_to(facility_id integer, partner_id integer, every_tenant boolean, acting integer,
                                  acting_again integer) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT every_tenant OR facility_id OPERATOR(pg_catalog.=) acting OR partner_id OPERATOR(pg_catalog.=) acting_again
$$""",
)
FUNCTION_NAMES = ("mitrapas_party_to(integer, integer, boolean, integer, integer)", "mitrapas_acting_org()",
                  "mitrapas_every_tenant()")

#: The two-argument form, the same rule at the current settings (0037's people functions call it).
AT_THE_CURRENT_SCOPE = """
CREATE OR REPLACE FUNCTION mitrapas_party_to(facility_id integer, partner_id integer) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT public.mitrapas_party_to(facility_id, partner_id, public.mitrapas_every_tenant(),
                                    public.mitrapas_acting_org(), public.mitrapas_acting_org())
$$"""
#: 0035's body, for the downgrade.
PREVIOUS_TWO_ARGUMENTS = f"""
CREATE OR REPLACE FUNCTION mitrapas_party_to(facility_id integer, partner_id integer) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT {_QUALIFIED_EVERY} OR facility_id OPERATOR(pg_catalog.=) {_QUALIFIED_ORG}
        OR partner_id OPERATOR(pg_catalog.=) {_QUALIFIED_ORG}
$$"""

# How the rewritten expressions read back from pg_policies (PostgreSQL's deparsed form), both ways.
_PARTY_CALL = re.compile(r"mitrapas_party_to\(([^,()]+), ([^,()]+)\)")
_ONCE = "( SELECT mitrapas_every_tenant() AS mitrapas_every_tenant), " + ", ".join(
    ["( SELECT mitrapas_acting_org() AS mitrapas_acting_org)"] * 2)
_PARTY_CALL_ONCE = re.compile(r"mitrapas_party_to\(([^,()]+), ([^,()]+), " + re.escape(_ONCE) + r"\)")
_SETTING = re.compile(r"current_setting\('mitrapas\.\w+'::text, true\)")
_SETTING_ONCE = re.compile(r"\( SELECT (current_setting\('mitrapas\.\w+'::text, true\)) AS current_setting\)")


def once_per_statement(expression: str) -> str:
    """A policy expression (as pg_policies shows it) with the scope read once per statement."""
    expression = _SETTING.sub(lambda setting: f"(SELECT {setting.group(0)})", expression)
    return _PARTY_CALL.sub(r"mitrapas_party_to(\1, \2, (SELECT mitrapas_every_tenant()), "
                           r"(SELECT mitrapas_acting_org()), (SELECT mitrapas_acting_org()))", expression)


def once_per_row(expression: str) -> str:
    """The reverse: `once_per_statement`'s result, read back, as the expression it was made from."""
    return _SETTING_ONCE.sub(r"\1", _PARTY_CALL_ONCE.sub(r"mitrapas_party_to(\1, \2)", expression))


def _rewrite(change) -> None:
    policies = op.get_bind().exec_driver_sql(
        "SELECT tablename, policyname, qual, with_check FROM pg_policies WHERE schemaname = 'public' "
        "ORDER BY tablename, policyname").all()
    for table, name, using, check in policies:
        clauses = [f"{word} ({change(expression)})" for word, expression in (("USING", using), ("WITH CHECK", check))
                   if expression and change(expression) != expression]
        if clauses:
            op.execute(f'ALTER POLICY "{name}" ON "{table}" ' + " ".join(clauses))


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for function in FUNCTIONS:
        op.execute(function)
    op.execute(AT_THE_CURRENT_SCOPE)
    _rewrite(once_per_statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    _rewrite(once_per_row)
    op.execute(PREVIOUS_TWO_ARGUMENTS)
    for function in FUNCTION_NAMES:
        op.execute(f"DROP FUNCTION {function}")
