"""Journeys a person really takes, in headless Debian Chromium driven by Playwright."""
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.browser

def test_the_head_of_rutan_tamiang_layang_sees_the_facility_dashboard(live_portal, page):
    log_in(page, live_portal, "agung.novarianto@mitrapas.test")
    page.wait_for_url(f"{live_portal}/o/rutan-kelas-iib-tamiang-layang/")
    assert page.get_by_test_id("org-name").inner_text() == "Rutan Kelas IIB Tamiang Layang"
    assert page.get_by_test_id("partner-count").inner_text() == "2"
    assert page.get_by_role("link", name="RSUD Tamiang Layang").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-tamiang-layang.png"), full_page=True)


def test_a_wrong_password_then_logging_out_on_a_phone(live_portal, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_portal}/login")
    page.get_by_label("E-mail").fill("vinny.safari@mitrapas.test")
    page.get_by_label("Kata sandi").fill("bukan-kata-sandinya")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_text("Alamat e-mail atau kata sandi salah.")).to_be_visible()  # waits for the answer
    log_in(page, live_portal, "vinny.safari@mitrapas.test")
    page.wait_for_url(f"{live_portal}/o/rsud-tamiang-layang/")
    page.get_by_role("button", name="Menu").click()
    # The menu slides open (Bootstrap's collapse): a click on the name while it still moves was lost once on a
    # loaded machine, and "Keluar" never showed. Wait until it is open, then until the name's menu is.
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
    page.get_by_role("button", name="Vinny Safari").or_(page.get_by_text("Vinny Safari")).first.click()
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_url(f"{live_portal}/login")
    expect(page.get_by_text("Anda telah keluar.")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "logout-phone.png"), full_page=True)
    context.close()
