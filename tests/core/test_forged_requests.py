"""Story: someone sends what a browser never would: a foreign Host, an X-Forwarded-For of their choosing, a stolen
cookie. The next visitor still gets the portal's own links, the cookie's owner's kept pages stay theirs, and the
store of kept pages keeps one copy per session (issue 32, holes 2, 7 and 8)."""
import pytest

from portal import config as settings
from portal.agreements.models import AgreementStatus as S
from portal.core import links
from portal.core.tenancy import unscoped
from portal.extensions import cache
from tests.conftest import Web
from tests.factories import PASSWORD
from tests.public.test_public_pages import newsroom, published_report, turn_page_on  # noqa: F401  (a fixture)
from tests.core.test_session_pages import kept

FOREIGN = "attacker.example"
PUBLIC_ADDRESSES = ("/sitemap.xml", "/robots.txt", "/publik/{slug}/feed.atom", "/publik/{slug}/berita/{news}")


@pytest.fixture
def published(newsroom):
    turn_page_on(newsroom)
    newsroom.item = published_report(newsroom)
    return newsroom


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_a_page_drawn_for_a_foreign_host_links_only_to_the_portal(published, client, app, address):
    address = address.format(slug=published.slug, news=published.item.slug)
    forged = client.get(address, headers={"Host": FOREIGN})
    assert FOREIGN not in forged.text
    after = client.get(address)
    assert after.status_code == 200 and FOREIGN not in after.text
    assert app.config["PUBLIC_URL"] in after.text, "absolute links are built from PUBLIC_URL"


def test_a_foreign_host_is_refused_where_hosts_are_trusted(published, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["localhost"])
    assert client.get("/sitemap.xml").status_code == 200, "kept now"
    assert client.get("/sitemap.xml", headers={"Host": FOREIGN}).status_code == 400, "not even the kept page"
    assert client.get("/login", headers={"Host": FOREIGN}).status_code == 400


def test_production_trusts_the_host_of_its_public_address_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    assert settings._trusted_hosts("https://mitrapas.kemenkumham.example", development=False) \
        == ["mitrapas.kemenkumham.example"]
    assert settings._trusted_hosts("http://127.0.0.1:5000", development=True) is None
    monkeypatch.setenv("TRUSTED_HOSTS", "mitrapas.example, .mitrapas.example")
    assert settings._trusted_hosts("https://mitrapas.example", development=False) \
        == ["mitrapas.example", ".mitrapas.example"]


def test_kept_signed_in_pages_are_one_copy_per_session_whatever_host_it_names(pks, login_as, app):
    head = login_as(pks.head)
    address = f"/o/{pks.facility.slug}/"
    kept(head, address)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = head.client.get_cookie(name).value
    for number in range(20):  # the browser's cookie, sent with another Host
        host = f"host{number}.example"
        head.client.set_cookie(name, cookie, domain=host)
        assert head.get(address, headers={"Host": host}).status_code == 200
    assert len([key for key in cache.cache._cache if "session-page:" in key]) == 1


def test_a_stolen_cookie_with_the_owners_address_forged_in_x_forwarded_for_is_sent_to_sign_in(pks, app):
    """flask-login's own session protection read the first X-Forwarded-For entry, which the client writes."""
    pks.in_state(S.SUBMITTED)
    owner = Web(client_from(app, "198.51.100.7"))
    with unscoped("test: the address the head types"):
        email = pks.head.email
    assert owner.login(email, PASSWORD).status_code == 302
    address = f"/o/{pks.facility.slug}/"
    kept(owner, address)
    thief = client_from(app, "203.0.113.9")
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"],
                     owner.client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value)
    answer = thief.get(address, headers={"X-Forwarded-For": "198.51.100.7"})
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert owner.get(address).status_code == 200, "the owner's session goes on"


def client_from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.mark.parametrize("environment", ["development", "production"])
def test_pages_are_not_kept_for_sessions_without_a_store_every_process_shares(tmp_path, monkeypatch, environment):
    monkeypatch.setenv("SESSION_PAGE_SECONDS", "120")
    monkeypatch.setenv("REDIS_URL", "")
    overrides = {"ENV_NAME": environment, "SECRET_KEY": "x" * 40, "SECRETS_KEYS": ("k",),
                 "SIGNING_KEY_DIR": str(tmp_path), "SIGNING_KEY_PASSPHRASE": b"p"}
    with pytest.raises(RuntimeError, match="SESSION_PAGE_SECONDS needs a store every process shares"):
        settings.load(tmp_path, overrides)


def test_links_made_outside_a_request_are_made_where_only_the_portals_host_is_trusted(app, monkeypatch):
    """E-mails, notices and webhooks are written by commands and workers, without a request: their links too."""
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://mitrapas.example")
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["mitrapas.example"])
    with app.app_context():
        assert links.absolute("auth.login") == "https://mitrapas.example/login"
