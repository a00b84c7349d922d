"""Story: on the deployed portal, a person takes a copy of their data, every opening of a document is recorded
in the opener's name under the login role's policies, and the operators look at what the retention purge
would remove before it removes it."""
from __future__ import annotations

import re

OFFICER = "pelayanan@rutan-tamiang-layang.mitrapas.test"


def test_a_person_takes_a_copy_of_their_data(visitor):
    person = visitor()
    person.login(OFFICER)
    answer = person.get("/account/data.json")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    copy = answer.json()
    assert copy["profile"]["email"] == OFFICER
    assert [m["organisation"] for m in copy["memberships"]] == ["Rutan Kelas IIB Tamiang Layang"]
    assert "Data saya" in person.get("/account/data").text


def test_opening_a_document_is_recorded_in_the_openers_name(stack, visitor):
    person = visitor()
    person.login(OFFICER)
    agreement_id, document_id, filename = stack.sql(
        "SELECT d.agreement_id, d.id, d.filename FROM agreement_documents d JOIN organisations f "
        "ON f.id = d.facility_id WHERE f.name = 'Rutan Kelas IIB Tamiang Layang' ORDER BY d.id LIMIT 1")[0]
    prefix = re.search(r"/o/[a-z0-9-]+/", person.get("/").url).group(0)
    before = stack.sql("SELECT count(*) FROM document_accesses")[0][0]
    assert person.get(f"{prefix}agreements/{agreement_id}/documents/{document_id}").status_code == 200
    rows = stack.sql("SELECT o.name, a.filename, a.how FROM document_accesses a JOIN organisations o "
                     "ON o.id = a.organisation_id ORDER BY a.id DESC LIMIT 1")
    assert stack.sql("SELECT count(*) FROM document_accesses")[0][0] == before + 1
    assert tuple(rows[0]) == ("Rutan Kelas IIB Tamiang Layang", filename, "download")


def test_the_purge_shows_what_it_would_remove_and_the_notice_says_the_same(stack, visitor):
    preview = stack.flask("portal", "purge-expired", "--dry-run").stdout
    for kind in ("notifications", "login_history", "document_openings", "evidence_photos", "deleted_materials",
                 "job_files"):
        assert re.search(rf"^{kind}\s+\d+ older than", preview, re.M), preview
    assert "Nothing removed" in preview
    notice = visitor().get("/privasi")
    assert notice.status_code == 200 and "365 hari" in notice.text


def test_an_intern_asks_for_erasure_and_the_platform_admin_grants_it(stack, visitor):
    intern_email = "magang.sosiologi@mitrapas.test"
    intern = visitor()
    intern.login(intern_email)
    assert intern.post("/account/data/erase", token_from="/account/data").status_code == 302
    admin = visitor()
    admin.login("admin@mitrapas.test")
    page = admin.get("/admin/erasure").text
    person_id = stack.sql("SELECT id FROM users WHERE email = :email", email=intern_email)[0][0]
    assert "Peserta Magang Sosiologi" in page
    assert admin.post(f"/admin/erasure/{person_id}", token_from="/admin/erasure").status_code == 302
    name, email, active = stack.sql("SELECT name, email, is_active FROM users WHERE id = :id", id=person_id)[0]
    assert (name, email, active) == (f"Pengguna {person_id}", f"pengguna-{person_id}@pseudonim.invalid", False)
    assert intern.get("/account/profile", allow_redirects=False).headers["Location"].startswith("/login")
    assert stack.sql("SELECT count(*) FROM invitations WHERE email = :email", email=intern_email)[0][0] == 0
    stack.flask("portal", "audit-verify")
