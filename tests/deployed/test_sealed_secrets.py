"""Story: a database dump does not pass two-factor sign-in, and the operators rotate the sealing key
(README, Production) on the installed release without anyone enrolling again."""
from __future__ import annotations

from cryptography.fernet import Fernet

from tests.deployed.people import enrol_two_factor, sign_in_with_code

ANALYST = "analis.kalteng@mitrapas.test"


def test_the_totp_secret_is_sealed_and_survives_a_key_rotation(stack, visitor):
    person = visitor()
    person.login(ANALYST)
    totp = enrol_two_factor(person)
    stored, = stack.sql("SELECT totp_secret FROM users WHERE email = :email", email=ANALYST)[0]
    assert totp.secret not in stored, "the dump shows the secret"

    old, new = stack.env["SECRETS_KEYS"], Fernet.generate_key().decode()
    stack.flask("portal", "rotate-secrets", changes={"SECRETS_KEYS": f"{new},{old}"})
    rotated, = stack.sql("SELECT totp_secret FROM users WHERE email = :email", email=ANALYST)[0]
    assert Fernet(new).decrypt(rotated.encode()).decode() == totp.secret
    only_new = stack.flask("doctor", check=False, changes={"SECRETS_KEYS": new}).stdout
    only_old = stack.flask("doctor", check=False, changes={"SECRETS_KEYS": old}).stdout
    assert "ok    sealed secrets" in only_new, only_new
    assert "FAIL  sealed secrets" in only_old and "open with none of SECRETS_KEYS" in only_old, only_old

    stack.flask("portal", "rotate-secrets", changes={"SECRETS_KEYS": f"{old},{new}"})  # back to what runs
    sign_in_with_code(visitor(), ANALYST, totp)
