"""A buyer finds a product in the public catalogue and asks about it without an account; the facility answers,
agrees a sale, delivers and is paid, each move audited; the figures count what was sold, in exact Rupiah."""
from datetime import date, timedelta
from decimal import Decimal
import csv
import io
import re

import pytest
from sqlalchemy import select

from portal.core.errors import DomainError, NotAllowed
from portal.core.tenancy import acting_for, unscoped
from portal.extensions import db
from portal.notifications.models import Notification
from portal.umkm import catalogue, sales
from portal.umkm.fields import SaleFields
from portal.umkm.models import BuyerKind, Inquiry, InquiryState, ProductCategory, Sale
from tests.factories import trail

BUYER = {"buyer_name": "Ibu Sari", "buyer_organisation": "Toko Oleh-oleh Sari", "phone": "0812 3456 7890",
         "quantity": "10", "message": "Apakah bisa pesan motif kaligrafi?", "consent": "y"}


def _inquiry_address(market, product) -> str:
    return f"/publik/{market.facility.slug}/produk/{product.slug}/tanya"


def _sent_inquiry(market, product, web, **changes) -> Inquiry:
    answer = web.post(_inquiry_address(market, product), {**BUYER, **changes})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/terkirim")
    with unscoped("test: what arrived"):
        return db.session.scalars(select(Inquiry).order_by(Inquiry.id.desc())).first()


def test_the_catalogue_shows_products_a_publishing_facility_chose_to_show(market, web):
    batik = market.shown(market.batik())
    slug = batik.slug
    market.batik(name="Keripik pisang", category=ProductCategory.PROCESSED_FOOD)  # not shown
    index = web.get("/publik/katalog").get_data(as_text=True)
    assert "Kain batik besurek tulis" in index and "Keripik pisang" not in index
    assert "Rp 250.000 – Rp 450.000 / lembar" in re.sub(r"<[^>]+>", "", index)
    assert "Kain batik" in web.get("/publik/katalog?provinsi=Bengkulu&kategori=handicraft").get_data(as_text=True)
    assert "Kain batik" not in web.get("/publik/katalog?provinsi=Kalimantan+Timur").get_data(as_text=True)
    assert "Kain batik" not in web.get("/publik/katalog?kategori=processed_food").get_data(as_text=True)
    assert "Kain batik" in web.get("/publik/katalog/cari?cari=besurek").get_data(as_text=True)
    assert "Kain batik" not in web.get("/publik/katalog/cari?cari=keripik").get_data(as_text=True)
    # Only what is validated is kept: a search by words is drawn each time, a made-up choice is no page at all.
    assert web.get("/publik/katalog?provinsi=Atlantis").status_code == 404
    assert web.get("/publik/katalog?kategori=senjata").status_code == 404
    page = web.get(f"/publik/{market.facility.slug}/produk/{slug}").get_data(as_text=True)
    assert "Tanyakan produk ini" in page
    assert "Kain batik" in web.get(f"/publik/{market.facility.slug}").get_data(as_text=True)
    with unscoped("test: the head turns the page off"):
        market.facility.public_page = False
        db.session.commit()
    assert web.get(f"/publik/{market.facility.slug}/produk/{slug}").status_code == 404
    assert catalogue.search().products == []


def test_a_buyer_asks_without_an_account_and_the_facility_hears(market, web):
    batik = market.shown(market.batik())
    asked = web.get(_inquiry_address(market, batik))
    form = asked.get_data(as_text=True)
    assert "Nama Anda" in form and "csrf_token" in form
    assert asked.headers["Cache-Control"] == "no-store", "a form's token is never kept by a browser or proxy"
    inquiry = _sent_inquiry(market, batik, web)
    thanked = web.get(f"/publik/{market.facility.slug}/produk/{batik.slug}/terkirim").get_data(as_text=True)
    assert "telah menerima pertanyaan Anda" in thanked
    with unscoped("test: who was told"):
        assert (inquiry.state, inquiry.quantity, inquiry.facility_id) == (InquiryState.NEW, 10, market.facility.id)
        told = db.session.scalars(select(Notification).where(Notification.kind == "inquiry.received")).all()
        assert {notice.user_id for notice in told} == {market.head.id, market.officer.id, market.section_head.id}
        assert all("Sari" not in str(notice.params) and "kaligrafi" not in str(notice.params) for notice in told)
    [received] = trail(action="inquiry.received")
    assert received.actor_id is None and received.organisation_id == market.facility.id


def test_an_inquiry_without_a_way_to_answer_or_consent_is_refused_in_indonesian_and_nothing_is_kept(market, web):
    batik = market.shown(market.batik())
    page = web.post(_inquiry_address(market, batik), {**BUYER, "phone": "", "email": "", "consent": ""})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Beri nomor telepon atau alamat e-mail" in text and "setuju dihubungi" in text
    assert "Ibu Sari" in text  # what the buyer typed is still there
    for address in ("sari@", "sari@toko.id?bcc=x%40evil.example&body=Halo"):
        bad_email = web.post(_inquiry_address(market, batik), {**BUYER, "phone": "", "email": address})
        assert "belum lengkap" in bad_email.get_data(as_text=True), address
    with unscoped("test: nothing arrived"):
        assert db.session.scalars(select(Inquiry)).all() == []


def test_a_bot_that_fills_the_hidden_field_is_thanked_and_nothing_is_kept(market, web):
    batik = market.shown(market.batik())
    answer = web.post(_inquiry_address(market, batik), {**BUYER, "website": "http://spam.example"})
    assert answer.status_code == 302
    with unscoped("test: nothing arrived"):
        assert db.session.scalars(select(Inquiry)).all() == []


def test_one_network_and_a_flood_from_many_are_each_held_back(market, web, app, monkeypatch):
    """Ten inquiries an hour from one visitor, counted by the /64 an IPv6 subscriber holds; and at most
    PUBLIC_INQUIRY_FACILITY_LIMIT a day to one facility from everyone together."""
    batik = market.shown(market.batik())
    address = _inquiry_address(market, batik)

    def ask(remote: str) -> int:
        return web.post(address, BUYER, environ_base={"REMOTE_ADDR": remote}).status_code

    monkeypatch.setitem(app.config, "PUBLIC_INQUIRY_FACILITY_LIMIT", "12 per day")
    assert [ask(f"2001:db8:1:2::{n}") for n in range(1, 12)] == [302] * 10 + [429]
    assert ask("2001:db8:1:3::1") == 302  # another subscriber
    assert [ask(f"10.0.0.{n}") for n in range(1, 4)] == [302, 429, 429]  # the facility's twelfth, then no more
    with unscoped("test: what arrived"):
        assert len(db.session.scalars(select(Inquiry)).all()) == 12


def test_an_inquiry_about_a_product_not_in_the_catalogue_is_not_found(market, web):
    hidden = market.batik()
    assert web.get(_inquiry_address(market, hidden)).status_code == 404
    assert web.post(_inquiry_address(market, hidden), BUYER).status_code == 404


def _sale(**changes) -> SaleFields:
    values = dict(sold_on=date.today(), quantity=10, amount=Decimal("1250000"), buyer_kind=BuyerKind.SHOP,
                  partner_id=None)
    values.update(changes)
    return SaleFields(**values)


def test_an_inquiry_becomes_a_paid_sale_each_move_audited(market, web, login_as):
    batik = market.shown(market.batik())
    inquiry = _sent_inquiry(market, batik, web)
    officer = login_as(market.officer)
    base = f"/o/{market.facility.slug}/umkm/inquiries/{inquiry.id}"
    page = officer.get(base).get_data(as_text=True)
    assert "Ibu Sari" in page and "0812 3456 7890" in page
    assert officer.post(f"{base}/answer").status_code == 302
    officer.post(f"{base}/agree", {"sold_on": date.today().isoformat(), "quantity": "10", "amount": "1.250.000",
                                   "buyer_kind": "shop", "partner": str(market.cooperative_office.id)})
    for move in ("deliver", "pay"):  # each with its own form on the page (prefixed)
        officer.post(f"{base}/{move}", {f"{move}-on": date.today().isoformat(),
                                        f"{move}-csrf_token": officer.csrf_token()})
    shown = officer.get(base).get_data(as_text=True)
    assert "Rp 1.250.000" in shown and "Dibayar" in shown
    with unscoped("test: the sale as stored"):
        sale = db.session.scalar(select(Sale).where(Sale.inquiry_id == inquiry.id))
        assert (sale.amount, sale.quantity, sale.partner_id) == (Decimal("1250000"), 10, market.cooperative_office.id)
        assert sale.product_name == "Kain batik besurek tulis" and sale.paid_on == date.today()
    assert [entry.action for entry in trail(object_type="inquiry")] == [
        "inquiry.received", "inquiry.answered", "inquiry.agreed", "inquiry.delivered", "inquiry.paid"]
    assert [entry.action for entry in trail(object_type="sale")] == ["sale.recorded"]


def test_a_move_from_the_wrong_state_or_by_the_wrong_person_is_refused(market, web):
    batik = market.shown(market.batik())
    inquiry = _sent_inquiry(market, batik, web)
    with acting_for(market.facility):
        inquiry = sales.inquiry_of(market.facility, inquiry.id)
        with pytest.raises(DomainError, match="sudah berubah"):
            sales.pay(inquiry, actor=market.officer)
        with pytest.raises(NotAllowed):
            sales.answer(inquiry, actor=market.viewer)
        with pytest.raises(DomainError, match="bekerja sama dengan UPT"):
            sales.agree(inquiry, _sale(partner_id=market.shop.id), actor=market.officer)
        with pytest.raises(DomainError, match="tidak sebelumnya"):
            sales.agree(inquiry, _sale(sold_on=date.today() + timedelta(days=1)), actor=market.officer)
        db.session.rollback()


def test_closing_an_agreed_inquiry_cancels_its_sale_which_counts_no_more(market, web, login_as):
    batik = market.shown(market.batik())
    inquiry = _sent_inquiry(market, batik, web)
    with acting_for(market.facility):
        inquiry = sales.inquiry_of(market.facility, inquiry.id)
        sales.agree(inquiry, _sale(), actor=market.officer)
        sales.close(inquiry, reason="Pembeli membatalkan", actor=market.officer)
        db.session.commit()
        assert inquiry.sale.cancelled and inquiry.state == InquiryState.CLOSED
    assert [entry.action for entry in trail(object_type="sale")] == ["sale.recorded", "sale.cancelled"]
    web = login_as(market.officer)
    board = web.get(f"/o/{market.facility.slug}/").get_data(as_text=True)
    assert "Belum ada produk yang terjual" in board, board[board.find("<main"):][:3000]


def _token(organisation, person, scopes) -> str:
    from portal.integrations import api_tokens

    with acting_for(organisation):
        issued = api_tokens.create(organisation, "Sistem", scopes, date.today() + timedelta(days=30), actor=person)
        db.session.commit()
    return issued.secret


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_sales_figures_reach_the_dashboards_exports_api_and_monthly_report(market, login_as):
    batik = market.batik()
    crisps = market.batik(name="Keripik pisang", category=ProductCategory.PROCESSED_FOOD, price_min=None,
                          price_max=None)
    with acting_for(market.facility):
        sales.record_sale(market.facility, batik, _sale(partner_id=market.cooperative_office.id), actor=market.officer)
        sales.record_sale(market.facility, crisps, _sale(quantity=40, amount=Decimal("600000.50")),
                          actor=market.officer)
        db.session.commit()
    officer = login_as(market.officer)
    board = officer.get(f"/o/{market.facility.slug}/").get_data(as_text=True)
    assert "Rp 1.850.000,5" in board and "Dinas Koperasi dan UKM Provinsi Bengkulu" in board
    rows = _csv(officer.get(f"/o/{market.facility.slug}/export/sales-by-category.csv"))
    assert rows[1:] == [["Kerajinan tangan", "1", "1250000.00", "1250000.00"],
                        ["Kuliner olahan", "1", "600000.50", "0.00"], ["Jumlah", "2", "1850000.50", "1250000.00"]], rows
    assert officer.get(f"/o/{market.facility.slug}/export/sales-by-month.xlsx").status_code == 200
    report = officer.get(f"/o/{market.facility.slug}/report.pdf")
    assert report.status_code == 200 and report.mimetype == "application/pdf"
    officer.logout()
    cooperative = login_as(market.cooperative_admin)
    helped = cooperative.get(f"/o/{market.cooperative_office.slug}/").get_data(as_text=True)
    assert "Rp 1.250.000" in helped and "600.000" not in helped  # only the sale it helped
    cooperative.logout()
    token = _token(market.kanwil, market.analyst, ["figures:read"])
    figures = officer.client.get("/api/v1/figures", headers={"Authorization": f"Bearer {token}"}).json
    tables = {table["name"]: table for table in figures["tables"]}
    assert tables["sales-by-facility"]["rows"][0] == ["Rutan Kelas IIB Bengkulu", 2, "1850000.50", "1250000.00"]
    assert {column["kind"] for column in tables["sales-by-category"]["columns"]} >= {"rupiah"}


def test_the_sales_pages_ask_the_same_number_of_questions_however_many_sales(market, login_as):
    from tests.core.test_query_counts import queries_for

    batik = market.batik()
    batik_id = batik.id
    with acting_for(market.facility):  # one of each kind first: the recent activity names each kind once
        sales.record_sale(market.facility, batik, _sale(partner_id=market.blk.id), actor=market.officer)
        db.session.commit()
    web = login_as(market.officer)
    addresses = [f"/o/{market.facility.slug}/", f"/o/{market.facility.slug}/umkm/sales",
                 f"/o/{market.facility.slug}/umkm/products/{batik_id}"]
    for address in addresses:
        web.get(address)
    few = [min(queries_for(web, address), queries_for(web, address)) for address in addresses]
    with acting_for(market.facility):
        for day in range(30):
            sales.record_sale(market.facility, batik, _sale(sold_on=date.today() - timedelta(days=day),
                                                            partner_id=market.blk.id if day % 2 else None),
                              actor=market.officer)
        db.session.commit()
    # The least of two readings: a reading may also note the session's "last seen" (time passed), not the data.
    assert [min(queries_for(web, address), queries_for(web, address)) for address in addresses] == few


def test_a_buyers_contact_is_forgotten_a_year_after_the_inquiry_last_moved_and_the_sale_stays(market, web):
    from datetime import datetime, timezone

    from portal.privacy import retention

    batik = market.shown(market.batik())
    inquiry = _sent_inquiry(market, batik, web)
    waiting = _sent_inquiry(market, batik, web, buyer_name="Pak Budi")
    with acting_for(market.facility):
        paid = sales.inquiry_of(market.facility, inquiry.id)
        sales.agree(paid, _sale(), actor=market.officer)
        sales.pay(paid, actor=market.officer)
        db.session.commit()
    [rule] = [rule for rule in retention.RULES if rule.kind == "buyer_contacts"]
    with unscoped("test: the one left unanswered was sent a year ago"):
        db.session.get(Inquiry, waiting.id).updated_at = datetime.now(timezone.utc) - timedelta(days=400)
        db.session.commit()
    a_year_on = datetime.now(timezone.utc) + timedelta(days=366)
    with unscoped("test: the retention run"):
        assert rule.apply(dry_run=True) == 1  # unanswered for a year: nobody is answering it
        assert rule.apply(a_year_on, dry_run=True) == 2
        assert rule.apply(a_year_on) == 2
        db.session.commit()
        forgotten, abandoned = db.session.get(Inquiry, inquiry.id), db.session.get(Inquiry, waiting.id)
        assert (forgotten.buyer_name, forgotten.phone, forgotten.message) == ("—", "", "")
        assert forgotten.sale.amount == Decimal("1250000") and abandoned.buyer_name == "—"
        assert rule.apply(a_year_on, dry_run=True) == 0


def test_a_refused_sale_form_comes_back_as_typed_with_its_error_beside_the_field(market, web, login_as):
    """From the walk: the amount typed was lost, and the only error was a banner at the top."""
    batik = market.shown(market.batik())
    inquiry = _sent_inquiry(market, batik, web)
    officer = login_as(market.officer)
    page = officer.post(f"/o/{market.facility.slug}/umkm/inquiries/{inquiry.id}/agree", {
        "sold_on": date.today().isoformat(), "quantity": "10", "amount": "4.500.000", "buyer_kind": ""})
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'value="4.500.000"' in text and 'id="buyer_kind-error"' in text
    with unscoped("test: nothing recorded"):
        assert db.session.scalars(select(Sale)).all() == []
