"""Migrations: an empty database upgraded to head has exactly the models' schema, both ways."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from portal.extensions import db
from tests.conftest import make_app
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
