"""The pair rule written once in SQL: the thirteen Row-Level Security policies that spelled it call two functions.

DESIGN.md's pair rule (a shared record is seen by its facility, its partner and the oversight offices covering
the facility: an office of the facility's province, or one with no province, Ditjen PAS, which covers them all;
only the two parties write it) was spelled out in the live policies by migrations 0001-0005, 0012, 0020 and 0023,
the oversight join in three shapes. Python spells it once too: `portal/organisations/visibility.py`.

- `mitrapas_party_to(facility_id, partner_id)`: the escape hatch (`mitrapas.every_tenant`), or the acting
  organisation is the facility or the partner. A plain SQL function (no sub-select, no SET, not SECURITY
  DEFINER) that the planner inlines: a policy costs what the comparisons it replaces cost. It is every pair
  policy's WITH CHECK (so their narrower meaning stays: parties only), `uploads`' whole rule, and with NULL for
  the partner a facility's own records' WITH CHECK (the facility alone, and only an organisation of kind
  facility: a partner cannot file a news item or a tally under its own id, as tenancy's write guard says).
  Being inlined, its body is parsed again in every calling statement, under the caller's `search_path` (a SET
  clause would stop the inlining), so it names every operator and function it uses by schema
  (`OPERATOR(pg_catalog.=)`, `pg_catalog.current_setting`): an `=` planted in a schema the caller puts first on
  its path changes nothing. The one unqualified lookup left is NULLIF's `=` (SQL gives it no schema), and that
  cannot widen the rule: NULLIF(setting, '') is the setting or NULL whatever its `=` answers, and NULL is no
  organisation.
- `mitrapas_overseen_facilities()`: the ids of the facilities the acting organisation (`mitrapas.org_id`) covers
  as an oversight office; none for anyone else. The one place the database compares an office's province with a
  facility's. PL/pgSQL, so never inlined: a policy asks for it as `facility_id IN (SELECT overseen FROM
  mitrapas_overseen_facilities() overseen)`, an uncorrelated sub-select run once per statement and hashed, and
  `organisations` with its own policies no longer enters the calling statement's plan. It runs as the caller
  (under `organisations`' policies, which show the directory to anyone acting), reads only organisations' id,
  kind and province and the acting organisation's setting, and so can show nobody anything new. Its body is
  parsed when it runs, under the path of whoever calls it, so it pins its own (`SET search_path = pg_catalog,
  pg_temp`, as 0033's `guard_user_columns`) and names `public.organisations`: otherwise an `=(varchar,
  varchar)` created in any schema on the caller's path (PostgreSQL has none, so it is an exact match and wins
  over pg_catalog's text equality, CVE-2018-1058's pattern) would make every organisation an office covering
  every facility. The SET costs nothing here: the function is never inlined anyway, and runs once a statement.
- Parties only delete. The pair and facility rules are FOR ALL policies, and a DELETE is judged by their USING
  alone, which includes the overseen facilities: an oversight office could delete, in plain SQL, the
  partnerships, materials, news and tallies it reads (0034's policies said the same; the ORM's write guard
  never let it). Each table the portal's role may delete from and that no restrictive DELETE policy already
  guards gets one, `parties_only_delete`: `mitrapas_party_to(facility_id, partner_id)`, NULL for the partner on
  a facility's own tables. What the portal deletes, it deletes as a party (a facility's news quotes and photos)
  or through the escape hatch (the retention purges, `storage-reconcile`, the tallies' rebuild).
  (`agreement_documents` has 0022's `only_rejected_drafts`, escape hatch only; `uploads`' rule is parties
  only already; the other pair tables grant no DELETE.)
- `REVOKE CREATE ON SCHEMA public FROM PUBLIC`: nobody but the schema's owner plants objects next to the
  tables. PostgreSQL 15 and later create `public` that way already (a no-op there); on 14 and before it takes
  back the default grant, and where the migrations' owner does not own the schema PostgreSQL says so with a
  warning, and the DBA runs it. The portal's role never creates anything. The downgrade leaves it revoked:
  0034's policies do not need it granted, and granting it again would reopen a hole the server's own default
  keeps shut.

Each read policy is now `mitrapas_party_to(facility_id, partner_id) OR facility_id IN (<overseen>)` (eight pair
tables), the same with NULL for the partner (four facility tables), and for `audit_entries` the acting person's
own entries or the same rule over (facility, partner) and over the acting organisation. The policies keep their
names, commands and roles (ALTER POLICY); 0033's restrictive "the pair is a partnership" policies stay as they
are, their sub-select now planned under the cheaper partnerships policy; `memberships` and `users` read through
`partnerships`, so they follow. tests/core/test_row_level_security.py fails if a policy spells the oversight join
again, and tests/ops/test_migrations.py checks that the downgrade restores 0034's policies exactly.

What was tried first and dropped: the overseen facilities as an array (`facility_id = ANY((SELECT ...))`)
compare linearly, row by row (PostgreSQL 15 hashes `= ANY` only for a constant array): Ditjen PAS's 550 made a
count of 200,000 contributions 2x slower (380 against 190 ms). A set-returning call in the select list
(`IN (SELECT mitrapas_overseen_facilities())`) keeps a statement off parallel workers. SECURITY DEFINER was not
needed: the function reads nothing the caller cannot (an invoker function still parses its body under a
path, hence the pinned one above).

Measured on the bench generator's national data set (550 facilities, 3,000 partners, 8,000 partnerships,
200,000 contributions and audit entries, a person and a session per organisation), as the login role, the two
databases (0034, 0035) in turns on the same busy two-core machine, medians of 300 (milliseconds):

| statement | scope | EXPLAIN planning 0034 / 0035 | EXPLAIN execution 0034 / 0035 |
| --- | --- | --- | --- |
| session look-up (`login_sessions.user_of`) | its person | 2.65 / 1.81 | 0.53 / 1.12 |
| agreement list, 50 newest | facility | 0.29 / 0.23 | 10.8 / 11.0 |
| agreement list, 50 newest | provincial office | 0.26 / 0.21 | 1.52 / 1.58 |
| agreement list, 50 newest | Ditjen PAS | 0.24 / 0.18 | 0.99 / 1.02 |
| tallies by facility (91,662 rows) | provincial office | 0.27 / 0.22 | 83 / 88 |
| tallies by facility | Ditjen PAS | 0.27 / 0.22 | 124 / 130 |
| audit trail, 100 newest | provincial office | 0.35 / 0.22 | 2.4 / 3.1 (p25 2.2 / 2.4) |

Planning is 20-40% cheaper everywhere. Execution of the pair-table statements is the same within this machine's
noise (the plans have the same shape: one hashed sub-select, the same parallel workers). The session look-up's
EXPLAIN execution rose by half a millisecond, none of it in the new functions (their sub-plans never run for a
person without an organisation): `perf` puts it in executor start-up, in the page faults of zeroing the hash
table of `memberships`' own policy (0021's UNION over all 8,060 partnerships), which the C library now hands back
to the kernel between statements. As the portal runs it, prepared by psycopg after five runs (no planning, no
such allocation pattern), the look-up took 0.65 ms against 0.76 ms before; sent unprepared every time, 3.90
against 3.44 ms. That policy (a UNION over partnerships, sized for all of them, in every statement that reads
`users` or `memberships`) is issue 36's next step.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 15:00:00
"""
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

#: Shared tables whose read policy is the whole pair rule (0005's list; 0012's `uploads` is parties only).
PAIR_TABLES = ("partnerships", "agreements", "agreement_documents", "signatures", "materials",
               "material_versions", "programmes", "contributions")
#: A facility's own records: read by the facility and its overseers, written by the facility (0005, 0023).
FACILITY_TABLES = ("contribution_tallies", "news_items", "news_quotes", "news_photos")

_EVERY = "current_setting('mitrapas.every_tenant', true) = 'on'"
_ORG = "nullif(current_setting('mitrapas.org_id', true), '')::integer"
_PERSON = "nullif(current_setting('mitrapas.person_id', true), '')::integer"
#: The same, for a function inlined into its callers (parsed under their search_path): every name qualified.
_QUALIFIED_EVERY = "pg_catalog.current_setting('mitrapas.every_tenant', true) OPERATOR(pg_catalog.=) 'on'"
_QUALIFIED_ORG = "nullif(pg_catalog.current_setting('mitrapas.org_id', true), '')::integer"
#: The facilities the acting office oversees, as a policy asks for them: a sub-select FROM the function (one call per
#: statement, hashed; a set-returning call in the select list would keep the statement off parallel workers).
OVERSEEN = "(SELECT overseen FROM mitrapas_overseen_facilities() overseen)"

FUNCTIONS = (
    f"""
CREATE FUNCTION mitrapas_overseen_facilities() RETURNS SETOF integer
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    acting integer := {_ORG};
BEGIN
    IF acting IS NOT NULL THEN
        RETURN QUERY
            SELECT facility.id FROM public.organisations facility
            JOIN public.organisations overseer ON overseer.id = acting
            WHERE overseer.kind = 'oversight' AND facility.kind = 'facility'
              AND (overseer.province IS NULL OR overseer.province = facility.province);
    END IF;
END
$$""",
    f"""
CREATE FUNCTION mitrapas_party_to(facility_id integer, partner_id integer) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT {_QUALIFIED_EVERY} OR facility_id OPERATOR(pg_catalog.=) {_QUALIFIED_ORG}
        OR partner_id OPERATOR(pg_catalog.=) {_QUALIFIED_ORG}
$$""",
)
FUNCTION_NAMES = ("mitrapas_party_to(integer, integer)", "mitrapas_overseen_facilities()")

#: Tables the portal's role may delete from whose pair or facility rule lets an oversight office's DELETE through.
#: (The other pair tables grant no DELETE; `agreement_documents` has 0022's restrictive policy, `uploads` no oversight.)
DELETE_GUARDED = ("partnerships", "materials", "material_versions", *FACILITY_TABLES)


def sees(facility: str, partner: str = "NULL") -> str:
    """The pair rule as a policy says it: a party to the pair (or the escape hatch), or an office overseeing
    the facility (an initplan-like hashed sub-select: the function runs once per statement)."""
    return f"mitrapas_party_to({facility}, {partner}) OR {facility} IN {OVERSEEN}"


def _policies() -> list[tuple[str, str, str | None, str | None]]:
    """(table, policy, USING, WITH CHECK) as they are after this migration."""
    parties = "mitrapas_party_to(facility_id, partner_id)"
    facility = ("mitrapas_party_to(facility_id, NULL) "
                "AND facility_id IN (SELECT id FROM organisations WHERE kind = 'facility')")
    return [
        *((table, "pair_rule", sees("facility_id", "partner_id"), parties) for table in PAIR_TABLES),
        ("uploads", "pair_rule", parties, parties),
        *((table, "facility_rule", sees("facility_id"), facility) for table in FACILITY_TABLES),
        ("audit_entries", "read",
         f"actor_id = {_PERSON} OR {sees('facility_id', 'partner_id')} OR {sees('organisation_id')}", None),
    ]


# --- what 0034 had (0005, 0012, 0020, 0023), for the downgrade ------------------------------------------------

_OLD_OVERSEEN = f"""(
        SELECT facility.id FROM organisations facility
        JOIN organisations overseer ON overseer.id = {_ORG} AND overseer.kind = 'oversight'
             AND (overseer.province IS NULL OR overseer.province = facility.province)
        WHERE facility.kind = 'facility')"""


def _old_audit_overseen(column: str) -> str:
    return (f"{column} IN (SELECT facility.id FROM organisations facility JOIN organisations overseer "
            f"ON overseer.id = {_ORG} WHERE overseer.kind = 'oversight' AND facility.kind = 'facility' "
            f"AND (overseer.province IS NULL OR overseer.province = facility.province))")


def _previous_policies() -> list[tuple[str, str, str | None, str | None]]:
    parties = f"{_EVERY} OR facility_id = {_ORG} OR partner_id = {_ORG}"
    own = f"{_EVERY} OR facility_id = {_ORG}"
    audit = (f"{_EVERY} OR actor_id = {_PERSON} OR organisation_id = {_ORG} OR facility_id = {_ORG} "
             f"OR partner_id = {_ORG} OR {_old_audit_overseen('facility_id')} "
             f"OR {_old_audit_overseen('organisation_id')}")
    return [
        *((table, "pair_rule", f"{parties} OR facility_id IN {_OLD_OVERSEEN}", parties) for table in PAIR_TABLES),
        ("uploads", "pair_rule", parties, parties),
        *((table, "facility_rule", f"{own} OR facility_id IN {_OLD_OVERSEEN}", own) for table in FACILITY_TABLES),
        ("audit_entries", "read", audit, None),
    ]


def _alter(policies) -> None:
    for table, name, using, check in policies:
        clauses = (f" USING ({using})" if using else "") + (f" WITH CHECK ({check})" if check else "")
        op.execute(f"ALTER POLICY {name} ON {table}{clauses}")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for function in FUNCTIONS:
        op.execute(function)
    _alter(_policies())
    for table in DELETE_GUARDED:
        partner = "NULL" if table in FACILITY_TABLES else "partner_id"
        op.execute(f"CREATE POLICY parties_only_delete ON {table} AS RESTRICTIVE FOR DELETE "
                   f"USING (mitrapas_party_to(facility_id, {partner}))")
    op.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in DELETE_GUARDED:
        op.execute(f"DROP POLICY parties_only_delete ON {table}")
    _alter(_previous_policies())
    for function in FUNCTION_NAMES:
        op.execute(f"DROP FUNCTION {function}")
