"""Two-factor sign-in: enrol with a QR code, codes used once, recovery codes once, required to sign."""
import re
import time

import pyotp
import pytest
from sqlalchemy import update

from portal.accounts import two_factor
from portal.accounts.models import RecoveryCode, User
from portal.agreements import signing as agreement_signing
from portal.agreements.models import AgreementStatus as S
from portal.core.errors import DomainError
from portal.core.tenancy import as_person, unscoped
from portal.extensions import db
from portal.organisations.models import Role
from tests.conftest import Web
from tests.factories import PASSWORD, FacilityFactory, fresh_code, member_of, with_two_factor


@pytest.fixture
def officer():
    return member_of(FacilityFactory(), Role.OFFICER)


def enrol(web) -> tuple[str, list[str]]:
    page = web.get("/account/two-factor").text
    assert "<svg" in page  # the QR code, drawn by the portal
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert re.search(rf'href="otpauth://totp/[^"]*secret={secret}[^"]*" data-testid="open-in-app"', page), \
        "on a phone, a link opens the key in the authenticator app"
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
    assert browser.get("/account/profile").status_code == 302, "not logged in yet"
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
            agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(pks.head.id), actor=pks.head)
    assert agreement.status == S.PARTNER_SIGNED


def test_guessing_codes_from_one_address_is_rate_limited(app, officer):
    """Spread over accounts that each stay under their own allowance: the address's limit still stops it."""
    allowed = int(app.config["LOGIN_LIMIT_PER_IP"].split()[0])
    per_account = int(app.config["TWO_FACTOR_LIMIT_PER_ACCOUNT"].split()[0]) - 1
    people = [with_two_factor(officer)] + [with_two_factor(member_of(officer.memberships[0].organisation, Role.OFFICER))
                                           for _ in range(allowed // per_account)]
    statuses = []
    for person in people:
        browser = Web(app.test_client())
        browser.post("/login", {"email": person.email, "password": PASSWORD})
        totp, now = pyotp.TOTP(person.totp_secret), int(time.time())
        valid = {totp.at(now + offset) for offset in range(-60, 90, 30)}  # never guess right by chance
        guesses = [code for code in (f"{n:06d}" for n in range(per_account + 5)) if code not in valid][:per_account]
        statuses += [browser.post("/login/two-factor", {"code": code}).status_code for code in guesses]
    assert set(statuses[:allowed]) == {401} and statuses[allowed] == 429


def _from_address(app, address: str) -> Web:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return Web(client)


def test_guessing_one_accounts_codes_from_many_addresses_stops_at_the_accounts_limit(app, officer):
    with_two_factor(officer)
    totp, now = pyotp.TOTP(officer.totp_secret), int(time.time())
    valid = {totp.at(now + offset) for offset in range(-60, 90, 30)}
    wrong = (code for code in (f"{n:06d}" for n in range(100)) if code not in valid)
    statuses = []
    for n in range(25):  # each guess from an address of its own: the per-address limit never trips
        browser = _from_address(app, f"10.0.{n}.1")
        assert browser.post("/login", {"email": officer.email, "password": PASSWORD}).status_code == 302
        statuses.append(browser.post("/login/two-factor", {"code": next(wrong)}).status_code)
        if statuses[-1] == 429:
            break
    assert 429 in statuses and set(statuses[:-1]) == {401} and len(statuses) <= 11
    holder = _from_address(app, "10.1.0.1")
    holder.post("/login", {"email": officer.email, "password": PASSWORD})
    refused = holder.post("/login/two-factor", {"code": fresh_code(officer.id)})
    assert refused.status_code == 429 and "Terlalu banyak kode dicoba untuk akun ini" in refused.text
    assert holder.get("/account/profile").status_code == 302, \
        "even the right code opens nothing until the window passes"


def test_a_code_another_request_took_a_moment_ago_is_refused_as_used(officer):
    """Two requests with one code at once (a second tab, a phishing relay) both read the step before either wrote
    it: only one may take it. Here the other request has taken it after this one read the person."""
    officer = with_two_factor(officer)
    code = fresh_code(officer.id)
    with unscoped("test: another worker's request takes the step and commits"):
        db.session.execute(update(User).where(User.id == officer.id)
                           .values(totp_last_step=int(time.time()) // 30 + 1)
                           .execution_options(synchronize_session=False))
    with as_person(officer):
        with pytest.raises(two_factor.CodeAlreadyUsed):
            two_factor.verify(officer, code)
