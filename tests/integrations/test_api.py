"""The integration API: an organisation's admin gives a hospital's system a token, and that system reads what the
organisation's people read, and nothing of anyone else's."""
from datetime import timedelta
import re

import pytest

from portal.agreements.models import AgreementStatus as S
from portal.core import clock
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.integrations import api_tokens
from tests.factories import AgreementFactory, trail


def issue(world, user, organisation, scopes=("organisation:read", "agreements:read"), **changes) -> str:
    with world.acting(user):
        issued = api_tokens.create(organisation, changes.pop("name", "SIMRS RSUD"), list(scopes),
                                   changes.pop("expires_on", clock.today() + timedelta(days=30)), actor=user)
        db.session.commit()
    return issued.secret


def call(client, path, secret, **kwargs):
    return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {secret}"}, **kwargs)


def test_an_admin_creates_a_token_on_the_page_and_sees_it_only_once(pks, login_as):
    admin = login_as(pks.partner_admin)
    page = admin.post(f"/o/{pks.partner.slug}/api-tokens/", {
        "name": "SIMRS RSUD, laporan malam", "scopes": ["agreements:read"],
        "expires_on": (clock.today() + timedelta(days=30)).isoformat()})
    assert page.status_code == 200 and "hanya ditampilkan sekali ini" in page.text
    secret = re.search(r'value="(mitrapas_[^"]+)"', page.text).group(1)
    listing = admin.get(f"/o/{pks.partner.slug}/api-tokens/").text
    assert "SIMRS RSUD, laporan malam" in listing and secret[:15] in listing and secret not in listing
    with unscoped("the test reads what was stored"):
        from portal.integrations.token_models import ApiToken
        stored = db.session.scalars(db.select(ApiToken)).one()
        assert stored.token_hash == api_tokens.digest(secret) and secret not in str(vars(stored))
    assert trail(action="api_token.created")[0].changes["after"]["name"] == "SIMRS RSUD, laporan malam"


@pytest.mark.parametrize("who", ["partner_member", "officer"])
def test_only_the_organisations_managers_handle_tokens(pks, login_as, who):
    person = getattr(pks, who)
    organisation = pks.partner if who == "partner_member" else pks.facility
    assert login_as(person).get(f"/o/{organisation.slug}/api-tokens/").status_code == 403


def test_a_token_reads_its_organisation_and_the_agreements_it_sees(pks, client):
    signed = pks.in_state(S.ACTIVE, title="Sistem Rujukan Pelayanan Kesehatan")
    signed_id, starts, draft_id = signed.id, signed.start_date, pks.draft(title="Draf kedua").id
    db.session.commit()  # (on PostgreSQL the test itself may not read them afterwards: it acts for nobody)
    secret = issue(pks, pks.head, pks.facility)
    me = call(client, "/organisation", secret).json
    assert me["name"] == "Rutan Kelas IIB Tamiang Layang" and me["kind"] == "facility"
    assert [pair["partner"]["name"] for pair in me["partnerships"]] == ["RSUD Tamiang Layang"]
    listed = call(client, "/agreements", secret).json
    ids = [item["id"] for item in listed["items"]]
    assert {draft_id, signed_id} <= set(ids) and ids == sorted(ids, reverse=True) and listed["next"] is None
    assert call(client, "/agreements?status=active", secret).json["items"][0]["title"] == \
        "Sistem Rujukan Pelayanan Kesehatan"
    detail = call(client, f"/agreements/{signed_id}", secret).json
    assert detail["start_date"] == starts.isoformat() and len(detail["signatures"]) == 2
    assert detail["facility"]["name"] == "Rutan Kelas IIB Tamiang Layang" and detail["status"] == "active"


def test_pages_follow_on_with_next_and_stay_put_while_agreements_are_added(pks, client):
    made = [pks.draft(title=f"Draf {n}").id for n in range(3)]
    db.session.commit()
    secret = issue(pks, pks.partner_admin, pks.partner)
    first = call(client, "/agreements?limit=2", secret).json
    assert [item["id"] for item in first["items"]] == made[::-1][:2] and first["next"] == made[1]
    pks.draft(title="Draf baru")
    db.session.commit()
    rest = call(client, f"/agreements?limit=2&after={first['next']}", secret).json
    assert [item["id"] for item in rest["items"]] == [made[0]] and rest["next"] is None


def test_another_organisations_agreement_is_not_found(pks, client):
    theirs = AgreementFactory(facility=pks.stranger_facility, partner=pks.partner, title="PKS UPT lain").id
    db.session.commit()
    secret = issue(pks, pks.head, pks.facility)
    answer = call(client, f"/agreements/{theirs}", secret)
    assert answer.status_code == 404 and answer.content_type == "application/problem+json"
    assert answer.json["status"] == 404
    assert "PKS UPT lain" not in call(client, "/agreements", secret).text


def test_a_missing_wrong_revoked_or_expired_token_is_refused(pks, client):
    secret = issue(pks, pks.partner_admin, pks.partner)
    assert client.get("/api/v1/agreements").status_code == 401
    refused = call(client, "/agreements", "mitrapas_tebakan")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert refused.json["title"] == "Token API yang sah diperlukan."
    assert call(client, "/agreements", secret).status_code == 200
    with pks.acting(pks.partner_admin), unscoped("the test finds the token"):
        from portal.integrations.token_models import ApiToken
        token = db.session.scalars(db.select(ApiToken)).one()
        api_tokens.revoke(token, actor=pks.partner_admin)
        db.session.commit()
    assert call(client, "/agreements", secret).status_code == 401
    old = issue(pks, pks.partner_admin, pks.partner, name="Lama", expires_on=clock.today())
    assert call(client, "/agreements", old).status_code == 200, "it works on its last day"
    with unscoped("the calendar moves on"):
        token = db.session.scalars(db.select(ApiToken).where(ApiToken.name == "Lama")).one()
        token.expires_on = clock.today() - timedelta(days=1)
        db.session.commit()
    assert call(client, "/agreements", old).status_code == 401


def test_a_token_does_only_what_its_scopes_allow(pks, client):
    secret = issue(pks, pks.partner_admin, pks.partner, scopes=("organisation:read",))
    assert call(client, "/organisation", secret).status_code == 200
    refused = call(client, "/agreements", secret)
    assert refused.status_code == 403 and refused.content_type == "application/problem+json"


@pytest.mark.parametrize("query, field", [("status=dibatalkan", "status"), ("limit=1000", "limit"),
                                          ("after=abc", "after")])
def test_a_query_the_description_does_not_allow_is_a_problem_naming_the_field(pks, client, query, field):
    secret = issue(pks, pks.partner_admin, pks.partner)
    answer = call(client, f"/agreements?{query}", secret)
    assert answer.status_code == 400 and answer.content_type == "application/problem+json"
    assert [error["field"] for error in answer.json["errors"]] == [field]


def test_each_token_is_limited(pks, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_LIMIT", "2 per minute")
    secret, other = issue(pks, pks.partner_admin, pks.partner), issue(pks, pks.partner_admin, pks.partner, name="B")
    assert [call(client, "/organisation", secret).status_code for _ in range(3)] == [200, 200, 429]
    assert call(client, "/organisation", secret).content_type == "application/problem+json"
    assert call(client, "/organisation", other).status_code == 200, "another token has its own allowance"


def test_the_description_is_openapi_3_1_and_the_reference_page_needs_no_script(client):
    description = client.get("/api/v1/openapi.json").json
    assert description["openapi"].startswith("3.1")
    assert {"/api/v1/organisation", "/api/v1/agreements", "/api/v1/agreements/{agreement_id}"} <= \
        set(description["paths"])
    page = client.get("/api/v1/")
    assert page.status_code == 200 and "<script" not in page.text.split("</nav>")[-1].split("<footer")[0]
    assert "/api/v1/agreements" in page.text


def test_the_token_notes_when_it_was_last_used(pks, client):
    secret = issue(pks, pks.partner_admin, pks.partner)
    call(client, "/organisation", secret)
    with unscoped("the test reads the token"):
        from portal.integrations.token_models import ApiToken
        assert db.session.scalars(db.select(ApiToken)).one().last_used_at is not None


def a_contribution(pks, **changes) -> dict:
    body = {"facility_id": pks.facility_id, "type": "counselling", "title": "Konseling psikologis malam",
            "started_on": (clock.today() - timedelta(days=1)).isoformat(), "participants_male": 10,
            "participants_female": 2, "participants_total": 12, "hours": "3.5"}
    return {**body, **changes}


def send(client, secret, body, key=None):
    headers = {"Authorization": f"Bearer {secret}", **({"Idempotency-Key": key} if key else {})}
    return client.post("/api/v1/contributions", json=body, headers=headers)


@pytest.fixture
def hospital(pks):
    pks.facility_id, pks.admin_id = pks.facility.id, pks.partner_admin.id  # read before commits hide them
    return pks


def test_the_hospitals_system_records_a_contribution_once_per_idempotency_key(hospital, client):
    secret = issue(hospital, hospital.partner_admin, hospital.partner,
                   scopes=("contributions:read", "contributions:write"), name="SIMRS malam")
    first = send(client, secret, a_contribution(hospital), key="malam-2026-11-30")
    assert first.status_code == 201 and first.json["status"] == "submitted" and first.json["hours"] == "3.5"
    again = send(client, secret, a_contribution(hospital), key="malam-2026-11-30")
    assert again.status_code == 201 and again.json == first.json, "a retry gets the same answer"
    other = send(client, secret, a_contribution(hospital, title="Lain"), key="malam-2026-11-30")
    assert other.status_code == 422 and "Idempotency-Key" in other.json["detail"]
    listed = call(client, "/contributions", secret).json["items"]
    assert [item["id"] for item in listed] == [first.json["id"]], "recorded once"
    entry = trail(action="contribution.recorded")[-1]
    assert entry.changes["token"] == "SIMRS malam" and entry.actor_id == hospital.admin_id


def test_a_contribution_for_a_facility_that_is_not_a_partner_is_not_found(hospital, client):
    from tests.factories import FacilityFactory
    elsewhere = FacilityFactory(province="Bali").id
    db.session.commit()
    secret = issue(hospital, hospital.partner_admin, hospital.partner, scopes=("contributions:write",))
    assert send(client, secret, a_contribution(hospital, facility_id=elsewhere)).status_code == 404


def test_a_facilitys_token_cannot_record_a_partners_contribution(hospital, client):
    secret = issue(hospital, hospital.head, hospital.facility, scopes=("contributions:write",))
    refused = send(client, secret, a_contribution(hospital))
    assert refused.status_code == 404 and refused.content_type == "application/problem+json", "no pair of its own"


def test_a_body_the_description_does_not_allow_is_refused_field_by_field(hospital, client):
    secret = issue(hospital, hospital.partner_admin, hospital.partner, scopes=("contributions:write",))
    refused = send(client, secret, a_contribution(hospital, participants_total=-1, unknown="x"))
    assert refused.status_code == 400
    assert {error["field"] for error in refused.json["errors"]} == {"participants_total", "unknown"}


def test_a_token_stops_when_its_creator_leaves_the_organisation(hospital, client):
    from portal.organisations import operations as organisations
    secret = issue(hospital, hospital.second_partner_admin, hospital.partner)
    assert call(client, "/organisation", secret).status_code == 200
    with hospital.acting(hospital.partner_admin):
        membership = hospital.second_partner_admin.membership_in(hospital.partner)
        organisations.remove_member(membership, actor=hospital.partner_admin)
        db.session.commit()
    assert call(client, "/organisation", secret).status_code == 401


def test_an_address_no_view_answers_is_a_problem_too_not_a_page(pks, client):
    """Found by schemathesis: a record number the URL rule refuses (0) answered the HTML 404 page."""
    secret = issue(pks, pks.partner_admin, pks.partner)
    for path in ("/agreements/0", "/nothing-here"):
        answer = call(client, path, secret)
        assert answer.status_code == 404 and answer.content_type == "application/problem+json", path


def test_the_description_says_errors_are_problem_details_and_hours_a_decimal_string(client):
    """Found by schemathesis: errors were described as application/json, hours as any string."""
    description = client.get("/api/v1/openapi.json").json
    refused = description["paths"]["/api/v1/agreements/{agreement_id}"]["get"]["responses"]["404"]["content"]
    assert list(refused) == ["application/problem+json"]
    schemas = description["components"]["schemas"]
    body = next(schema for name, schema in schemas.items() if name.startswith("ContributionIn"))
    assert "pattern" in str(body["properties"]["hours"])


def test_numbers_beyond_what_the_database_keeps_are_refused_not_a_server_error(pks, client):
    """Found by schemathesis: `after=9223372036854775808` overflowed the database's integer (500)."""
    secret = issue(pks, pks.partner_admin, pks.partner)
    assert call(client, f"/agreements?after={2**63}", secret).status_code == 400


def test_the_hospital_corrects_its_record_and_the_facilitys_system_verifies_or_returns_it(hospital, client):
    partner = issue(hospital, hospital.partner_admin, hospital.partner, scopes=("contributions:write",))
    facility = issue(hospital, hospital.head, hospital.facility, scopes=("contributions:verify",), name="SIMPAS")
    made = send(client, partner, a_contribution(hospital)).json
    changed = client.patch(f"/api/v1/contributions/{made['id']}", json={"participants_total": 14, "hours": "4.0"},
                           headers={"Authorization": f"Bearer {partner}"})
    assert changed.status_code == 200 and (changed.json["participants_total"], changed.json["hours"]) == (14, "4.0")
    assert changed.json["title"] == made["title"], "what was left out stays"
    verify = f"/api/v1/contributions/{made['id']}/verify"
    assert client.post(verify, headers={"Authorization": f"Bearer {partner}"}).status_code == 403
    key = {"Authorization": f"Bearer {facility}", "Idempotency-Key": "verifikasi-1"}
    verified = client.post(verify, headers=key)
    assert verified.status_code == 200 and verified.json["status"] == "verified"
    assert client.post(verify, headers=key).json == verified.json, "a retry answers the same, changes nothing"
    frozen = client.patch(f"/api/v1/contributions/{made['id']}", json={"title": "Lain"},
                          headers={"Authorization": f"Bearer {partner}"})
    assert frozen.status_code == 422 and "beku" in frozen.json["detail"], "a rule of the portal: 422, not 400"
    other = send(client, partner, a_contribution(hospital, title="Sesi kedua")).json
    returned = client.post(f"/api/v1/contributions/{other['id']}/return", json={"reason": "Jumlah peserta keliru"},
                           headers={"Authorization": f"Bearer {facility}"})
    assert returned.status_code == 200 and returned.json["status"] == "rejected"


def test_an_agreements_history_and_signed_pdf(hospital, client):
    pks = hospital
    signed_id = pks.in_state(S.ACTIVE).id
    draft_id = pks.draft().id
    db.session.commit()
    secret = issue(pks, pks.partner_admin, pks.partner)
    steps = call(client, f"/agreements/{signed_id}/history", secret).json["steps"]
    assert [step["action"] for step in steps][:2] == ["agreement.created", "agreement.document_added"]
    assert steps[-1]["status_after"] == "active" and steps[-1]["label"]
    document = call(client, f"/agreements/{signed_id}/document.pdf", secret)
    assert document.status_code == 200 and document.data.startswith(b"%PDF")
    assert call(client, f"/agreements/{draft_id}/document.pdf", secret).status_code == 404, "not signed yet"
    with unscoped("the test reads who opened what"):
        from portal.privacy.access_models import DocumentAccess
        opened = db.session.scalars(db.select(DocumentAccess)).all()
    assert [(access.user_id, access.filename.endswith(".pdf")) for access in opened] == [(pks.admin_id, True)]


def test_materials_are_listed_with_their_newest_version_and_fetched_through_a_short_lived_link(hospital, client):
    import io

    from portal.materials import operations as materials
    from portal.materials.models import MaterialCategory
    from portal.materials.operations import Upload
    from tests import sample_files

    with hospital.acting(hospital.partner_admin):
        shared = materials.upload_materials(
            hospital.facility, hospital.partner, [Upload(io.BytesIO(sample_files.pdf("SOP rujukan")), "SOP.pdf")],
            category=MaterialCategory.MODULE, actor=hospital.partner_admin)[0]
        material_id, version_id = shared.id, shared.versions[0].id
        db.session.commit()
    secret = issue(hospital, hospital.head, hospital.facility, scopes=("materials:read",))
    listed = call(client, "/materials", secret).json["items"]
    assert [(item["id"], item["latest_version"]["filename"]) for item in listed] == [(material_id, "SOP.pdf")]
    link = call(client, f"/materials/{material_id}/versions/{version_id}/file", secret)
    assert link.status_code == 303 and "X-Amz-Signature" in link.headers["Location"]
    assert call(client, f"/materials/{material_id}/versions/{version_id + 1}/file", secret).status_code == 404


def test_a_nul_character_is_refused_before_it_reaches_the_database(pks, client):
    """Found by schemathesis on PostgreSQL: `search` holding a NUL character was a 500."""
    secret = issue(pks, pks.partner_admin, pks.partner)
    answer = call(client, "/agreements?search=ab%00cd", secret)
    assert answer.status_code == 400 and answer.content_type == "application/problem+json"
    body = client.post("/api/v1/contributions", data='{"title": "a\\u0000b"}', content_type="application/json",
                       headers={"Authorization": f"Bearer {secret}"})
    assert body.status_code == 400


def test_a_change_cannot_empty_what_a_contribution_must_have(hospital, client):
    partner = issue(hospital, hospital.partner_admin, hospital.partner, scopes=("contributions:write",))
    made = send(client, partner, a_contribution(hospital)).json
    refused = client.patch(f"/api/v1/contributions/{made['id']}", json={"title": None},
                           headers={"Authorization": f"Bearer {partner}"})
    assert refused.status_code == 400 and [error["field"] for error in refused.json["errors"]] == ["title"]


def test_what_the_api_remembers_for_retries_is_purged_after_a_day(hospital, client, app):
    from portal.core.columns import utcnow
    from portal.integrations.token_models import IdempotentRequest

    secret = issue(hospital, hospital.partner_admin, hospital.partner, scopes=("contributions:write",))
    send(client, secret, a_contribution(hospital, title="Hari ini"), key="hari-ini")
    with unscoped("yesterday's retry record (the portal's role may not change one: they are written once)"):
        today = db.session.scalars(db.select(IdempotentRequest)).one()
        db.session.add(IdempotentRequest(organisation_id=today.organisation_id, token_id=today.token_id,
                                         key="kemarin", request_hash="0" * 64, status=201, body="{}",
                                         created_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["portal", "purge-expired"])
    assert result.exit_code == 0 and "api_retries 1" in result.output, result.output
    with unscoped("the test reads what is left"):
        assert set(db.session.scalars(db.select(IdempotentRequest.key))) == {"hari-ini"}


def test_an_undeclared_method_is_405_with_allow_and_a_number_beyond_the_database_is_404_for_every_method(pks, client):
    """Found by schemathesis with all its checks: TRACE answered 405 without `Allow` (RFC 9110 requires it), and
    PATCH /contributions/2147483648 answered 405 naming GET, which then answered 404."""
    secret = issue(pks, pks.partner_admin, pks.partner)
    traced = client.open("/api/v1/agreements", method="TRACE", headers={"Authorization": f"Bearer {secret}"})
    assert traced.status_code == 405 and set(traced.headers["Allow"].split(", ")) >= {"GET"}
    assert traced.content_type == "application/problem+json"
    for method in ("GET", "PATCH", "POST"):
        answer = client.open(f"/api/v1/contributions/{2**31}", method=method, json={},
                             headers={"Authorization": f"Bearer {secret}"})
        assert answer.status_code == 404, method


def test_numbers_and_days_are_read_as_the_description_writes_them(hospital, client):
    """Found by schemathesis: `?start=0` was read as 1970-01-01 (a Unix time), `245.0` (an integer to JSON Schema)
    refused, and with JSON read strictly `"245"` and `true` are not numbers."""
    secret = issue(hospital, hospital.partner_admin, hospital.partner,
                   scopes=("contributions:write", "figures:read"))
    assert call(client, "/figures?period=custom&start=0&end=2025-12-31", secret).status_code == 400
    assert call(client, "/figures?period=custom&start=2025-01-01&end=2025-12-31", secret).status_code == 200
    whole = send(client, secret, a_contribution(hospital, facility_id=float(hospital.facility_id),
                                                participants_total=12.0))
    assert whole.status_code == 201 and whole.json["participants_total"] == 12
    for wrong in ({"participants_total": "12"}, {"participants_total": True}, {"participants_total": 12.5},
                  {"started_on": 0}, {"started_on": "20251128"}):
        refused = send(client, secret, a_contribution(hospital, **wrong))
        assert refused.status_code == 400 and refused.json["errors"][0]["field"] == next(iter(wrong)), wrong


def test_the_description_says_what_the_api_does_with_a_body_and_a_token(client):
    """Found by schemathesis: 415 and the bearer token were not described, and a form's optional record numbers
    were described as nullable though a form cannot say null (`null` was refused)."""
    description = client.get("/api/v1/openapi.json").json
    assert description["security"] == [{"token": []}]
    assert description["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    for path, operations in description["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert {"400", "415", "422"} <= set(operation["responses"]), f"{method} {path}"
    schemas = description["components"]["schemas"]
    form = next(schema for name, schema in schemas.items() if name.startswith("MaterialIn."))
    assert form["properties"]["facility_id"]["type"] == "integer" and "null" not in str(form["properties"])
    assert form["properties"]["facility_id"]["minimum"] == 1, "the bounds are described as before"
