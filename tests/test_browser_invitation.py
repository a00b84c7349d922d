"""A head invites a partner's first admin; the invitation is read from the SMTP server and followed."""
import re

import pytest

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
    assert page.get_by_text("Undangan telah dikirim ke direktur@lbh-bartim.or.id.").is_visible()
    assert page.get_by_test_id("invitations").get_by_text("direktur@lbh-bartim.or.id").is_visible()

    # The portal's outbox sender delivers it over SMTP (among the demo data's own notices).
    mail = local_mail.wait_for_mail_to("direktur@lbh-bartim.or.id", timeout=20)
    assert mail is not None and mail["To"] == "direktur@lbh-bartim.or.id"
    link = re.search(r"https?://\S+/invitation/\S+", mail.get_body(("plain",)).get_content()).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    invitee = browser.new_context(locale="id-ID").new_page()
    invitee.goto(f"{live_portal}/{path}")
    invitee.get_by_label("Nama lengkap").fill("Dewi Lestari")
    invitee.get_by_label("Kata sandi (wajib)", exact=True).fill("keadilan untuk semua warga")  # "required" in words
    invitee.get_by_label("Ulangi kata sandi").fill("keadilan untuk semua warga")
    invitee.get_by_role("button", name="Terima undangan").click()
    invitee.wait_for_url(re.compile(r".*/o/lembaga-bantuan-hukum-barito-timur/$"))
    assert invitee.get_by_test_id("org-name").inner_text() == "Lembaga Bantuan Hukum Barito Timur"
    assert invitee.get_by_role("link", name="Rutan Kelas IIB Tamiang Layang").first.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    invitee.screenshot(path=str(ARTIFACTS / "invitation-partner-dashboard.png"), full_page=True)
    invitee.context.close()
