"""`mitrapas backup`: the database and every file it points at, at one moment, to a folder or a bucket.

PostgreSQL is dumped by pg_dump (custom format) as the owner (MIGRATION_DATABASE_URL, else DATABASE_URL), chosen
over a base backup with WAL archiving because it needs nothing of the server's configuration, restores into
any empty database of the same or a newer PostgreSQL, and is what the restore can check row by row; an
operator who wants point-in-time recovery adds WAL archiving beside it. The owner needs BYPASSRLS (or to be a
superuser): Row-Level Security is forced on the tables, and pg_dump refuses rather than dump a part.

Consistency: one REPEATABLE READ transaction exports its snapshot, pg_dump dumps that snapshot, and the same
transaction reads which objects the rows point at, the row counts, the migration and the audit chain's last
link. Files are never rewritten under a key, so copying them afterwards copies exactly what the dump names; a
row committed after the snapshot is not in the dump, and neither is its file (an upload in flight is either
whole in the backup or absent from it). An object deleted between the snapshot and its copy (only the purge
deletes, after the retention period) is named in the manifest as missing, and the command exits 1.

Files are copied incrementally: an object whose key, size and ETag are those of the last backup's entry, and
whose copy is still at the target, is referenced, not read again; any other is read once, hashed (SHA-256) on
the way and stored under its digest, unless a copy of the same bytes is already there. SQLite (the embedded
default) is copied with sqlite3's online backup API, then read from the copy.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
import os
from pathlib import Path
import sqlite3
import subprocess
import tempfile
import threading
import time
from typing import Callable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from portal import signing
from portal.core import sealing, storage
from portal.core.columns import utcnow
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.jobs import made_files
from portal.materials import uploads
from portal.ops import reconcile
from portal.ops.backup_format import (
    FORMAT, BackupError, HashingReader, Sealing, backup_names, blob_name, each_at_once, kind_of, libpq,
    postgres_program, read_manifest, write_manifest,
)
from portal.version import __version__

Progress = Callable[[str], None]


@dataclass
class Snapshot:
    """What one transaction saw: the dump's file, its tables' rows, the objects its rows point at."""

    dump: Path
    engine: str
    tables: dict[str, int]
    migration: str | None
    audit: dict
    #: key -> (what, row id)
    objects: dict[str, tuple[str, int]]
    sealed: dict[str, int]


def take(target, *, sealing_to: Sealing, progress: Progress) -> dict:
    """Write one backup to `target`; its manifest (also written there, last)."""
    name = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    with tempfile.TemporaryDirectory(prefix="mitrapas-backup-") as work:
        progress(_("Backup %(name)s to %(target)s", name=name, target=target))
        snapshot = database_snapshot(Path(work))
        progress(_("Database: %(tables)d tables, %(rows)d rows, migration %(migration)s",
                   tables=len(snapshot.tables), rows=sum(snapshot.tables.values()), migration=snapshot.migration))
        dump_name = f"backups/{name}/database.{'dump' if snapshot.engine == 'postgresql' else 'sqlite3'}" \
                    + sealing_to.suffix
        with open(snapshot.dump, "rb") as plain, tempfile.TemporaryFile(dir=work) as sealed:
            reader = HashingReader(iter(lambda: plain.read(1024 * 1024), b""))
            sealing_to.write(reader, sealed)
            sealed.seek(0)
            target.write(dump_name, sealed)
        entries, missing = copy_objects(target, snapshot.objects, sealing_to, Path(work), progress)
    manifest = {
        "format": FORMAT, "name": name, "created_at": utcnow().isoformat(), "release": __version__,
        "migration": snapshot.migration,
        "database": {"engine": snapshot.engine, "file": dump_name, "sha256": reader.sha256, "bytes": reader.size,
                     "app_role": current_app.config["DATABASE_APP_ROLE"]},
        "tables": snapshot.tables,
        "objects": entries, "object_count": len(entries), "object_bytes": sum(entry["size"] for entry in entries),
        "copied_count": sum(1 for entry in entries if entry["copied"]),
        "copied_bytes": sum(entry["size"] for entry in entries if entry["copied"]),
        "missing": missing,
        "audit": snapshot.audit,
        "keys": {"secrets_keys": [sealing.key_id(key) for key in current_app.config["SECRETS_KEYS"]],
                 "sealed_values": snapshot.sealed, "signing_root": signing_root()},
        "encryption": {"tool": "age", "recipients": list(sealing_to.recipients)} if sealing_to.recipients else None,
    }
    write_manifest(target, manifest)
    return manifest


# --- the database -------------------------------------------------------------------------------

def owner_url() -> str:
    config = current_app.config
    return config["MIGRATION_DATABASE_URL"] or config["SQLALCHEMY_DATABASE_URI"]


def database_snapshot(work: Path) -> Snapshot:
    url = owner_url()
    if url.startswith("sqlite"):
        return _sqlite_snapshot(make_url(url).database, work)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection, \
                connection.begin():
            role, may = connection.execute(text(
                "SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
            if not may:
                raise BackupError(_("The database role %(role)s is subject to Row-Level Security and would dump only "
                                    "part of the data: take the backup as the owner with BYPASSRLS "
                                    "(ALTER ROLE %(role)s BYPASSRLS) or as a superuser (MIGRATION_DATABASE_URL).",
                                    role=role))
            exported = connection.scalar(text("SELECT pg_export_snapshot()"))
            dump = work / "database.dump"
            conninfo, password = libpq(url)
            done = subprocess.run([postgres_program("pg_dump"), "--format=custom", "--no-password",
                                   f"--snapshot={exported}", f"--file={dump}", f"--dbname={conninfo}"],
                                  env={**os.environ, **password}, capture_output=True, text=True)
            if done.returncode != 0:
                raise BackupError(_("pg_dump failed: %(error)s", error=done.stderr.strip()[-2000:]))
            return _read_snapshot(connection, dump, "postgresql")
    finally:
        engine.dispose()


def _sqlite_snapshot(path: str, work: Path) -> Snapshot:
    copy = work / "database.sqlite3"
    source, target = sqlite3.connect(path), sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    engine = create_engine(f"sqlite:///{copy}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return _read_snapshot(connection, copy, "sqlite")
    finally:
        engine.dispose()


def _read_snapshot(connection, dump: Path, engine: str) -> Snapshot:
    """Everything the manifest says of the database, read in the dump's own snapshot."""
    tables = {name: connection.scalar(text(f'SELECT count(*) FROM "{name}"'))
              for name in sorted(inspect(connection).get_table_names())}
    migration = connection.scalar(text("SELECT version_num FROM alembic_version")) \
        if "alembic_version" in tables else None
    last = connection.execute(text("SELECT id, hash FROM audit_entries ORDER BY id DESC LIMIT 1")).first() \
        if "audit_entries" in tables else None
    audit = {"entries": tables.get("audit_entries", 0), "last_id": last[0] if last else None,
             "last_hash": last[1] if last else None}
    session = Session(bind=connection)
    try:
        with unscoped("a backup copies every tenant's files"):
            objects = reconcile.referenced_objects(session)
            objects.update({key: ("job_file", 0) for key in made_files.kept_keys(session) if key not in objects})
            objects.update({key: ("upload", upload_id) for key, upload_id in uploads.whole_unattached(session).items()
                            if key not in objects})
            sealed = sealing.keys_in_use(session, db.metadata)
    finally:
        session.close()
    return Snapshot(dump, engine, tables, migration, audit, objects, sealed)


def signing_root() -> str | None:
    """The SHA-256 fingerprint of the portal CA's root certificate, if it has one (its key is never read here)."""
    try:
        root = signing.authority().keys.certificate("root")
    except ValueError:  # the keys do not open: the doctor says so; the backup goes on
        return None
    if root is None:
        return None
    from cryptography.hazmat.primitives import hashes

    return root.fingerprint(hashes.SHA256()).hex()


# --- the files -----------------------------------------------------------------------------------

def copy_objects(target, wanted: dict[str, tuple[str, int]], sealing_to: Sealing, work: Path,
                 progress: Progress) -> tuple[list[dict], list[dict]]:
    """Copy (or reference) each object `wanted` names; (manifest entries, missing objects), in key order."""
    previous = _previous_entries(target, sealing_to)
    present = set(target.names(f"objects/{sealing_to.vault}/"))
    listed = {key: (size, etag) for key, size, etag in storage.listing() if key in wanted}
    entries, missing, changed = {}, [], []
    for key in sorted(wanted):
        what, row_id = wanted[key]
        if key not in listed:
            missing.append({"key": key, "what": what, "id": row_id})
            progress(_("Missing in the store: %(key)s (%(what)s %(id)s)", key=key, what=kind_of(what), id=row_id))
            continue
        size, etag = listed[key]
        before = previous.get(key)
        if before and before["size"] == size and before["etag"] == etag and before["blob"] in present:
            entries[key] = {**before, "what": what, "id": row_id, "copied": False}
        else:
            changed.append(key)
    stored = (present, threading.Lock())
    copied = copied_bytes = 0
    said = time.monotonic()
    copies = each_at_once(lambda key: _copy(target, key, sealing_to, stored, work), changed)
    for number, (key, entry) in enumerate(zip(changed, copies), start=1):
        what, row_id = wanted[key]
        if entry is None:
            missing.append({"key": key, "what": what, "id": row_id})
        else:
            entries[key] = {**entry, "what": what, "id": row_id}
            copied += entry["copied"]
            copied_bytes += entry["size"] if entry["copied"] else 0
        if time.monotonic() - said > 2 or number == len(changed):
            said = time.monotonic()
            progress(_("Files: %(done)d of %(total)d, %(copied)d copied (%(mib).1f MiB), the rest unchanged",
                       done=len(entries) + len(missing), total=len(wanted), copied=copied, mib=copied_bytes / 2**20))
    return [entries[key] for key in sorted(entries)], sorted(missing, key=lambda item: item["key"])


def _previous_entries(target, sealing_to: Sealing) -> dict[str, dict]:
    """The last backup's entries by key, if it was sealed the same way (a copy for other keys cannot be reused)."""
    for name in reversed(backup_names(target)):
        manifest = read_manifest(target, name)
        recipients = tuple((manifest.get("encryption") or {}).get("recipients") or ())
        if tuple(sorted(recipients)) == sealing_to.recipients:
            return {entry["key"]: entry for entry in manifest["objects"]}
        return {}
    return {}


def _copy(target, key: str, sealing_to: Sealing, stored: tuple[set[str], threading.Lock], work: Path) -> dict | None:
    """Read `key` once, hashing it, and store it under its digest unless the same bytes are already there (or
    another copier is storing them: `stored` is the digests at the target and the lock that claims one)."""
    info = storage.head(key)
    if info is None:  # deleted since it was listed
        return None
    with _spooled(work) as spool:
        reader = HashingReader(storage.get(key))
        sealing_to.write(reader, spool)
        blob = blob_name(sealing_to.vault, reader.sha256, sealing_to.suffix)
        present, claims = stored
        with claims:
            copy = blob not in present
            present.add(blob)
        if copy:
            spool.seek(0)
            target.write(blob, spool)
    return {"key": key, "sha256": reader.sha256, "size": reader.size, "etag": info["etag"],
            "content_type": info["content_type"] or "application/octet-stream", "blob": blob, "copied": copy}


@contextmanager
def _spooled(work: Path):
    with tempfile.TemporaryFile(dir=work) as spool:
        yield spool


def newest(target) -> dict | None:
    """The newest finished backup's manifest at `target`, if any."""
    names = backup_names(target)
    return read_manifest(target, names[-1]) if names else None
