"""Password hashes: argon2id with the configured settings, renewed at sign-in, and only so many at once."""
import os
import threading

from argon2 import PasswordHasher
import pytest
from sqlalchemy import func, select

from portal import config as settings
from portal.accounts import operations as accounts, password_hashes
from portal.accounts.models import LoginSession
from portal.audit.models import AuditEntry
from portal.core.columns import as_utc
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.organisations.models import Role
from tests.factories import PASSWORD, FacilityFactory, member_of

TRY_AGAIN = "Banyak orang sedang masuk saat ini. Silakan coba lagi dalam beberapa detik."
#: What argon2-cffi's PasswordHasher() made before the settings came from the config (RFC 9106's low-memory choice).
OLD_SETTINGS = PasswordHasher()


@pytest.fixture
def head():
    return member_of(FacilityFactory(), Role.HEAD)


def settings_of(encoded: str) -> str:
    """`m=19456,t=2,p=1` of `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`."""
    return encoded.split("$")[3]


def stored(user) -> tuple[str, int, int]:
    """The user's hash, their sessions and the audit entries about them, as the database holds them now."""
    with unscoped("test: what was written"):
        db.session.refresh(user)
        return (user.password_hash,
                db.session.scalar(select(func.count(LoginSession.id)).where(LoginSession.user_id == user.id)),
                db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.object_id == str(user.id))))


def given_old_hash(user) -> str:
    with unscoped("test: a hash made before the settings changed"):
        user.password_hash = OLD_SETTINGS.hash(PASSWORD)
        db.session.flush()
        return user.password_hash


def test_by_default_a_password_is_hashed_with_owasps_first_argon2id_setting():
    encoded = accounts.hash_password("sebuah kalimat panjang")
    assert encoded.startswith("$argon2id$")
    assert settings_of(encoded) == "m=19456,t=2,p=1"


def test_the_settings_come_from_the_config(app, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_HASH_MEMORY_KIB", 47104)
    monkeypatch.setitem(app.config, "PASSWORD_HASH_TIME_COST", 1)
    monkeypatch.setitem(app.config, "PASSWORD_HASH_PARALLELISM", 1)
    encoded = accounts.hash_password("sebuah kalimat panjang")
    assert settings_of(encoded) == "m=47104,t=1,p=1"
    assert password_hashes.verify(encoded, "sebuah kalimat panjang").matches


@pytest.mark.parametrize("workers, at_once", [(None, 8), ("4", 2), ("16", 1)])
def test_by_default_the_web_workers_share_the_cores_for_hashing(tmp_path, monkeypatch, workers, at_once):
    """`mitrapas serve` says how many workers it starts (WEB_CONCURRENCY): together they hash about as many
    passwords at once as the machine has cores."""
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    monkeypatch.delenv("PASSWORD_HASHES_AT_ONCE", raising=False)
    if workers is None:
        monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    else:
        monkeypatch.setenv("WEB_CONCURRENCY", workers)
    assert settings.load(tmp_path, {"ENV_NAME": "testing"})["PASSWORD_HASHES_AT_ONCE"] == at_once


def test_a_hash_made_with_other_settings_is_renewed_at_the_next_sign_in_without_an_audit_entry(web, head):
    old = given_old_hash(head)
    with unscoped("test"):
        changed_at = head.password_changed_at
    with unscoped("test"):
        before = set(db.session.scalars(select(AuditEntry.action)))

    assert web.login(head.email, PASSWORD).status_code == 302

    renewed, _, _ = stored(head)
    with unscoped("test"):
        written = set(db.session.scalars(select(AuditEntry.action))) - before
    assert settings_of(old) == "m=65536,t=3,p=4" and settings_of(renewed) == "m=19456,t=2,p=1"
    assert password_hashes.verify(renewed, PASSWORD).matches
    assert as_utc(head.password_changed_at) == as_utc(changed_at)  # SQLite gives the stored time back naive
    assert not any("password" in action for action in written)  # bookkeeping: the password is the same one


def test_a_wrong_password_renews_nothing(web, head):
    old = given_old_hash(head)
    assert web.login(head.email, "salah-sekali-99").status_code == 200
    assert stored(head)[0] == old


@pytest.fixture
def one_turn_taken(app, monkeypatch):
    """One turn to hash in the process, held by someone else (a slow sign-in), and a short wait for it."""
    monkeypatch.setitem(app.config, "PASSWORD_HASHES_AT_ONCE", 1)
    monkeypatch.setitem(app.config, "PASSWORD_HASH_WAIT_SECONDS", 0.05)
    turns = password_hashes.turns(1)
    assert turns.acquire(timeout=5)
    try:
        yield turns
    finally:
        turns.release()


def test_a_sign_in_beyond_the_bound_is_asked_to_try_again_and_nothing_is_written(web, head, one_turn_taken):
    given_old_hash(head)  # a sign-in that went through would renew it
    before = stored(head)

    refused = web.login(head.email, PASSWORD)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "5"
    assert TRY_AGAIN in refused.text
    assert f'value="{head.email}"' in refused.text  # the form again, as it was sent
    assert stored(head) == before


def test_an_unknown_address_waits_for_a_turn_the_same_way(web, head, one_turn_taken):
    """The decoy hash takes a turn like a real one: refusals do not tell who has an account."""
    known = web.login(head.email, PASSWORD)
    unknown = web.login("tidak.ada@contoh.test", PASSWORD)
    assert known.status_code == unknown.status_code == 429
    assert TRY_AGAIN in unknown.text
    assert len(known.text.replace(head.email, "")) == len(unknown.text.replace("tidak.ada@contoh.test", ""))


def test_being_asked_to_try_again_uses_up_no_allowance(app, web, head, one_turn_taken, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "1 per 15 minutes")
    for _ in range(3):
        assert web.login(head.email, PASSWORD).status_code == 429
    one_turn_taken.release()
    try:
        assert web.login(head.email, PASSWORD).status_code == 302
    finally:
        one_turn_taken.acquire()


def test_a_sign_in_waits_for_a_turn_that_comes_in_time(app, web, head, one_turn_taken, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_HASH_WAIT_SECONDS", 30)
    threading.Timer(0.2, one_turn_taken.release).start()
    try:
        assert web.login(head.email, PASSWORD).status_code == 302
    finally:
        assert one_turn_taken.acquire(timeout=5)


def test_other_checks_of_a_password_are_refused_alike_when_no_turn_comes(head, one_turn_taken):
    """Signing an agreement, changing a password or coming back through an invitation hear `Busy`, a DomainError
    their forms already show, instead of waiting without end."""
    with pytest.raises(password_hashes.Busy):
        accounts.password_matches(head, PASSWORD)
    with pytest.raises(password_hashes.Busy):
        accounts.hash_password("sebuah kalimat panjang")
