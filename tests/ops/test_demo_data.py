"""The demo data reproduces the organisations and people of the five news reports."""
from datetime import date

import pytest
from sqlalchemy import select

from mitrapas_dev import demo
from portal import signing
from portal.accounts import operations as accounts
from portal.accounts.models import User
from portal.agreements.models import Agreement, AgreementStatus, DocumentKind, SignatureMethod
from portal.core import clock, storage
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.organisations.models import OrgKind, Role
from portal.organisations.partnership_models import Partnership
from tests.factories import every_organisation


@pytest.fixture
def loaded(storage_settings):
    demo.load()
    return every_organisation()


def people(organisation, role):
    return sorted(m.user.name for m in organisation.memberships if m.role == role)


def test_the_four_facilities_with_their_heads_and_officers(loaded):
    assert people(loaded["Rutan Kelas IIB Bengkulu"], Role.HEAD) == ["Yulian Fernando"]
    assert people(loaded["Rutan Kelas IIB Bengkulu"], Role.OFFICER) == ["Rafi Rizaldi"]
    assert people(loaded["Rutan Kelas IIA Balikpapan"], Role.HEAD) == ["Agus Salim"]
    assert people(loaded["Lapas Narkotika Kelas IIB Purwokerto"], Role.OFFICER) == ["Yudi Suhartono"]
    assert people(loaded["Rutan Kelas IIB Tamiang Layang"], Role.HEAD) == ["Agung Novarianto"]


def test_the_partners_oversight_and_platform_admin(loaded):
    partners = {name for name, org in loaded.items() if org.kind == OrgKind.PARTNER}
    assert partners == {"SEKATA Balikpapan", "RSUD Tamiang Layang", "Program Pemagangan Kemnaker (MagangHub)",
                        "Balai Latihan Kerja Bengkulu", "Dinas Koperasi dan UKM Provinsi Bengkulu"}
    assert people(loaded["RSUD Tamiang Layang"], Role.ADMIN) == ["Vinny Safari"]
    assert len(people(loaded["Program Pemagangan Kemnaker (MagangHub)"], Role.MEMBER)) == 2
    oversight = {org.province for org in loaded.values() if org.kind == OrgKind.OVERSIGHT}
    assert oversight == {"Bengkulu", "Kalimantan Timur", "Jawa Tengah", "Kalimantan Tengah", None}


def test_the_pairs_from_the_reports(loaded):
    with unscoped("test reads every pair"):
        pairs = {(p.facility.name, p.partner.name) for p in db.session.scalars(select(Partnership)).unique()}
    assert ("Rutan Kelas IIB Tamiang Layang", "RSUD Tamiang Layang") in pairs
    assert ("Rutan Kelas IIA Balikpapan", "SEKATA Balikpapan") in pairs
    assert ("Lapas Narkotika Kelas IIB Purwokerto", "Program Pemagangan Kemnaker (MagangHub)") in pairs
    assert len(pairs) == len(demo.PARTNERSHIPS)


def test_every_printed_login_works(loaded, web):
    for email, _name, _what in demo.logins():
        assert web.login(email, demo.DEMO_PASSWORD).status_code == 302, email
        web.logout()


def test_the_reports_work_is_there_as_verified_contributions_and_programmes(loaded):
    from portal.contributions import operations as contributions
    from portal.contributions.models import Contribution, ContributionStatus, Programme

    with unscoped("the test reads every tenant's contributions"):
        tamiang = loaded["Rutan Kelas IIB Tamiang Layang"]
        rehabilitation = db.session.scalar(select(Programme).where(Programme.facility_id == tamiang.id))
        assert (rehabilitation.category, rehabilitation.duration_days) == ("Kategori II", 30)
        assert (rehabilitation.actual_participants, rehabilitation.certificates_issued) == (18, 18)
        assert contributions.totals(Contribution.facility_id == tamiang.id).participants == 18
        titles = {c.title: c for c in db.session.scalars(select(Contribution)).unique()}
        assert titles["Konseling psikologis bagi warga binaan"].facility.name == "Rutan Kelas IIB Bengkulu"
        assert titles["Konsultasi menjelang bebas"].location == "Ruang Sekretariat"
        assert "SEKATA" in titles["Rehabilitasi WBP: dukungan keluarga dan lingkungan sosial"].partner.name
        assert {c.status for c in titles.values()} == {ContributionStatus.VERIFIED}
        umkm = {p.name for p in db.session.scalars(select(Programme)).unique()}
        assert "Program pembinaan berbasis UMKM warga binaan" in umkm


def test_the_agreements_wait_where_their_lifecycle_puts_them(loaded):
    """The RSUD PKS of the 28 November 2025 ceremony, signed electronically when the demo was loaded (never
    backdated), its PDF verifiable; the others on their way."""
    with unscoped("test reads every agreement"):
        found = {(a.partner.name, a.status) for a in db.session.scalars(select(Agreement))}
        rsud = db.session.scalar(select(Agreement).where(Agreement.title == "Sistem Rujukan Pelayanan Kesehatan"))
        signed = {(signature.method, signature.signed_on, clock.local_date(signature.signed_at)) for signature in rsud.signatures}
        final = b"".join(storage.get(rsud.document_of(DocumentKind.FINAL).storage_key))
    assert signed == {(SignatureMethod.ELECTRONIC, None, date.today())}, "when it was signed, not the ceremony"
    assert rsud.start_date == date(2025, 11, 28)
    partner, facility, archive = signing.read(final)
    assert (partner.signer, facility.signer, archive.is_timestamp) == ("Vinny Safari", "Agung Novarianto", True)
    assert all(found_.intact and found_.trusted for found_ in (partner, facility, archive))
    assert found == {("RSUD Tamiang Layang", AgreementStatus.ACTIVE),
                     ("Dinas Koperasi dan UKM Provinsi Bengkulu", AgreementStatus.SUBMITTED),
                     ("Program Pemagangan Kemnaker (MagangHub)", AgreementStatus.SUBMITTED),
                     ("Balai Latihan Kerja Bengkulu", AgreementStatus.DRAFT),
                     ("SEKATA Balikpapan", AgreementStatus.APPROVED)}
    assert rsud.verification_code and rsud.facility_signatory.name == "Agung Novarianto"


def test_rutan_bengkulu_uses_its_four_step_chain_one_pks_waits_at_the_kanwil_and_one_step_is_late(loaded):
    """Issue 37's demo: officer, Urusan Umum's legal review, Kanwil Bengkulu's acknowledgement, the head."""
    from portal.agreements import chains
    from portal.agreements.chain_models import StepActor

    bengkulu = loaded["Rutan Kelas IIB Bengkulu"]
    assert people(bengkulu, Role.LEGAL) == ["Kaur Umum Rutan Bengkulu"]
    with unscoped("test reads Bengkulu's agreements"):
        assert chains.summary(chains.chain_for(bengkulu)) == (
            "Pemeriksaan kelengkapan berkas → Reviu hukum Urusan Umum → Diketahui Kanwil Ditjenpas Bengkulu → "
            "Keputusan Kepala")
        waiting = {a.partner.name: a for a in db.session.scalars(select(Agreement).where(
            Agreement.facility_id == bengkulu.id, Agreement.status == AgreementStatus.SUBMITTED))}
        umkm, internship = waiting["Dinas Koperasi dan UKM Provinsi Bengkulu"], \
            waiting["Program Pemagangan Kemnaker (MagangHub)"]
        assert umkm.current_step_actor == StepActor.KANWIL and umkm.current_step.due_on >= clock.today()
        assert [step.decided_by_name for step in umkm.round_steps[:2]] == ["Rafi Rizaldi", "Kaur Umum Rutan Bengkulu"]
        assert internship.current_step_actor == StepActor.LEGAL and internship.current_step.due_on < clock.today()


def test_the_five_seed_reports_are_published_on_the_facilities_public_pages(loaded, client):
    from mitrapas_dev import demo_news
    from portal.public.news_models import NewsItem, NewsStatus

    with unscoped("the test reads every facility's news"):
        published = {item.title: (item.facility.slug, item.slug, len(item.quotes), len(item.photos))
                     for item in db.session.scalars(select(NewsItem)).unique()
                     if item.status == NewsStatus.PUBLISHED}
    assert set(published) == {report.title for report in demo_news.REPORTS}
    articles = {}
    for title, (facility_slug, slug, quotes, photos) in published.items():
        assert quotes >= 1 and photos == 1, title
        articles[title] = client.get(f"/publik/{facility_slug}/berita/{slug}")
        assert articles[title].status_code == 200, title
    closing = articles[demo_news.REPORTS[-1].title].text
    assert "18 WBP" in closing and "Vinny Safari, Direktur RSUD Tamiang Layang" in closing
    tamiang = client.get(f"/publik/{published[demo_news.REPORTS[-1].title][0]}").text
    assert "Sistem Rujukan Pelayanan Kesehatan" in tamiang and "RSUD Tamiang Layang" in tamiang
    assert "Program Rehabilitasi WBP Kategori II (30 hari)" in tamiang


def test_the_demo_people_share_one_hash_of_the_published_password_and_nobody_else_does(loaded):
    """Loading the demo hashes its one password once; a person made outside it gets a salt of their own."""
    with unscoped("the test compares every account's hash"):
        hashes = {email: db.session.scalar(select(User.password_hash).where(User.email == email))
                  for email, _name, _what in demo.logins()}
    assert len(set(hashes.values())) == 1
    assert accounts.hash_password(demo.DEMO_PASSWORD) not in hashes.values()


def test_rutan_bengkulus_products_are_in_the_catalogue_with_their_helpers_an_inquiry_and_sales(loaded, client):
    """The Bengkulu report's UMKM: a batik whose makers BLK trained, a processed food whose PIRT the cooperative office
    arranges, the mapping of interests, a buyer's inquiry waiting, and sales the cooperative office sees."""
    from portal.umkm.models import (
        CertificateKind, CertificateStatus, HelpKind, Inquiry, InquiryState, Product, ProductHelper, Sale, SkillInterest,
    )

    with unscoped("the test reads every facility's products"):
        shown = {product.name: product for product in db.session.scalars(select(Product)).unique()}
        assert {p.facility.name for p in shown.values()} == {"Rutan Kelas IIB Bengkulu"} and len(shown) == 2
        batik, cake = shown["Kain batik besurek tulis"], shown["Kue bay tat nanas"]
        helpers = {(h.product.name, h.partner.name, h.help) for h in db.session.scalars(
            select(ProductHelper))}
        assert (batik.name, "Balai Latihan Kerja Bengkulu", HelpKind.TRAINED_MAKERS) in helpers
        assert (cake.name, "Dinas Koperasi dan UKM Provinsi Bengkulu", HelpKind.CERTIFICATION) in helpers
        assert (CertificateKind.PIRT, CertificateStatus.IN_PROGRESS) in {(c.kind, c.status) for c in cake.certificates}
        assert all(product.public and len(product.photos) == 1 for product in shown.values())
        assert db.session.scalars(select(Inquiry)).one().state == InquiryState.NEW
        assert {sale.partner.name if sale.partner else None for sale in db.session.scalars(select(Sale))} == {
            "Dinas Koperasi dan UKM Provinsi Bengkulu", None}
        assert sum(row.interested for row in db.session.scalars(select(SkillInterest))) > 0
        slug, batik_slug = batik.facility.slug, batik.slug
    catalogue = client.get("/publik/katalog").text
    assert "Kain batik besurek tulis" in catalogue and "Kue bay tat nanas" in catalogue
    assert "Balai Latihan Kerja Bengkulu" in client.get(f"/publik/{slug}/produk/{batik_slug}").text
