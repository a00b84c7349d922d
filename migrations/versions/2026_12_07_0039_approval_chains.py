"""Approval chains: each facility's review steps before the head's decision, each agreement's own copy of them, the
general-affairs and section-head roles, and the Kanwil's one narrow write.

- `approval_chains` (a facility's own rows, as its news): read by the facility and the offices covering it,
  written and deleted by the facility alone.
- `agreement_steps` (a pair's rows, as the agreements they belong to): read by the pair and the covering offices,
  written by the parties, never deleted, never by the public.
- Roles `legal` (Subbag/Urusan Umum's legal review) and `section` (Kepala Seksi) for memberships and invitations.
- **The Kanwil's acknowledgement.** An oversight office writes nothing of a facility's, but for this: an office
  with a province (a Kanwil, never Ditjen PAS) may, on an agreement of a facility it covers,
  (1) update that agreement's open steps: decide its own step and begin the next (`kanwil_acknowledges` on
  `agreement_steps`), and (2) move a submitted agreement to forwarded (`kanwil_forwards` on `agreements`). Those
  policies only say which new rows may be written: `pair_rule` (FOR ALL) already lets an overseer's UPDATE reach
  every row it reads. The trigger `kanwil_changes_only` says the rest row by row (GUARD_FUNCTION): its own current
  step decided in its name, the next begun, the agreement forwarded once only the head is left; any other change an
  oversight office tries is refused. `mitrapas_kanwil_facilities()`: the facilities the acting organisation covers
  (`mitrapas_overseen_facilities()`, the one comparison of provinces) when it is an office of a province (PL/pgSQL,
  its search path pinned, as that one).
"""
from __future__ import annotations

import re

from alembic import op
from flask import current_app
import sqlalchemy as sa

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

OLD_ROLES = ("head", "officer", "viewer", "admin", "member", "analyst", "humas")
NEW_ROLES = (*OLD_ROLES, "legal", "section")
AGREEMENT_TYPES = ("health_referral", "rehabilitation", "counselling", "vocational_training", "internship",
                   "economic_empowerment", "spiritual", "education", "other")
STEP_ACTORS = ("officer", "legal", "section", "kanwil", "head")
STEP_STATES = ("open", "done", "returned", "closed")

_EVERY = "(SELECT mitrapas_every_tenant())"
_ACTING = "(SELECT mitrapas_acting_org())"
_PUBLIC = "(SELECT current_setting('mitrapas.public', true))"


def _party(facility: str, partner: str) -> str:
    return f"mitrapas_party_to({facility}, {partner}, {_EVERY}, {_ACTING}, {_ACTING})"


_OVERSEEN = "facility_id IN (SELECT overseen FROM mitrapas_overseen_facilities() overseen)"
_KANWIL = "facility_id IN (SELECT kanwil FROM mitrapas_kanwil_facilities() kanwil)"
_PAIR_IS_PARTNERSHIP = ("{every} = true OR EXISTS (SELECT 1 FROM partnerships pair WHERE "
                        "pair.facility_id = agreement_steps.facility_id AND pair.partner_id = agreement_steps.partner_id)")

KANWIL_FUNCTION = """
CREATE FUNCTION mitrapas_kanwil_facilities() RETURNS SETOF integer
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT overseen FROM public.mitrapas_overseen_facilities() overseen
    WHERE EXISTS (SELECT 1 FROM public.organisations office
                  WHERE office.id = NULLIF(current_setting('mitrapas.org_id', true), '')::integer
                    AND office.province IS NOT NULL);
END $$
"""

#: The Kanwil's acknowledgement and nothing else, row by row. The policies alone cannot say it: `pair_rule` (FOR
#: ALL) lets an overseer's UPDATE see every row it reads, so `kanwil_acknowledges` and `kanwil_forwards` only
#: decide which new rows pass. Checked here whatever path the statement took (from the review of issue 37):
#: - a step: its own Kanwil step, the current one (no open step before it in the latest round of a submitted
#:   agreement), open -> done, in the acting office's name (and person's, when one acts); or the step right after
#:   the Kanwil's step the office decided, begun (its start from nothing); no other column, no other state;
#: - an agreement: submitted -> forwarded, its version one up, once the office decided its Kanwil step and only the
#:   head's decision is left. The portal decides the step (and flushes) before it moves the agreement.
GUARD_FUNCTION = """
CREATE FUNCTION kanwil_changes_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    acting integer := NULLIF(current_setting('mitrapas.org_id', true), '')::integer;
    person integer := NULLIF(current_setting('mitrapas.person_id', true), '')::integer;
    acting_kind text;
BEGIN
    SELECT kind INTO acting_kind FROM public.organisations WHERE id = acting;
    IF acting_kind IS DISTINCT FROM 'oversight' OR current_setting('mitrapas.every_tenant', true) = 'on' THEN
        RETURN NEW;
    END IF;
    IF (to_jsonb(NEW) - TG_ARGV) IS DISTINCT FROM (to_jsonb(OLD) - TG_ARGV) THEN
        RAISE EXCEPTION 'an oversight office changes only % of %', TG_ARGV, TG_TABLE_NAME USING ERRCODE = '42501';
    END IF;
    -- Nested: PL/pgSQL does not stop at a false AND, and a record has only its own table's fields.
    IF TG_TABLE_NAME = 'agreement_steps' THEN
        IF OLD.actor = 'kanwil' AND OLD.state = 'open' AND NEW.state = 'done'
           AND NEW.decided_for_id IS NOT DISTINCT FROM acting
           AND (person IS NULL OR NEW.decided_by_id IS NOT DISTINCT FROM person)
           AND NEW.started_at IS NOT DISTINCT FROM OLD.started_at AND NEW.due_on IS NOT DISTINCT FROM OLD.due_on
           AND EXISTS (SELECT 1 FROM public.agreements a WHERE a.id = OLD.agreement_id AND a.status = 'submitted')
           AND NOT EXISTS (SELECT 1 FROM public.agreement_steps other WHERE other.agreement_id = OLD.agreement_id
                           AND (other.round > OLD.round OR (other.round = OLD.round
                                AND other.position < OLD.position AND other.state <> 'done'))) THEN
            RETURN NEW;
        END IF;
        IF OLD.state = 'open' AND NEW.state = 'open' AND OLD.started_at IS NULL
           AND NEW.decided_at IS NOT DISTINCT FROM OLD.decided_at
           AND NEW.decided_by_id IS NOT DISTINCT FROM OLD.decided_by_id
           AND NEW.decided_by_name IS NOT DISTINCT FROM OLD.decided_by_name
           AND NEW.decided_for_id IS NOT DISTINCT FROM OLD.decided_for_id
           AND EXISTS (SELECT 1 FROM public.agreement_steps kanwil WHERE kanwil.agreement_id = OLD.agreement_id
                       AND kanwil.round = OLD.round AND kanwil.position = OLD.position - 1
                       AND kanwil.actor = 'kanwil' AND kanwil.state = 'done' AND kanwil.decided_for_id = acting) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'an oversight office decides its own current step and begins the next, nothing else'
            USING ERRCODE = '42501';
    ELSIF TG_TABLE_NAME = 'agreements' THEN
        IF OLD.status = 'submitted' AND NEW.status = 'forwarded' AND NEW.version = OLD.version + 1
           AND EXISTS (SELECT 1 FROM public.agreement_steps kanwil
                       JOIN public.agreement_steps head ON head.agreement_id = kanwil.agreement_id
                        AND head.round = kanwil.round AND head.position = kanwil.position + 1
                       WHERE kanwil.agreement_id = OLD.id AND kanwil.actor = 'kanwil' AND kanwil.state = 'done'
                         AND kanwil.decided_for_id = acting AND head.actor = 'head' AND head.state = 'open'
                         AND NOT EXISTS (SELECT 1 FROM public.agreement_steps later
                                         WHERE later.agreement_id = OLD.id AND later.round > kanwil.round)) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'an oversight office only forwards an agreement whose Kanwil step it decided'
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END $$
"""


def _roles(values):
    return sa.Enum(*values, name="role", native_enum=False, create_constraint=True, length=7)


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True,
                   length=max(len(value) for value in values))


def upgrade():
    for table in ("memberships", "invitations"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("role", type_=_roles(NEW_ROLES), existing_type=_roles(OLD_ROLES),
                               existing_nullable=False)
    op.create_table(
        "approval_chains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("agreement_type", _enum(AGREEMENT_TYPES, "agreementtype"), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("decision_days", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["organisations.id"],
                                name=op.f("fk_approval_chains_facility_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_approval_chains_updated_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_chains")),
        sa.UniqueConstraint("facility_id", "agreement_type", name=op.f("uq_approval_chains_facility_id")),
    )
    with op.batch_alter_table("approval_chains") as batch:
        batch.create_index(batch.f("ix_approval_chains_facility_id"), ["facility_id"], unique=False)
    op.create_table(
        "agreement_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("actor", _enum(STEP_ACTORS, "stepactor"), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("may_return", sa.Boolean(), nullable=False),
        sa.Column("state", _enum(STEP_STATES, "stepstate"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("decided_for_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreements.id"],
                                name=op.f("fk_agreement_steps_agreement_id_agreements"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["facility_id"], ["organisations.id"],
                                name=op.f("fk_agreement_steps_facility_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["partner_id"], ["organisations.id"],
                                name=op.f("fk_agreement_steps_partner_id_organisations"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_agreement_steps_decided_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_for_id"], ["organisations.id"],
                                name=op.f("fk_agreement_steps_decided_for_id_organisations"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_steps")),
        sa.UniqueConstraint("agreement_id", "round", "position", name=op.f("uq_agreement_steps_agreement_id")),
    )
    with op.batch_alter_table("agreement_steps") as batch:
        for column in ("agreement_id", "facility_id", "partner_id"):
            batch.create_index(batch.f(f"ix_agreement_steps_{column}"), [column], unique=False)
        batch.create_index("ix_agreement_steps_open", ["state", "actor"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _secure_postgres()


def _secure_postgres():
    role = current_app.config["DATABASE_APP_ROLE"]
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"DATABASE_APP_ROLE is not a plain role name: {role!r}")
    op.execute(KANWIL_FUNCTION)
    op.execute(GUARD_FUNCTION)
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON approval_chains TO {role}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON agreement_steps TO {role}")
    for table in ("approval_chains", "agreement_steps"):
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {table}_id_seq TO {role}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    own = _party("facility_id", "NULL::integer")
    op.execute(f"CREATE POLICY facility_rule ON approval_chains USING ({own} OR {_OVERSEEN}) "
               f"WITH CHECK ({own} AND facility_id IN (SELECT organisations.id FROM organisations "
               f"WHERE organisations.kind = 'facility'))")
    op.execute(f"CREATE POLICY parties_only_delete ON approval_chains AS RESTRICTIVE FOR DELETE USING ({own})")
    pair = _party("facility_id", "partner_id")
    op.execute(f"CREATE POLICY pair_rule ON agreement_steps USING ({pair} OR {_OVERSEEN}) WITH CHECK ({pair})")
    op.execute(f"CREATE POLICY partners_only_insert ON agreement_steps AS RESTRICTIVE FOR INSERT "
               f"WITH CHECK ({_PAIR_IS_PARTNERSHIP.format(every=_EVERY)})")
    op.execute(f"CREATE POLICY partners_only_update ON agreement_steps AS RESTRICTIVE FOR UPDATE "
               f"USING (true) WITH CHECK ({_PAIR_IS_PARTNERSHIP.format(every=_EVERY)})")
    op.execute(f"CREATE POLICY not_for_the_public ON agreement_steps AS RESTRICTIVE "
               f"USING (NOT COALESCE({_PUBLIC} = 'on', false)) WITH CHECK (NOT COALESCE({_PUBLIC} = 'on', false))")
    op.execute(f"CREATE POLICY kanwil_acknowledges ON agreement_steps FOR UPDATE "
               f"USING (state = 'open' AND {_KANWIL}) WITH CHECK ({_KANWIL})")
    op.execute(f"CREATE POLICY kanwil_forwards ON agreements FOR UPDATE "
               f"USING (status = 'submitted' AND {_KANWIL}) WITH CHECK (status IN ('submitted', 'forwarded') "
               f"AND {_KANWIL})")
    op.execute("CREATE TRIGGER kanwil_changes_only BEFORE UPDATE ON agreement_steps FOR EACH ROW EXECUTE FUNCTION "
               "kanwil_changes_only('state', 'started_at', 'due_on', 'decided_at', 'decided_by_id', "
               "'decided_by_name', 'decided_for_id')")
    op.execute("CREATE TRIGGER kanwil_changes_only BEFORE UPDATE ON agreements FOR EACH ROW EXECUTE FUNCTION "
               "kanwil_changes_only('status', 'version', 'updated_at')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER kanwil_changes_only ON agreements")
        op.execute("DROP POLICY kanwil_forwards ON agreements")
    op.drop_table("agreement_steps")
    op.drop_table("approval_chains")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION kanwil_changes_only()")
        op.execute("DROP FUNCTION mitrapas_kanwil_facilities()")
    for table in ("memberships", "invitations"):
        # The least a person of those roles may do before them: read (not an officer's review and verification).
        op.execute(sa.text(f"UPDATE {table} SET role = 'viewer' WHERE role IN ('legal', 'section')"))
        with op.batch_alter_table(table) as batch:
            batch.alter_column("role", type_=_roles(OLD_ROLES), existing_type=_roles(NEW_ROLES),
                               existing_nullable=False)
