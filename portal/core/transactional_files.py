"""Files kept in object storage on behalf of a database transaction.

A file is streamed to storage first (hashed and measured on the way, its type
sniffed from its first bytes), then the caller flushes the row that points at
it. If the transaction rolls back, the object is removed again, so a failed
request leaves neither a row without an object nor an object without a row.
"""
from __future__ import annotations

from dataclasses import dataclass
import hashlib
import io
import itertools
import logging
import secrets
from typing import BinaryIO, Iterable
import unicodedata

import filetype
from flask_babel import LazyString, lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.core import file_kinds, storage
from portal.core.errors import DomainError

log = logging.getLogger(__name__)

#: Bytes read before storing, to tell the file's real type.
SNIFF_BYTES = 8192
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_PENDING = "mitrapas_uncommitted_objects"
_DOOMED = "mitrapas_objects_to_remove"


class FileRefused(DomainError):
    """The file itself is refused (empty, too large, not a kind taken here, already there): the message belongs
    beside the field it was chosen in, and says what to do."""


class FileTooLarge(FileRefused):
    def __init__(self, limit: int, name: str | None = None):
        super().__init__(_l("%(file)s is larger than the limit of %(size)s. Make it smaller (a shorter video, a "
                            "scan at a lower resolution) or split it, and choose it again.",
                            file=_called(name), size=LazyString(file_kinds.size, limit)))


class EmptyFile(FileRefused):
    def __init__(self, name: str | None = None):
        super().__init__(_l("%(file)s is empty (0 bytes): there is nothing in it to upload. Open it on your "
                            "device to check it, or choose the right file.", file=_called(name)))


def _called(name: str | None):
    """A file as a message names it: "laporan.pdf" in quotes, or "This file" when its name is not known.

    Lazy where it is words, as the sizes and kinds are: a refusal may be made in the storage's upload thread,
    and is said in the language of the request that shows it."""
    return f'"{safe_filename(name)}"' if name and name.strip() else _l("This file")


class StoreUnreachable(DomainError):
    """The document store did not take a write: nothing was saved."""

    def __init__(self):
        super().__init__(_l("The document store cannot be reached right now. Nothing was saved; "
                            "please try again in a few minutes."))


@dataclass(frozen=True)
class StoredFile:
    key: str
    filename: str
    content_type: str
    size: int
    #: None for a file sent in parts whose background check has not yet read it whole.
    sha256: str | None


def safe_filename(name: str | None, fallback: str = "dokumen") -> str:
    """The uploader's file name, safe to show and to offer as a download name."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = f"{stem[:190]}.{extension[:9]}" if dot and len(extension) < 10 else name[:200]
    return name or fallback


def sniff(head: bytes) -> str | None:
    """The content type the bytes themselves say, whatever the name claims."""
    return filetype.guess_mime(head)


def new_key(prefix: str) -> str:
    """A key under the owning pair's prefix; random, never the user's file name."""
    return f"{prefix.rstrip('/')}/{secrets.token_hex(16)}"


class _Measured(io.RawIOBase):
    """A read-only stream that hashes and counts what passes, and stops at the limit."""

    def __init__(self, head: bytes, rest: BinaryIO, limit: int, name: str | None = None):
        self._head, self._rest, self._limit, self._name = head, rest, limit, name
        self.sha256, self.size = hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            chunk, self._head = self._head[:len(buffer)], self._head[len(buffer):]
        else:
            chunk = self._rest.read(len(buffer))
        self.size += len(chunk)
        if self.size > self._limit:
            raise FileTooLarge(self._limit, self._name)
        self.sha256.update(chunk)
        buffer[:len(chunk)] = chunk
        return len(chunk)


def store_upload(stream: BinaryIO, *, filename: str | None, prefix: str, allowed: Iterable[str],
                 max_bytes: int, session: Session) -> StoredFile:
    """Check and stream an upload to storage; removed again if `session` rolls back."""
    head = stream.read(SNIFF_BYTES)
    content_type = _accepted_type(head, allowed, filename, max_bytes)
    measured = _Measured(head, stream, max_bytes, filename)
    key = new_key(prefix)
    _put(key, io.BufferedReader(measured, buffer_size=1024 * 1024), content_type, session)
    _verify(key, measured.size)
    return StoredFile(key, safe_filename(filename), content_type, measured.size, measured.sha256.hexdigest())


def check_stored(key: str, *, filename: str | None, allowed: Iterable[str], max_bytes: int) -> StoredFile:
    """Check an object that arrived without passing through the portal: its type by content, size and SHA-256.

    Read once, as a stream; the caller removes the object if this refuses it.
    """
    chunks = _read(key)
    head = next(chunks, b"")
    content_type = _accepted_type(head[:SNIFF_BYTES], allowed, filename, max_bytes)
    digest, size = hashlib.sha256(), 0
    for chunk in itertools.chain([head], chunks):
        size += len(chunk)
        if size > max_bytes:
            raise FileTooLarge(max_bytes, filename)
        digest.update(chunk)
    return StoredFile(key, safe_filename(filename), content_type, size, digest.hexdigest())


def check_head(key: str, *, filename: str | None, allowed: Iterable[str], max_bytes: int) -> str:
    """The type of an object that arrived without passing through the portal, by its first bytes alone (one
    ranged read), or the reason it is refused; the caller removes a refused object."""
    return _accepted_type(read_head(key, SNIFF_BYTES), allowed, filename, max_bytes)


def _accepted_type(head: bytes, allowed: Iterable[str], filename: str | None, max_bytes: int) -> str:
    """The content type the first bytes say, or the reason the file is refused (empty, or not allowed here),
    in words a person knows ("Word", "foto JPG/PNG"), whatever the file's name claims."""
    if not head:
        raise EmptyFile(filename)
    allowed = tuple(allowed)
    content_type = sniff(head)
    if content_type not in allowed:
        raise FileRefused(_l("%(file)s cannot be uploaded: inside, it is not one of the kinds of file taken here "
                             "(%(accepted)s), whatever its name says. Save or export it as one of these, and "
                             "choose it again.", file=_called(filename),
                             accepted=LazyString(file_kinds.accepted, allowed, max_bytes)))
    return content_type


def _verify(key: str, size: int) -> None:
    """The store holds what was sent, or the upload fails (and its object goes with the rollback)."""
    try:
        found = storage.head(key)
    except storage.StorageError as error:
        found = None
        log.error("storage check failed: %s", error)
    if found is None or found["size"] != size:
        raise DomainError(_l("The file did not arrive whole in the document store. Nothing was saved; "
                             "please try again."))


def store_bytes(data: bytes, *, filename: str, prefix: str, content_type: str, session: Session) -> StoredFile:
    """Store bytes the portal made itself (a generated PDF)."""
    key = new_key(prefix)
    _put(key, io.BytesIO(data), content_type, session)
    return StoredFile(key, safe_filename(filename), content_type, len(data), hashlib.sha256(data).hexdigest())


def store_stream(stream: BinaryIO, *, filename: str, prefix: str, content_type: str,
                 session: Session) -> StoredFile:
    """Store a file the portal made itself and spooled (a background export), hashed on the way."""
    measured = _Measured(b"", stream, limit=2**62)
    key = new_key(prefix)
    _put(key, io.BufferedReader(measured, buffer_size=1024 * 1024), content_type, session)
    return StoredFile(key, safe_filename(filename), content_type, measured.size, measured.sha256.hexdigest())


def sha256_of_object(key: str) -> str:
    """Recompute a stored object's SHA-256 (before it is signed, to be sure it is unchanged)."""
    digest = hashlib.sha256()
    for chunk in _read(key):
        digest.update(chunk)
    return digest.hexdigest()


def read_object(key: str) -> bytes:
    return b"".join(_read(key))


def read_head(key: str, size: int) -> bytes:
    """The first `size` bytes of an object (a file's header), without reading the rest."""
    head = b""
    chunks = _read(key, first=size)
    try:
        for chunk in chunks:
            head += chunk
            if len(head) >= size:
                break
    finally:
        chunks.close()
    return head[:size]


def _read(key: str, first: int | None = None):
    try:
        yield from storage.get(key, first=first)
    except storage.StorageError as error:
        log.error("storage read failed: %s", error)
        raise DomainError(_l("The document store cannot be reached right now. Nothing was changed; "
                             "please try again in a few minutes.")) from error


def _put(key: str, stream: BinaryIO, content_type: str, session: Session) -> None:
    try:
        storage.put(key, stream, content_type=content_type)
    except storage.StorageError as error:
        log.error("storage write failed: %s", error)
        raise StoreUnreachable() from error
    session.info.setdefault(_PENDING, []).append(key)


def remove_after_commit(key: str, session: Session) -> None:
    """Delete an object once the rows pointing at it are gone for good (never before)."""
    session.info.setdefault(_DOOMED, []).append(key)


@event.listens_for(Session, "after_commit")
def _keep_objects(session: Session) -> None:
    session.info.pop(_PENDING, None)
    for key in session.info.pop(_DOOMED, []):
        try:
            storage.delete(key)
        except storage.StorageError as error:  # `storage-reconcile` finds it later
            log.warning("could not remove object %s: %s", key, error)


@event.listens_for(Session, "after_soft_rollback")
def _remove_objects(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:
        return  # a savepoint: the outer transaction decides
    session.info.pop(_DOOMED, None)
    for key in session.info.pop(_PENDING, []):
        try:
            storage.delete(key)
        except storage.StorageError as error:  # `storage-reconcile` finds it later
            log.warning("could not remove uncommitted object %s: %s", key, error)
