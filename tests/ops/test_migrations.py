"""Migrations: an empty database upgraded to head has exactly the models' schema, both ways."""
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import partial

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from portal.core import sealing
from portal.extensions import db
from tests.conftest import make_app, postgres_of_its_own
from tests.databases import fresh_database


def schema_differences(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection), db.metadata)
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_yields_the_models_schema_and_round_trips():
    with fresh_database("migrations") as database:
        app = make_app(database)  # upgrades to head
        assert schema_differences(database.owner_url) == []
        with app.app_context():
            downgrade(revision="base")
            assert tables(database.owner_url) == set()
            upgrade()
            assert schema_differences(database.owner_url) == []
            db.engine.dispose()


def test_upgrading_seals_the_totp_secrets_stored_before_and_downgrading_opens_them():
    with fresh_database("sealing") as database:
        app = make_app(database)
        engine = create_engine(database.owner_url)
        with app.app_context():
            downgrade(revision="0013")
            with engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO users (email, name, password_hash, is_platform_admin, is_active, locale, "
                    "muted_notifications, totp_secret, created_at, password_changed_at) VALUES "
                    "('a@b.id', 'A', 'x', false, true, 'id', '[]', 'JBSWY3DPEHPK3PXP', :now, :now)"),
                    {"now": datetime.now(timezone.utc)})
            upgrade()
            stored = engine.connect().execute(text("SELECT totp_secret FROM users")).scalar_one()
            assert stored != "JBSWY3DPEHPK3PXP" and sealing.unseal(stored) == "JBSWY3DPEHPK3PXP"
            downgrade(revision="0013")
            assert engine.connect().execute(text("SELECT totp_secret FROM users")).scalar_one() == "JBSWY3DPEHPK3PXP"
            db.engine.dispose()
        engine.dispose()


def live_policies(engine) -> list:
    """Every Row-Level Security policy as the database holds it now."""
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT tablename, policyname, cmd, permissive, roles, qual, with_check FROM pg_policies "
            "ORDER BY tablename, policyname")).all()


def live_functions(engine, *names: str) -> list[str]:
    """Which of the functions named exist now, as "name/number of arguments"."""
    with engine.connect() as connection:
        return sorted(connection.execute(text(
            "SELECT proname || '/' || pronargs FROM pg_proc WHERE proname = ANY(:names)"), {"names": list(names)})
            .scalars())


@contextmanager
def policies_at_head(name: str):
    """On a PostgreSQL database of its own at head, inside its app (skips on SQLite): (policies now, functions now)."""
    with postgres_of_its_own(name) as (app, database):
        engine = create_engine(database.owner_url)
        try:
            with app.app_context():
                yield partial(live_policies, engine), partial(live_functions, engine)
        finally:
            engine.dispose()


def test_the_one_pair_rule_migration_gives_back_the_policies_it_found():
    """0035 rewrites thirteen policies to call its two functions; its downgrade restores each as 0034 had it."""
    with policies_at_head("policies") as (policies, _):
        downgrade(revision="0035")
        after = policies()
        downgrade(revision="0034")
        before = policies()
        upgrade(revision="0035")
        assert policies() == after != before
        added = [row[:5] for row in after if row.policyname == "parties_only_delete"]
        assert {row[2] for row in added} == {"DELETE"} and len(added) == 7
        assert [row[:5] for row in after if row[:5] not in added] == [row[:5] for row in before], \
            "the same policies, commands and roles, and the parties' restrictive DELETE policies"
        assert any("province" in (row.qual or "") for row in before)
        assert not any("province" in f"{row.qual} {row.with_check}" for row in after)


def test_the_people_policies_migration_gives_back_the_policies_it_found():
    """0037 rewrites who reads a person and a membership (two functions); its downgrade restores 0035's policies
    (0036 has none of its own) and drops the functions."""
    people = ("mitrapas_sees_person", "mitrapas_sees_membership")
    with policies_at_head("people_policies") as (policies, functions):
        downgrade(revision="0037")  # 0038 rewrites every policy that reads a setting: its own test below
        after = policies()
        assert functions(*people) == ["mitrapas_sees_membership/2", "mitrapas_sees_person/1"]
        downgrade(revision="0036")
        before = policies()
        assert functions(*people) == []
        upgrade(revision="0037")
        assert policies() == after != before
        changed = {row[:2] for row in after if row not in before}
        assert changed == {("users", "read"), ("memberships", "read")}, "audit_entries.read is written the same"
        assert [row[:5] for row in after] == [row[:5] for row in before], "the same policies, commands and roles"


def test_the_scope_once_migration_gives_back_the_policies_it_found():
    """0038 rewrites every policy that read a setting (or called the pair rule) per row; its downgrade reverses
    that rewrite (as PostgreSQL prints the expressions: the same tests) and drops its functions."""
    scope = ("mitrapas_party_to", "mitrapas_every_tenant", "mitrapas_acting_org")
    with policies_at_head("scope_once_policies") as (policies, functions):
        downgrade(revision="0038")  # 0039 adds policies of its own: its own test below
        after = policies()
        assert functions(*scope) == ["mitrapas_acting_org/0", "mitrapas_every_tenant/0", "mitrapas_party_to/2",
                                     "mitrapas_party_to/5"]
        downgrade(revision="0037")
        before = policies()
        assert functions(*scope) == ["mitrapas_party_to/2"]
        assert not any("mitrapas_acting_org" in f"{row[5]} {row[6]}" for row in before)
        upgrade(revision="0038")
        assert policies() == after != before
        assert len([row for row in after if row not in before]) > 40, "every policy that read a setting"
        assert [row[:5] for row in after] == [row[:5] for row in before], "the same policies, commands and roles"
