"""Story: RSUD Tamiang Layang's director gives the hospital's information system a token, and that system reads
the hospital's partnerships and its PKS through /api/v1 on the deployed portal (gunicorn, PostgreSQL under
Row-Level Security): what the hospital's people read, never another pair's agreement; it records the night's
referrals once however often it retries; revoked, it is refused."""
from __future__ import annotations

import json
import os
import re
from datetime import date, timedelta

import pytest
import requests

from tests.deployed.people import org_path

DIRECTOR = "vinny.safari@mitrapas.test"
#: Drawn requests per operation and token. The same draws in every run (CI must not turn red by chance);
#: `MITRAPAS_API_EXPLORE=1` draws new ones (and `MITRAPAS_API_EXAMPLES` more of them) to look for new defects.
EXPLORE = os.environ.get("MITRAPAS_API_EXPLORE") == "1"
EXAMPLES = int(os.environ.get("MITRAPAS_API_EXAMPLES", "25"))


def api(stack, path: str, secret: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return requests.get(f"{stack.url}/api/v1{path}", headers=headers, verify=stack.ca_file, timeout=30)


def test_the_hospitals_system_reads_its_pks_with_a_token_and_nothing_else(visitor, stack):
    director = visitor()
    director.login(DIRECTOR)
    tokens_page = f"{org_path(director)}api-tokens/"
    created = director.post(tokens_page, {"name": "SIMRS RSUD", "scopes": ["organisation:read", "agreements:read",
                                                                           "contributions:write"],
                                          "expires_on": (date.today() + timedelta(days=30)).isoformat()})
    assert created.status_code == 200 and created.text.rstrip().endswith("</html>")
    secret = re.search(r'value="(mitrapas_[^"]+)"', created.text)[1]

    me = api(stack, "/organisation", secret)
    assert me.status_code == 200 and me.json()["name"] == "RSUD Tamiang Layang"
    assert {pair["facility"]["name"] for pair in me.json()["partnerships"]} == {"Rutan Kelas IIB Tamiang Layang"}
    listed = api(stack, "/agreements", secret).json()["items"]
    assert [item["title"] for item in listed] == ["Sistem Rujukan Pelayanan Kesehatan"]
    pks = api(stack, f"/agreements/{listed[0]['id']}", secret).json()
    assert pks["status"] == "active"
    assert {(s["name"], s["method"], s["signed_on"]) for s in pks["signatures"]} == {
        ("Vinny Safari", "electronic", None), ("Agung Novarianto", "electronic", None)}  # PAdES, not on paper

    theirs = stack.sql("SELECT id FROM agreements WHERE title <> 'Sistem Rujukan Pelayanan Kesehatan' LIMIT 1")[0][0]
    refused = api(stack, f"/agreements/{theirs}", secret)
    assert refused.status_code == 404 and refused.headers["Content-Type"] == "application/problem+json"
    assert api(stack, "/agreements", None).status_code == 401
    assert api(stack, "/openapi.json", None).json()["openapi"].startswith("3.1")

    facility_id = me.json()["partnerships"][0]["facility"]["id"]
    session = {"facility_id": facility_id, "type": "health", "title": "Rujukan pasien WBP, November",
               "started_on": (date.today() - timedelta(days=1)).isoformat(), "participants_total": 4,
               "hours": "6.0", "agreement_id": listed[0]["id"]}  # a health visit comes under the health PKS
    sent = [requests.post(f"{stack.url}/api/v1/contributions", json=session, verify=stack.ca_file, timeout=30,
                          headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "rujukan-2026-11"})
            for _ in range(2)]
    assert [answer.status_code for answer in sent] == [201, 201], sent[0].text
    assert sent[0].json() == sent[1].json()
    assert stack.sql("SELECT count(*) FROM contributions WHERE title = 'Rujukan pasien WBP, November'")[0][0] == 1
    changes = stack.sql("SELECT changes FROM audit_entries WHERE action = 'contribution.recorded' "
                        "ORDER BY id DESC LIMIT 1")[0][0]
    assert changes["token"] == "SIMRS RSUD"

    listing = director.get(tokens_page).text
    assert "SIMRS RSUD" in listing and "Belum pernah" not in listing, "its last use shows"
    token_id = re.search(r'/api-tokens/(\d+)/revoke', listing)[1]
    assert director.post(f"{tokens_page}{token_id}/revoke", token_from=tokens_page).status_code == 302
    assert api(stack, "/organisation", secret).status_code == 401


def token_of(stack, email: str) -> str:
    """A token with every scope for the organisation `email` works in, as if its people made it (as the owner:
    the page that makes one is the story above)."""
    import secrets

    from sqlalchemy import create_engine, text

    from portal.services.api_tokens import PREFIX, SCOPES, digest

    secret = PREFIX + secrets.token_urlsafe(32)
    engine = create_engine(stack.env["MIGRATION_DATABASE_URL"])
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO api_tokens (organisation_id, name, prefix, token_hash, scopes, expires_on, created_by_id, "
                "created_at) SELECT m.organisation_id, 'schemathesis', :prefix, :hash, CAST(:scopes AS json), "
                "current_date + 7, u.id, now() FROM users u JOIN memberships m ON m.user_id = u.id "
                "WHERE u.email = :email LIMIT 1"),
                {"prefix": secret[:15], "hash": digest(secret), "scopes": json.dumps(sorted(SCOPES)), "email": email})
    finally:
        engine.dispose()
    return secret


@pytest.mark.parametrize("email", [DIRECTOR, "agung.novarianto@mitrapas.test", "analis.ditjenpas@mitrapas.test"])
def test_every_operation_answers_as_described_and_never_with_a_server_error(stack, email):
    """schemathesis draws requests from the OpenAPI description, with a token of a partner, a facility and an
    oversight office: no 5xx, and every answer (status, content type, body) as the description says."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    # A request the description allows may still break a rule of the portal (a date in the future, a facility
    # that is not a partner): refused with a problem as described, which is not a defect.
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    secret = token_of(stack, email)
    assert api(stack, "/organisation", secret).status_code == 200, "the token works: the draws are not all 401s"
    schema = schemathesis.openapi.from_url(f"{stack.url}/api/v1/openapi.json", verify=stack.ca_file)
    for found in schema.get_all_operations():
        operation = found.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                  derandomize=not EXPLORE)
        def answers_as_described(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, verify=stack.ca_file,
                                   excluded_checks=[positive_data_acceptance])

        answers_as_described()
