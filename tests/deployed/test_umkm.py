"""Story: what Rutan Bengkulu's inmates make reaches a buyer on the deployed portal (issue 38).

Its officer adds the batik besurek with a photo from a phone and shows it in the catalogue; a buyer without an
account finds it in the public catalogue (whichever worker answers) and asks about it; the officer answers and
records the sale the cooperative office helped; the cooperative office sees it on its dashboard and through the API,
and the database, as the portal's login role under Row-Level Security, keeps the buyer's contact from everyone but
the facility. It runs before the crawl, which then walks and replays every new page with these records in it.
"""
from __future__ import annotations

import io
import re
from datetime import date
from urllib.parse import urlsplit

from PIL import Image
from sqlalchemy import create_engine, text

from tests.deployed.people import flashes, org_path

OFFICER = "rafi.rizaldi@mitrapas.test"
COOPERATIVE = "admin@diskopukm.mitrapas.test"
BATIK = "Batik besurek motif rafflesia"


def _phone_photo() -> bytes:
    """A photo as a phone takes it: large, with its maker and a GPS position in its EXIF."""
    image = Image.new("RGB", (3000, 2000), (120, 60, 30))
    exif = Image.Exif()
    exif[0x010F] = "PonselMerk"
    exif[0x8825] = {1: "S", 2: (3.0, 47.0, 0.0), 3: "E", 4: (102.0, 15.0, 0.0)}
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif, quality=80)
    return output.getvalue()


def test_a_product_reaches_a_buyer_and_its_sale_reaches_the_cooperative_office(stack, visitor):
    officer = visitor()
    officer.login(OFFICER)
    umkm = f"{org_path(officer)}umkm/"
    answer = officer.post(f"{umkm}products/new", {
        "name": BATIK, "category": "handicraft", "description": "Batik tulis motif rafflesia, 2 x 1,15 m.",
        "price_min": "300.000", "price_max": "500.000", "unit": "lembar", "monthly_capacity": "20", "makers": "6"},
        token_from=f"{umkm}products/new")
    assert answer.status_code == 302, answer.text[:500]
    product_page = urlsplit(answer.headers["Location"]).path
    product_id = int(re.search(r"/products/(\d+)$", product_page)[1])
    added = officer.post(f"{product_page}/photos", {"caption": "Kain batik di meja kerja", "no_wbp_recognisable": "y"},
                         token_from=product_page, files={"photo": ("IMG_2025.jpg", _phone_photo(), "image/jpeg")})
    assert added.status_code == 302
    assert officer.post(f"{product_page}/catalogue/show", token_from=product_page).status_code == 302
    assert ("success", "Produk ditampilkan di katalog publik.") in flashes(officer.get(product_page).text)

    # The demo's products, inquiry and sales are here too (the stack's upgrade keeps 0040's rows): counted first.
    before = re.search(r'data-testid="waiting-inquiries">(\d+)<', officer.get(org_path(officer)).text)
    waiting = int(before[1]) if before else 0
    buyer = visitor()
    catalogue = buyer.get("/publik/katalog")
    assert BATIK in catalogue.text and "Rp 300.000 – Rp 500.000 / lembar" in re.sub(r"<[^>]+>", "", catalogue.text)
    product_address = re.search(r'href="(/publik/[^"]+/produk/[^"]+)">' + BATIK, catalogue.text)[1]
    photo = re.search(r'src="(/publik/[^"]+/produk-foto/\d+-kecil\.jpg)"', catalogue.text)[1]
    published = Image.open(io.BytesIO(buyer.get(photo).content))
    assert max(published.size) == 480 and not published.getexif(), "no EXIF, no GPS position on the public copy"
    form = f"{product_address}/tanya"
    sent = buyer.post(form, {"buyer_name": "Ibu Sari Wulandari", "phone": "0812 3456 7890", "quantity": "8",
                             "message": "Bisa kirim ke Curup?", "consent": "y"}, token_from=form)
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/terkirim")

    dashboard = officer.get(org_path(officer)).text
    assert f'data-testid="waiting-inquiries">{waiting + 1}<' in dashboard
    inquiry_id = stack.sql("SELECT id FROM inquiries WHERE buyer_name = 'Ibu Sari Wulandari'")[0][0]
    inquiry = f"{umkm}inquiries/{inquiry_id}"
    assert "0812 3456 7890" in officer.get(inquiry).text
    assert officer.post(f"{inquiry}/answer", token_from=inquiry).status_code == 302
    cooperative_id = stack.sql("SELECT id FROM organisations WHERE name = 'Dinas Koperasi dan UKM Provinsi Bengkulu'")[0][0]
    agreed = officer.post(f"{inquiry}/agree", {"sold_on": date.today().isoformat(), "quantity": "8",
                                               "amount": "3.200.000", "buyer_kind": "shop",
                                               "partner": str(cooperative_id)}, token_from=inquiry)
    assert agreed.status_code == 302
    assert stack.sql("SELECT amount::text, partner_id FROM sales WHERE inquiry_id = :id", id=inquiry_id) == [
        ("3200000.00", cooperative_id)]

    cooperative = visitor()
    cooperative.login(COOPERATIVE)
    board = cooperative.get(org_path(cooperative)).text
    assert 'data-testid="sales-figures"' in board
    sales = cooperative.get(f"{org_path(cooperative)}umkm/sales").text
    assert "Rp 3.200.000" in sales and "Ibu Sari" not in sales
    assert cooperative.get(f"{org_path(cooperative)}umkm/products/{product_id}").status_code == 200
    stranger = visitor()
    stranger.login("agus.salim@mitrapas.test")  # Rutan Balikpapan shares nothing with Bengkulu
    assert stranger.get(f"{org_path(stranger)}umkm/products/{product_id}").status_code == 404
    assert stranger.get(f"{org_path(stranger)}umkm/inquiries/{inquiry_id}").status_code == 404

    # What the portal's own login role reads, whoever it acts for: the buyer's contact is the facility's alone.
    engine = create_engine(stack.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            seen = {}
            for name in ("Rutan Kelas IIB Bengkulu", "Dinas Koperasi dan UKM Provinsi Bengkulu",
                         "Kanwil Ditjenpas Bengkulu", "SEKATA Balikpapan"):
                org_id = stack.sql("SELECT id FROM organisations WHERE name = :name", name=name)[0][0]
                with connection.begin():
                    connection.execute(text("SELECT set_config('mitrapas.org_id', :id, true)"), {"id": str(org_id)})
                    seen[name] = tuple(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                                       for table in ("inquiries", "sales", "products"))
    finally:
        engine.dispose()
    bengkulu = tuple(stack.sql(f"SELECT count(*) FROM {table} t JOIN organisations f ON f.id = t.facility_id "
                               f"WHERE f.name = 'Rutan Kelas IIB Bengkulu'")[0][0]
                     for table in ("inquiries", "sales", "products"))
    helped = stack.sql("SELECT count(*) FROM sales WHERE partner_id = :id", id=cooperative_id)[0][0]
    assert seen["Rutan Kelas IIB Bengkulu"] == bengkulu and bengkulu[0] >= 1
    assert seen["Dinas Koperasi dan UKM Provinsi Bengkulu"] == (0, helped, bengkulu[2]) and helped >= 1
    assert seen["SEKATA Balikpapan"] == (0, 0, 0)
