"""The audit trail page reads as sentences: who did what to which record (named, linked where the reader may open it),
what changed as labelled fields in the reader's language, the technical rest behind a disclosure; filters by record,
person and period in the address; the raw entries stay for the platform administrator's export."""
import ast
from datetime import timedelta
import json
from pathlib import Path
import re

from portal.audit import chain as audit, events as audit_events, sentences as audit_sentences
from portal.core.clock import today
from portal.core.columns import utcnow
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.organisations.models import Role
from tests.factories import (
    AgreementFactory, FacilityFactory, MaterialFactory, PartnerFactory, PartnershipFactory, UserFactory, member_of,
)
from tests.journeys.page_checks import raw_data_in

DIGEST = "6f27" + "0" * 60


def pair_with_people():
    facility = FacilityFactory(name="Rutan Kelas IIB Tamiang Layang")
    partner = PartnerFactory(name="RSUD Tamiang Layang")
    PartnershipFactory(facility=facility, partner=partner)
    director = member_of(partner, Role.ADMIN, name="Vinny Safari")
    head = member_of(facility, Role.HEAD, name="Agung Novarianto")
    return facility, partner, director, head


def uploaded(material, actor, partner, size=5 * 1024):
    """The entry `materials.upload` writes for one file (portal/materials/operations.py)."""
    return audit.record("material.uploaded", actor=actor, object_type="material", object_id=material.id,
                        organisation=partner, facility=material.facility, partner=partner,
                        after={"filename": "foto-kegiatan.jpg", "category": "photo", "sha256": DIGEST,
                               "size": size, "agreement": None})


def shown(html: str) -> str:
    """What a person reads before opening a disclosure: the page's text without tags and without <details>."""
    html = re.sub(r"<details.*?</details>", " ", html, flags=re.S)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'").replace("&amp;", "&")


def test_an_upload_reads_as_a_sentence_naming_the_file_its_size_and_linking_the_material(login_as):
    facility, partner, director, head = pair_with_people()
    material = MaterialFactory(facility=facility, partner=partner, title="foto-kegiatan.jpg")
    uploaded(material, director, partner)
    page = login_as(head).get(f"/o/{facility.slug}/audit/")
    text = shown(page.text)
    assert "Vinny Safari mengunggah materi foto-kegiatan.jpg (5 KB) ke kemitraan dengan RSUD Tamiang Layang." in text
    assert f'href="/o/{facility.slug}/materials/{material.id}"><em>foto-kegiatan.jpg</em></a>' in page.text
    assert "Kategori: Foto" in text
    assert '{"' not in page.text and "material " + str(material.id) not in text
    assert DIGEST not in text and DIGEST in page.text  # behind "Rincian teknis"
    assert "<summary>Rincian teknis</summary>" in page.text
    assert raw_data_in(text) == []


def test_a_status_change_shows_both_statuses_by_their_indonesian_labels(login_as):
    facility, partner, director, head = pair_with_people()
    agreement = AgreementFactory(facility=facility, partner=partner, title="Sistem Rujukan Pelayanan Kesehatan")
    audit.record("agreement.submitted", actor=director, object_type="agreement", object_id=agreement.id,
                 organisation=partner, facility=facility, partner=partner,
                 before={"status": "draft"}, after={"status": "submitted", "version": 1})
    page = login_as(director).get(f"/o/{partner.slug}/audit/")
    text = shown(page.text)
    assert "Vinny Safari mengajukan PKS Sistem Rujukan Pelayanan Kesehatan untuk ditinjau." in text
    assert "Status: Draf → Diajukan untuk ditinjau" in text
    assert f'href="/o/{partner.slug}/agreements/{agreement.id}"' in page.text
    assert "submitted" not in text and '{"' not in page.text


def test_every_action_the_services_record_has_a_sentence():
    """Each action name the code passes to the trail (audit.record, and the helpers that call it with an action),
    typed there or, for an event's, its verb's (`Verb.X.action`)."""
    recorders = {"record", "record_many", "_audit", "_record", "_move", "move", "add_document", "dict"}
    found = set()
    for path in Path("portal").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in recorders:
                for part in [*node.args, *(k.value for k in node.keywords if k.arg in (None, "action"))]:
                    found |= {c.value for c in ast.walk(part) if isinstance(c, ast.Constant)
                              and isinstance(c.value, str) and re.fullmatch(r"[a-z_]+\.[a-z_]+", c.value)}
    found |= {verb.action for verb in audit_events.verbs() if verb.action}
    assert len(found) > 60, "the scan finds the recorded actions"
    assert sorted(found - set(audit_sentences.SENTENCES)) == []


def test_an_unknown_action_still_reads_as_a_sentence_without_raw_data(login_as):
    facility = FacilityFactory()
    head = member_of(facility, Role.HEAD, name="Yulian Fernando")
    audit.record("something.new_here", actor=head, object_type="gadget", object_id=7, organisation=facility,
                 after={"colour": "blue", "count": 3})
    page = login_as(head).get(f"/o/{facility.slug}/audit/")
    text = shown(page.text)
    assert "Yulian Fernando membuat perubahan pada (sebuah catatan)." in text
    assert raw_data_in(text) == [] and '{"' not in page.text
    assert "<code>Dicatat sebagai: something.new_here</code>" in page.text and "<code>colour: blue</code>" in page.text


def test_filters_by_record_person_and_period_narrow_the_list_and_stay_in_the_address(login_as, monkeypatch):
    facility, partner, director, head = pair_with_people()
    material = MaterialFactory(facility=facility, partner=partner)
    uploaded(material, director, partner)
    audit.record("partnership.created", actor=head, object_type="partnership", object_id=None,
                 organisation=facility, facility=facility, partner=partner, after={"partner": partner.name})
    forty_days_ago = utcnow() - timedelta(days=40)
    monkeypatch.setattr(audit, "utcnow", lambda: forty_days_ago)  # the trail is append-only: written back then
    audit.record("member.added", actor=head, object_type="membership", object_id=None, organisation=facility,
                 after={"user": director.id, "role": "officer"})
    monkeypatch.undo()
    web = login_as(head)
    base = f"/o/{facility.slug}/audit/"

    def sentences(query):
        return re.findall(r'data-testid="audit-entry".*?<p class="mb-1">(.*?)</p>', web.get(base + query).text, re.S)

    assert len(sentences("")) == 3
    [only] = sentences("?record=material")
    assert "mengunggah materi" in only
    assert len(sentences(f"?person={head.id}")) == 2
    assert [s for s in sentences(f"?person={director.id}")] == [only]
    since = (today() - timedelta(days=7)).isoformat()
    assert len(sentences(f"?since={since}")) == 2
    [last_month] = sentences(f"?until={(today() - timedelta(days=30)).isoformat()}")
    assert "sebagai anggota" in last_month
    page = web.get(base + f"?record=partnership&person={head.id}&since={since}").text
    assert 'selected value="partnership"' in page and f'value="{since}"' in page
    assert "Tidak ada catatan" not in page
    assert "Tidak ada catatan yang cocok dengan saringan ini." in web.get(base + "?record=news").text
    assert web.get(base + "?person=nobody&since=kemarin&record=%3Cx%3E").status_code == 200


def test_another_tenants_entries_never_appear_nor_its_people_in_the_filter(login_as):
    ours, theirs = pair_with_people(), pair_with_people()
    facility, partner, director, head = ours
    stranger = member_of(theirs[0], Role.HEAD, name="Orang Lain Sekali")
    audit.record("organisation.public_page_on", actor=head, object_type="organisation", object_id=facility.id,
                 organisation=facility, facility=facility)
    material = MaterialFactory(facility=theirs[0], partner=theirs[1], title="rahasia.pdf")
    audit.record("material.uploaded", actor=stranger, object_type="material", object_id=material.id,
                 organisation=theirs[0], facility=theirs[0], partner=theirs[1],
                 after={"filename": "rahasia.pdf", "size": 10, "category": "report"})
    page = login_as(head).get(f"/o/{facility.slug}/audit/?person={stranger.id}")
    assert "rahasia.pdf" not in page.text and "Orang Lain Sekali" not in page.text
    assert "Tidak ada catatan yang cocok" not in page.text  # an unknown person is no filter at all


def test_a_record_out_of_the_readers_sight_is_named_but_not_linked(login_as):
    facility, partner, director, head = pair_with_people()
    material = MaterialFactory(facility=facility, partner=partner, title="foto-kegiatan.jpg")
    uploaded(material, director, partner)
    with unscoped("test: the material is deleted"):
        material.deleted_at = material.created_at
        db.session.flush()
    page = login_as(head).get(f"/o/{facility.slug}/audit/")
    assert "<em>foto-kegiatan.jpg</em> (5 KB)" in page.text
    assert f"/materials/{material.id}" not in page.text


def test_an_english_reader_reads_english_sentences(login_as):
    facility, partner, director, head = pair_with_people()
    with unscoped("test: the head reads English"):
        head.locale = "en"
        db.session.flush()
    uploaded(MaterialFactory(facility=facility, partner=partner), director, partner, size=3 * 1024 * 1024)
    text = shown(login_as(head).get(f"/o/{facility.slug}/audit/").text)
    assert ("Vinny Safari uploaded the material foto-kegiatan.jpg (3 MB) to the partnership with "
            "RSUD Tamiang Layang.") in text


def test_older_entries_are_a_keyset_page_away_with_the_filters_kept(login_as, monkeypatch):
    from portal.audit import trail as audit_trail

    monkeypatch.setattr(audit_trail, "PAGE_SIZE", 2)
    facility = FacilityFactory()
    head = member_of(facility, Role.HEAD)
    for number in range(3):
        audit.record("organisation.public_page_on", actor=head, object_type="organisation", object_id=facility.id,
                     organisation=facility, facility=facility)
    web = login_as(head)
    first = web.get(f"/o/{facility.slug}/audit/?record=organisation").text
    assert first.count('data-testid="audit-entry"') == 2
    older = re.search(r'href="([^"]+)" data-testid="audit-older"', first).group(1).replace("&amp;", "&")
    assert "record=organisation" in older
    second = web.get(older).text
    assert second.count('data-testid="audit-entry"') == 1 and 'data-testid="audit-older"' not in second


def test_the_dashboards_full_trail_link_opens_the_trail_for_a_partner_admin(login_as):
    facility, partner, director, head = pair_with_people()
    uploaded(MaterialFactory(facility=facility, partner=partner), director, partner)
    web = login_as(director)
    dashboard = web.get(f"/o/{partner.slug}/").text
    recent = dashboard[dashboard.index('data-testid="recent-entry"'):]
    assert "mengunggah materi" in recent[:600], "the dashboard's latest activity reads as the trail does"
    link = re.search(r'href="([^"]+)">Jejak audit lengkap<', dashboard).group(1)
    page = web.get(link)
    assert page.status_code == 200 and "mengunggah materi" in page.text


def test_the_platform_administrator_exports_the_raw_entries(login_as):
    facility, partner, director, head = pair_with_people()
    entry = uploaded(MaterialFactory(facility=facility, partner=partner), director, partner)
    entry_id = entry.id
    admin = login_as(UserFactory(is_platform_admin=True))
    assert 'href="/admin/audit/export.jsonl" download>' in admin.get("/").text, "the administrator's menu has it"
    export = admin.get(f"/admin/audit/export.jsonl?organisation={facility.id}")
    assert export.status_code == 200 and export.mimetype == "application/x-ndjson"
    rows = [json.loads(line) for line in export.text.splitlines()]
    [row] = [row for row in rows if row["id"] == entry_id]
    assert row["changes"]["after"]["sha256"] == DIGEST and row["hash"] and "prev_hash" in row


def test_only_the_platform_administrator_exports_the_raw_entries(login_as):
    facility, partner, director, head = pair_with_people()
    assert login_as(head).get("/admin/audit/export.jsonl").status_code in (403, 404)

