"""What a backup is made of at its target, and what the backup and the restore share to write and read it.

    backups/<name>/database.dump[.age]   pg_dump's custom format (or the SQLite file), encrypted or not
    backups/<name>/manifest.json         written last: a backup without one is unfinished and never used
    objects/<vault>/<sha256[:2]>/<sha256>[.age]   each stored file once, named by the SHA-256 of its bytes

A vault is `plain`, or `age-<digest of the recipients>`: files encrypted to one set of keys are reused only by
backups to the same keys. The manifest stays readable without the key (it names objects by their random keys
and digests, never by a file name or a person), so the next backup can be incremental on a machine that holds
only the public key. Encryption is age (pyrage, the Rust `age` crate), to X25519 recipients (`age1...`).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
import hashlib
import io
import json
from pathlib import Path
import shutil
from typing import BinaryIO, Iterable, Iterator

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
import pyrage
from pyrage import x25519
from sqlalchemy.engine import make_url

from portal.ops.backup_targets import TargetError

#: Files read and written at once: the store and the target each answer several requests at a time, and hashing and
#: encrypting run outside the GIL (hashlib, age), so four copies take about the time of one (`make bench-backup`).
COPIERS = 4


def each_at_once(function, items: Iterable) -> Iterator:
    """`function(item)` for every item, COPIERS at a time, each in this application's context; results in order."""
    app = current_app._get_current_object()

    def in_context(item):
        with app.app_context():
            return function(item)
    with ThreadPoolExecutor(COPIERS) as pool:
        yield from pool.map(in_context, items)

#: Bumped when a manifest changes shape; a restore refuses a format it does not know.
FORMAT = 1
MANIFEST = "manifest.json"
#: What each kind of file a row points at is called in the reports (`reconcile.referenced_objects`' codes).
KINDS = {"agreement_document": _l("agreement document"), "material_version": _l("material file"),
         "material_thumbnail": _l("material thumbnail"), "news_photo": _l("news photo"),
         "product_photo": _l("product photo"), "product_certificate": _l("scan of a product's certificate"),
         "job_file": _l("file made in the background"), "upload": _l("upload not yet saved as a material")}


def kind_of(code: str) -> str:
    return str(KINDS.get(code, code))


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why, in the operator's language."""


@dataclass(frozen=True)
class Sealing:
    """The keys a backup is encrypted to (none: not encrypted)."""

    recipients: tuple[str, ...] = ()

    @classmethod
    def to(cls, recipients: Iterable[str]) -> "Sealing":
        chosen = tuple(sorted({value.strip() for value in recipients if value.strip()}))
        for value in chosen:
            try:
                x25519.Recipient.from_str(value)
            except pyrage.RecipientError:
                raise ValueError(value) from None
        return cls(chosen)

    @property
    def vault(self) -> str:
        if not self.recipients:
            return "plain"
        return "age-" + hashlib.sha256("\n".join(self.recipients).encode()).hexdigest()[:12]

    @property
    def suffix(self) -> str:
        return ".age" if self.recipients else ""

    def write(self, reader: BinaryIO, out: BinaryIO) -> None:
        """Copy `reader` to `out`, encrypted to the recipients when there are any."""
        if self.recipients:
            pyrage.encrypt_io(reader, out, [x25519.Recipient.from_str(value) for value in self.recipients])
        else:
            shutil.copyfileobj(reader, out, 1024 * 1024)


def read_identities(path: str | Path) -> list:
    """The age identities (`AGE-SECRET-KEY-...` lines) in a key file; comments and blank lines skipped."""
    found = [x25519.Identity.from_str(line.strip()) for line in Path(path).read_text().splitlines()
             if line.strip().startswith("AGE-SECRET-KEY-")]
    if not found:
        raise ValueError(path)
    return found


def unsealed(reader: BinaryIO, out: BinaryIO, identities: list | None) -> None:
    """Copy `reader` to `out`, decrypted with `identities` (None: the file is not encrypted)."""
    if identities is None:
        shutil.copyfileobj(reader, out, 1024 * 1024)
    else:
        pyrage.decrypt_io(reader, out, identities)


def blob_name(vault: str, sha256: str, suffix: str) -> str:
    return f"objects/{vault}/{sha256[:2]}/{sha256}{suffix}"


class HashingReader(io.RawIOBase):
    """A file-like reader over chunks that hashes (SHA-256) and counts what passes through it."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks: Iterator[bytes] = iter(chunks)
        self._pending = b""
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self.digest.update(chunk)
            self.size += len(chunk)
            self._pending = chunk
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()


def file_chunks(stream: BinaryIO, size: int = 1024 * 1024) -> Iterator[bytes]:
    while chunk := stream.read(size):
        yield chunk


# --- manifests --------------------------------------------------------------------------------------

def manifest_path(name: str) -> str:
    return f"backups/{name}/{MANIFEST}"


def backup_names(target) -> list[str]:
    """The finished backups at `target` (those with a manifest), oldest first; names sort by time."""
    return sorted(path.split("/")[1] for path in target.names("backups/") if path.endswith("/" + MANIFEST))


def read_manifest(target, name: str) -> dict:
    try:
        with target.read(manifest_path(name)) as stream:
            manifest = json.loads(stream.read())
    except (TargetError, ValueError) as error:
        raise BackupError(_("The manifest of backup %(name)s cannot be read: %(error)s", name=name,
                            error=error)) from error
    if manifest.get("format") != FORMAT:
        raise BackupError(_("Backup %(name)s is of format %(format)s, which this release does not read.",
                            name=name, format=manifest.get("format")))
    return manifest


def write_manifest(target, manifest: dict) -> None:
    body = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False).encode()
    target.write(manifest_path(manifest["name"]), io.BytesIO(body))


# --- PostgreSQL's own tools -----------------------------------------------------------------------

def postgres_program(name: str) -> str:
    """pg_dump or pg_restore of the newest PostgreSQL installed (Debian keeps each major's under
    /usr/lib/postgresql/<major>/bin): a newer one reads and writes what an older server holds."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda path: int(path.parts[-3]))
    program = str(found[-1]) if found else shutil.which(name)
    if program is None:
        raise BackupError(_("%(program)s is not installed: install PostgreSQL's client programs "
                            "(postgresql-client).", program=name))
    return program


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy URL as libpq's connection string, the password kept out of it (and so out of the process
    list) in PGPASSWORD."""
    from psycopg.conninfo import make_conninfo

    parsed = make_url(url)
    params = {key: value for key, value in {"host": parsed.host, "port": parsed.port, "dbname": parsed.database,
                                             "user": parsed.username}.items() if value}
    params.update({key: value for key, value in parsed.query.items() if isinstance(value, str)})
    return make_conninfo(**params), ({"PGPASSWORD": parsed.password} if parsed.password else {})
