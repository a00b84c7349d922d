"""Demo UMKM from the Bengkulu report (11 November 2025): Rutan Bengkulu's batik besurek, whose makers BLK Bengkulu
trained, and its kue bay tat, whose PIRT Dinas Koperasi dan UKM Bengkulu is arranging; the mapping of inmates'
interests; a buyer's inquiry from the public catalogue; and a recorded sale the cooperative office brought."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
import io
import math

from PIL import Image, ImageDraw
from sqlalchemy import select

from portal.contributions.models import Contribution
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.umkm import interests, products, sales
from portal.umkm.fields import ProductFields, SaleFields
from portal.umkm.interests import Count
from portal.umkm.models import BuyerKind, CertificateKind, CertificateStatus, HelpKind, ProductCategory, SkillArea
from portal.umkm.products import CertificateFields

FACILITY = "Rutan Kelas IIB Bengkulu"
OFFICER = "rafi.rizaldi@mitrapas.test"
BLK = "Balai Latihan Kerja Bengkulu"
COOPERATIVE_OFFICE = "Dinas Koperasi dan UKM Provinsi Bengkulu"

BATIK = ProductFields(
    name="Kain batik besurek tulis", category=ProductCategory.HANDICRAFT,
    description="Batik tulis motif besurek, motif kaligrafi dan bunga rafflesia khas Bengkulu, dikerjakan di bengkel "
                "kerja Rutan Bengkulu.\n\nUkuran 2 x 1,15 m, katun primisima, pewarna sintetis. Pesanan motif dan "
                "warna dapat dibicarakan.",
    price_min=Decimal("275000"), price_max=Decimal("450000"), unit="lembar", monthly_capacity=30, makers=8)
BAY_TAT = ProductFields(
    name="Kue bay tat nanas", category=ProductCategory.PROCESSED_FOOD,
    description="Kue tat isi selai nanas, oleh-oleh khas Bengkulu, dibuat di dapur pelatihan Rutan Bengkulu.\n\n"
                "Isi 6 potong per kotak. Izin PIRT sedang diurus bersama Dinas Koperasi dan UKM Provinsi Bengkulu.",
    price_min=Decimal("45000"), price_max=Decimal("45000"), unit="kotak", monthly_capacity=200, makers=12)

#: The report's mapping of inmates' potential and interests (counts, never names), last month.
INTERESTS = {SkillArea.BATIK_WEAVING: Count(26, 8), SkillArea.FOOD_PROCESSING: Count(34, 12),
             SkillArea.WELDING_WORKSHOP: Count(19, 5), SkillArea.HANDICRAFT: Count(22, 0),
             SkillArea.SEWING: Count(11, 0), SkillArea.AGRICULTURE: Count(9, 0)}


def load(by_name: dict[str, Organisation], person) -> None:
    facility, officer = by_name[FACILITY], person(OFFICER)
    blk, cooperative_office = by_name[BLK], by_name[COOPERATIVE_OFFICE]
    batik = products.create(facility, BATIK, actor=officer)
    products.add_photo(batik, io.BytesIO(_batik_picture()), filename="batik-besurek.jpg", actor=officer,
                       caption="Kain batik besurek motif kaligrafi", no_wbp_recognisable=True)
    products.add_helper(batik, blk, HelpKind.TRAINED_MAKERS, note="Pelatihan membatik dan pewarnaan, November 2025",
                        contribution=_contribution(facility, blk), actor=officer)
    products.add_helper(batik, cooperative_office, HelpKind.MARKETING, note="Pameran UMKM dan jejaring toko "
                        "oleh-oleh", actor=officer)
    products.save_certificate(batik, CertificateFields(
        CertificateKind.TRADEMARK, CertificateStatus.IN_PROGRESS, "Direktorat Jenderal Kekayaan Intelektual"),
        actor=officer)
    products.show_in_catalogue(batik, True, actor=officer)

    bay_tat = products.create(facility, BAY_TAT, actor=officer)
    products.add_photo(bay_tat, io.BytesIO(_cake_picture()), filename="bay-tat.jpg", actor=officer,
                       caption="Kue bay tat nanas dalam kotak", no_wbp_recognisable=True)
    products.add_helper(bay_tat, cooperative_office, HelpKind.CERTIFICATION, note="Mengurus izin PIRT ke Dinas "
                        "Kesehatan Kota Bengkulu", actor=officer)
    products.add_helper(bay_tat, blk, HelpKind.TRAINED_MAKERS, note="Pelatihan tata boga", actor=officer)
    products.save_certificate(bay_tat, CertificateFields(
        CertificateKind.PIRT, CertificateStatus.IN_PROGRESS, "Dinas Kesehatan Kota Bengkulu"), actor=officer)
    products.save_certificate(bay_tat, CertificateFields(
        CertificateKind.HALAL, CertificateStatus.ISSUED, "BPJPH", "ID17110000123450925",
        date.today() - timedelta(days=300), date.today() + timedelta(days=60)), actor=officer)
    products.show_in_catalogue(bay_tat, True, actor=officer)

    last_month = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    interests.count(facility, last_month, INTERESTS, actor=officer)

    # A shop heard of the batik through the cooperative office's exhibition: agreed, delivered and paid.
    sales.record_sale(facility, batik, SaleFields(
        sold_on=date.today() - timedelta(days=12), quantity=6, amount=Decimal("2250000"), buyer_kind=BuyerKind.SHOP,
        partner_id=cooperative_office.id), actor=officer)
    sales.record_sale(facility, bay_tat, SaleFields(
        sold_on=date.today() - timedelta(days=5), quantity=40, amount=Decimal("1800000"),
        buyer_kind=BuyerKind.GOVERNMENT, partner_id=None), actor=officer)
    db.session.flush()
    # A buyer's question from the catalogue, waiting for the facility's answer.
    sales.receive(facility.slug, bay_tat.slug, sales.InquiryFields(
        buyer_name="Ibu Rahmawati", buyer_organisation="Toko Oleh-oleh Khas Bengkulu", phone="0812 7300 4521",
        quantity=100, consent=True,
        message="Kami ingin memesan 100 kotak untuk oleh-oleh tamu dinas bulan depan. Apakah bisa?"))


def _contribution(facility: Organisation, partner: Organisation) -> Contribution | None:
    return db.session.scalars(select(Contribution).where(Contribution.facility_id == facility.id,
                                                         Contribution.partner_id == partner.id)).first()


def _batik_picture() -> bytes:
    """A cloth of besurek-like motifs: brown ground, rows of gold calligraphic curls and flowers (no people)."""
    image = Image.new("RGB", (1200, 800), (94, 42, 24))
    draw = ImageDraw.Draw(image)
    for row in range(8):
        for column in range(12):
            x, y = 50 + column * 100, 50 + row * 100
            if (row + column) % 2:
                draw.ellipse((x - 30, y - 30, x + 30, y + 30), outline=(232, 185, 74), width=5)
                for petal in range(5):
                    angle = petal * 2 * math.pi / 5
                    px, py = x + 18 * math.cos(angle), y + 18 * math.sin(angle)
                    draw.ellipse((px - 8, py - 8, px + 8, py + 8), fill=(200, 60, 40))
            else:
                draw.arc((x - 35, y - 20, x + 35, y + 30), 200, 340, fill=(240, 220, 170), width=6)
                draw.line((x - 25, y + 15, x + 25, y + 15), fill=(240, 220, 170), width=4)
    return _jpeg(image)


def _cake_picture() -> bytes:
    """Six pineapple tarts in a box on a table (no people)."""
    image = Image.new("RGB", (1200, 800), (236, 226, 208))
    draw = ImageDraw.Draw(image)
    draw.rectangle((200, 150, 1000, 650), fill=(250, 250, 245), outline=(180, 150, 110), width=8)
    for index in range(6):
        x, y = 340 + (index % 3) * 260, 290 + (index // 3) * 230
        draw.ellipse((x - 100, y - 80, x + 100, y + 80), fill=(214, 160, 72))
        draw.ellipse((x - 55, y - 40, x + 55, y + 40), fill=(240, 176, 40))
        for stripe in range(-2, 3):
            draw.line((x - 50, y + stripe * 16, x + 50, y + stripe * 16), fill=(196, 120, 40), width=3)
    return _jpeg(image)


def _jpeg(image: Image.Image) -> bytes:
    output = io.BytesIO()
    image.save(output, "JPEG", quality=85)
    return output.getvalue()
