"""Backup and restore of the national data set against their floor, in one run: `make bench-backup`.

Starts the deployed stack of the tier (its own PostgreSQL, SeaweedFS, the installed release) with the demo data,
adds the generator's national data set (550 facilities, 3,000 partners, 8,000 agreements, 200,000 contributions)
and `--gib` GiB of material files (32 MiB each, random bytes, each the one version of a material of a generated
pair), then times, one after the other on the same machine:

- `mitrapas backup` to a folder: the first (everything copied), then a second with nothing changed (incremental);
- `mitrapas restore` of it into a new database and a new bucket, with every check it makes;
- the floor: `pg_dump -Fc` of the same database as the owner plus a plain boto3 copy of every object to a folder;
  then `pg_restore` into another new database plus a plain upload of every object into another new bucket.

It prints seconds, sizes and the ratio of each to its floor, and asserts nothing about time.

    .venv/bin/python -m tests.bench.backup [--contributions 200000] [--gib 2]
"""
from __future__ import annotations

import argparse
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
import os
from pathlib import Path
import subprocess
import tempfile
import time

import boto3
from botocore.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.bench import data_generator, pages
from tests.databases import fresh_database, server_url
from tests.deployed.stack import start_stack

FILE_MIB = 32
COPIERS = 4  # the floor copies four objects at a time, as a plain boto3 script would


def store_of(env: dict[str, str], bucket: str | None = None):
    client = boto3.client("s3", endpoint_url=env["S3_ENDPOINT_URL"], aws_access_key_id=env["S3_ACCESS_KEY_ID"],
                          aws_secret_access_key=env["S3_SECRET_ACCESS_KEY"], region_name="us-east-1",
                          config=Config(s3={"addressing_style": "path"}))
    return client, bucket or env["S3_BUCKET"]


def add_material_files(stack, gib: float) -> tuple[int, int]:
    """`gib` GiB of material files at generated pairs: (files, bytes)."""
    count = max(1, int(gib * 1024 / FILE_MIB))
    client, bucket = store_of(stack.env)
    engine = create_engine(stack.env["MIGRATION_DATABASE_URL"])
    with engine.begin() as connection:
        pairs = connection.execute(text(
            "SELECT facility_id, partner_id FROM partnerships ORDER BY id LIMIT :count"), {"count": count}).all()
        rows = []
        for number in range(count):
            facility, partner = pairs[number % len(pairs)]
            material = connection.execute(text(
                "INSERT INTO materials (facility_id, partner_id, category, title, description, created_at) "
                "VALUES (:facility, :partner, 'module', :title, '', now()) RETURNING id"),
                {"facility": facility, "partner": partner, "title": f"Modul pelatihan {number}"}).scalar()
            key = f"f/{facility}/p/{partner}/materials/bench-{number:05d}"
            rows.append({"facility": facility, "partner": partner, "material": material, "key": key,
                         "name": f"modul-{number}.pdf", "size": FILE_MIB * 2**20})
        connection.execute(text(
            "INSERT INTO material_versions (facility_id, partner_id, material_id, number, filename, content_type, "
            "size, sha256, storage_key, uploaded_at) VALUES (:facility, :partner, :material, 1, :name, "
            "'application/pdf', :size, repeat('0', 64), :key, now())"), rows)
    engine.dispose()

    def upload(row):
        client.put_object(Bucket=bucket, Key=row["key"], Body=os.urandom(row["size"]))
    with ThreadPoolExecutor(COPIERS) as pool:
        list(pool.map(upload, rows))
    return count, count * FILE_MIB * 2**20


def timed(what: str, action) -> float:
    started = time.monotonic()
    action()
    seconds = time.monotonic() - started
    print(f"  {what}: {seconds:.1f} s", flush=True)
    return seconds


def size_of(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def floor_backup(stack, folder: Path) -> None:
    """pg_dump of the database, and every object of the bucket copied to files: no checks, no manifest."""
    folder.mkdir()
    subprocess.run([pages_program("pg_dump"), "-Fc", "-f", str(folder / "database.dump"),
                    libpq_url(stack.env["MIGRATION_DATABASE_URL"])], check=True)
    client, bucket = store_of(stack.env)
    keys = [item["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for item in page.get("Contents", [])]
    (folder / "objects").mkdir()

    def copy(number_key):
        number, key = number_key
        client.download_file(bucket, key, str(folder / "objects" / f"{number:06d}"))
        (folder / "objects" / f"{number:06d}.key").write_text(key)
    with ThreadPoolExecutor(COPIERS) as pool:
        list(pool.map(copy, enumerate(keys)))


def floor_restore(stack, folder: Path, database_url: str, bucket: str) -> None:
    subprocess.run([pages_program("pg_restore"), "--no-owner", "--single-transaction", "-d", libpq_url(database_url),
                    str(folder / "database.dump")], check=True)
    client, _ = store_of(stack.env)
    client.create_bucket(Bucket=bucket)
    files = sorted(path for path in (folder / "objects").iterdir() if path.suffix != ".key")

    def upload(path):
        client.upload_file(str(path), bucket, path.with_suffix(".key").read_text())
    with ThreadPoolExecutor(COPIERS) as pool:
        list(pool.map(upload, files))


def pages_program(name: str) -> str:
    """The newest PostgreSQL's own program (the stack's server is the newest installed)."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda path: int(path.parts[-3]))
    return str(found[-1]) if found else name


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contributions", type=int, default=200_000)
    parser.add_argument("--gib", type=float, default=2.0)
    args = parser.parse_args(argv)
    if server_url() is None:
        raise SystemExit("bench-backup needs PostgreSQL: DATABASE_URL=postgresql+psycopg://... make bench-backup")
    with ExitStack() as resources:
        stack = start_stack(resources)
        pages.load_national_data(stack, args.contributions)
        engine = create_engine(stack.env["MIGRATION_DATABASE_URL"])
        data_generator.chain_audit(engine)  # the restore verifies the trail
        engine.dispose()
        files, size = add_material_files(stack, args.gib)
        work = Path(resources.enter_context(tempfile.TemporaryDirectory(prefix="mitrapas-bench-backup-")))
        print(f"data: {args.contributions:,} generated contributions, {files} material files of {FILE_MIB} MiB "
              f"({size / 2**30:.1f} GiB), database {stack.sql('SELECT pg_database_size(current_database())')[0][0] / 2**20:.0f} MiB",
              flush=True)
        figures = {}
        print("the portal's own:")
        figures["backup"] = timed("mitrapas backup (first, full)",
                                  lambda: stack.flask("backup", "--to", str(work / "target")))
        figures["backup size"] = size_of(work / "target")
        figures["incremental"] = timed("mitrapas backup (again, nothing changed)",
                                       lambda: stack.flask("backup", "--to", str(work / "target")))
        with fresh_database("bench-restored", base=stack.postgres.url) as database:
            changes = {"DATABASE_URL": database.app_url, "MIGRATION_DATABASE_URL": database.owner_url,
                       "S3_BUCKET": "bench-restored"}
            figures["restore"] = timed("mitrapas restore (new database and bucket, with its checks)",
                                       lambda: stack.flask("restore", "--from", str(work / "target"), changes=changes))
        print("the floor (pg_dump and a plain copy of every object):")
        figures["floor backup"] = timed("pg_dump -Fc + boto3 copy of every object",
                                        lambda: floor_backup(stack, work / "floor"))
        figures["floor size"] = size_of(work / "floor")
        with fresh_database("bench-floor", base=stack.postgres.url) as database:
            figures["floor restore"] = timed("pg_restore + boto3 upload of every object", lambda: floor_restore(
                stack, work / "floor", database.owner_url, "bench-floor"))
        print(f"\nbackup and restore, {size / 2**30:.1f} GiB of files, same run")
        print(f"  {'':34} {'portal':>10} {'floor':>10} {'ratio':>7}")
        for name, mine, floor in (("backup (s)", figures["backup"], figures["floor backup"]),
                                  ("incremental backup (s)", figures["incremental"], figures["floor backup"]),
                                  ("restore (s)", figures["restore"], figures["floor restore"]),
                                  ("size (MiB)", figures["backup size"] / 2**20, figures["floor size"] / 2**20)):
            print(f"  {name:34} {mine:>10.1f} {floor:>10.1f} {mine / floor:>7.2f}")


if __name__ == "__main__":
    main()
