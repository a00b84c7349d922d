"""Other systems read products, sales and inquiries through the API with their own scopes, and hear of inquiries and
sales by webhook; the database says again who reads and writes what (Row-Level Security, PostgreSQL)."""
from datetime import date, timedelta
from decimal import Decimal
import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal.core.tenancy import acting_for, reading_public, unscoped
from portal.extensions import db
from portal.integrations import api_tokens
from portal.integrations.webhook_models import WebhookDelivery
from portal.umkm import interests, sales
from portal.umkm.fields import SaleFields
from portal.umkm.interests import Count
from portal.umkm.models import BuyerKind, Inquiry, Product, Sale, SkillArea, SkillInterest
from tests.factories import WebhookEndpointFactory
from tests.umkm.test_catalogue_and_sales import BUYER


def _token(organisation, person, scopes) -> str:
    with acting_for(organisation):
        issued = api_tokens.create(organisation, "Sistem", scopes, date.today() + timedelta(days=30), actor=person)
        db.session.commit()
    return issued.secret


def _call(client, path, secret):
    return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {secret}"})


def _sale(**changes) -> SaleFields:
    values = dict(sold_on=date.today(), quantity=3, amount=Decimal("750000"), buyer_kind=BuyerKind.GOVERNMENT,
                  partner_id=None)
    values.update(changes)
    return SaleFields(**values)


def test_products_sales_and_inquiries_through_the_api_each_with_its_scope(market, client):
    batik = market.shown(market.batik())
    batik_id = batik.id
    with acting_for(market.facility):
        sales.record_sale(market.facility, batik, _sale(partner_id=market.cooperative_office.id), actor=market.officer)
        sales.record_sale(market.facility, batik, _sale(), actor=market.officer)
        db.session.commit()
    facility = _token(market.facility, market.head, ["products:read", "sales:read", "inquiries:read"])
    products_page = _call(client, "/products", facility).json
    [product] = products_page["items"]
    assert (product["name"], product["price_min"], product["in_catalogue"]) == (
        "Kain batik besurek tulis", "250000.00", True)
    assert [s["amount"] for s in _call(client, "/sales", facility).json["items"]] == ["750000.00", "750000.00"]
    assert _call(client, "/inquiries", facility).json["items"] == []
    cooperative = _token(market.cooperative_office, market.cooperative_admin, ["products:read", "sales:read",
                                                                              "inquiries:read"])
    assert [p["id"] for p in _call(client, "/products", cooperative).json["items"]] == [batik_id]
    helped = _call(client, "/sales", cooperative).json["items"]
    assert [(s["partner"]["name"], s["amount"]) for s in helped] == [(market.cooperative_office.name, "750000.00")]
    assert _call(client, "/inquiries", cooperative).status_code == 404  # a buyer's contact is the facility's
    shop = _token(market.shop, market.shop_admin, ["products:read", "sales:read"])
    assert _call(client, "/products", shop).json["items"] == []
    assert _call(client, f"/products/{batik_id}", shop).status_code == 404
    without_scope = _token(market.facility, market.head, ["agreements:read"])
    assert _call(client, "/products", without_scope).status_code == 403


def test_an_inquiry_and_a_sale_are_announced_to_the_endpoints_that_asked(market, web):
    batik = market.shown(market.batik())
    address = f"/publik/{market.facility.slug}/produk/{batik.slug}/tanya"
    facility_hook = WebhookEndpointFactory(organisation=market.facility, events=["inquiry.received", "sale.recorded"])
    kanwil_hook = WebhookEndpointFactory(organisation=market.kanwil, events=["inquiry.received", "sale.recorded"])
    cooperative_hook = WebhookEndpointFactory(organisation=market.cooperative_office, events=["sale.recorded"])
    facility_hook, kanwil_hook, cooperative_hook = facility_hook.id, kanwil_hook.id, cooperative_hook.id
    db.session.commit()
    assert web.post(address, BUYER).status_code == 302
    with unscoped("test: the inquiry"):
        inquiry_id = db.session.scalars(select(Inquiry.id)).one()
    with acting_for(market.facility):
        sales.agree(sales.inquiry_of(market.facility, inquiry_id), _sale(partner_id=market.cooperative_office.id),
                    actor=market.officer)
        db.session.commit()
    with unscoped("test: what was queued"):
        queued = {(d.endpoint_id, d.event_type): json.loads(d.body) for d in db.session.scalars(select(WebhookDelivery))}
    assert set(queued) == {(facility_hook, "inquiry.received"), (facility_hook, "sale.recorded"),
                           (kanwil_hook, "sale.recorded"), (cooperative_hook, "sale.recorded")}
    received = queued[facility_hook, "inquiry.received"]["data"]
    assert received["object"] == "inquiry" and received["url"].endswith(f"/api/v1/inquiries/{inquiry_id}")
    bodies = json.dumps(list(queued.values()), ensure_ascii=False)
    assert "Sari" not in bodies and "0812" not in bodies


@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("Row-Level Security is PostgreSQL's")


def test_the_database_keeps_buyers_sales_and_counts_from_who_may_not_read_them(market, postgres, web):
    batik = market.shown(market.batik())
    batik_id, batik_name, address = batik.id, batik.name, f"/publik/{market.facility.slug}/produk/{batik.slug}/tanya"
    hidden_id = market.batik(name="Produk belum tampil").id
    assert web.post(address, BUYER).status_code == 302
    with acting_for(market.facility):
        batik = db.session.get(Product, batik_id)
        sales.record_sale(market.facility, batik, _sale(partner_id=market.blk.id), actor=market.officer)
        sales.record_sale(market.facility, batik, _sale(), actor=market.officer)
        interests.count(market.facility, date.today(), {SkillArea.SEWING: Count(5, 1)}, actor=market.officer)
        db.session.commit()

    def seen(table):
        return db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()

    with reading_public():
        assert [seen(t) for t in ("products", "inquiries", "sales", "skill_interests")] == [1, 0, 0, 0]
        assert db.session.execute(text("SELECT name FROM products")).scalars().all() == [batik_name]
    with acting_for(market.blk):
        assert [seen(t) for t in ("products", "inquiries", "sales", "skill_interests")] == [2, 0, 1, 1]
    with acting_for(market.shop):
        assert [seen(t) for t in ("products", "inquiries", "sales", "skill_interests")] == [0, 0, 0, 0]
    with acting_for(market.kanwil):
        assert [seen(t) for t in ("products", "sales", "skill_interests")] == [2, 2, 1]
    for writer in (market.blk, market.kanwil):
        with acting_for(writer):
            for statement in (f"UPDATE products SET name = 'x' WHERE id = {hidden_id}",
                              f"INSERT INTO sales (facility_id, partner_id, product_id, product_name, category, "
                              f"sold_on, quantity, amount, buyer_kind, cancelled, created_at) VALUES "
                              f"({market.facility.id}, {market.blk.id}, {batik_id}, 'x', 'handicraft', now(), 1, 1, "
                              f"'person', false, now())"):
                with pytest.raises(DBAPIError):
                    with db.session.begin_nested():
                        result = db.session.execute(text(statement))
                        if result.rowcount == 0:
                            raise DBAPIError("nothing changed", None, Exception("no row"))
    with unscoped("test: unchanged"):
        assert db.session.get(Product, hidden_id).name == "Produk belum tampil"
        assert len(db.session.scalars(select(Sale)).all()) == 2
        assert db.session.scalars(select(SkillInterest)).one().interested == 5


def test_the_public_reads_only_what_the_catalogue_shows_whatever_the_database(market, web):
    """The ORM's own rule for anonymous visitors says what migration 0040's `public_read` policies say (on SQLite
    it is the only wall): a product shown and still made, its photos and issued certificates; never a hidden product,
    a certificate being applied for, a buyer's inquiry, a sale or the interest counts."""
    from portal.umkm import products
    from portal.umkm.models import CertificateKind, CertificateStatus, ProductCertificate, ProductPhoto
    from portal.umkm.products import CertificateFields

    batik = market.shown(market.batik())
    batik_id, address = batik.id, f"/publik/{market.facility.slug}/produk/{batik.slug}/tanya"
    hidden_id = market.batik(name="Produk belum tampil").id
    assert web.post(address, BUYER).status_code == 302
    with acting_for(market.facility):
        batik = db.session.get(Product, batik_id)
        products.save_certificate(batik, CertificateFields(CertificateKind.PIRT, CertificateStatus.IN_PROGRESS,
                                                           "Dinas Kesehatan"), actor=market.officer)
        products.save_certificate(batik, CertificateFields(CertificateKind.HALAL, CertificateStatus.ISSUED, "BPJPH",
                                                           "ID123"), actor=market.officer)
        sales.record_sale(market.facility, batik, _sale(), actor=market.officer)
        interests.count(market.facility, date.today(), {SkillArea.SEWING: Count(5, 1)}, actor=market.officer)
        db.session.commit()
    with reading_public():
        assert db.session.scalars(select(Product.id)).all() == [batik_id]
        assert db.session.get(Product, hidden_id) is None
        assert [c.kind for c in db.session.scalars(select(ProductCertificate))] == [CertificateKind.HALAL]
        assert db.session.scalars(select(ProductPhoto)).all() == []
        for model in (Inquiry, Sale, SkillInterest):
            assert db.session.scalars(select(model)).all() == [], model
