"""Two-factor sign-in: enrol with a QR code, codes used once, recovery codes once, required to sign."""
import re
import time

import pyotp
import pytest

from portal.errors import DomainError
from portal.extensions import db
from portal.models import AgreementStatus as S, RecoveryCode, Role
from portal.services import agreement_signing
from portal.tenancy import as_person, unscoped
from tests.conftest import Web
from tests.factories import PASSWORD, FacilityFactory, fresh_code, member_of, with_two_factor


@pytest.fixture
def officer():
    return member_of(FacilityFactory(), Role.OFFICER)


def enrol(web) -> tuple[str, list[str]]:
    page = web.get("/account/two-factor").text
    assert "<svg" in page  # the QR code, drawn by the portal
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    done = web.post("/account/two-factor", {"code": pyotp.TOTP(secret).now()}).text
    codes = re.findall(r"<li>([0-9a-f]{6}-[0-9a-f]{6})</li>", done)
    return secret, codes


def test_a_person_enrols_with_a_code_and_gets_ten_recovery_codes_once(login_as, officer):
    web = login_as(officer)
    wrong = web.post("/account/two-factor", {"code": "123456"})
    assert "Kodenya tidak tepat" in wrong.text
    secret, codes = enrol(web)
    assert len(codes) == 10 and len(set(codes)) == 10
    with as_person(officer):
        assert db.session.query(RecoveryCode).filter_by(user_id=officer.id).count() == 10
        assert all(code not in rc.code_hash for rc in db.session.query(RecoveryCode) for code in codes)
    again = web.get("/account/two-factor").text
    assert 'data-testid="two-factor-on"' in again and codes[0] not in again, "shown once"


def test_logging_in_asks_for_a_code_that_works_once(app, officer):
    with_two_factor(officer)
    browser = Web(app.test_client())
    response = browser.post("/login", {"email": officer.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/login/two-factor")
    assert browser.get("/").status_code == 302, "not logged in yet"
    assert browser.post("/login/two-factor", {"code": "000000"}).status_code == 401
    code = fresh_code(officer.id)
    assert browser.post("/login/two-factor", {"code": code}).status_code == 302
    assert browser.get("/").status_code == 302 and "/o/" in browser.get("/").headers["Location"]
    replay = Web(app.test_client())
    replay.post("/login", {"email": officer.email, "password": PASSWORD})
    assert replay.post("/login/two-factor", {"code": code}).status_code == 401, "a code works once"


def test_a_recovery_code_works_once(app, login_as, officer):
    web = login_as(officer)
    _, codes = enrol(web)
    for expected in (302, 401):
        browser = Web(app.test_client())
        browser.post("/login", {"email": officer.email, "password": PASSWORD})
        assert browser.post("/login/two-factor", {"code": codes[0].upper()}).status_code == expected


def test_a_head_cannot_sign_without_two_factor_sign_in(pks):
    agreement = pks.in_state(S.PARTNER_SIGNED)
    with unscoped("test: the head never enrolled"):
        pks.head.totp_enabled_at = None
        db.session.flush()
    with pks.acting(pks.head):
        with pytest.raises(DomainError, match="dua langkah"):
            agreement_signing.sign_agreement(agreement, PASSWORD, actor=pks.head)
    assert agreement.status == S.PARTNER_SIGNED


def test_guessing_codes_is_rate_limited(app, officer):
    with_two_factor(officer)
    browser = Web(app.test_client())
    browser.post("/login", {"email": officer.email, "password": PASSWORD})
    allowed = int(app.config["LOGIN_LIMIT_PER_IP"].split()[0])
    totp, now = pyotp.TOTP(officer.totp_secret), int(time.time())
    valid = {totp.at(now + offset) for offset in range(-60, 90, 30)}  # never guess right by chance
    guesses = [code for code in (f"{n:06d}" for n in range(allowed + 10)) if code not in valid][:allowed + 1]
    statuses = [browser.post("/login/two-factor", {"code": code}).status_code for code in guesses]
    assert set(statuses[:allowed]) == {401} and statuses[-1] == 429
