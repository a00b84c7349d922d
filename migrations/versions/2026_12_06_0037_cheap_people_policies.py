"""People's Row-Level Security read through two functions: policies cheap to plan and run, the same visibility.

Before, `users` and `memberships` said who sees a person with sub-selects of other tables that have policies of
their own (0021): a person is seen through a visible membership, session, reset link or audit entry, a membership
through the visible partnerships (a UNION over them) and sessions. PostgreSQL expands each referenced table's
policies into the statement, so every statement touching `users` planned (and started up) about thirty subplans,
the session look-up of every signed-in request among them, and a list joining the person who recorded each row
could hash every audit entry the scope sees (a full scan of 200,000) to find its people.

Now each of those two policies is one call of a function that answers for one row:

- `mitrapas_sees_membership(organisation_id, user_id)`: the escape hatch, the acting person's own, the acting
  organisation's, a membership of the person whose session is presented, or one of an organisation on either
  side of a pair the acting organisation sees. "Sees a pair" is asked of the pair rule's two functions (0035's
  `mitrapas_party_to`, `mitrapas_overseen_facilities`): written once, not again here.
- `mitrapas_sees_person(user_id)`: the escape hatch, the acting person, someone with a membership the function
  above shows, the person of the presented session or reset link (`mitrapas.presented`), or the actor of an
  audit entry the scope reads (the audit policy's own condition, built here from one template for both).

What changed, and what did not: `memberships.read` and `users.read` call these; `audit_entries.read` is written
from the same template as the function's audit clause (the same expression as 0035's). Every other policy is as
0035 left it (`users.keep` still reads the acting organisation's memberships, now under the cheap policy).

Why it is cheaper: the functions are PL/pgSQL, never inlined, so the calling statement plans one function call
per table instead of the nested policies, and PL/pgSQL keeps its own statements' plans for the connection (planned
once, not per statement). They answer per row with index look-ups (memberships by person, partnerships by either
organisation, a session or token by its secret, audit entries by actor), in the order the common case is
answered first: the acting person's own row and their organisation's members need no look-up at all.

How the functions are kept from widening what a caller sees:

- SECURITY DEFINER, so that their reads do not re-enter the policies of `memberships`, `partnerships`,
  `login_sessions`, `account_tokens` and `audit_entries` (where the migrations' owner bypasses Row-Level
  Security, as a superuser does). Each read is restricted in the function by exactly the condition the
  table's own policy puts on the caller (the test tests/core/test_people_visibility.py compares every table's
  rows under 0035's policies and these, for every kind of scope, on generated data), so what the function
  reads is what the caller could read. Where the owner does not bypass Row-Level Security (FORCE applies to
  it), the same policies apply inside the function under the same settings: the answer is the same, only
  slower; no policy reached from them calls them back, so there is no recursion.
- The scope is the acting settings alone (`mitrapas.every_tenant`, `.org_id`, `.person_id`, `.presented`), read
  inside the function; the arguments are the row being judged (a membership's organisation and person, a
  person's id), never the scope. Called by hand with any id, a function answers only whether the caller's own
  scope sees that row, which a `SELECT 1 FROM users WHERE id = ...` answers anyway.
- `SET search_path = pg_catalog, pg_temp` and every table and function named by schema (`public.`), as 0033's
  trigger and 0035's `mitrapas_overseen_facilities`: an operator or table planted on the caller's path is never
  looked up (functions and operators are never looked up in pg_temp). No dynamic SQL. The public scope
  (`mitrapas.public`) needs nothing here: both tables keep their restrictive `not_for_the_public` policies.
- Only the portal's role may call them (EXECUTE revoked from PUBLIC, granted to `DATABASE_APP_ROLE`): a
  function running with the owner's rights would otherwise let any other role of the database (one granted
  nothing on these tables) ask, under settings of its choosing, who belongs where.

Measured on the bench generator's national data set (550 facilities, 3,000 partners, 8,000 partnerships, 200,000
contributions and audit entries, a person, a membership and a session per organisation, a third of the audit
entries with an actor), as the login role, EXPLAIN (ANALYZE) medians of 100, on this busy two-core machine
(milliseconds, planning / execution):

Two runs, the two databases (0035; 0036 and this) in turns; each cell is "run 1, run 2":

| statement | scope | planning 0035 | planning 0037 | execution 0035 | execution 0037 |
| --- | --- | --- | --- | --- | --- |
| session look-up (`login_sessions.user_of`) | its person, session presented | 2.63, 1.52 | 0.45, 0.55 | 1.73, 1.08 | 0.14, 0.16 |
| 20 newest contributions + who recorded them | facility | 1.52, 1.22 | 0.44, 0.40 | 37, 21 | 6.2, 5.0 |
| the same | partner | 1.06, 1.04 | 0.37, 0.29 | 0.39, 0.34 | 0.34, 0.29 |
| the same (no ORM filter) | provincial office | 1.33, 1.20 | 0.53, 0.38 | 198, 148 | 253, 152 |
| the same (no ORM filter) | Ditjen PAS | 1.42, 1.27 | 0.49, 0.41 | 244, 236 | 298, 209 |
| 20 people by id (`selectinload`) | facility | 0.98, 1.13 | 0.05, 0.06 | 18.6, 19.2 | 1.9, 2.0 |
| the same | provincial office | 0.97, 1.01 | 0.07, 0.05 | 24.1, 18.4 | 14.0, 13.1 |
| the organisation's members | facility | 1.46, 1.80 | 0.18, 0.13 | 0.41, 0.54 | 0.07, 0.04 |
| 20 partners' people | facility | 1.50, 1.50 | 0.24, 0.18 | 33.7, 30.0 | 5.3, 2.7 |
| count of every person visible (5 runs) | partner | 1.03, 1.04 | 0.05, 0.04 | 3,623, 3,263 | 899, 484 |
| the same | provincial office | 1.59, 1.27 | 0.05, 0.04 | 4,582, 2,931 | 2,406, 1,432 |
| audit trail, 50 newest (policy unchanged) | provincial office | 0.16, 0.32 | 0.26, 0.19 | 1.2, 2.5 | 2.4, 1.5 |
| tallies by facility (untouched) | Ditjen PAS | 0.17, 0.23 | 0.23, 0.22 | 67, 93 | 84, 54 |

Planning of every statement that reads people falls by 3x to 20x, and their execution with it: the session
look-up is 0.6-0.7 ms where it was 2.6-4.4 ms. The last two rows, which read no person, move only with the
machine's load (it ran other people's tests at the time). What is left: an oversight office's look-up of someone
outside its own organisation asks `mitrapas_overseen_facilities()` once per row (a provincial office's twenty
people, 13 ms: each call scans `organisations` for its province; Ditjen PAS's would be the 550 facilities each
time); a per-statement set of them would be cheaper there and dearer for everyone else (8,000 partnerships hashed
per statement). Reading every person at once (the "count" rows) stays slow under both, since a person outside the
scope is judged by their audit entries; no page does it.

As the portal sends the session look-up (psycopg prepares it after five runs, so it is planned once per
connection), it took 0.28 and 0.29 ms before and 0.22 and 0.24 ms after (medians of 1,400; unprepared 1.7-2.0
against 0.7 ms). So `make bench-pages`' signed-in floor hardly moves: on one stack per variant, with the pages of
HEAD, 50 connections, it answered 114, 109, 154 and 168 req/s before (3.5-4.2% of bare Flask in the same run)
and 87, 133, 170 and 125 after (2.2-3.8%), within this machine's run-to-run spread. What bounds the floor is not
this SQL (a third of a millisecond of a request), and the 15% it is asked for needs the rest of the request.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06 21:00:00
"""
import re

from alembic import op
from flask import current_app

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

_EVERY = "current_setting('mitrapas.every_tenant', true) = 'on'"
_PERSON = "nullif(current_setting('mitrapas.person_id', true), '')::integer"
_ORG = "nullif(current_setting('mitrapas.org_id', true), '')::integer"
_PRESENTED = "nullif(current_setting('mitrapas.presented', true), '')"


def audit_rule(row: str = "", schema: str = "") -> str:
    """Who reads an audit entry (0020, as 0035 wrote it): the person who acted, a party to its pair or an office
    overseeing its facility, or its organisation or an office overseeing that. `row` prefixes its columns,
    `schema` the functions (a function with a pinned search_path names them by schema)."""
    overseen = f"(SELECT overseen FROM {schema}mitrapas_overseen_facilities() overseen)"
    return (f"{row}actor_id = {_PERSON} OR {schema}mitrapas_party_to({row}facility_id, {row}partner_id) "
            f"OR {row}facility_id IN {overseen} OR {schema}mitrapas_party_to({row}organisation_id, NULL) "
            f"OR {row}organisation_id IN {overseen}")


FUNCTIONS = (
    f"""
CREATE FUNCTION mitrapas_sees_membership(member_of integer, member integer) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    presented text := {_PRESENTED};
BEGIN
    IF {_EVERY} OR member = {_PERSON} OR member_of = {_ORG} THEN
        RETURN true;
    END IF;
    IF presented IS NOT NULL
       AND EXISTS (SELECT 1 FROM public.login_sessions s WHERE s.id = presented AND s.user_id = member) THEN
        RETURN true;
    END IF;
    RETURN EXISTS (
        SELECT 1 FROM public.partnerships pair
        WHERE (pair.facility_id = member_of OR pair.partner_id = member_of)
          AND (public.mitrapas_party_to(pair.facility_id, pair.partner_id)
               OR pair.facility_id IN (SELECT overseen FROM public.mitrapas_overseen_facilities() overseen)));
END
$$""",
    f"""
CREATE FUNCTION mitrapas_sees_person(person integer) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    presented text := {_PRESENTED};
BEGIN
    IF {_EVERY} OR person = {_PERSON} THEN
        RETURN true;
    END IF;
    IF EXISTS (SELECT 1 FROM public.memberships m
               WHERE m.user_id = person AND public.mitrapas_sees_membership(m.organisation_id, m.user_id)) THEN
        RETURN true;
    END IF;
    IF presented IS NOT NULL
       AND (EXISTS (SELECT 1 FROM public.login_sessions s WHERE s.id = presented AND s.user_id = person)
            OR EXISTS (SELECT 1 FROM public.account_tokens t WHERE t.token_hash = presented AND t.user_id = person))
    THEN
        RETURN true;
    END IF;
    RETURN EXISTS (SELECT 1 FROM public.audit_entries a
                   WHERE a.actor_id = person AND ({audit_rule("a.", "public.")}));
END
$$""",
)
FUNCTION_NAMES = ("mitrapas_sees_person(integer)", "mitrapas_sees_membership(integer, integer)")

#: (table, policy, USING) after this migration; each is FOR SELECT, with no WITH CHECK.
POLICIES = (
    ("memberships", "read", "mitrapas_sees_membership(organisation_id, user_id)"),
    ("users", "read", "mitrapas_sees_person(id)"),
    ("audit_entries", "read", audit_rule()),
)

# --- what 0035 had (0021's memberships and users, 0035's audit trail), for the downgrade ---------------------------

PREVIOUS_POLICIES = (
    ("memberships", "read",
     f"{_EVERY} OR user_id = {_PERSON} OR organisation_id = {_ORG}"
     " OR organisation_id IN (SELECT facility_id FROM partnerships UNION SELECT partner_id FROM partnerships)"
     " OR user_id IN (SELECT user_id FROM login_sessions)"),
    ("users", "read",
     f"{_EVERY} OR id = {_PERSON}"
     " OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id)"
     " OR EXISTS (SELECT 1 FROM login_sessions s WHERE s.user_id = users.id)"
     " OR EXISTS (SELECT 1 FROM account_tokens t WHERE t.user_id = users.id)"
     " OR EXISTS (SELECT 1 FROM audit_entries a WHERE a.actor_id = users.id)"),
    ("audit_entries", "read", audit_rule()),
)


def _role() -> str:
    role = current_app.config["DATABASE_APP_ROLE"]
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
    return role


def _alter(policies) -> None:
    for table, name, using in policies:
        op.execute(f"ALTER POLICY {name} ON {table} USING ({using})")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for function in FUNCTIONS:
        op.execute(function)
    for function in FUNCTION_NAMES:
        op.execute(f"REVOKE EXECUTE ON FUNCTION {function} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {_role()}")
    _alter(POLICIES)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    _alter(PREVIOUS_POLICIES)
    for function in FUNCTION_NAMES:
        op.execute(f"DROP FUNCTION {function}")
