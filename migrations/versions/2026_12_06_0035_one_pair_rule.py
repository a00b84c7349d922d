"""The pair rule written once in SQL: every Row-Level Security policy that spelled it now calls four functions.

DESIGN.md's pair rule (a shared record is seen by its facility, its partner and the oversight offices covering
the facility: an office of the facility's province, or one with no province, Ditjen PAS, which covers them all;
only the two parties write it) was spelled out in thirteen live policies by migrations 0001-0005, 0012, 0020 and
0023, the oversight join six different ways. Now:

- `mitrapas_overseen_facilities()`: the ids of the facilities the acting organisation (`mitrapas.org_id`) covers
  as an oversight office, empty for anyone else. The one place the database compares an office's province with
  a facility's. PL/pgSQL, STABLE, SECURITY DEFINER with a fixed `search_path` (`pg_temp` last, every name
  qualified, so a caller's temporary table cannot stand in for `organisations`), owned by the migrations' owner,
  executable by the portal's role alone. It reads only `organisations`' id, kind and province and the acting
  organisation's setting, and returns only facility ids that organisation covers: nothing the caller could not
  read in the directory already. PARALLEL RESTRICTED, as a function with a SET clause must be.
- `mitrapas_party_to(facility_id, partner_id)`: the escape hatch (`mitrapas.every_tenant`), or the acting
  organisation is the facility or the partner. What may write a shared record (every pair policy's WITH CHECK,
  and `uploads`, which oversight never sees).
- `mitrapas_sees_pair(facility_id, partner_id, overseen)`: a party to the pair, or the facility is in `overseen`.
- `mitrapas_sees_facility(facility_id, overseen)`: the same for a facility's own records (no partner).

The last three are plain SQL functions the planner inlines (no SECURITY DEFINER, no SET, no sub-select in their
bodies), so a policy costs what the expression it replaces cost. The facilities a scope oversees come in as an
argument, always written `(SELECT mitrapas_overseen_facilities())`: an uncorrelated sub-select is an initplan,
run once per statement, while the function call inside it keeps `organisations` and its own policies out of the
calling statement's plan. Before, each of those policies put a join of `organisations` with itself, and both
sides' `organisations` policies, into every statement; planning them is what issue 36 measured.

The policies keep their names, commands and meaning (ALTER POLICY): the pair tables' and `audit_entries`' reads,
the facility tables' reads, and every WITH CHECK (parties only; the facility alone for its own records; 0033's
restrictive "the pair is a partnership" policies stay as they are, their sub-select now planned under the cheaper
partnerships policy). `memberships` and `users` read through `partnerships`, so they follow.

Measured on the bench generator's national data set (550 facilities, 3,000 partners, 8,000 partnerships, 200,000
contributions and audit entries, a person and a session per organisation), EXPLAIN (ANALYZE) as the login role,
median of 30 (milliseconds, planning / execution; the two databases measured in turns on the same busy 2-core
machine, so execution varies by some 10% from run to run):

| statement | scope | 0034 | 0035 |
| --- | --- | --- | --- |
SEE_MEASUREMENTS

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
#: The facilities the acting office oversees, as a policy asks for them: a sub-select FROM the function (one call per
#: statement, hashed; a set-returning call in the select list would keep the statement off parallel workers).
OVERSEEN = "(SELECT overseen FROM mitrapas_overseen_facilities() overseen)"

FUNCTIONS = (
    f"""
CREATE FUNCTION mitrapas_overseen_facilities() RETURNS SETOF integer
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
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
    SELECT {_EVERY} OR facility_id = {_ORG} OR partner_id = {_ORG}
$$""",
)
FUNCTION_NAMES = ("mitrapas_party_to(integer, integer)", "mitrapas_overseen_facilities()")


def sees(facility: str, partner: str = "NULL") -> str:
    """The pair rule as a policy says it: a party to the pair (or the escape hatch), or an office overseeing
    the facility (an initplan-like hashed sub-select: the function runs once per statement)."""
    return f"mitrapas_party_to({facility}, {partner}) OR {facility} IN {OVERSEEN}"


def _policies() -> list[tuple[str, str, str | None, str | None]]:
    """(table, policy, USING, WITH CHECK) as they are after this migration."""
    parties = "mitrapas_party_to(facility_id, partner_id)"
    return [
        *((table, "pair_rule", sees("facility_id", "partner_id"), parties) for table in PAIR_TABLES),
        ("uploads", "pair_rule", parties, parties),
        *((table, "facility_rule", sees("facility_id"), "mitrapas_party_to(facility_id, NULL)")
          for table in FACILITY_TABLES),
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


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    _alter(_previous_policies())
    for function in FUNCTION_NAMES:
        op.execute(f"DROP FUNCTION {function}")
