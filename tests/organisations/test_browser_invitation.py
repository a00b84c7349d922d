"""A head invites a partner's first admin; the invitation is read from the SMTP server and followed."""
import re
import time

from playwright.sync_api import expect
import pytest

from mitrapas_dev import demo
from tests.conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.browser


def test_a_head_invites_a_new_partner_admin_who_sets_a_password_and_lands_in_the_dashboard(
        live_portal, local_mail, page, browser):
    local_mail.clear()
    log_in(page, live_portal, "agung.novarianto@mitrapas.test")
    page.wait_for_url(f"{live_portal}/o/rutan-kelas-iib-tamiang-layang/")
    page.goto(f"{live_portal}/o/rutan-kelas-iib-tamiang-layang/partners/")
    page.get_by_role("link", name="Undang mitra").click()
    page.get_by_label("Organisasi mitra", exact=True).select_option("0")
    page.get_by_label("Nama organisasi mitra baru").fill("Lembaga Bantuan Hukum Barito Timur")
    page.get_by_label("Jenis mitra").select_option("ngo")
    page.get_by_label("E-mail administrator pertamanya").fill("direktur@lbh-bartim.or.id")
    page.get_by_role("button", name="Kirim undangan").click()
    expect(page.get_by_text("Undangan telah dikirim ke direktur@lbh-bartim.or.id.")).to_be_visible()
    expect(page.get_by_test_id("invitations").get_by_text("direktur@lbh-bartim.or.id")).to_be_visible()

    # The portal's outbox sender delivers it over SMTP (among the demo data's own notices).
    path = link_mailed_to(local_mail, "direktur@lbh-bartim.or.id")

    invitee = browser.new_context(locale="id-ID").new_page()
    invitee.goto(f"{live_portal}/{path}")
    invitee.get_by_label("Nama lengkap").fill("Dewi Lestari")
    invitee.get_by_label("Kata sandi (wajib)", exact=True).fill("keadilan untuk semua warga")  # "required" in words
    invitee.get_by_label("Ulangi kata sandi").fill("keadilan untuk semua warga")
    invitee.get_by_role("button", name="Terima undangan").click()
    invitee.wait_for_url(re.compile(r".*/o/lembaga-bantuan-hukum-barito-timur/$"))
    expect(invitee.get_by_test_id("org-name")).to_have_text("Lembaga Bantuan Hukum Barito Timur")
    expect(invitee.get_by_role("link", name="Rutan Kelas IIB Tamiang Layang").first).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    invitee.screenshot(path=str(ARTIFACTS / "invitation-partner-dashboard.png"), full_page=True)
    invitee.context.close()


def test_a_partner_admin_invites_someone_who_has_an_account_who_logs_in_first_and_then_accepts(
        live_portal, local_mail, browser):
    """The admin learns nothing of the person (not whether the address has an account, nor their name) and the
    person joins only after logging in as themselves, on a phone."""
    local_mail.clear()
    admin = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 800}).new_page()
    log_in(admin, live_portal, "admin@blk.mitrapas.test")
    admin.wait_for_url(re.compile(r".*/o/[^/]+/$"))
    admin.get_by_role("button", name="Lainnya").click()  # the menu's less used pages
    admin.get_by_role("link", name="Anggota", exact=True).click()
    admin.get_by_role("link", name="Undang seseorang").click()
    admin.get_by_label("E-mail").fill("magang.psikologi@mitrapas.test")
    admin.get_by_label("Peran").select_option(label="Anggota mitra")  # no role is chosen for them
    admin.get_by_role("button", name="Kirim undangan").click()
    expect(admin.get_by_text("Undangan telah dikirim ke magang.psikologi@mitrapas.test.")).to_be_visible()
    expect(admin.get_by_test_id("invitations").get_by_text("magang.psikologi@mitrapas.test")).to_be_visible()
    assert "Peserta Magang Psikologi" not in admin.content(), "the person's name is not shown before they accept"
    ARTIFACTS.mkdir(exist_ok=True)
    admin.screenshot(path=str(ARTIFACTS / "invitation-existing-1-sent-1280.png"), full_page=True)
    admin.context.close()

    path = link_mailed_to(local_mail, "magang.psikologi@mitrapas.test")
    phone = browser.new_context(locale="id-ID", viewport={"width": 360, "height": 740}).new_page()
    phone.goto(f"{live_portal}/{path}")
    phone.wait_for_url(re.compile(r".*/login\?next=.*"))
    expect(phone.get_by_text("Masuk sebagai magang.psikologi@mitrapas.test untuk menerima undangan ini.")).to_be_visible()
    phone.screenshot(path=str(ARTIFACTS / "invitation-existing-2-log-in-first-360.png"), full_page=True)
    phone.get_by_label("E-mail").fill("magang.psikologi@mitrapas.test")
    phone.get_by_label("Kata sandi").fill(demo.DEMO_PASSWORD)
    phone.get_by_role("button", name="Masuk").click()
    phone.wait_for_url(re.compile(r".*/invitation/.*"))
    phone.screenshot(path=str(ARTIFACTS / "invitation-existing-3-confirm-360.png"), full_page=True)
    phone.get_by_role("button", name="Terima undangan").click()
    phone.wait_for_url(re.compile(r".*/o/balai-latihan-kerja[^/]*/$"))
    assert "Balai Latihan Kerja" in phone.get_by_test_id("org-name").inner_text()
    phone.context.close()


def link_mailed_to(local_mail, address: str, timeout: float = 30) -> str:
    """The path of the invitation link mailed to `address`, read from the SMTP server (the demo's own notices
    may reach that person first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in list(local_mail.messages):
            found = message["To"] == address and re.search(r"https?://[^/\s]+/(invitation/\S+)",
                                                             message.get_body(("plain",)).get_content())
            if found:
                return found.group(1)
        local_mail.wait_for(len(local_mail.messages) + 1, timeout=2)
    raise AssertionError(f"no invitation reached {address}")
