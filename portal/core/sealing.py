"""Secrets the portal must read back (TOTP secrets) are sealed with keys kept outside the database.

A database dump alone must not pass two-factor sign-in (UU PDP, ASVS 6.4.1). Values are Fernet
tokens (AES-128-CBC with HMAC-SHA256, from `cryptography`) under the keys in SECRETS_KEYS, newest
first: MultiFernet opens a value sealed with any of them and seals new ones with the first.
Rotation is README's: put a new key first, restart, `mitrapas portal rotate-secrets`, drop the old key.
"""
from __future__ import annotations

import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import String, select, type_coerce, update
from sqlalchemy.types import TypeDecorator


class UnreadableSecret(RuntimeError):
    """A sealed value opens with none of the configured keys (a key was dropped before rotating)."""


def new_key() -> str:
    return Fernet.generate_key().decode()


def key_id(key: str) -> str:
    """A key's name that reveals nothing of it (the first 16 hex digits of its SHA-256): a backup's manifest says
    which keys its sealed values need, and a restore whether they are here."""
    return hashlib.sha256(key.strip().encode()).hexdigest()[:16]


def _box() -> MultiFernet:
    """Built once per process (and again if the configured keys change)."""
    keys = tuple(current_app.config["SECRETS_KEYS"])
    built = current_app.extensions.get("secrets_box")
    if built is None or built[0] != keys:
        built = current_app.extensions["secrets_box"] = (keys, MultiFernet([Fernet(key) for key in keys]))
    return built[1]


def seal(value: str) -> str:
    return _box().encrypt(value.encode()).decode()


def unseal(token: str) -> str:
    try:
        return _box().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret("a sealed secret opens with none of SECRETS_KEYS") from None


def opens(token: str) -> bool:
    try:
        unseal(token)
    except UnreadableSecret:
        return False
    return True


class Sealed(TypeDecorator):
    """A text column stored sealed: the application sees the plain value, the database never does."""

    impl = String(255)  # a Fernet token of a 32-character secret is 140 characters
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else seal(value)

    def process_result_value(self, value, dialect):
        return None if value is None else unseal(value)


def sealed_columns(metadata) -> list:
    return [column for table in metadata.sorted_tables for column in table.columns
            if isinstance(column.type, Sealed)]


def rotate(session, metadata) -> int:
    """Re-seal every sealed value under the newest key; how many. Nothing changes if one cannot be opened."""
    count = 0
    for column in sealed_columns(metadata):
        keys = list(column.table.primary_key.columns)
        for *key, plain in session.execute(select(*keys, column).where(column.is_not(None))).all():
            session.execute(update(column.table).where(*(k == v for k, v in zip(keys, key)))
                            .values({column.name: plain}))
            count += 1
    return count


def stale_values(session, metadata) -> tuple[int, int]:
    """(values no key opens, values sealed under an older key): the doctor's reading."""
    newest = Fernet(current_app.config["SECRETS_KEYS"][0])
    unreadable = older = 0
    for column in sealed_columns(metadata):
        for token in session.scalars(select(type_coerce(column, String)).where(column.is_not(None))):
            try:
                newest.decrypt(token.encode())
            except InvalidToken:  # only then is it worth trying the older keys
                if opens(token):
                    older += 1
                else:
                    unreadable += 1
    return unreadable, older


def keys_in_use(session, metadata) -> dict[str, int]:
    """How many stored values each configured key seals, by `key_id` (those no key opens under "none")."""
    boxes = [(key_id(key), Fernet(key)) for key in current_app.config["SECRETS_KEYS"]]
    counts: dict[str, int] = {}
    for column in sealed_columns(metadata):
        for token in session.scalars(select(type_coerce(column, String)).where(column.is_not(None))):
            opener = next((name for name, box in boxes if _opens_with(box, token)), "none")
            counts[opener] = counts.get(opener, 0) + 1
    return counts


def _opens_with(box: Fernet, token: str) -> bool:
    try:
        box.decrypt(token.encode())
    except InvalidToken:
        return False
    return True
