"""A facility keeps what its inmates make: products, their photos and certificates, the partners who help, and the
counts of inmates' interests its partners plan training by."""
from datetime import date, timedelta
from decimal import Decimal
import io

from PIL import Image
import pytest
from sqlalchemy import select

from portal.core import money, storage
from portal.core.errors import DomainError, NotAllowed
from portal.core.tenancy import TenantViolation, acting_for, unscoped
from portal.extensions import db
from portal.notifications.models import Notification
from portal.umkm import interests, notices, products
from portal.umkm.fields import ProductFields
from portal.umkm.interests import Count
from portal.umkm.models import (
    CertificateKind, CertificateStatus, HelpKind, Product, ProductCategory, SkillArea, SkillInterest,
)
from portal.umkm.products import CertificateFields
from tests.factories import ContributionFactory, trail


def test_a_product_is_kept_by_the_facility_and_read_by_its_partners_and_kanwil_but_no_one_else(market, login_as):
    batik = market.batik()
    officer = login_as(market.officer)
    page = officer.get(f"/o/{market.facility.slug}/umkm/")
    assert "Kain batik besurek tulis" in page.get_data(as_text=True)
    officer.logout()
    for reader, organisation in ((market.cooperative_admin, market.cooperative_office),
                                 (market.analyst, market.kanwil)):
        web = login_as(reader)
        shown = web.get(f"/o/{organisation.slug}/umkm/products/{batik.id}").get_data(as_text=True)
        assert "Kain batik besurek tulis" in shown and "Rp 250.000 – Rp 450.000" in shown
        assert "Show in the public catalogue" not in shown and "Tampilkan di katalog publik" not in shown
        web.logout()
    for stranger, organisation in ((market.shop_admin, market.shop), (market.other_head, market.other_facility)):
        web = login_as(stranger)
        assert web.get(f"/o/{organisation.slug}/umkm/products/{batik.id}").status_code == 404
        web.logout()


def test_only_the_facilitys_product_keepers_change_a_product(market):
    batik = market.batik()
    fields = ProductFields.of(batik)
    with acting_for(market.facility):
        for refused in (market.viewer, market.blk_admin):
            with pytest.raises(NotAllowed):
                products.edit(batik, fields, actor=refused)
        products.edit(batik, fields, actor=market.section_head)  # Kegiatan Kerja keeps them too
        db.session.rollback()
    with acting_for(market.cooperative_office):
        partner_sees = products.product(batik.id)
        with pytest.raises(NotAllowed):
            products.edit(partner_sees, fields, actor=market.cooperative_admin)
        partner_sees.name = "Diubah oleh mitra"
        with pytest.raises(TenantViolation):
            db.session.flush()
        db.session.rollback()


def test_prices_are_exact_rupiah_typed_as_indonesians_write_them(market, login_as):
    assert money.parse("1.250.000") == Decimal("1250000")
    assert money.parse("Rp 150.000") == Decimal("150000")
    assert money.parse("12500,50") == Decimal("12500.50")
    assert money.parse("1.250") == Decimal("1250")  # a dot groups thousands, as an Indonesian reads it
    assert money.parse("") is None
    assert money.as_typed(Decimal("1250000.50")) == "1.250.000,50" and money.parse("1.250.000,50") == Decimal(
        "1250000.50")
    for typo in ("1,250,000", "dua ribu", "1.25.000", "2000000000", "12.50", "12500.5"):
        with pytest.raises(ValueError):
            money.parse(typo)
    web = login_as(market.officer)
    answer = web.post(f"/o/{market.facility.slug}/umkm/products/new", {
        "name": "Keripik pisang", "category": "processed_food", "price_min": "Rp 15.000", "price_max": "25.000,50",
        "unit": "pak 250 g", "makers": "6"})
    assert answer.status_code == 302
    with unscoped("test: what was stored"):
        stored = db.session.scalar(select(Product).where(Product.name == "Keripik pisang"))
        assert (stored.price_min, stored.price_max) == (Decimal("15000"), Decimal("25000.50"))
        assert isinstance(stored.price_max, Decimal)
    shown = web.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Rp 15.000 – Rp 25.000,50 / pak 250 g" in shown, shown[shown.find("product-price"):][:300]
    wrong = web.post(f"/o/{market.facility.slug}/umkm/products/new", {
        "name": "Keripik", "category": "processed_food", "price_min": "lima ribu"}).get_data(as_text=True)
    assert "Tulis jumlah dalam Rupiah" in wrong
    reversed_range = web.post(f"/o/{market.facility.slug}/umkm/products/new", {
        "name": "Keripik", "category": "processed_food", "price_min": "50.000", "price_max": "5.000"},
        follow_redirects=True).get_data(as_text=True)
    assert "Harga terendah lebih tinggi daripada harga tertinggi" in reversed_range
    with unscoped("test: nothing half-written"):
        assert db.session.scalar(select(Product.id).where(Product.name == "Keripik")) is None


def _photo_with_location() -> bytes:
    image = Image.new("RGB", (2400, 1600), (180, 90, 40))
    exif = Image.Exif()
    exif[0x010F] = "KameraMerk"  # Make
    exif[0x8825] = {1: "S", 2: (3.0, 47.0, 0.0), 3: "E", 4: (102.0, 15.0, 0.0)}  # GPS: the facility's yard
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif)
    return output.getvalue()


def test_a_product_photo_is_published_without_its_exif_and_location(market):
    batik = market.batik()
    original = _photo_with_location()
    assert Image.open(io.BytesIO(original)).getexif()
    with acting_for(market.facility):
        with pytest.raises(DomainError, match="WBP"):
            products.add_photo(batik, io.BytesIO(original), filename="batik.jpg", caption="", actor=market.officer,
                               no_wbp_recognisable=False)
        with pytest.raises(DomainError):
            products.add_photo(batik, io.BytesIO(b"%PDF-1.4 not a photo"), filename="batik.jpg", caption="",
                               actor=market.officer, no_wbp_recognisable=True)
        photo = products.add_photo(batik, io.BytesIO(original), filename="batik.jpg", caption="Motif besurek",
                                   actor=market.officer, no_wbp_recognisable=True)
        db.session.commit()
        large = Image.open(io.BytesIO(b"".join(storage.get(photo.large_key))))
    assert max(large.size) == 1280 and not large.getexif()
    assert "exif" not in large.info
    assert [entry.action for entry in trail(object_type="product")][-1] == "product.photo_added"


def test_a_certificate_is_reminded_before_it_lapses_once_per_window(market):
    batik = market.batik()
    with acting_for(market.facility):
        with pytest.raises(DomainError, match="penerbit"):
            products.save_certificate(batik, CertificateFields(CertificateKind.PIRT, CertificateStatus.ISSUED),
                                      actor=market.officer)
        products.save_certificate(batik, CertificateFields(
            CertificateKind.TRADEMARK, CertificateStatus.ISSUED, "DJKI", "IDM000123456",
            date.today() - timedelta(days=3000), date.today() + timedelta(days=25)), actor=market.officer,
            document=io.BytesIO(b"%PDF-1.4\n%sertifikat merek\n"), filename="merek.pdf")
        products.save_certificate(batik, CertificateFields(CertificateKind.PIRT, CertificateStatus.IN_PROGRESS,
                                                           "Dinas Kesehatan Kota Bengkulu"), actor=market.officer)
        db.session.commit()
    with unscoped("test: the daily reminders"):
        assert notices.remind_certificates() == 3  # the head, the officer, the section head; once
        db.session.commit()
        assert notices.remind_certificates() == 0
        told = db.session.scalars(select(Notification).where(
            Notification.kind == "reminder.certificate_expiring")).all()
    assert {notice.params["days"] for notice in told} == {30}
    assert all("IDM" not in str(notice.params) for notice in told)


def test_a_partner_is_linked_to_a_product_through_its_partnership(market):
    batik = market.batik()
    training = ContributionFactory(facility=market.facility, partner=market.blk, type="training",
                                   title="Pelatihan membatik", status="verified")
    with acting_for(market.facility):
        helper = products.add_helper(batik, market.blk, HelpKind.TRAINED_MAKERS, contribution=training,
                                     note="Pelatihan membatik 5 hari", actor=market.officer)
        with pytest.raises(DomainError, match="bekerja sama dengan UPT"):
            products.add_helper(batik, market.shop, HelpKind.TAKES_OUTPUT, actor=market.officer)
        with pytest.raises(DomainError, match="kontribusi"):
            products.add_helper(batik, market.cooperative_office, HelpKind.CERTIFICATION, contribution=training,
                                actor=market.officer)
        with pytest.raises(DomainError, match="sudah ditautkan"):
            products.add_helper(batik, market.blk, HelpKind.TRAINED_MAKERS, actor=market.officer)
        db.session.commit()
    with acting_for(market.blk):
        assert [h.id for h in products.helpers_of(products.product(batik.id))] == [helper.id]
    with acting_for(market.cooperative_office):  # another pair's link is not its to read
        assert products.helpers_of(products.product(batik.id)) == []


def test_interests_are_counts_the_facility_records_and_its_partners_read(market, login_as):
    month = date.today().replace(day=1)
    with acting_for(market.facility):
        with pytest.raises(DomainError):
            interests.count(market.facility, month, {SkillArea.BATIK_WEAVING: Count(-1, 0)}, actor=market.officer)
        with pytest.raises(NotAllowed):
            interests.count(market.facility, month, {SkillArea.BATIK_WEAVING: Count(4, 0)}, actor=market.viewer)
        interests.count(market.facility, month, {SkillArea.BATIK_WEAVING: Count(24, 8),
                                                 SkillArea.FOOD_PROCESSING: Count(31, 12)}, actor=market.officer)
        interests.count(market.facility, month, {SkillArea.BATIK_WEAVING: Count(26, 8)}, actor=market.officer)
        db.session.commit()
        mapping = interests.mapping_of(market.facility, month)
    assert (mapping.interested, mapping.trained) == (57, 20)
    web = login_as(market.blk_admin)
    page = web.get(f"/o/{market.blk.slug}/umkm/interests").get_data(as_text=True)
    assert market.facility.name in page and "26" in page and "Pengolahan pangan" in page
    assert "Simpan jumlah" not in page  # a partner reads; the facility counts
    web.logout()
    with acting_for(market.shop):
        assert db.session.scalars(select(SkillInterest)).all() == []
    officer = login_as(market.officer)
    answer = officer.post(f"/o/{market.facility.slug}/umkm/interests", {
        "period": month.strftime("%Y-%m"), **{f"rows-{i}-skill": skill.value for i, skill in enumerate(SkillArea)},
        **{f"rows-{i}-interested": "3" for i in range(len(SkillArea))},
        **{f"rows-{i}-trained": "1" for i in range(len(SkillArea))}})
    assert answer.status_code == 302
    with acting_for(market.facility):
        recounted = interests.mapping_of(market.facility, month)
    assert (recounted.interested, recounted.trained) == (3 * len(SkillArea), len(SkillArea))


def test_a_product_no_longer_made_leaves_the_catalogue_and_cannot_return(market):
    batik = market.shown(market.batik())
    with acting_for(market.facility):
        products.archive(batik, actor=market.officer)
        assert not batik.public
        with pytest.raises(DomainError):
            products.show_in_catalogue(batik, True, actor=market.officer)
        assert products.products_of(market.facility) == []
        assert products.products_of(market.facility, archived=True) == [batik]


def test_categories_and_kinds_have_words_in_both_languages(app):
    from flask_babel import force_locale

    from portal.core.vocabulary import label

    with app.test_request_context(), force_locale("id"):
        assert label(ProductCategory.PROCESSED_FOOD) == "Kuliner olahan"
        assert label(CertificateKind.PIRT).startswith("PIRT")


def test_a_products_photos_and_certificate_scan_are_files_reconcile_and_backups_know(market):
    """From the deployed tier: `storage-reconcile` called them objects without a row (and `--fix` would have deleted
    them), and a backup would not have copied them."""
    from datetime import timedelta as span

    from portal.ops import reconcile

    batik = market.batik()
    with acting_for(market.facility):
        photo = products.add_photo(batik, io.BytesIO(_photo_with_location()), filename="batik.jpg", caption="",
                                   actor=market.officer, no_wbp_recognisable=True)
        certificate = products.save_certificate(batik, CertificateFields(
            CertificateKind.PIRT, CertificateStatus.IN_PROGRESS, "Dinas Kesehatan"), actor=market.officer,
            document=io.BytesIO(b"%PDF-1.4\n%permohonan PIRT\n"), filename="permohonan.pdf")
        db.session.commit()
        keys = {photo.large_key, photo.small_key, certificate.document_key}
    with unscoped("test: the command looks at every tenant"):
        assert keys <= reconcile.referenced_objects().keys()
        report = reconcile.reconcile(prefix=f"f/{market.facility.id}/", grace=span(0))
    assert not set(report.orphan_objects) & keys and not report.missing_objects
