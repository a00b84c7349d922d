"""Alembic environment: runs migrations as the table owner.

MIGRATION_DATABASE_URL (when set) is the owner's connection; the portal itself
connects with DATABASE_URL as a role that owns nothing, so Row-Level Security
applies to it.
"""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
target_metadata = target_db.metadata


def _owner_url():
    return current_app.config.get("MIGRATION_DATABASE_URL") or target_db.engine.url


def run_migrations_offline():
    context.configure(url=str(_owner_url()), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    url = current_app.config.get("MIGRATION_DATABASE_URL")
    engine = create_engine(url) if url else target_db.engine
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          **current_app.extensions["migrate"].configure_args)
        with context.begin_transaction():
            context.run_migrations()
    if url:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
