"""Where backups are kept: a folder (a mounted disk, an NFS share) or a bucket of another S3 (`s3://bucket/prefix`).

A target is a flat namespace of paths (`objects/...`, `backups/<name>/...`); files are written whole or not at
all (a folder's by a rename, an S3 object by its upload's completion), so a backup cut short leaves no half
file under a final name. An S3 target is usually another store than the portal's (another site, another
provider): its address and keys are BACKUP_S3_*, falling back to the portal's own S3_* where unset. It is
reached with boto3 directly, not through `portal.core.storage`, which speaks only to the portal's bucket.
"""
from __future__ import annotations

import os
from pathlib import Path
import shutil
from typing import BinaryIO, Iterator
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from portal.core import storage

#: Parts of 8 MiB, as the portal's own uploads: memory stays flat whatever an object's size.
TRANSFER = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024,
                          max_concurrency=4, use_threads=True)


class TargetError(RuntimeError):
    """The backup target did not do what was asked (absent, refused, unreachable)."""


class FolderTarget:
    """Backups in a folder of this machine."""

    def __init__(self, root: Path):
        self.root = root

    def __str__(self) -> str:
        return str(self.root)

    def _path(self, name: str) -> Path:
        return self.root / name

    def names(self, prefix: str) -> Iterator[str]:
        """Every file name under `prefix` (a folder, ending in /)."""
        base = self._path(prefix)
        if base.is_dir():
            for path in base.rglob("*"):
                if path.is_file() and not path.name.startswith(".partial-"):
                    yield path.relative_to(self.root).as_posix()

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def write(self, name: str, source: BinaryIO) -> None:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".partial-{path.name}")
        with open(partial, "wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)

    def read(self, name: str) -> BinaryIO:
        try:
            return open(self._path(name), "rb")
        except OSError as error:
            raise TargetError(f"{name}: {error.strerror}") from error


class S3Target:
    """Backups under a prefix of a bucket of some S3 (BACKUP_S3_*, else the portal's S3_* settings)."""

    def __init__(self, bucket: str, prefix: str, config):
        self.bucket, self.prefix = bucket, prefix.strip("/") + "/" if prefix.strip("/") else ""

        def setting(name: str):
            return config.get(f"BACKUP_{name}") or config.get(name) or None

        self.client = boto3.client(
            "s3", endpoint_url=setting("S3_ENDPOINT_URL"), region_name=setting("S3_REGION"),
            aws_access_key_id=setting("S3_ACCESS_KEY_ID"), aws_secret_access_key=setting("S3_SECRET_ACCESS_KEY"),
            config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"}, connect_timeout=5,
                              read_timeout=120, retries={"max_attempts": 5, "mode": "standard"}))

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def names(self, prefix: str) -> Iterator[str]:
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                              Prefix=self.prefix + prefix):
                for item in page.get("Contents", []):
                    yield item["Key"][len(self.prefix):]
        except (BotoCoreError, ClientError) as error:
            raise TargetError(f"list {self}{prefix}: {error}") from error

    def exists(self, name: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.prefix + name)
        except ClientError as error:
            if storage.not_found(error):
                return False
            raise TargetError(f"{self}{name}: {error}") from error
        except BotoCoreError as error:
            raise TargetError(f"{self}{name}: {error}") from error
        return True

    def write(self, name: str, source: BinaryIO) -> None:
        try:
            self.client.upload_fileobj(source, self.bucket, self.prefix + name, Config=TRANSFER)
        except (BotoCoreError, ClientError) as error:
            raise TargetError(f"write {self}{name}: {error}") from error

    def read(self, name: str) -> BinaryIO:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)["Body"]
        except (BotoCoreError, ClientError) as error:
            raise TargetError(f"{self}{name}: {error}") from error


def open_target(location: str, config) -> FolderTarget | S3Target:
    """`s3://bucket/prefix` or a folder's path."""
    if location.startswith("s3://"):
        parts = urlsplit(location)
        if not parts.netloc:
            raise TargetError(f"{location}: name a bucket, s3://bucket/prefix")
        return S3Target(parts.netloc, parts.path, config)
    return FolderTarget(Path(location).expanduser().resolve())
