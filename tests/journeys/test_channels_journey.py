"""A head who reads WhatsApp within minutes and e-mail within days (issue 39), from his home page.

Rutan Bengkulu's head opens the bell, follows it to his notification settings, gives his WhatsApp number, types the
code WhatsApp brought him, and chooses WhatsApp for agreements; his quiet hours (21.00 to 06.00 WIB) are on as they
came. At a laptop's width and at a phone's.
"""
from __future__ import annotations

from playwright.sync_api import expect

HEAD = "yulian.fernando@mitrapas.test"
PHONE = "+6281377778888"
#: The bell, its settings link, "Kirim kode", "Verifikasi", WhatsApp for agreements, "Simpan".
SETTING_UP = 6


def test_a_head_chooses_whatsapp_for_agreements_with_a_code_from_his_phone(journey, phone_providers):
    trip = journey("channels")
    head = trip.person(HEAD, "kepala-rutan")
    head.sign_in()
    page = head.page
    with head.budget("choosing WhatsApp for agreements, number verified", SETTING_UP + head.menu_tap):
        if head.menu_tap:
            head.click(page.get_by_role("button", name="Menu", exact=True))
            page.locator("#mainnav.show").wait_for()
        head.click(page.get_by_test_id("bell"))
        head.click(page.get_by_test_id("notice-settings-link"))
        whatsapp = page.get_by_test_id("channel-whatsapp")
        head.fill(whatsapp.get_by_label("Nomor ponsel"), "0813-7777-8888")
        head.click(whatsapp.get_by_role("button", name="Kirim kode"))
        code = phone_providers.code_sent_to(PHONE)
        head.fill(whatsapp.get_by_label("Kode 6 angka yang Anda terima"), code)
        head.click(whatsapp.get_by_role("button", name="Verifikasi"))
        expect(whatsapp.get_by_test_id("channel-state")).to_contain_text("Terverifikasi: +62 813-7777-8888")
        head.select(page.get_by_label("Perjanjian: pengajuan, perubahan, keputusan, tanda tangan"), "WhatsApp")
        head.click(page.get_by_role("button", name="Simpan", exact=True))
    expect(page.get_by_role("alert").first).to_contain_text("Pengaturan pemberitahuan Anda telah disimpan")
    expect(page.get_by_label("Perjanjian: pengajuan, perubahan, keputusan, tanda tangan")).to_have_value("whatsapp")
    expect(page.get_by_label("Jam tenang: tahan pemberitahuan WhatsApp dan SMS sampai pagi")).to_be_checked()
    head.shot("pengaturan-tersimpan")
