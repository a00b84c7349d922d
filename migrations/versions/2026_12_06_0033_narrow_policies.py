"""Two Row-Level Security rules narrowed to what the portal's own rules say (issue 32, hole 10).

1. A person's credentials. Migration 0021's `keep` policy lets any organisation a person belongs to update
   their `users` row, every column of it: a partner admin could set a facility head's password hash, e-mail
   (and so receive their reset link), two-step secret, or make anyone a platform admin. The portal itself
   only ever changes these as the person (changing one's password, turning two-step sign-in on, a reset link,
   a code's time step, all under `as_person` or a signed-in request's `mitrapas.person_id`) or through the
   escape hatch (`mitrapas.every_tenant`: the platform admin's pages, erasure, demo data, commands). Now:

   - `email`, `password_hash`, `password_changed_at`, `totp_secret`, `totp_enabled_at`, `totp_last_step`
     change only when the acting person is the row's person, or under the escape hatch;
   - `is_platform_admin` and `pseudonymised_at` (which stops the person's erasure for good) change only under
     the escape hatch, and a row inserted outside it cannot carry them;
   - the rest of the row (name, position, activity...) stays as 0021 has it.

   Why a trigger, and not column privileges: a GRANT is per role, and the portal uses one role for every
   scope, so `GRANT UPDATE (…)` cannot say "the person themself" or "the escape hatch"; revoking the columns
   outright would stop the legitimate writes too (or need SECURITY DEFINER functions the ORM does not call),
   and any later `GRANT UPDATE ON ALL TABLES` would silently widen it again. A policy cannot do it either:
   WITH CHECK sees only the new row, and a policy on `users` that reads `users` for the old one recurses. A
   BEFORE INSERT OR UPDATE trigger sees both rows and the same settings the policies read; it fires only for
   rows the policies already let through, compares old and new values (so the ORM writing an unchanged value
   passes), and refuses with SQLSTATE 42501 (insufficient_privilege), as the policies do. It belongs to the
   migrations' owner: the portal's role can neither drop nor disable it (`session_replication_role` is for
   superusers). It trusts the scope settings exactly as far as every policy does.

2. The pair rule's WITH CHECK. The pair_rule policies (0001-0005, 0012) let a facility or partner write a
   shared record for itself and *any* other organisation. The Python write guard (`tenancy.may_write`) says
   the same, but every way the portal makes a shared record starts from a partnership (drafting checks it,
   the pages offer the pairs the organisation works in, the API looks the pair up, contributions and
   programmes hang off it), and partnerships are never deleted. So on every shared table but `partnerships`
   (which is what makes two organisations partners), a restrictive policy for INSERT and for UPDATE now also
   requires the row's (facility, partner) to be a partnership; the escape hatch is not held to it. The acting
   organisation, one of the pair by pair_rule, sees that partnership under its own policy.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 09:00:00
"""
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

_EVERY = "current_setting('mitrapas.every_tenant', true) = 'on'"

#: Changed by the person themself, or through the escape hatch.
CREDENTIALS = ("email", "password_hash", "password_changed_at", "totp_secret", "totp_enabled_at", "totp_last_step")
#: Changed through the escape hatch alone.
PLATFORM_ONLY = ("is_platform_admin", "pseudonymised_at")


def _array(columns: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join(f"'{column}'" for column in columns) + "]"


GUARD_FUNCTION = f"""
CREATE FUNCTION guard_user_columns() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    every_tenant boolean := coalesce({_EVERY}, false);
    person integer := nullif(current_setting('mitrapas.person_id', true), '')::integer;
    old_row jsonb;
    new_row jsonb;
    field text;
BEGIN
    IF every_tenant THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.is_platform_admin OR NEW.pseudonymised_at IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = 'permission denied to bring in a platform admin or an erased person outside the escape hatch';
        END IF;
        RETURN NEW;
    END IF;
    old_row := to_jsonb(OLD);
    new_row := to_jsonb(NEW);
    FOREACH field IN ARRAY {_array(PLATFORM_ONLY)} LOOP
        IF new_row -> field IS DISTINCT FROM old_row -> field THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = format('permission denied to change users.%s outside the escape hatch', field);
        END IF;
    END LOOP;
    IF person IS DISTINCT FROM OLD.id THEN
        FOREACH field IN ARRAY {_array(CREDENTIALS)} LOOP
            IF new_row -> field IS DISTINCT FROM old_row -> field THEN
                RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                    MESSAGE = format('permission denied to change users.%s of anyone but the acting person', field);
            END IF;
        END LOOP;
    END IF;
    RETURN NEW;
END
$$
"""

#: Every shared (PairScoped) table but `partnerships` itself.
PAIR_TABLES = ("agreements", "agreement_documents", "signatures", "programmes", "contributions", "materials",
               "material_versions", "uploads")


def _partners(table: str) -> str:
    return (f"{_EVERY} OR EXISTS (SELECT 1 FROM partnerships pair WHERE pair.facility_id = {table}.facility_id "
            f"AND pair.partner_id = {table}.partner_id)")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(GUARD_FUNCTION)
    op.execute("CREATE TRIGGER guard_user_columns BEFORE INSERT OR UPDATE ON users "
               "FOR EACH ROW EXECUTE FUNCTION guard_user_columns()")
    for table in PAIR_TABLES:
        op.execute(f"CREATE POLICY partners_only_insert ON {table} AS RESTRICTIVE FOR INSERT "
                   f"WITH CHECK ({_partners(table)})")
        op.execute(f"CREATE POLICY partners_only_update ON {table} AS RESTRICTIVE FOR UPDATE "
                   f"USING (true) WITH CHECK ({_partners(table)})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in PAIR_TABLES:
        op.execute(f"DROP POLICY partners_only_update ON {table}")
        op.execute(f"DROP POLICY partners_only_insert ON {table}")
    op.execute("DROP TRIGGER guard_user_columns ON users")
    op.execute("DROP FUNCTION guard_user_columns()")
