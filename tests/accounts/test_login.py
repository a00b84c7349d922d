"""Logging in and out: one answer for every failure, rate limits, CSRF, revoked sessions."""
import pytest

from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.organisations.models import Role
from tests.factories import PASSWORD, FacilityFactory, member_of

GENERIC_ERROR = "Alamat e-mail atau kata sandi salah."


@pytest.fixture
def head():
    return member_of(FacilityFactory(), Role.HEAD)


def test_a_head_logs_in_and_lands_on_the_facility_dashboard(web, head):
    response = web.login(head.email, PASSWORD)
    assert response.status_code == 302
    dashboard = web.get("/", follow_redirects=True)
    assert dashboard.request.path == f"/o/{head.memberships[0].organisation.slug}/"
    assert head.name in dashboard.text


def test_wrong_password_and_unknown_account_get_the_same_answer(web, head):
    wrong = web.login(head.email, "salah-sekali-99")
    unknown = web.login("tidak.ada@contoh.test", "salah-sekali-99")
    assert wrong.status_code == unknown.status_code == 200
    assert GENERIC_ERROR in wrong.text and GENERIC_ERROR in unknown.text
    strip = lambda text: text.replace(head.email, "").replace("tidak.ada@contoh.test", "")  # noqa: E731
    assert len(strip(wrong.text)) == len(strip(unknown.text))


def test_a_deactivated_account_cannot_log_in(web, head):
    with unscoped("test: a platform admin switched the account off"):
        head.is_active = False
        db.session.flush()
    response = web.login(head.email, PASSWORD)
    assert GENERIC_ERROR in response.text


def test_login_is_limited_per_account(app, web, head, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "3 per 15 minutes")
    for _ in range(3):
        assert web.login(head.email, "salah-sekali-99").status_code == 200
    blocked = web.login(head.email, PASSWORD)
    assert blocked.status_code == 429
    assert "Terlalu banyak percobaan" in blocked.text


def test_login_is_limited_per_ip_across_accounts(app, web, head, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "4 per 15 minutes")
    for n in range(4):
        web.login(f"coba{n}@contoh.test", "salah-sekali-99")
    assert web.login(head.email, PASSWORD).status_code == 429


def test_successful_logins_do_not_use_up_the_allowance(app, web, head, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "2 per 15 minutes")
    for _ in range(3):
        assert web.login(head.email, PASSWORD).status_code == 302
        web.logout()


def test_a_form_without_csrf_token_is_refused(client, head):
    response = client.post("/login", data={"email": head.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Formulir kedaluwarsa" in response.text


def test_logout_is_not_possible_over_get(login_as, head):
    web = login_as(head)
    assert web.get("/logout").status_code == 405


def test_logout_revokes_the_session_on_the_server(login_as, head, client):
    web = login_as(head)
    stolen_cookie = client.get_cookie("mitrapas_session").value
    web.logout()
    client.set_cookie("mitrapas_session", stolen_cookie)
    replay = client.get("/account/profile")
    assert replay.status_code == 302 and replay.headers["Location"].startswith("/login")


def test_changing_the_password_revokes_old_sessions(login_as, head, client):
    web = login_as(head)
    old_cookie = client.get_cookie("mitrapas_session").value
    response = web.post("/account/password", {
        "current_password": PASSWORD, "new_password": "baru-dan-panjang-7", "confirm": "baru-dan-panjang-7"})
    assert response.status_code == 302
    assert web.get("/", follow_redirects=True).request.path.startswith("/o/"), "this browser stays in"
    client.set_cookie("mitrapas_session", old_cookie)
    assert client.get("/account/profile").headers["Location"].startswith("/login")


def test_changing_the_password_needs_the_current_one(login_as, head):
    web = login_as(head)
    response = web.post("/account/password", {
        "current_password": "bukan-ini-123", "new_password": "baru-dan-panjang-7", "confirm": "baru-dan-panjang-7"})
    assert "Kata sandi saat ini salah." in response.text


def test_deactivating_an_account_ends_its_sessions_at_once(login_as, head, app):
    from tests.conftest import Web

    admin_web = Web(app.test_client())
    admin = member_of(FacilityFactory(), Role.VIEWER, is_platform_admin=True)
    head_web = login_as(head)
    assert head_web.get("/").status_code == 302
    admin_web.login(admin.email, PASSWORD)
    assert admin_web.post(f"/admin/users/{head.id}/deactivate").status_code == 302
    assert head_web.get("/account/profile").headers["Location"].startswith("/login")


def test_session_cookie_is_httponly_and_samesite(web, head, client):
    response = web.login(head.email, PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_only_same_site_next_targets_are_followed(web, head):
    response = web.post("/login?next=//evil.example/", {"email": head.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"
