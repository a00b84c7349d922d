"""`mitrapas restore`: a backup back into an empty database and an empty bucket, then proven whole.

The portal's settings name where to restore (MIGRATION_DATABASE_URL or DATABASE_URL, S3_BUCKET); both must be
empty unless `--force` (which drops the database's tables first; the bucket's other objects stay, and
`storage-reconcile` lists them). pg_restore runs as the owner in one transaction (`--no-owner`: the tables
belong to whoever restores, the owner of this installation; the grants to DATABASE_APP_ROLE come with the
dump, and the group role is made first if this server lacks it). The migrations then run to this release's
head, so an older release's backup is upgraded. Each file is read from the backup, its SHA-256 checked against
the manifest on the way, and stored under its key; one missing or damaged is named and the rest go on.

Afterwards: the rows of each table against the manifest's counts, the audit chain verified and its last link
found, `storage-reconcile` (rows without their file), every restored object read back from the bucket and
hashed, the sealed secrets and the portal CA compared with the keys this installation holds. The report is in
the operator's language; anything missing makes the command exit 1.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
import hashlib
import os
from pathlib import Path
import sqlite3
import subprocess
import tempfile

from flask import current_app
from flask_babel import gettext as _
from flask_migrate import upgrade
import pyrage
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from portal.audit import chain as audit
from portal.core import sealing, storage
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.ops import reconcile
from portal.ops.backup import owner_url, signing_root
from portal.ops.backup_format import (
    BackupError, backup_names, each_at_once, file_chunks, kind_of, libpq, postgres_program, read_manifest, unsealed,
)
from portal.ops.backup_targets import TargetError


@dataclass
class Report:
    manifest: dict
    #: What was restored and checked, one sentence each.
    done: list[str] = field(default_factory=list)
    #: What is missing or wrong, one sentence each: any makes the restore fail (exit 1).
    problems: list[str] = field(default_factory=list)
    #: What the operator should know that is not a loss (keys not here, a CA that differs).
    notes: list[str] = field(default_factory=list)


def choose(target, name: str | None) -> dict:
    """The manifest of backup `name` at `target`, or of the newest finished one."""
    names = backup_names(target)
    if not names:
        raise BackupError(_("No finished backup at %(target)s.", target=target))
    if name is not None and name not in names:
        raise BackupError(_("No backup %(name)s at %(target)s; there are: %(names)s", name=name, target=target,
                            names=", ".join(names)))
    return read_manifest(target, name or names[-1])


def restore(target, manifest: dict, *, identities: list | None, force: bool, progress) -> Report:
    if manifest.get("encryption") and identities is None:
        raise BackupError(_("Backup %(name)s is encrypted: give the key file that opens it with --identity.",
                            name=manifest["name"]))
    report = Report(manifest)
    url = owner_url()
    refuse_unless_empty(url, force)
    with tempfile.TemporaryDirectory(prefix="mitrapas-restore-") as work:
        dump = Path(work) / "database"
        with target.read(manifest["database"]["file"]) as stream, open(dump, "wb") as out:
            try:
                unsealed(stream, out, identities if manifest.get("encryption") else None)
            except pyrage.DecryptError as error:  # not one of the keys it was encrypted to
                raise BackupError(_("The database of backup %(name)s does not open with the key given: %(error)s",
                                    name=manifest["name"], error=error)) from error
        if _sha256(dump) != manifest["database"]["sha256"]:
            raise BackupError(_("The database file of backup %(name)s is damaged (its checksum differs from the "
                                "manifest's): nothing was restored.", name=manifest["name"]))
        progress(_("Restoring the database (migration %(migration)s)...", migration=manifest["migration"]))
        _restore_database(url, dump, force)
    db.engine.dispose()  # the portal's connections reopen on the restored database
    _compare_rows(url, manifest, report)
    upgrade()
    report.done.append(_("Migrated from %(before)s to %(after)s.", before=manifest["migration"],
                         after=_migration(url)))
    _restore_objects(target, manifest, identities if manifest.get("encryption") else None, report, progress)
    verify(manifest, report, progress)
    return report


def refuse_unless_empty(url: str, force: bool) -> None:
    tables = _tables(url)
    if tables and not force:
        raise BackupError(_("The database is not empty (%(count)d tables): restore only into an empty database, "
                            "or add --force to replace what it holds.", count=len(tables)))
    storage.ensure_bucket()  # a new installation's bucket may not be made yet
    if not force and next(storage.keys(), None) is not None:
        raise BackupError(_("The bucket %(bucket)s is not empty: restore only into an empty bucket, or add --force "
                            "(objects of the backup are written over; others stay, storage-reconcile lists them).",
                            bucket=current_app.config["S3_BUCKET"]))


def _tables(url: str) -> list[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return inspect(connection).get_table_names()
    finally:
        engine.dispose()


def _restore_database(url: str, dump: Path, force: bool) -> None:
    if url.startswith("sqlite"):
        path = make_url(url).database
        with sqlite3.connect(dump) as source, sqlite3.connect(path) as target:
            source.backup(target)  # the whole file, replacing whatever the target held
        return
    app_role = current_app.config["DATABASE_APP_ROLE"]
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if force:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            connection.execute(text(  # the group role the dump grants to; the first migration makes it the same way
                f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app_role}') THEN "
                f"CREATE ROLE {app_role} NOLOGIN; END IF; END $$"))
    finally:
        engine.dispose()
    conninfo, password = libpq(url)
    done = subprocess.run([postgres_program("pg_restore"), "--no-owner", "--single-transaction", "--exit-on-error",
                           "--no-password", f"--dbname={conninfo}", str(dump)],
                          env={**os.environ, **password}, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(_("pg_restore failed, nothing was restored: %(error)s", error=done.stderr.strip()[-2000:]))


def _compare_rows(url: str, manifest: dict, report: Report) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            for table, expected in sorted(manifest["tables"].items()):
                found = connection.scalar(text(f'SELECT count(*) FROM "{table}"'))
                if found != expected:
                    report.problems.append(_("Table %(table)s holds %(found)d rows, the backup %(expected)d.",
                                             table=table, found=found, expected=expected))
    finally:
        engine.dispose()
    report.done.append(_("Database: %(tables)d tables, %(rows)d rows restored.", tables=len(manifest["tables"]),
                         rows=sum(manifest["tables"].values())))


def _migration(url: str) -> str | None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()


def _restore_objects(target, manifest: dict, identities, report: Report, progress) -> None:
    restored = size = 0
    entries = manifest["objects"]
    for number, (entry, outcome) in enumerate(
            zip(entries, each_at_once(lambda entry: _restore_object(target, entry, identities), entries)), start=1):
        named = {"key": entry["key"], "what": kind_of(entry["what"]), "id": entry["id"]}
        if outcome == "missing":
            report.problems.append(_("Missing from the backup: %(key)s (%(what)s %(id)s)", **named))
        elif outcome == "damaged":
            report.problems.append(_("Damaged in the backup (its checksum differs): %(key)s (%(what)s %(id)s)",
                                     **named))
        else:
            restored, size = restored + 1, size + entry["size"]
        if number % 200 == 0:
            progress(_("Files: %(done)d of %(total)d", done=number, total=len(entries)))
    for entry in manifest.get("missing", []):
        report.problems.append(_("Missing when the backup was taken: %(key)s (%(what)s %(id)s)", key=entry["key"],
                                 what=kind_of(entry["what"]), id=entry["id"]))
    report.done.append(_("Files: %(restored)d of %(total)d restored (%(mib).1f MiB).", restored=restored,
                         total=len(entries), mib=size / 2**20))


def _restore_object(target, entry: dict, identities) -> str:
    """Write one file back, if the backup's copy opens and is whole: "restored", "missing" or "damaged"."""
    try:
        with target.read(entry["blob"]) as stream, tempfile.TemporaryFile() as plain:
            unsealed(stream, plain, identities)
            plain.seek(0)
            if _sha256_of(plain) != entry["sha256"]:
                return "damaged"
            plain.seek(0)
            storage.put(entry["key"], plain, content_type=entry["content_type"])
            return "restored"
    except TargetError:
        return "missing"
    except pyrage.DecryptError:
        return "damaged"


def verify(manifest: dict, report: Report, progress) -> None:
    """The restored portal against the manifest: audit chain, storage-reconcile, every object's checksum, keys."""
    progress(_("Checking what was restored..."))
    with unscoped("the restore checks every tenant's rows and files"):
        breaks = audit.verify_chain()
        for item in breaks:
            report.problems.append(_("Audit chain: entry %(id)s: %(problem)s", id=item.entry_id, problem=item.problem))
        last = manifest["audit"]
        if last["last_id"] is not None and not _has_link(last["last_id"], last["last_hash"]):
            report.problems.append(_("Audit chain: its last link in the backup (entry %(id)s) is not here.",
                                     id=last["last_id"]))
        if not breaks:
            report.done.append(_("Audit chain intact (%(entries)d entries in the backup).", entries=last["entries"]))
        found = reconcile.reconcile(grace=timedelta(0))
        sealed_unreadable, _older = sealing.stale_values(db.session, db.metadata)
        db.session.rollback()
    for what, row_id, key in found.missing_objects:
        report.problems.append(_("storage-reconcile: %(what)s %(id)s without its file %(key)s", what=kind_of(what),
                                 id=row_id, key=key))
    stored = each_at_once(lambda entry: _stored_sha256(entry["key"]), manifest["objects"])
    damaged = [entry for entry, sha256 in zip(manifest["objects"], stored) if sha256 not in (entry["sha256"], None)]
    for entry in damaged:
        report.problems.append(_("Checksum differs after restore: %(key)s", key=entry["key"]))
    report.done.append(_("%(count)d restored files read back and their checksums checked.",
                         count=len(manifest["objects"]) - len(damaged)))
    _keys(manifest, sealed_unreadable, report)


def _has_link(entry_id: int, entry_hash: str) -> bool:
    return db.session.scalar(text("SELECT hash FROM audit_entries WHERE id = :id"), {"id": entry_id}) == entry_hash


def _stored_sha256(key: str) -> str | None:
    """The SHA-256 of the object now in the bucket (None if it is not there: named above already)."""
    if storage.head(key) is None:
        return None
    digest = hashlib.sha256()
    for chunk in storage.get(key):
        digest.update(chunk)
    return digest.hexdigest()


def _keys(manifest: dict, sealed_unreadable: int, report: Report) -> None:
    """What a restore without the backup's keys can and cannot do (README, Backup and restore)."""
    if sealed_unreadable:
        report.notes.append(_("%(count)d sealed secret(s) open with none of SECRETS_KEYS (the backup's were sealed "
                              "with keys %(keys)s): until the key is put back, those people cannot use two-factor "
                              "sign-in (they enrol again) and those webhooks cannot be signed (their organisations "
                              "set a new secret).", count=sealed_unreadable,
                              keys=", ".join(sorted(k for k in manifest["keys"]["sealed_values"] if k != "none"))))
    root, here = manifest["keys"].get("signing_root"), signing_root()
    if root and here != root:
        report.notes.append(_("The portal CA here is not the backup's (root %(root)s): signed PDFs stay valid and "
                              "/verify/ still recognises them by their checksum, but the portal no longer vouches "
                              "for their signers' certificates, and new signatures chain to another root. Restore "
                              "SIGNING_KEY_DIR (or the PKCS#11 token) to keep the same CA.", root=root[:16]))


def _sha256(path: Path) -> str:
    with open(path, "rb") as stream:
        return _sha256_of(stream)


def _sha256_of(stream) -> str:
    digest = hashlib.sha256()
    for chunk in file_chunks(stream):
        digest.update(chunk)
    return digest.hexdigest()
