"""Upload messages a person understands (issue 34): what a field takes in the words they know, derived from the
rule the upload checks; a refusal beside the field, saying what to do; and a file that is already a material
chosen as a contribution's evidence instead of silently blocking it."""
from datetime import timedelta
import io
import re

from sqlalchemy import func, select

from portal.contributions import evidence
from portal.contributions.models import Contribution
from portal.core import clock, file_kinds
from portal.core.columns import utcnow
from portal.core.errors import FieldErrors
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.materials.models import Material, MaterialVersion
from portal.organisations.partnership_models import Partnership
from tests import sample_files
from tests.factories import ContributionFactory, MaterialFactory
from tests.materials.test_materials import upload

MIME = re.compile(r"application/|image/|video/|officedocument")


def pair_id(pks):
    with unscoped("the test looks up its own pair"):
        return db.session.scalar(select(Partnership.id).where(Partnership.facility_id == pks.facility.id,
                                                              Partnership.partner_id == pks.partner.id))


def error_beside(page: str, field_id: str) -> str:
    found = re.search(rf'<div id="{field_id}-error" class="invalid-feedback d-block">(.*?)</div>', page, re.S)
    return found.group(1).strip() if found else ""


def help_of(page: str, field_id: str) -> str:
    return re.search(rf'<div id="{field_id}-help" class="form-text">(.*?)</div>', page, re.S).group(1).strip()


def counts() -> tuple[int, int]:
    with unscoped("the test counts what was kept"):
        return (db.session.scalar(select(func.count()).select_from(MaterialVersion)),
                db.session.scalar(select(func.count()).select_from(Contribution)))


def upload_material(web, pks, content: bytes, filename: str):
    return web.post(f"/o/{pks.partner.slug}/materials/new?pair={pair_id(pks)}",
                    {"files": [(io.BytesIO(content), filename)], "category": "photo", "agreement": "0"},
                    content_type="multipart/form-data")


def record(web, pks, files=(), chosen=(), follow_redirects=False, **changes):
    data = {"type": "counselling", "title": "Konseling psikologis WBP", "agreement": "0", "programme": "0",
            "started_on": (clock.today() - timedelta(days=1)).isoformat(), "participants_total": "12",
            "evidence": [(io.BytesIO(content), name) for content, name in files],
            "existing_evidence": [str(material_id) for material_id in chosen], **changes}
    return web.post(f"/o/{pks.partner.slug}/contributions/new?pair={pair_id(pks)}", data,
                    content_type="multipart/form-data", follow_redirects=follow_redirects)


# --- what a field takes ------------------------------------------------------------------

def test_the_accepted_files_are_said_as_a_person_knows_them(app):
    with app.test_request_context(headers={"Accept-Language": "id"}):
        from flask import session
        session["locale"] = "id"
        said = file_kinds.accepted(app.config["MATERIAL_TYPES"], app.config["MATERIAL_MAX_BYTES"])
    assert said == "PDF, Word, Excel, PowerPoint, foto JPG/PNG, atau video MP4, paling besar 2 GB"


def test_the_upload_field_says_what_the_config_allows_not_a_copy_of_it(pks, login_as, app, monkeypatch):
    """One source: change the rule and the words follow."""
    web = login_as(pks.partner_member)
    url = f"/o/{pks.partner.slug}/materials/new?pair={pair_id(pks)}"
    assert "PDF, Word, Excel, PowerPoint, foto JPG/PNG, atau video MP4, paling besar 2 GB" in help_of(
        web.get(url).text, "files")
    monkeypatch.setitem(app.config, "MATERIAL_TYPES", ("application/pdf", "image/jpeg"))
    monkeypatch.setitem(app.config, "MATERIAL_MAX_BYTES", 200 * 1024**2)
    assert help_of(web.get(url).text, "files").startswith("Diterima: PDF atau foto JPG, paling besar 200 MB.")
    assert "paling besar 200 MB" in help_of(
        web.get(f"/o/{pks.partner.slug}/contributions/new?pair={pair_id(pks)}").text, "evidence")


# --- refusals, beside the field ----------------------------------------------------------

def test_an_executable_named_pdf_is_refused_in_words_beside_the_field(pks, login_as):
    """It was answered with a list of MIME types."""
    web = login_as(pks.partner_member)
    page = upload_material(web, pks, sample_files.executable_named_pdf(), "modul.pdf").text
    said = error_beside(page, "files")
    assert said.startswith("&#34;modul.pdf&#34; tidak dapat diunggah: isinya bukan salah satu jenis berkas")
    assert "PDF, Word, Excel, PowerPoint, foto JPG/PNG, atau video MP4" in said and "pilih lagi" in said
    assert not MIME.search(page.split("<main", 1)[1]) and "alert-danger" not in page


def test_an_empty_file_says_why_beside_the_field(pks, login_as):
    """The real reason was small grey text further down."""
    web = login_as(pks.partner_member)
    before = counts()
    page = upload_material(web, pks, b"", "daftar-hadir.pdf").text
    assert error_beside(page, "files").startswith("&#34;daftar-hadir.pdf&#34; kosong (0 byte)")
    assert counts() == before
    named = upload_material(web, pks, b"", "<b>hadir.pdf").text
    assert "&#34;&lt;b&gt;hadir.pdf&#34; kosong" in error_beside(named, "files"), "a file's name is shown as text"


def test_a_resumable_upload_of_an_empty_or_too_large_file_says_so_by_name(pks, login_as, app):
    web = login_as(pks.partner_member)
    for size, words in ((0, '"kosong.pdf" kosong (0 byte)'),
                        (app.config["MATERIAL_MAX_BYTES"] + 1, '"kosong.pdf" melebihi batas 2 GB')):
        answer = web.client.post(f"/o/{pks.partner.slug}/uploads", json={
            "filename": "kosong.pdf", "size": size, "pair": pair_id(pks)}, headers={"X-CSRFToken": web.csrf_token()})
        assert answer.status_code == 422 and answer.json["error"].startswith(words)


def test_the_same_file_twice_in_the_materials_is_refused_beside_the_field(pks, login_as):
    web = login_as(pks.partner_member)
    attendance = sample_files.pdf("Daftar hadir")
    upload_material(web, pks, attendance, "daftar-hadir.pdf")
    page = upload_material(web, pks, attendance, "salinan.pdf").text
    assert "sudah ada sebagai materi kemitraan ini" in error_beside(page, "files")


# --- a file already in the portal, as a contribution's evidence --------------------------------

def test_a_duplicate_evidence_file_is_an_error_beside_the_field_and_its_material_is_chosen(pks, login_as):
    """It read like a note ("sudah diunggah ...; tidak diunggah lagi.") and nothing was saved."""
    web = login_as(pks.partner_member)
    photo = sample_files.pdf("Foto kegiatan")
    upload_material(web, pks, photo, "foto-kegiatan.pdf")
    with unscoped("the test finds the material"):
        material_id = db.session.scalar(select(Material.id))
    before = counts()

    page = record(web, pks, files=[(photo, "foto-kegiatan.pdf")]).text

    said = error_beside(page, "evidence")
    assert "sudah ada sebagai materi kemitraan ini" in said and "belum ada yang disimpan" in said
    assert "Pilih materi itu" in said and "alert-danger" not in page
    assert re.search(rf'value="{material_id}"[^>]*checked', page), "the material is ticked, ready to send"
    assert counts() == before

    done = record(web, pks, chosen=[material_id], follow_redirects=True)
    assert "Kontribusi telah dicatat" in done.text and "foto-kegiatan.pdf" in done.text
    with unscoped("the test reads the evidence"):
        contribution_id = db.session.scalar(select(Contribution.id))
        assert db.session.get(Material, material_id).contribution_id == contribution_id
    assert counts() == (before[0], before[1] + 1), "no file stored twice"


def test_another_pairs_material_or_one_already_evidence_is_refused_never_a_500(pks, login_as):
    with unscoped("the test makes materials elsewhere"):
        theirs = MaterialFactory(facility=pks.stranger_facility, partner=pks.partner).id  # RSUD's other Rutan
        taken = MaterialFactory(facility=pks.facility, partner=pks.partner,
                                contribution=ContributionFactory(facility=pks.facility, partner=pks.partner)).id
        free = MaterialFactory(facility=pks.facility, partner=pks.partner, created_by=pks.partner_admin).id
    only_offered_and_taken(login_as(pks.partner_member), pks, free, refused=(theirs, taken, 2**31 - 1))


def only_offered_and_taken(web, pks, free: int, refused) -> None:
    """The form offers `free` and none of `refused`; choosing one of those beside it is refused beside the
    field, and nothing is recorded."""
    offered = web.get(f"/o/{pks.partner.slug}/contributions/new?pair={pair_id(pks)}").text
    assert f'value="{free}"' in offered
    assert not [material for material in refused if f'value="{material}"' in offered]
    before = counts()
    for forged in refused:
        page = record(web, pks, chosen=[free, forged])
        assert page.status_code == 200
        assert "bukan materi kemitraan ini" in error_beside(page.text, "existing_evidence")
    assert counts() == before


def test_only_the_partners_own_recent_materials_are_offered_so_choosing_one_never_has_another_retired(pks, login_as):
    """A partner's intern could tick the facility's three-year-old photo: retention then retired it (evidence
    photos go after RETENTION_EVIDENCE_PHOTO_DAYS, counted from the material's own age). Found in review."""
    with unscoped("the test makes the pair's materials"):
        facilitys = MaterialFactory(facility=pks.facility, partner=pks.partner, created_by=pks.officer).id
        old = MaterialFactory(facility=pks.facility, partner=pks.partner, created_by=pks.partner_admin,
                              created_at=utcnow() - timedelta(days=3 * 365)).id
        own = MaterialFactory(facility=pks.facility, partner=pks.partner, created_by=pks.partner_admin).id
    only_offered_and_taken(login_as(pks.partner_member), pks, own, refused=(facilitys, old))


def test_a_refused_file_name_is_shown_as_text_where_it_is_flashed(pks, login_as):
    """A new version's refusal is flashed (the page redirects): the message, a lazy string naming the file,
    came back from the session cookie as markup, so a file named like HTML became HTML. Found in review."""
    material = upload(pks, sample_files.pdf("v1"), "modul.pdf")
    web = login_as(pks.partner_admin)
    name = "<img src=x id=nama-berkas>.pdf"
    page = web.post(f"/o/{pks.partner.slug}/materials/{material.id}/versions",
                    {"file": (io.BytesIO(b"hanya teks, bukan PDF"), name)},
                    content_type="multipart/form-data", follow_redirects=True).text
    assert "nama-berkas" in page, "the refusal was shown"
    assert "<img src=x id=nama-berkas>" not in page


def test_the_evidence_service_refuses_a_material_of_another_pair(pks):
    """The API and anything else that attaches evidence meet the same rule as the form."""
    with unscoped("the test makes a material elsewhere"):
        theirs = MaterialFactory(facility=pks.stranger_facility, partner=pks.partner).id
    contribution = ContributionFactory(facility=pks.facility, partner=pks.partner)
    with pks.acting(pks.partner_member):
        try:
            evidence.attach(contribution, [], [theirs], actor=pks.partner_member)
        except FieldErrors as refusal:
            assert list(refusal.problems) == [evidence.CHOSEN]
        else:
            raise AssertionError("another pair's material became evidence")
