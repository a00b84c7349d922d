"""Fresh, throw-away databases for a test session: SQLite files, or PostgreSQL databases.

When DATABASE_URL points at PostgreSQL (CI does), each fresh database is created
with that (superuser) connection and migrated as its owner, while the portal
connects as a login role that owns nothing, so Row-Level Security applies.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

#: The login role the portal uses in tests; a member of the migrations' app role.
APP_LOGIN_ROLE = "mitrapas_web"
APP_GROUP_ROLE = "mitrapas_app"


@dataclass
class Database:
    owner_url: str  # migrations run as this
    app_url: str  # the portal connects as this

    @property
    def is_postgres(self) -> bool:
        return self.owner_url.startswith("postgresql")


def server_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@contextmanager
def fresh_database(label: str, base: str | None = None):
    """A new, empty database: on `base` (a PostgreSQL server's URL), else on DATABASE_URL's server, else SQLite."""
    base = base or server_url()
    if base is None:
        with tempfile.TemporaryDirectory(prefix=f"mitrapas-{label}-") as folder:
            url = f"sqlite:///{Path(folder) / 'test.db'}"
            yield Database(url, url)
        return
    name = f"mitrapas_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", pool_pre_ping=True)  # survives a server restart
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        connection.execute(text(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_GROUP_ROLE}') THEN "
            f"CREATE ROLE {APP_GROUP_ROLE} NOLOGIN; END IF; "
            f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_LOGIN_ROLE}') THEN "
            f"CREATE ROLE {APP_LOGIN_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS IN ROLE {APP_GROUP_ROLE}; END IF; END $$"))
    owner = make_url(base).set(database=name)
    with _dropped_after(admin, name, owner, owner.set(username=APP_LOGIN_ROLE, password=None)) as database:
        yield database


@contextmanager
def _dropped_after(admin, name: str, owner, app):
    """The made database, as its owner's and the app's URLs; dropped after, whoever is still connected."""
    try:
        yield Database(owner.render_as_string(hide_password=False), app.render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def copied_database(source: Database, label: str):
    """A fresh database holding what `source` holds (a copy of its SQLite file, or a PostgreSQL database made
    from it as a template); nobody may be connected to `source` while it is copied."""
    base = server_url()
    if base is None:
        with tempfile.TemporaryDirectory(prefix=f"mitrapas-{label}-") as folder:
            copy = Path(folder) / "test.db"
            shutil.copyfile(make_url(source.owner_url).database, copy)
            yield Database(f"sqlite:///{copy}", f"sqlite:///{copy}")
        return
    name = f"mitrapas_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(source.owner_url).database}"'))
    with _dropped_after(admin, name, make_url(source.owner_url).set(database=name),
                        make_url(source.app_url).set(database=name)) as database:
        yield database
