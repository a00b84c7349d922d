"""Password hashes: argon2id at one of OWASP's settings (from config), and only so many computed at once.

argon2 is slow and memory-hard on purpose. Its work runs in C through cffi, which lets go of the GIL for the whole
call (measured: a thread's 2.7 s hash stalled the other threads for at most 3.5 ms), so a hash takes a core, not
the process: a burst of sign-ins could take every core from every other page. Each process therefore computes at
most PASSWORD_HASHES_AT_ONCE hashes at a time; a hash that finds no turn within PASSWORD_HASH_WAIT_SECONDS is
refused with `Busy` ("coba lagi sebentar lagi") instead of queueing without end. Verifying against the decoy hash
for an unknown address takes a turn like any other, so neither its timing nor its refusals tell who has an
account. The choice of settings and the measurements: tests/bench/README.md, "Signing in under load".
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
import secrets
import threading

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.core.errors import DomainError


class Busy(DomainError):
    """No turn to hash within the wait: nothing was checked or written; the person tries again in a moment."""

    def __init__(self):
        super().__init__(_l("Many people are signing in right now. Please try again in a few seconds."))


@dataclass(frozen=True)
class Verdict:
    matches: bool
    #: The same password hashed with today's settings, when it matched a hash made with others (to be stored).
    renewed: str | None = None


@dataclass(frozen=True)
class Settings:
    memory_kib: int
    time_cost: int
    parallelism: int
    at_once: int
    wait_seconds: float

    @classmethod
    def of_app(cls) -> Settings:
        config = current_app.config
        return cls(config["PASSWORD_HASH_MEMORY_KIB"], config["PASSWORD_HASH_TIME_COST"],
                   config["PASSWORD_HASH_PARALLELISM"], config["PASSWORD_HASHES_AT_ONCE"],
                   config["PASSWORD_HASH_WAIT_SECONDS"])


@cache
def _hasher(memory_kib: int, time_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID)


@cache
def turns(at_once: int) -> threading.BoundedSemaphore:
    """This process's turns to hash (one set per size, made in the worker that uses it)."""
    return threading.BoundedSemaphore(at_once)


@contextmanager
def turn() -> Iterator[PasswordHasher]:
    """Hold one of the process's turns to hash, waiting at most the configured time; the configured hasher."""
    settings = Settings.of_app()
    slots = turns(settings.at_once)
    if not slots.acquire(timeout=settings.wait_seconds):
        raise Busy()
    try:
        yield _hasher(settings.memory_kib, settings.time_cost, settings.parallelism)
    finally:
        slots.release()


@cache
def _decoy(hasher: PasswordHasher) -> str:
    """A hash made with today's settings, verified against when the account does not exist, so timing does not
    tell (made once per process, inside the turn of the first sign-in that needs it)."""
    return hasher.hash(secrets.token_urlsafe(16))


def new_hash(password: str) -> str:
    with turn() as hasher:
        return hasher.hash(password)


def verify(encoded: str | None, password: str, *, renew: bool = False) -> Verdict:
    """Whether `password` matches `encoded` (None: the decoy, which nothing matches), in one turn; with `renew`, a
    matching hash made with other settings is hashed again in the same turn."""
    with turn() as hasher:
        try:
            hasher.verify(encoded if encoded is not None else _decoy(hasher), password or "")
        except (VerificationError, InvalidHashError):
            return Verdict(False)
        if encoded is None:
            return Verdict(False)
        if renew and hasher.check_needs_rehash(encoded):
            return Verdict(True, hasher.hash(password))
        return Verdict(True)
