"""Secrets the portal must read back are sealed: a database dump does not pass two-factor sign-in,
and the keys rotate without anyone enrolling again."""
from cryptography.fernet import Fernet
import pytest
from sqlalchemy import inspect, text

from portal.accounts import two_factor
from portal.core import sealing
from portal.core.tenancy import as_person, unscoped
from portal.extensions import db
from portal.ops import doctor
from portal.organisations.models import Role
from tests.conftest import TEST_SECRETS_KEY
from tests.factories import FacilityFactory, fresh_code, member_of, with_two_factor
from tests.accounts.test_two_factor import enrol


def stored_secret(user) -> str:
    """What a dump of the users table shows."""
    db.session.flush()
    with unscoped("test: a dump holds every row"):
        return db.session.execute(text("SELECT totp_secret FROM users WHERE id = :id"),
                                  {"id": inspect(user).identity[0]}).scalar_one()


@pytest.fixture
def officer():
    return member_of(FacilityFactory(), Role.OFFICER)


@pytest.fixture
def keys(app, monkeypatch):
    """Change the installation's keys for one test, as an operator changes SECRETS_KEYS and restarts."""
    def configure(*values):
        monkeypatch.setitem(app.config, "SECRETS_KEYS", tuple(values))
    return configure


def test_the_database_holds_no_totp_secret_a_dump_could_use(login_as, officer):
    secret, _ = enrol(login_as(officer))
    stored = stored_secret(officer)
    assert secret not in stored
    assert Fernet(TEST_SECRETS_KEY).decrypt(stored.encode()).decode() == secret


def test_after_rotation_only_the_new_key_is_needed(app, keys, officer):
    with_two_factor(officer)
    secret = officer.totp_secret
    new = sealing.new_key()
    keys(new, TEST_SECRETS_KEY)
    older, = doctor.sealed_secrets()
    assert "sealed with an older key: run `mitrapas portal rotate-secrets`" in older
    result = app.test_cli_runner().invoke(args=["portal", "rotate-secrets"])
    assert result.exit_code == 0, result.output
    assert Fernet(new).decrypt(stored_secret(officer).encode()).decode() == secret
    keys(new)
    db.session.expire_all()
    with as_person(officer):
        assert officer.totp_secret == secret
        assert two_factor.verify(officer, fresh_code(officer.id)), "the authenticator still works"
        db.session.flush()  # the code's step is written as the person (as the login's request commits it)
    assert doctor.sealed_secrets() == []


def test_a_dropped_key_is_reported_and_rotation_refuses(app, keys, officer):
    with_two_factor(officer)
    keys(sealing.new_key())
    problems = doctor.sealed_secrets()
    assert len(problems) == 1 and "open with none of SECRETS_KEYS" in problems[0]
    result = app.test_cli_runner().invoke(args=["portal", "rotate-secrets"])
    assert result.exit_code == 1 and "Nothing was changed" in result.output  # (its transaction rolled back)


def test_a_new_key_is_a_fernet_key(app):
    result = app.test_cli_runner().invoke(args=["portal", "new-secrets-key"])
    assert result.exit_code == 0
    Fernet(result.output.strip())
