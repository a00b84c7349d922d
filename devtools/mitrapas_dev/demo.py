"""Demo data from the five news reports in shared/seeds/: real organisations and people.

Every account shares one demo password, printed by `make run`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from mitrapas_dev import demo_agreements, demo_materials, demo_news, demo_umkm
from portal.accounts import operations as accounts
from portal.contributions import operations as contributions, programmes
from portal.contributions.models import ContributionType
from portal.contributions.operations import ContributionFields
from portal.contributions.programmes import ProgrammeFields
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.organisations import operations as organisations, partnerships
from portal.organisations.models import Organisation, OrgKind, PartnerCategory, Role
from portal.organisations.operations import Person

DEMO_PASSWORD = "mitrapas-demo-2025"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    position: str
    role: Role


FACILITIES = [
    # (name, class, province, city, people)
    ("Rutan Kelas IIB Bengkulu", "Rutan Kelas IIB", "Bengkulu", "Kota Bengkulu", [
        DemoPerson("yulian.fernando@mitrapas.test", "Yulian Fernando", "Kepala Rutan (Karutan)", Role.HEAD),
        DemoPerson("rafi.rizaldi@mitrapas.test", "Rafi Rizaldi", "Kasubsi Pelayanan Tahanan", Role.OFFICER),
        # Its general affairs (Urusan Umum) reviews each PKS's legal side: the second step of its approval chain.
        DemoPerson("umum@rutan-bengkulu.mitrapas.test", "Kaur Umum Rutan Bengkulu", "Kepala Urusan Umum", Role.LEGAL),
        DemoPerson("humas@rutan-bengkulu.mitrapas.test", "Humas Rutan Bengkulu", "Petugas Humas", Role.HUMAS),
    ]),
    ("Rutan Kelas IIA Balikpapan", "Rutan Kelas IIA", "Kalimantan Timur", "Kota Balikpapan", [
        DemoPerson("agus.salim@mitrapas.test", "Agus Salim", "Kepala Rutan (Karutan)", Role.HEAD),
        DemoPerson("humas@rutan-balikpapan.mitrapas.test", "Humas Rutan Balikpapan", "Petugas Humas", Role.HUMAS),
    ]),
    ("Lapas Narkotika Kelas IIB Purwokerto", "Lapas Narkotika Kelas IIB", "Jawa Tengah", "Kabupaten Banyumas", [
        DemoPerson("yudi.suhartono@mitrapas.test", "Yudi Suhartono",
                   "Kepala Seksi Bimbingan Narapidana/Anak Didik dan Kegiatan Kerja", Role.OFFICER),
        # The report does not name the Kalapas; it is signed "(Humas Elkapur)".
        DemoPerson("kalapas@lapas-purwokerto.mitrapas.test", "Kepala Lapas Narkotika Purwokerto",
                   "Kepala Lapas (Kalapas)", Role.HEAD),
        DemoPerson("humas@lapas-purwokerto.mitrapas.test", "Humas Elkapur", "Petugas Humas", Role.HUMAS),
    ]),
    ("Rutan Kelas IIB Tamiang Layang", "Rutan Kelas IIB", "Kalimantan Tengah", "Kabupaten Barito Timur", [
        DemoPerson("agung.novarianto@mitrapas.test", "Agung Novarianto", "Kepala Rutan (Karutan)", Role.HEAD),
        DemoPerson("pelayanan@rutan-tamiang-layang.mitrapas.test", "Petugas Pelayanan Tahanan Tamiang Layang",
                   "Kasubsi Pelayanan Tahanan", Role.OFFICER),
        DemoPerson("humas@rutan-tamiang-layang.mitrapas.test", "Humas Rutan Tamiang Layang", "Petugas Humas",
                   Role.HUMAS),
    ]),
]

PARTNERS = [
    # (name, category, province, city, people)
    ("SEKATA Balikpapan", PartnerCategory.NGO, "Kalimantan Timur", "Kota Balikpapan", [
        DemoPerson("admin@sekata.mitrapas.test", "Fasilitator SEKATA Balikpapan", "Koordinator Program", Role.ADMIN),
    ]),
    ("RSUD Tamiang Layang", PartnerCategory.HOSPITAL, "Kalimantan Tengah", "Kabupaten Barito Timur", [
        DemoPerson("vinny.safari@mitrapas.test", "Vinny Safari", "Direktur RSUD Tamiang Layang", Role.ADMIN),
    ]),
    ("Program Pemagangan Kemnaker (MagangHub)", PartnerCategory.GOVERNMENT_PROGRAMME, None, None, [
        DemoPerson("magang@kemnaker.mitrapas.test", "Koordinator MagangHub", "Koordinator Program Pemagangan",
                   Role.ADMIN),
        DemoPerson("magang.psikologi@mitrapas.test", "Peserta Magang Psikologi", "Peserta Magang (Psikologi)",
                   Role.MEMBER),
        DemoPerson("magang.sosiologi@mitrapas.test", "Peserta Magang Sosiologi", "Peserta Magang (Sosiologi)",
                   Role.MEMBER),
    ]),
    ("Balai Latihan Kerja Bengkulu", PartnerCategory.TRAINING_CENTRE, "Bengkulu", "Kota Bengkulu", [
        DemoPerson("admin@blk.mitrapas.test", "Admin BLK Bengkulu", "Kepala Seksi Pelatihan", Role.ADMIN),
    ]),
    ("Dinas Koperasi dan UKM Provinsi Bengkulu", PartnerCategory.GOVERNMENT_OFFICE, "Bengkulu", "Kota Bengkulu", [
        DemoPerson("admin@diskopukm.mitrapas.test", "Admin Dinas Koperasi dan UKM", "Kepala Bidang UMKM",
                   Role.ADMIN),
    ]),
]

OVERSIGHT = [
    ("Kanwil Ditjenpas Bengkulu", "Bengkulu", "analis.bengkulu@mitrapas.test"),
    ("Kanwil Ditjenpas Kalimantan Timur", "Kalimantan Timur", "analis.kaltim@mitrapas.test"),
    ("Kanwil Ditjenpas Jawa Tengah", "Jawa Tengah", "analis.jateng@mitrapas.test"),
    ("Kanwil Ditjenpas Kalimantan Tengah", "Kalimantan Tengah", "analis.kalteng@mitrapas.test"),
    ("Direktorat Jenderal Pemasyarakatan", None, "analis.ditjenpas@mitrapas.test"),
]

#: Who works with whom, and on what, as the reports tell it.
PARTNERSHIPS = [
    ("Rutan Kelas IIB Bengkulu", "Program Pemagangan Kemnaker (MagangHub)",
     "Konseling psikologis oleh peserta magang psikologi dan sosiologi", date(2025, 11, 29)),
    ("Rutan Kelas IIB Bengkulu", "Dinas Koperasi dan UKM Provinsi Bengkulu",
     "Pemberdayaan UMKM warga binaan", date(2025, 11, 11)),
    ("Rutan Kelas IIB Bengkulu", "Balai Latihan Kerja Bengkulu",
     "Pelatihan kewirausahaan dan keterampilan produksi", date(2025, 11, 11)),
    ("Rutan Kelas IIA Balikpapan", "SEKATA Balikpapan",
     "Rehabilitasi warga binaan: dukungan keluarga dan lingkungan sosial", date(2025, 12, 3)),
    ("Lapas Narkotika Kelas IIB Purwokerto", "Program Pemagangan Kemnaker (MagangHub)",
     "Konsultasi menjelang bebas oleh peserta magang sosiologi", date(2026, 1, 21)),
    ("Rutan Kelas IIB Tamiang Layang", "RSUD Tamiang Layang",
     "Sistem rujukan pelayanan kesehatan WBP", date(2025, 11, 28)),
    ("Rutan Kelas IIB Tamiang Layang", "Program Pemagangan Kemnaker (MagangHub)",
     "Pendampingan program rehabilitasi oleh peserta MagangHub", date(2025, 11, 28)),
]

#: What the reports say was done: (facility, partner, recorded by, verified by, contribution).
CONTRIBUTIONS = [
    ("Rutan Kelas IIB Bengkulu", "Program Pemagangan Kemnaker (MagangHub)", "magang.psikologi@mitrapas.test",
     "rafi.rizaldi@mitrapas.test", dict(
         type=ContributionType.COUNSELLING, title="Konseling psikologis bagi warga binaan",
         started_on=date(2025, 11, 29), location="Klinik Pratama Rutan Bengkulu",
         partner_people="Peserta magang psikologi dan sosiologi, bersama tim medis rutan",
         description="Komunikasi terapeutik, relaksasi diri dan penguatan motivasi untuk mengurangi stres, "
                     "kecemasan dan depresi selama masa tahanan.")),
    ("Rutan Kelas IIA Balikpapan", "SEKATA Balikpapan", "admin@sekata.mitrapas.test", "agus.salim@mitrapas.test",
     dict(type=ContributionType.REHABILITATION, title="Rehabilitasi WBP: dukungan keluarga dan lingkungan sosial",
          started_on=date(2025, 12, 3), partner_people="Fasilitator SEKATA Balikpapan",
          description="Materi pentingnya dukungan keluarga dan hubungan sosial yang positif, dengan sesi "
                      "interaktif untuk membangun empati dan kepercayaan diri.")),
    ("Lapas Narkotika Kelas IIB Purwokerto", "Program Pemagangan Kemnaker (MagangHub)",
     "magang.sosiologi@mitrapas.test", "yudi.suhartono@mitrapas.test", dict(
         type=ContributionType.PRE_RELEASE, title="Konsultasi menjelang bebas", started_on=date(2026, 1, 21),
         location="Ruang Sekretariat", partner_people="Peserta magang Kemnaker jurusan Sosiologi",
         description="Pendampingan sosial dan psikososial: kesiapan mental, rencana hidup pasca bebas dan "
                     "tantangan sosial yang mungkin dihadapi.")),
    ("Rutan Kelas IIB Bengkulu", "Dinas Koperasi dan UKM Provinsi Bengkulu", "admin@diskopukm.mitrapas.test",
     "rafi.rizaldi@mitrapas.test", dict(
         type=ContributionType.UMKM, title="Pemetaan potensi dan minat usaha warga binaan",
         started_on=date(2025, 11, 11), partner_people="Bidang UMKM Dinas Koperasi dan UKM Provinsi Bengkulu",
         description="Pemetaan minat dan potensi warga binaan untuk kerajinan tangan, kuliner olahan dan bengkel "
                     "kerja, sebagai dasar pelatihan kewirausahaan bersama Balai Latihan Kerja.")),
]

#: Programmes in the reports: (facility, partner, by, fields, closing as (participants, certificates, date)).
PROGRAMMES = [
    ("Rutan Kelas IIB Tamiang Layang", "Program Pemagangan Kemnaker (MagangHub)", "magang@kemnaker.mitrapas.test",
     dict(name="Program Rehabilitasi WBP Kategori II (30 hari)", type=ContributionType.REHABILITATION,
          category="Kategori II", duration_days=30, start_date=date(2025, 10, 30), planned_participants=18),
     (18, 18, date(2025, 11, 28))),
    ("Rutan Kelas IIB Bengkulu", "Dinas Koperasi dan UKM Provinsi Bengkulu", "admin@diskopukm.mitrapas.test",
     dict(name="Program pembinaan berbasis UMKM warga binaan", type=ContributionType.UMKM,
          start_date=date(2025, 11, 11)), None),
    ("Rutan Kelas IIB Bengkulu", "Balai Latihan Kerja Bengkulu", "admin@blk.mitrapas.test",
     dict(name="Pelatihan kewirausahaan dan keterampilan produksi", type=ContributionType.TRAINING,
          start_date=date(2025, 11, 11)), None),
]

PLATFORM_ADMIN = ("admin@mitrapas.test", "Administrator Platform")


def is_empty() -> bool:
    with unscoped("whether any organisation exists at all"):
        return not db.session.scalar(select(func.count()).select_from(Organisation))


def _person(demo: DemoPerson) -> Person:
    return Person(email=demo.email, name=demo.name, position=demo.position, password=DEMO_PASSWORD)


def _analyst(name: str, email: str) -> DemoPerson:
    return DemoPerson(email, f"Analis {name}", "Analis Kemitraan", Role.ANALYST)


def logins() -> list[tuple[str, str, str]]:
    """(e-mail, name, role · organisation) of every demo account, for `make run` to print."""
    rows = [(PLATFORM_ADMIN[0], PLATFORM_ADMIN[1], "platform admin")]
    groups = [(name, people) for name, *_, people in FACILITIES + PARTNERS]
    groups += [(name, [_analyst(name, email)]) for name, _, email in OVERSIGHT]
    for org_name, people in groups:
        rows += [(p.email, p.name, f"{p.role.value} · {org_name}") for p in people]
    return rows


def load() -> None:
    """Create the demo tenants through the same services people use."""
    with unscoped("demo data spans every tenant"), accounts.sharing_hashes():
        admin = accounts.create_user(email=PLATFORM_ADMIN[0], name=PLATFORM_ADMIN[1],
                                     password=DEMO_PASSWORD, is_platform_admin=True)
        by_name: dict[str, Organisation] = {}

        def add(kind, name, people, **where):
            first, *others = people
            org = organisations.create_organisation(actor=admin, kind=kind, name=name,
                                                    first_person=_person(first), first_role=first.role,
                                                    **where)
            for demo in others:
                organisations.add_member(org, _person(demo), demo.role, actor=admin)
            by_name[name] = org

        for name, facility_class, province, city, people in FACILITIES:
            add(OrgKind.FACILITY, name, people, province=province, city=city, facility_class=facility_class)
        for name, category, province, city, people in PARTNERS:
            add(OrgKind.PARTNER, name, people, province=province, city=city, partner_category=category)
        for name, province, email in OVERSIGHT:
            add(OrgKind.OVERSIGHT, name, [_analyst(name, email)], province=province)

        for facility, partner, focus, since in PARTNERSHIPS:
            facility_org = by_name[facility]
            head_or_officer = next(m.user for m in facility_org.memberships
                                   if m.role in (Role.HEAD, Role.OFFICER))
            partnerships.link_partner(facility_org, by_name[partner], actor=head_or_officer,
                                      focus=focus, since=since)
        db.session.flush()
        _load_contributions(by_name)
        demo_agreements.load(by_name, accounts.find_user, password=DEMO_PASSWORD)
        demo_materials.load(by_name, accounts.find_user)
        demo_news.load(by_name, accounts.find_user)
        demo_umkm.load(by_name, accounts.find_user)


def _load_contributions(by_name: dict[str, Organisation]) -> None:
    """The reports' work, recorded by the partners and verified by the facilities, as people would."""
    person = accounts.find_user
    for facility, partner, recorder, verifier, what in CONTRIBUTIONS:
        recorded = contributions.record_contribution(by_name[facility], by_name[partner],
                                                     ContributionFields(**what), actor=person(recorder))
        contributions.verify_contribution(recorded, actor=person(verifier))
    for facility, partner, by, what, closing in PROGRAMMES:
        programme = programmes.create_programme(by_name[facility], by_name[partner], ProgrammeFields(**what),
                                                   actor=person(by))
        if closing:
            participants, certificates, closed_on = closing
            closing_session = contributions.record_contribution(
                programme.facility, programme.partner, ContributionFields(
                    type=ContributionType.CERTIFICATES, programme=programme, started_on=closed_on,
                    title="Penutupan program rehabilitasi dan penyerahan sertifikat",
                    participants_total=participants,
                    location="Aula klinik rutan", partner_people="Konselor, instruktur rehabilitasi, peserta MagangHub"),
                actor=person(by))
            head = next(m.user for m in programme.facility.memberships if m.role == Role.HEAD)
            contributions.verify_contribution(closing_session, actor=head)
            programmes.close_programme(programme, actual_participants=participants,
                                          certificates_issued=certificates, end_date=closed_on, actor=head)


