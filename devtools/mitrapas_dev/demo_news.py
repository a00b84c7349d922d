"""Demo news: the five seed reports, drafted from the verified activities behind them, edited and published
by each facility's Humas officer with their quotes and a photo, on public pages the heads turned on."""
from __future__ import annotations

from dataclasses import dataclass
import io

from sqlalchemy import select

from mitrapas_dev import demo_materials
from portal.contributions.models import Contribution, Programme
from portal.extensions import db
from portal.materials import operations as materials
from portal.materials.models import MaterialCategory
from portal.materials.operations import Upload
from portal.organisations.models import Organisation, Role
from portal.public import news, news_photos, publication


@dataclass(frozen=True)
class DemoReport:
    facility: str
    #: The verified activity it is drafted from: ("contribution", title) or ("programme", name).
    source: tuple[str, str]
    humas: str
    #: Who uploads the photo as a material of the pair (a partner's person).
    photographer: str
    title: str
    place: str
    body: tuple[str, ...]
    #: (speaker, office, words)
    quotes: tuple[tuple[str, str, str], ...]
    photo: str


REPORTS = [
    DemoReport(
        "Rutan Kelas IIB Bengkulu", ("contribution", "Konseling psikologis bagi warga binaan"),
        "humas@rutan-bengkulu.mitrapas.test", "magang.psikologi@mitrapas.test",
        "Rutan Bengkulu Gelar Konseling Psikologis bagi Warga Binaan bersama Peserta Magang Kemnaker",
        "Klinik Pratama Rutan Bengkulu", (
            "Bengkulu – Tim Medis Rutan Bengkulu menggelar kegiatan konseling psikologis bagi warga binaan sebagai "
            "upaya peningkatan layanan kesehatan mental di lingkungan pemasyarakatan. Kegiatan berlangsung di "
            "Klinik Pratama Rutan Bengkulu pada Sabtu, 29 November 2025.",
            "Pelaksanaan konseling melibatkan peserta magang program pemagangan Kementerian Ketenagakerjaan "
            "(Kemnaker) yang berlatar belakang akademik psikologi dan sosiologi, bersama tenaga kesehatan rutan.",
            "Tim konselor memberikan pendampingan melalui komunikasi terapeutik, relaksasi diri, dan penguatan "
            "motivasi, agar warga binaan dapat mengurangi stres, kecemasan, maupun depresi selama menjalani masa "
            "tahanan."),
        (("Rafi Rizaldi", "Kasubsi Pelayanan Tahanan Rutan Bengkulu",
          "Kami tidak hanya fokus pada aspek kesehatan fisik, tetapi juga kesehatan mental. Konseling psikologis "
          "menjadi langkah penting untuk membantu warga binaan menjalani masa pidana dengan lebih sehat dan siap "
          "kembali ke masyarakat"),),
        "Ruang konseling Klinik Pratama Rutan Bengkulu"),
    DemoReport(
        "Rutan Kelas IIA Balikpapan", ("contribution", "Rehabilitasi WBP: dukungan keluarga dan lingkungan sosial"),
        "humas@rutan-balikpapan.mitrapas.test", "admin@sekata.mitrapas.test",
        "Rehabilitasi Warga Binaan Rutan Balikpapan bersama SEKATA: Dukungan Keluarga Jadi Kunci",
        "Rutan Kelas IIA Balikpapan", (
            "Balikpapan – Rutan Kelas IIA Balikpapan bersama SEKATA Balikpapan menggelar kegiatan rehabilitasi "
            "warga binaan pada Rabu, 3 Desember 2025, dengan fokus memperkuat pemulihan mental dan perilaku.",
            "Fasilitator SEKATA Balikpapan mengajak warga binaan memahami bahwa keluarga adalah lingkaran terdekat "
            "yang mampu menjadi sumber kekuatan selama dan setelah menjalani masa pidana.",
            "Sesi interaktif melatih warga binaan memberi dukungan sederhana, membangun interaksi yang sehat, rasa "
            "percaya diri, dan empati di antara peserta rehabilitasi."),
        (("Agus Salim", "Kepala Rutan Balikpapan",
          "Rehabilitasi bukan hanya soal pemulihan diri, tetapi juga tentang membangun lingkungan yang saling "
          "mendukung. Kami ingin warga binaan merasa tidak sendiri dalam proses perubahan"),),
        "Ruang kegiatan rehabilitasi Rutan Balikpapan"),
    DemoReport(
        "Rutan Kelas IIB Bengkulu", ("contribution", "Pemetaan potensi dan minat usaha warga binaan"),
        "humas@rutan-bengkulu.mitrapas.test", "admin@diskopukm.mitrapas.test",
        "Rutan Bengkulu Siapkan Pembinaan Berbasis UMKM bersama Dinas Koperasi dan BLK",
        "Rutan Kelas IIB Bengkulu", (
            "Bengkulu – Rutan Kelas IIB Bengkulu menindaklanjuti arahan Direktur Jenderal Pemasyarakatan tentang "
            "pemberdayaan warga binaan melalui Usaha Mikro, Kecil, dan Menengah (UMKM), 11 November 2025.",
            "Bersama Dinas Koperasi dan UKM Provinsi Bengkulu, rutan memetakan potensi dan minat warga binaan "
            "untuk menentukan jenis usaha yang paling sesuai; pelatihan kewirausahaan dan keterampilan produksi "
            "disiapkan bersama Balai Latihan Kerja.",
            "Produk seperti kerajinan tangan, kuliner olahan, dan hasil bengkel kerja diarahkan agar memenuhi "
            "standar pasar dan memiliki nilai jual."),
        (("Yulian Fernando", "Kepala Rutan Bengkulu",
          "Kami berkomitmen menjadikan kegiatan pembinaan berbasis UMKM ini sebagai salah satu program unggulan "
          "di Rutan Bengkulu, agar warga binaan memiliki keterampilan dan kemandirian ekonomi setelah bebas nanti"),
         ("Yulian Fernando", "Kepala Rutan Bengkulu",
          "Kami tidak ingin program ini hanya bersifat seremonial. Fokus kami adalah pada keberlanjutan dan "
          "manfaat nyata bagi warga binaan")),
        "Bengkel kerja Rutan Bengkulu"),
    DemoReport(
        "Lapas Narkotika Kelas IIB Purwokerto", ("contribution", "Konsultasi menjelang bebas"),
        "humas@lapas-purwokerto.mitrapas.test", "magang.sosiologi@mitrapas.test",
        "Jelang Bebas, Warga Binaan Lapas Narkotika Purwokerto Dapat Layanan Konsultasi",
        "Ruang Sekretariat Lapas Narkotika Purwokerto", (
            "Purwokerto – Lapas Narkotika Kelas IIB Purwokerto melaksanakan kegiatan konsultasi menjelang bebas "
            "yang difasilitasi peserta magang Kementerian Ketenagakerjaan jurusan Sosiologi, Rabu, 21 Januari 2026.",
            "Konsultasi memberikan pendampingan sosial dan psikososial: kesiapan mental, rencana hidup pasca bebas, "
            "serta tantangan sosial yang mungkin dihadapi, dengan pendampingan petugas pemasyarakatan."),
        (("Yudi Suhartono", "Kepala Seksi Bimbingan Narapidana/Anak Didik dan Kegiatan Kerja",
          "Kesiapan warga binaan menjelang bebas tidak hanya ditentukan oleh kepatuhan selama menjalani pembinaan, "
          "tetapi juga kesiapan mental dan sosialnya"),),
        "Ruang Sekretariat Lapas Narkotika Purwokerto"),
    DemoReport(
        "Rutan Kelas IIB Tamiang Layang", ("programme", "Program Rehabilitasi WBP Kategori II (30 hari)"),
        "humas@rutan-tamiang-layang.mitrapas.test", "magang@kemnaker.mitrapas.test",
        "Rutan Tamiang Layang Perkuat Layanan Kesehatan WBP Lewat Kerja Sama dengan RSUD",
        "Aula klinik Rutan Kelas IIB Tamiang Layang", (
            "Barito Timur – Rutan Kelas IIB Tamiang Layang resmi menutup Program Rehabilitasi Warga Binaan "
            "Pemasyarakatan (WBP) sekaligus menandatangani Perjanjian Kerja Sama (PKS) Sistem Rujukan Pelayanan "
            "Kesehatan bersama RSUD Tamiang Layang, Jumat, 28 November 2025.",
            "Sebanyak 18 WBP yang menjalani Program Rehabilitasi Kategori II (30 hari) mengikuti prosesi penutupan. "
            "Program berjalan melalui konseling, pembinaan mental, serta penguatan spiritual dan perilaku.",
            "Kegiatan penutupan diisi penyampaian kesan dan pesan dari perwakilan peserta, pelepasan tanda pengenal, "
            "serta penyerahan sertifikat kepada 18 peserta."),
        (("Agung Novarianto", "Kepala Rutan Tamiang Layang",
          "Rehabilitasi membantu WBP memperbaiki kesehatan mental dan spiritual, menata perilaku, serta "
          "menumbuhkan pola hidup yang lebih positif"),
         ("Vinny Safari", "Direktur RSUD Tamiang Layang",
          "Kami berkomitmen melaksanakan seluruh ketentuan dalam PKS dan menjaga koordinasi yang baik demi "
          "kelancaran mekanisme rujukan")),
        "Aula klinik Rutan Tamiang Layang, tempat penutupan program"),
]


def load(by_name: dict[str, Organisation], person) -> None:
    """Heads turn the public pages on; Humas drafts, completes and publishes each report."""
    for name in sorted({report.facility for report in REPORTS}):
        facility = by_name[name]
        head = next(m.user for m in facility.memberships if m.role == Role.HEAD)
        publication.set_public_page(facility, True, actor=head)
    for report in REPORTS:
        facility, humas = by_name[report.facility], person(report.humas)
        item = news.draft(facility, _source(facility, *report.source), actor=humas)
        news.edit(item, news.NewsFields(report.title, "\n\n".join(report.body), report.place, item.happened_on),
                  actor=humas)
        for speaker, office, words in report.quotes:
            news.add_quote(item, speaker=speaker, office=office, text=words, actor=humas)
        news_photos.add_photo(item, _photo(item, report, person), caption=report.photo, no_wbp_recognisable=True,
                              actor=humas)
        news.publish(item, actor=humas)


def _source(facility: Organisation, kind: str, title: str):
    model, column = (Contribution, Contribution.title) if kind == "contribution" else (Programme, Programme.name)
    return db.session.scalars(select(model).where(model.facility_id == facility.id, column == title)).one()


def _photo(item, report: DemoReport, person):
    """A picture of the place (never of people), uploaded by the partner as a material of the pair."""
    photographer = person(report.photographer)
    filename = f"Foto {report.photo}.jpg"
    material = materials.upload_materials(
        item.facility, item.partner, [Upload(io.BytesIO(demo_materials.picture(report.photo)), filename)],
        category=MaterialCategory.PHOTO, description=report.photo, actor=photographer)[0]
    return material.latest

