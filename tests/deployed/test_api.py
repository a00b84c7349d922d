"""Story: RSUD Tamiang Layang's director gives the hospital's information system a token, and that system reads
the hospital's partnerships and its PKS through /api/v1 on the deployed portal (gunicorn, PostgreSQL under
Row-Level Security): what the hospital's people read, never another pair's agreement; it records the night's
referrals once however often it retries; revoked, it is refused."""
from __future__ import annotations

from datetime import date, timedelta
import json
import os
import random
import re
import subprocess
import sys

import pytest
import requests

from tests.deployed.people import org_path

DIRECTOR = "vinny.safari@mitrapas.test"
#: Drawn requests per operation, phase and token. The same draws in every run (CI must not turn red by chance);
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

    from portal.integrations.api_tokens import PREFIX, SCOPES, digest

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


#: What schemathesis is told beyond its defaults, and why.
SCHEMATHESIS_TOML = """
# A request the description allows may still break a rule of the portal that it cannot state (a day in the future,
# a programme already closed, a facility that is not a partner): refused with a problem, 422, as described. A 400
# stays a failure: it means the API refused as malformed what its own description allows.
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
"""
#: A token of each kind of organisation, made as if by the person named: a partner (RSUD's director), a facility (the
#: Rutan's head) and an oversight office (an analyst of the Directorate General).
ROLES = {"partner": DIRECTOR, "facility": "agung.novarianto@mitrapas.test",
         "oversight": "analis.ditjenpas@mitrapas.test"}


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_described_and_never_with_a_server_error(stack, role, tmp_path):
    """schemathesis, run as its command runs for anyone, against every operation of the description with a token
    of each kind of organisation, in all its phases (the description's examples; coverage of every keyword and
    boundary, undeclared methods and media types and a form without its boundary; random draws; sequences that
    follow the links it infers), with valid and invalid data, and every check it has: no 5xx, status, media type,
    headers and body as described, invalid data refused and valid data accepted, 405 with `Allow` for an
    undeclared method, 401 without the token, nothing found again once deleted. Any failure fails the tier, with
    schemathesis's report of it (and a curl command that repeats it).

    Not run: `--max-response-time` (an option, not one of the checks): the load story measures latencies on a
    stated load, where a bound means something; here the draws share two cores with the portal."""
    secret = token_of(stack, ROLES[role])
    assert api(stack, "/organisation", secret).status_code == 200, "the token works: the draws are not all 401s"
    (tmp_path / "schemathesis.toml").write_text(SCHEMATHESIS_TOML)
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(tmp_path / "schemathesis.toml"),
               "run", f"{stack.url}/api/v1/openapi.json",
               "--checks", "all", "--mode", "all", "--phases", "examples,coverage,fuzzing,stateful",
               "--max-examples", str(EXAMPLES), "--continue-on-failure", "--workers", "1",
               "--header", f"Authorization: Bearer {secret}", "--tls-verify", stack.ca_file, "--request-timeout", "60",
               "--no-color", *(["--seed", str(random.randrange(2**32)), "--generation-database", "none"] if EXPLORE
                               else ["--generation-deterministic"])]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=1200)
    counted = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", run.stdout)
    assert counted and counted[1] == counted[2] == counted[3], "every operation: " + run.stdout[-4000:] + run.stderr
    assert run.returncode == 0, f"schemathesis with the {role}'s token:\n{run.stdout[-60000:]}{run.stderr[-4000:]}"
