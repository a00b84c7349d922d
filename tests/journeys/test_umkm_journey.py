"""What Rutan Bengkulu's inmates make reaches a buyer (issue 38), each person from their home page.

A shop owner, without an account, finds the batik besurek in the public catalogue from the portal's landing page and
asks about ten pieces. The facility's officer sees the inquiry waiting on his dashboard, calls the buyer, records the
sale the cooperative office helped (Rp 3.500.000), and then the delivery and the payment. Dinas Koperasi dan UKM's
admin finds the sale among the products it helped sell, on its own dashboard.
"""
from __future__ import annotations

from playwright.sync_api import expect

OFFICER = "rafi.rizaldi@mitrapas.test"
COOPERATIVE = "admin@diskopukm.mitrapas.test"
PRODUCT = "Kain batik besurek tulis"

#: The landing page's catalogue link, the product, "Tanyakan produk ini", the consent, "Kirim pertanyaan".
ASKING = 5
#: The dashboard's line of inquiries waiting, the inquiry, "Saya sudah menghubungi pembeli", the sale's disclosure
#: (open already once answered), two choices (buyer, partner), "Catat penjualan", then delivered and paid.
SELLING = 8


def test_a_buyer_asks_the_facility_sells_and_the_cooperative_office_sees_the_sale(journey):
    trip = journey("umkm")

    buyer = trip.person("pembeli@contoh.id", "pembeli")
    page = buyer.page
    with buyer.budget("finding the batik and asking about it", ASKING):
        buyer.click(page.get_by_test_id("catalogue-link"))
        buyer.click(page.get_by_test_id("catalogue").get_by_role("link", name=PRODUCT))
        expect(page.get_by_test_id("price")).to_contain_text("Rp 275.000 – Rp 450.000 / lembar")
        buyer.click(page.get_by_role("link", name="Tanyakan produk ini"))
        buyer.fill(page.get_by_label("Nama Anda"), "Ibu Sari Wulandari")
        buyer.fill(page.get_by_label("Toko, usaha atau instansi (jika ada)"), "Toko Oleh-oleh Sari")
        buyer.fill(page.get_by_label("Nomor telepon atau WhatsApp"), "0812 3456 7890")
        buyer.fill(page.get_by_label("Jumlah yang Anda minati"), "10")
        buyer.fill(page.get_by_label("Pesan"), "Apakah bisa motif kaligrafi warna merah?")
        buyer.check(page.get_by_label("Saya setuju dihubungi UPT"))
        buyer.click(page.get_by_role("button", name="Kirim pertanyaan"))
    expect(page.get_by_test_id("inquiry-sent")).to_contain_text("Rutan Kelas IIB Bengkulu telah menerima")

    officer = trip.person(OFFICER, "petugas-rutan")
    officer.sign_in()
    page = officer.page
    with officer.budget("answering and recording the sale from the dashboard", SELLING):
        officer.click(page.get_by_test_id("waiting-inquiries"))
        officer.click(page.get_by_test_id("inquiries").get_by_role("link", name="Ibu Sari Wulandari"))
        expect(page.get_by_test_id("buyer")).to_contain_text("0812 3456 7890")
        officer.click(page.get_by_role("button", name="Saya sudah menghubungi pembeli"))
        expect(page.get_by_label("Jumlah")).to_have_value("10")  # as the buyer asked
        officer.fill(page.get_by_label("Nilai (Rp)"), "3.500.000")
        officer.select(page.get_by_label("Pembeli"), "Toko atau usaha")
        officer.select(page.get_by_label("Mitra yang membawa atau membantu penjualan"),
                       "Dinas Koperasi dan UKM Provinsi Bengkulu")
        officer.click(page.get_by_role("button", name="Catat penjualan"))
        expect(page.get_by_test_id("inquiry-state")).to_have_text("Penjualan disepakati")
        officer.click(page.get_by_role("button", name="Sudah dikirim ke pembeli"))
        officer.click(page.get_by_role("button", name="Pembayaran diterima"))
    expect(page.get_by_test_id("inquiry-state")).to_have_text("Dibayar")
    expect(page.get_by_test_id("inquiry-sale")).to_contain_text("Rp 3.500.000")
    with officer.budget("the product the buyer asked about", 1):  # its photo, certificates, partners and sales
        officer.click(page.get_by_role("link", name=PRODUCT))
    expect(page.get_by_test_id("sales")).to_contain_text("Rp 3.500.000")

    cooperative = trip.person(COOPERATIVE, "admin-diskop")
    cooperative.sign_in()
    figures = cooperative.page.get_by_test_id("sales-figures")
    expect(figures).to_contain_text("Rutan Kelas IIB Bengkulu")
    expect(figures.get_by_test_id("sales-by-facility")).to_contain_text("Rp 5.750.000")  # with the demo's sale
    with cooperative.budget("the sales it helped", 1):
        cooperative.click(figures.get_by_role("link", name="Semua penjualan"))
    expect(cooperative.page.get_by_test_id("sales")).to_contain_text("Rp 3.500.000")
