"""What every response carries, and the pages a person sees in Bahasa Indonesia first."""
from pathlib import Path
import re

import pytest

from portal import create_app
from portal.organisations.models import Role
from portal.version import __version__
from tests.conftest import SIGNING_KEY_DIR, TEST_SECRETS_KEY
from tests.factories import FacilityFactory, member_of

TEMPLATES = Path(__file__).parents[2] / "templates"


def test_security_headers_on_every_response(client):
    headers = client.get("/login").headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers, "no HSTS in development"


def test_hsts_and_secure_cookie_in_production(database):
    app = create_app({"ENV_NAME": "production", "SECRET_KEY": "x" * 32, "SECRETS_KEYS": (TEST_SECRETS_KEY,),
                      "SIGNING_KEY_PASSPHRASE": b"y" * 32, "SIGNING_KEY_DIR": SIGNING_KEY_DIR,
                      "SQLALCHEMY_DATABASE_URI": database.app_url})
    response = app.test_client().get("/login", base_url="https://portal.example")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV_NAME": "production"})


def test_production_refuses_to_start_without_a_folder_and_a_passphrase_for_the_signing_keys(monkeypatch):
    monkeypatch.delenv("SIGNING_KEY_DIR", raising=False)
    monkeypatch.delenv("SIGNING_KEY_PASSPHRASE", raising=False)
    settings = {"ENV_NAME": "production", "SECRET_KEY": "x" * 32, "SECRETS_KEYS": (TEST_SECRETS_KEY,)}
    with pytest.raises(RuntimeError, match="SIGNING_KEY_DIR must be set in production"):
        create_app(settings)
    with pytest.raises(RuntimeError, match="SIGNING_KEY_PASSPHRASE must be set in production"):
        create_app({**settings, "SIGNING_KEY_DIR": SIGNING_KEY_DIR})


def test_production_refuses_to_start_without_keys_to_seal_secrets(monkeypatch):
    monkeypatch.delenv("SECRETS_KEYS", raising=False)
    monkeypatch.delenv("SECRETS_KEYS_FILE", raising=False)
    with pytest.raises(RuntimeError, match="SECRETS_KEYS .* must be set in production"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": "x" * 32})
    monkeypatch.setenv("SECRETS_KEYS", "not-a-key")
    with pytest.raises(RuntimeError, match="not a Fernet key"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": "x" * 32})


def test_authenticated_pages_are_not_cached(login_as):
    web = login_as(member_of(FacilityFactory(), Role.HEAD))
    assert web.get("/", follow_redirects=True).headers["Cache-Control"] == "no-store"


def sample_value(rule, arg):
    """Something the rule accepts: one of an `any(...)` converter's words, a number, or text of the right shape."""
    import re

    converter = rule._converters[arg]
    choices = getattr(converter, "items", None)
    if choices:
        return sorted(choices)[0]
    return next(value for value in (1, "x", "0" * 32) if re.fullmatch(converter.regex, str(value)))


def test_every_page_needs_a_login_unless_allowlisted_and_the_api_a_token(app, client):
    from blueprints.api.access import OPEN_ENDPOINTS
    from portal.core.security import PUBLIC_BLUEPRINTS, PUBLIC_ENDPOINTS, TOKEN_BLUEPRINTS

    for rule in app.url_map.iter_rules():
        public = rule.endpoint in PUBLIC_ENDPOINTS | OPEN_ENDPOINTS or rule.endpoint.split(".")[0] in PUBLIC_BLUEPRINTS
        if public or "GET" not in rule.methods:
            continue
        url = rule.build({arg: sample_value(rule, arg) for arg in rule.arguments})[1]
        response = client.get(url)
        if rule.endpoint.split(".")[0] in TOKEN_BLUEPRINTS:
            assert response.status_code == 401 and response.content_type == "application/problem+json", rule.endpoint
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], rule.endpoint


def test_the_login_page_speaks_indonesian_by_default_and_english_on_request(web):
    assert "Masuk ke MitraPAS" in web.get("/login").text
    web.post("/language", {"locale": "en"})
    assert "Log in to MitraPAS" in web.get("/login").text


def test_error_pages_are_in_indonesian(login_as):
    web = login_as(member_of(FacilityFactory(), Role.HEAD))
    page = web.get("/o/tidak-ada/")
    assert page.status_code == 404 and "Halaman tidak ditemukan" in page.text


def test_dates_are_written_the_indonesian_way(app):
    from datetime import date

    with app.test_request_context():
        assert app.jinja_env.filters["long_date"](date(2025, 11, 29)) == "29 November 2025"
        assert app.jinja_env.filters["number"](1234.5) == "1.234,5"


def test_no_template_loads_anything_from_another_host():
    offenders = [path.name for path in TEMPLATES.rglob("*.html")
                 if re.search(r"""(src|href)=["'](https?:)?//""", path.read_text())]
    assert offenders == []


def test_no_inline_script_or_style_in_templates():
    """Pages run under a strict CSP. E-mail (templates/mail) is not a page: mail clients need inline styles."""
    offenders = [path.name for path in TEMPLATES.rglob("*.html")
                 if "mail" not in path.relative_to(TEMPLATES).parts[:1] and re.search(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", path.read_text())]
    assert offenders == []


def test_bootstrap_is_served_by_the_app(client):
    page = client.get("/login").text
    css = re.search(r'href="(/bootstrap/static/[^"]+\.css)"', page).group(1)
    assert client.get(css).status_code == 200


def test_healthz_reports_database_and_storage(client, storage_settings):
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json == {"status": "ok", "database": True, "storage": True,
                                                         "version": __version__}


def test_healthz_says_unhealthy_when_storage_is_unreachable(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", "http://127.0.0.1:9")
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json["storage"] is False
