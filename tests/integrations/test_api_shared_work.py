"""The API beyond agreements and contributions: RSUD's system shares a referral form as a material, the Rutan's
system opens the 30-day rehabilitation programme and closes it with 18 certificates, and both read the figures
their dashboards show; another organisation's records stay out of reach."""
from datetime import date, timedelta
from decimal import Decimal
import io

import pytest

from portal.agreements.models import AgreementStatus as S
from portal.contributions import operations as contributions
from portal.contributions.operations import ContributionFields
from portal.core import clock
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.integrations import api_tokens
from portal.materials.models import Material
from portal.organisations.models import Role
from portal.umkm.models import BuyerKind, Sale
from tests import sample_files
from tests.factories import (
    AgreementFactory, ContributionFactory, FacilityFactory, InquiryFactory, MaterialVersionFactory, ProductFactory,
    ProgrammeFactory, member_of, trail,
)
from tests.integrations.test_api import issue


@pytest.fixture
def world(pks):
    """The PKS's world, and a Rutan elsewhere that works with neither party."""
    with unscoped("the test makes a Rutan with no pair"):
        pks.outsider = FacilityFactory(province="Bengkulu")
        pks.outsider_head = member_of(pks.outsider, Role.HEAD)
    pks.ids = {"facility": pks.facility.id, "partner": pks.partner.id,
               "outsider": pks.outsider.id}  # read before commits hide them
    return pks


def auth(secret: str, key: str | None = None) -> dict:
    return {"Authorization": f"Bearer {secret}", **({"Idempotency-Key": key} if key else {})}


def upload(client, secret, content: bytes, filename="Formulir rujukan.pdf", key=None, **fields):
    form = {"file": (io.BytesIO(content), filename), "category": "module", **{k: str(v) for k, v in fields.items()}}
    return client.post("/api/v1/materials", data=form, headers=auth(secret, key), content_type="multipart/form-data")


def test_the_hospitals_system_shares_a_form_once_however_often_it_retries(world, client):
    secret = issue(world, world.partner_admin, world.partner, scopes=("materials:read", "materials:write"),
                   name="SIMRS RSUD")
    form = sample_files.pdf("Formulir rujukan WBP")
    first = upload(client, secret, form, key="formulir-1", facility_id=world.ids["facility"])
    again = upload(client, secret, form, key="formulir-1", facility_id=world.ids["facility"])
    assert first.status_code == 201, first.text
    assert again.status_code == 201 and again.json == first.json
    shared = first.json
    assert shared["category"] == "module" and shared["facility"]["name"] == "Rutan Kelas IIB Tamiang Layang"
    assert shared["latest_version"]["content_type"] == "application/pdf"
    with unscoped("the test counts what was stored"):
        assert db.session.scalar(db.select(db.func.count(Material.id))) == 1
    assert trail(action="material.uploaded")[0].changes["token"] == "SIMRS RSUD"
    listed = client.get("/api/v1/materials", headers=auth(secret)).json["items"]
    assert [item["id"] for item in listed] == [shared["id"]]
    other_key = upload(client, secret, sample_files.pdf("Lain"), key="formulir-1", facility_id=world.ids["facility"])
    assert other_key.status_code == 422 and "Idempotency-Key" in other_key.json["detail"], \
        "the same key with another file is refused"


def test_a_disguised_or_misplaced_upload_is_refused_in_plain_words(world, client):
    secret = issue(world, world.partner_admin, world.partner, scopes=("materials:write",))
    disguised = upload(client, secret, sample_files.executable_named_pdf(), facility_id=world.ids["facility"])
    assert disguised.status_code == 422 and disguised.headers["Content-Type"] == "application/problem+json"
    assert "jenis berkas" in disguised.json["detail"].lower() or "tidak diizinkan" in disguised.json["detail"]
    elsewhere = upload(client, secret, sample_files.pdf(), facility_id=world.ids["outsider"])
    assert elsewhere.status_code == 404, "a facility the partner does not work with"
    no_file = client.post("/api/v1/materials", data={"category": "module", "facility_id": str(world.ids["facility"])},
                          headers=auth(secret), content_type="multipart/form-data")
    assert no_file.status_code == 400
    reader = issue(world, world.partner_admin, world.partner, scopes=("materials:read",), name="Pembaca")
    assert upload(client, reader, sample_files.pdf(), facility_id=world.ids["facility"]).status_code == 403
    with unscoped("the test counts what was stored"):
        assert db.session.scalar(db.select(db.func.count(Material.id))) == 0


def test_the_rutans_system_opens_the_programme_and_closes_it_with_its_certificates(world, client):
    secret = issue(world, world.head, world.facility, scopes=("contributions:read", "contributions:write"),
                   name="SIMPAS Rutan")
    opened = client.post("/api/v1/programmes", headers=auth(secret, "program-rehab"), json={
        "partner_id": world.ids["partner"], "name": "Program Rehabilitasi Kategori II", "type": "rehabilitation",
        "category": "Kategori II", "duration_days": 30, "planned_participants": 18,
        "start_date": (clock.today() - timedelta(days=30)).isoformat()})
    assert opened.status_code == 201, opened.text
    programme = opened.json
    assert programme["status"] == "running" and programme["partner"]["name"] == "RSUD Tamiang Layang"
    partner = issue(world, world.partner_admin, world.partner, scopes=("contributions:read",))
    assert [p["id"] for p in client.get("/api/v1/programmes", headers=auth(partner)).json["items"]] == \
        [programme["id"]], "the partner's system sees the pair's programme"
    close = f"/api/v1/programmes/{programme['id']}/close"
    too_many = client.post(close, headers=auth(secret), json={
        "actual_participants": 18, "certificates_issued": 19, "end_date": clock.today().isoformat()})
    assert too_many.status_code == 422 and "sertifikat" in too_many.json["detail"].lower()
    closed = client.post(close, headers=auth(secret), json={
        "actual_participants": 18, "certificates_issued": 18, "end_date": clock.today().isoformat()})
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert closed.json["certificates_issued"] == 18
    assert client.post(close, headers=auth(secret), json={
        "actual_participants": 18, "certificates_issued": 18, "end_date": clock.today().isoformat()}).status_code == 422
    assert trail(action="programme.closed")[0].changes["token"] == "SIMPAS Rutan"


def test_a_programme_under_another_pairs_agreement_or_of_another_facility_is_refused(world, client):
    with unscoped("the test makes the Rutan's agreement with another partner"):
        theirs = AgreementFactory(facility=world.facility, status=S.ACTIVE)
        db.session.flush()
        theirs_id = theirs.id
    secret = issue(world, world.head, world.facility, scopes=("contributions:read", "contributions:write"))
    refused = client.post("/api/v1/programmes", headers=auth(secret), json={
        "partner_id": world.ids["partner"], "name": "Program", "type": "rehabilitation",
        "start_date": clock.today().isoformat(), "agreement_id": theirs_id})
    assert refused.status_code == 422, refused.json
    assert refused.json["detail"] == "Perjanjian tersebut milik UPT atau mitra lain."
    stranger = issue(world, world.outsider_head, world.outsider, scopes=("contributions:read", "contributions:write"))
    assert client.post("/api/v1/programmes", headers=auth(stranger), json={
        "partner_id": world.ids["partner"], "name": "Program", "type": "rehabilitation",
        "start_date": clock.today().isoformat()}).status_code == 404
    ours = client.post("/api/v1/programmes", headers=auth(secret), json={
        "partner_id": world.ids["partner"], "name": "Program", "type": "rehabilitation",
        "start_date": clock.today().isoformat()}).json
    assert client.get(f"/api/v1/programmes/{ours['id']}", headers=auth(stranger)).status_code == 404
    assert client.post(f"/api/v1/programmes/{ours['id']}/close", headers=auth(stranger), json={
        "actual_participants": 1, "certificates_issued": 1,
        "end_date": clock.today().isoformat()}).status_code == 404


def test_the_figures_are_the_dashboards_verified_work_for_each_kind_of_organisation(world, client):
    day = clock.today().replace(day=1)
    made = []
    with world.acting(world.partner_admin):
        for title in ("Rujukan diverifikasi", "Rujukan belum diverifikasi"):
            recorded = contributions.record_contribution(world.facility, world.partner, ContributionFields(
                type="health", title=title, started_on=day, participants_total=4), actor=world.partner_admin)
            made.append(recorded)
    with world.acting(world.officer):
        contributions.verify_contribution(made[0], actor=world.officer)
    db.session.commit()
    facility = issue(world, world.head, world.facility, scopes=("figures:read",))
    figures = client.get("/api/v1/figures?period=custom&start=" + day.isoformat(), headers=auth(facility))
    assert figures.status_code == 200, figures.text
    tables = {table["name"]: table for table in figures.json["tables"]}
    assert {"by-party", "by-type", "agreements-by-status"} <= tables.keys()
    (partner, count, participants, hours), = tables["by-party"]["rows"]
    assert (partner, count, participants) == ("RSUD Tamiang Layang", 1, 4), "one verified; the other does not count"
    assert Decimal(hours) == 0, "hours are a decimal written as a string"
    assert figures.json["period"]["start"] == day.isoformat()
    oversight = issue(world, world.analyst, world.kanwil, scopes=("figures:read",))
    overview = client.get("/api/v1/figures", headers=auth(oversight)).json
    assert overview["agreements"] is None
    tables = {table["name"]: table for table in overview["tables"]}
    assert set(tables) == {"facilities", "approval-steps", "waiting-longest", "sales-by-facility", "sales-by-category",
                           "sales-by-month"}, "and where agreements get stuck, and what the facilities sell"
    facilities = tables["facilities"]
    assert "Rutan Kelas IIB Tamiang Layang" in [row[0] for row in facilities["rows"]]
    assert client.get("/api/v1/figures?period=week", headers=auth(facility)).status_code == 400
    reader = issue(world, world.head, world.facility, scopes=("agreements:read",), name="Tanpa angka")
    assert client.get("/api/v1/figures", headers=auth(reader)).status_code == 403


#: A valid body for each changing operation, so that only the record's owner decides the answer.
BODIES = {
    "api.change_contribution": {"title": "Diubah"},
    "api.return_contribution": {"reason": "Jumlah peserta keliru"},
    "api.close_programme": {"actual_participants": 1, "certificates_issued": 1, "end_date": "2026-01-31"},
}


def test_every_api_address_of_another_organisations_record_answers_404(world, client, app):
    """Each operation that names a record, called with a token (every scope) of a Rutan that is not the
    record's: 404, never the record, never a 2xx or a 5xx."""
    with unscoped("the test makes one record of every kind for the PKS's pair"):
        pair = {"facility": world.facility, "partner": world.partner}
        version = MaterialVersionFactory(material__facility=world.facility, material__partner=world.partner)
        inquiry = InquiryFactory(product=ProductFactory(facility=world.facility))
        sale = Sale(facility_id=world.facility.id, partner_id=world.partner.id, product_id=inquiry.product_id,
                    product_name=inquiry.product.name, category=inquiry.product.category, sold_on=date.today(),
                    quantity=1, amount=Decimal("1000"), buyer_kind=BuyerKind.PERSON)
        db.session.add(sale)
        db.session.flush()
        ids = {"agreement_id": AgreementFactory(**pair, status=S.ACTIVE).id,
               "contribution_id": ContributionFactory(**pair).id, "programme_id": ProgrammeFactory(**pair).id,
               "material_id": version.material_id, "version_id": version.id, "product_id": inquiry.product_id,
               "inquiry_id": inquiry.id, "sale_id": sale.id}
    db.session.commit()
    outsider = issue(world, world.outsider_head, world.outsider, scopes=list(api_tokens.SCOPES), name="Luar")
    named = [rule for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("api.") and rule.arguments]
    assert {arg for rule in named for arg in rule.arguments} == ids.keys(), "a new kind of record needs its id here"
    for rule in named:
        path = rule.rule.replace("<int:", "<")
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", str(ids[arg]))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            answer = client.open(path, method=method, headers=auth(outsider, "replay"),
                                 json=BODIES.get(rule.endpoint) if method != "GET" else None)
            assert answer.status_code == 404, f"{method} {path}: {answer.status_code} {answer.text[:200]}"
            assert answer.content_type == "application/problem+json"
