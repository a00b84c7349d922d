"""Backups restored whole: `mitrapas backup` and `mitrapas restore` against this machine's database server (or
SQLite) and the session's SeaweedFS, each restore into a database made for it and a bucket of its own.

The source is the demo portal (a PKS signed with PAdES, materials with thumbnails, news photos), loaded once."""
from __future__ import annotations

from contextlib import contextmanager
import hashlib
import io
import json
from pathlib import Path
import uuid

from alembic.script import ScriptDirectory
from cryptography.fernet import Fernet
from flask_migrate import downgrade
import pytest
from sqlalchemy import create_engine, inspect, text

from mitrapas_dev import demo
from portal import signing
from portal.core import paths, sealing, storage
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.ops import doctor, reconcile
from tests.conftest import make_app
from tests.databases import fresh_database

pytestmark = pytest.mark.own_database


@contextmanager
def portal_on(seaweed, database, bucket: str, migrated: bool = True, **overrides):
    """The portal on `database` and a new bucket `bucket` of the session's SeaweedFS."""
    app = make_app(database, migrated=migrated, **{**seaweed.settings(), "S3_BUCKET": bucket, **overrides})
    with app.app_context():
        storage.ensure_bucket()
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


@contextmanager
def empty_portal(seaweed, label: str):
    """A new installation: an empty database and an empty bucket, as a restore finds them."""
    with fresh_database(label) as database, \
            portal_on(seaweed, database, f"{label.replace('_', '-')}-{uuid.uuid4().hex[:8]}", migrated=False) as app:
        yield app


@pytest.fixture(scope="module")
def source(seaweed):
    with fresh_database("backup_source") as database, \
            portal_on(seaweed, database, f"source-{uuid.uuid4().hex[:8]}") as app:
        with app.app_context():
            demo.load()
            db.session.commit()
            db.session.remove()
        yield app


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def backed_up(app, target: Path, *extra: str) -> dict:
    result = run(app, "backup", "--to", str(target), *extra)
    assert result.exit_code == 0, result.output
    name = sorted(path.name for path in (target / "backups").iterdir())[-1]
    return json.loads((target / "backups" / name / "manifest.json").read_text())


def rows(app) -> dict[str, list[str]]:
    """Every row of every table, as the owner reads them (the backups' own bookkeeping aside)."""
    engine = create_engine(app.config["MIGRATION_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return {table: sorted(repr(tuple(row)) for row in connection.execute(text(f'SELECT * FROM "{table}"')))
                    for table in inspect(connection).get_table_names() if table != "command_runs"}
    finally:
        engine.dispose()


def stored(app) -> dict[str, str]:
    """Every object of the app's bucket and its SHA-256."""
    with app.app_context():
        return {key: hashlib.sha256(b"".join(storage.get(key))).hexdigest() for key in storage.keys()}


def escape_hatch(connection) -> None:
    """What `unscoped` tells PostgreSQL: the users trigger guards credentials even from the owner."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT set_config('mitrapas.every_tenant', 'on', true)"))


def referenced(app) -> set[str]:
    with app.app_context(), unscoped("test: every file the rows point at"):
        return set(reconcile.referenced_objects())


def test_a_restored_portal_holds_the_same_rows_and_files(source, seaweed, tmp_path):
    manifest = backed_up(source, tmp_path)
    assert manifest["object_count"] == len(referenced(source)) > 10
    assert {entry["what"] for entry in manifest["objects"]} >= {"agreement_document", "material_version",
                                                                  "news_photo"}
    with empty_portal(seaweed, "restored") as restored:
        result = run(restored, "restore", "--from", str(tmp_path))
        assert result.exit_code == 0, result.output
        assert "Pemulihan selesai: tidak ada yang hilang." in result.output
        assert rows(restored) == rows(source)
        source_files = stored(source)
        assert stored(restored) == {key: source_files[key] for key in referenced(source)}
        with restored.app_context(), unscoped("test: the login role reads what was restored"):
            assert doctor.migrations() == []
            assert db.session.scalar(text("SELECT count(*) FROM agreements")) == manifest["tables"]["agreements"]


def test_a_backup_kept_in_another_bucket_restores_the_same(source, seaweed):
    bucket = f"backups-{uuid.uuid4().hex[:8]}"
    with source.app_context():  # the operator's bucket for backups (here on the same SeaweedFS, BACKUP_S3_* unset)
        storage._client().create_bucket(Bucket=bucket)
    first = run(source, "backup", "--to", f"s3://{bucket}/nightly")
    second = run(source, "backup", "--to", f"s3://{bucket}/nightly")
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert ", 0 di antaranya disalin sekarang (0.0 MiB)" in second.output
    with empty_portal(seaweed, "from-bucket") as restored:
        result = run(restored, "restore", "--from", f"s3://{bucket}/nightly")
        assert result.exit_code == 0, result.output
        assert rows(restored) == rows(source)
        assert set(stored(restored)) == referenced(source)


def test_the_manifest_says_what_the_backup_holds_and_never_a_key(source, tmp_path):
    manifest = backed_up(source, tmp_path)
    with source.app_context(), unscoped("test: the chain's last link"):
        last = db.session.execute(text("SELECT id, hash FROM audit_entries ORDER BY id DESC LIMIT 1")).one()
    assert manifest["release"] and manifest["migration"] and manifest["tables"]["audit_entries"] > 0
    assert manifest["audit"]["last_id"] == last.id and manifest["audit"]["last_hash"] == last.hash
    assert manifest["object_bytes"] == sum(entry["size"] for entry in manifest["objects"]) > 0
    written = (tmp_path / "backups" / manifest["name"] / "manifest.json").read_text()
    assert len(manifest["keys"]["secrets_keys"]) == 1 and len(manifest["keys"]["signing_root"]) == 64
    for secret in (*source.config["SECRETS_KEYS"], source.config["SECRET_KEY"],
                   source.config["SIGNING_KEY_PASSPHRASE"].decode()):
        assert secret not in written


def test_a_second_backup_copies_nothing_unchanged_and_a_third_only_the_new_file(source, tmp_path, monkeypatch):
    first = backed_up(source, tmp_path)
    read, get = [], storage.get
    monkeypatch.setattr(storage, "get", lambda key, *args, **kwargs: read.append(key) or get(key, *args, **kwargs))
    second = backed_up(source, tmp_path)
    assert first["copied_count"] == first["object_count"] and second["copied_count"] == 0
    assert read == []  # unchanged files are not even read
    assert {e["key"]: e["blob"] for e in second["objects"]} == {e["key"]: e["blob"] for e in first["objects"]}
    with source.app_context():  # a thumbnail made for a version that had none: one new file the rows point at
        key = f"test/thumbnail-{uuid.uuid4().hex}"
        storage.put(key, io.BytesIO(b"a new thumbnail"), content_type="image/jpeg")
    owner = create_engine(source.config["MIGRATION_DATABASE_URL"])
    with owner.begin() as connection:
        connection.execute(text("UPDATE material_versions SET thumbnail_key = :key WHERE id = (SELECT min(id) "
                                "FROM material_versions WHERE thumbnail_key IS NULL)"), {"key": key})
    try:
        third = backed_up(source, tmp_path)
    finally:
        with owner.begin() as connection:
            connection.execute(text("UPDATE material_versions SET thumbnail_key = NULL WHERE thumbnail_key = :key"),
                               {"key": key})
        owner.dispose()
    assert third["copied_count"] == 1 and third["copied_bytes"] == len(b"a new thumbnail") and read == [key]
    assert third["object_count"] == second["object_count"] + 1
    blobs = [path for path in (tmp_path / "objects").rglob("*") if path.is_file()]
    assert len(blobs) == len({entry["sha256"] for entry in third["objects"]})


def test_a_file_missing_or_damaged_in_the_backup_is_named_and_everything_else_restored(source, seaweed, tmp_path):
    manifest = backed_up(source, tmp_path)
    lost = next(entry for entry in manifest["objects"] if entry["what"] == "material_version")
    damaged = next(entry for entry in manifest["objects"] if entry["what"] == "agreement_document")
    (tmp_path / lost["blob"]).unlink()
    blob = (tmp_path / damaged["blob"]).read_bytes()
    (tmp_path / damaged["blob"]).write_bytes(blob[:100] + bytes([blob[100] ^ 1]) + blob[101:])
    with empty_portal(seaweed, "missing") as restored:
        result = run(restored, "restore", "--from", str(tmp_path))
        assert result.exit_code == 1
        assert f"Tidak ada di cadangan: {lost['key']} (berkas materi {lost['id']})" in result.output
        assert f"Rusak di cadangan (checksum-nya berbeda): {damaged['key']} (dokumen perjanjian " \
               f"{damaged['id']})" in result.output
        for key in (lost["key"], damaged["key"]):  # storage-reconcile finds their rows without a file
            assert f"tanpa berkasnya {key}" in result.output
        problems = [line for line in result.output.splitlines() if "HILANG" in line]
        assert len(problems) == 4, result.output
        assert "4 masalah ditemukan; selebihnya dipulihkan." in result.output
        assert rows(restored) == rows(source)
        assert set(stored(restored)) == referenced(source) - {lost["key"], damaged["key"]}


def test_a_file_missing_from_the_store_is_named_by_the_backup(source, tmp_path):
    with source.app_context(), unscoped("test"):
        key, (what, row_id) = next((key, row) for key, row in reconcile.referenced_objects().items()
                                   if row[0] == "news_photo")
        kept = b"".join(storage.get(key))
        storage.delete(key)
    try:
        result = run(source, "backup", "--to", str(tmp_path))
    finally:
        with source.app_context():
            storage.put(key, io.BytesIO(kept), content_type="image/jpeg")
    assert result.exit_code == 1
    assert f"Tidak ada di penyimpanan: {key} (foto berita {row_id})" in result.output
    manifest, = [json.loads(path.read_text()) for path in (tmp_path / "backups").glob("*/manifest.json")]
    assert manifest["missing"] == [{"key": key, "what": what, "id": row_id}]
    with source.app_context():
        assert any("`mitrapas backup` failed on its last run" in problem for problem in doctor.backups())


def test_a_database_or_bucket_that_is_not_empty_is_refused_unless_forced(source, seaweed, tmp_path):
    backed_up(source, tmp_path)
    before = rows(source)
    refused = run(source, "restore", "--from", str(tmp_path))
    assert refused.exit_code == 1 and "Basis data tidak kosong" in refused.output
    assert rows(source) == before
    with empty_portal(seaweed, "bucket_used") as restored:
        with restored.app_context():
            storage.put("someone/else", io.BytesIO(b"already here"))
        refused = run(restored, "restore", "--from", str(tmp_path))
        assert refused.exit_code == 1 and "tidak kosong" in refused.output
        assert rows(restored) == {}
        forced = run(restored, "restore", "--from", str(tmp_path), "--force")
        assert forced.exit_code == 0, forced.output
        again = run(restored, "restore", "--from", str(tmp_path), "--force")  # over a restored portal
        assert again.exit_code == 0, again.output
        assert rows(restored) == rows(source)


def test_an_encrypted_backup_opens_with_its_key_only(source, seaweed, tmp_path):
    key_file, other_key = tmp_path / "backup.key", tmp_path / "other.key"
    made = run(source, "backup-key", "--out", str(key_file))
    assert made.exit_code == 0 and made.output.startswith("age1")
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert run(source, "backup-key", "--out", str(other_key)).exit_code == 0
    assert run(source, "backup-key", "--out", str(key_file)).exit_code == 2  # never written over
    target = tmp_path / "target"
    manifest = backed_up(source, target, "--recipient", made.output.strip())
    dump = (target / manifest["database"]["file"]).read_bytes()
    assert dump.startswith(b"age-encryption.org/v1") and b"PGDMP" not in dump and b"SQLite" not in dump
    signed = next(entry for entry in manifest["objects"] if entry["what"] == "agreement_document")
    with source.app_context():
        plain = b"".join(storage.get(signed["key"]))
    assert (target / signed["blob"]).read_bytes()[:22] == b"age-encryption.org/v1\n"
    assert plain[:200] not in (target / signed["blob"]).read_bytes()
    with empty_portal(seaweed, "encrypted") as restored:
        without = run(restored, "restore", "--from", str(target))
        assert without.exit_code == 1 and "terenkripsi" in without.output
        wrong = run(restored, "restore", "--from", str(target), "--identity", str(other_key))
        assert wrong.exit_code == 1 and "tidak terbuka dengan kunci" in wrong.output
        assert rows(restored) == {} and stored(restored) == {}
        opened = run(restored, "restore", "--from", str(target), "--identity", str(key_file))
        assert opened.exit_code == 0, opened.output
        assert rows(restored) == rows(source)
        assert stored(restored)[signed["key"]] == signed["sha256"]


def test_a_restore_without_the_keys_says_what_they_were_needed_for(source, seaweed, tmp_path):
    with source.app_context():
        secret = sealing.seal("JBSWY3DPEHPK3PXP")  # a two-factor secret, as enrolment seals it
    owner = create_engine(source.config["MIGRATION_DATABASE_URL"])
    with owner.begin() as connection:  # through the escape hatch: the users trigger guards credentials
        escape_hatch(connection)
        connection.execute(text("UPDATE users SET totp_secret = :secret WHERE id = (SELECT min(id) FROM users)"),
                           {"secret": secret})
    try:
        manifest = backed_up(source, tmp_path)
    finally:
        with owner.begin() as connection:
            escape_hatch(connection)
            connection.execute(text("UPDATE users SET totp_secret = NULL WHERE totp_secret = :secret"),
                               {"secret": secret})
        owner.dispose()
    key_id = sealing.key_id(source.config["SECRETS_KEYS"][0])
    assert manifest["keys"]["secrets_keys"] == [key_id] and manifest["keys"]["sealed_values"] == {key_id: 1}
    assert manifest["keys"]["signing_root"]
    with fresh_database("without_keys") as database, \
            portal_on(seaweed, database, f"keys-{uuid.uuid4().hex[:8]}", migrated=False,
                      SECRETS_KEYS=(Fernet.generate_key().decode(),), SIGNING_KEY_DIR=str(tmp_path / "another-ca")) \
            as restored:
        with restored.app_context():
            signing.authority().root_certificate()  # the CA this installation made for itself
        result = run(restored, "restore", "--from", str(tmp_path))
        assert result.exit_code == 0, result.output  # nothing is missing: the keys are not in any backup
        assert f"catatan  1 rahasia tersegel tidak terbuka dengan kunci mana pun di SECRETS_KEYS (rahasia di cadangan " \
               f"disegel dengan kunci {key_id})" in result.output
        assert f"CA portal di sini bukan CA cadangan (akar {manifest['keys']['signing_root'][:16]})" in result.output


def test_an_older_releases_backup_is_upgraded_to_this_release(seaweed, tmp_path):
    with fresh_database("older") as database, portal_on(seaweed, database, f"older-{uuid.uuid4().hex[:8]}") as older:
        with older.app_context():
            scripts = ScriptDirectory(str(paths.resource("migrations")))
            head = scripts.get_current_head()
            previous = scripts.get_revision(head).down_revision
            downgrade(revision=previous)
        manifest = backed_up(older, tmp_path)
    assert manifest["migration"] == previous
    with empty_portal(seaweed, "upgraded") as restored:
        result = run(restored, "restore", "--from", str(tmp_path))
        assert result.exit_code == 0, result.output
        assert f"Dimigrasikan dari {previous} ke {head}." in result.output
        with restored.app_context():
            assert doctor.migrations() == []


def test_the_doctor_wants_a_recent_backup(source, tmp_path, monkeypatch):
    owner = create_engine(source.config["MIGRATION_DATABASE_URL"])
    with owner.begin() as connection:
        connection.execute(text("DELETE FROM command_runs WHERE name = 'backup'"))
    owner.dispose()
    with source.app_context():
        assert doctor.backups() == ["`mitrapas backup` has never finished successfully (is its timer enabled?)"]
    backed_up(source, tmp_path)
    with source.app_context():
        assert doctor.backups() == []
        monkeypatch.setitem(source.config, "BACKUP_MAX_AGE_HOURS", 0)
        late, = doctor.backups()
        assert "more than 0 hours ago" in late
