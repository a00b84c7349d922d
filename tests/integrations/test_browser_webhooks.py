"""Journey: RSUD Tamiang Layang's director connects the hospital's system in Chromium, on the portal as `make run`
serves it (one process, no Redis: its outbox thread sends mail and webhooks), sends a test event and reads in the
delivery log that it arrived; the system checks the signature with the secret the page showed once."""
import re

import pytest
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook

from tests.conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.browser


def test_the_director_connects_the_hospitals_system_and_sees_a_test_event_delivered(
        live_portal, page, webhook_receiver):
    already = len(webhook_receiver.received)
    log_in(page, live_portal, "vinny.safari@mitrapas.test")
    page.wait_for_url(f"{live_portal}/o/rsud-tamiang-layang/")
    page.goto(f"{live_portal}/o/rsud-tamiang-layang/members/")
    page.get_by_role("link", name="Webhook", exact=True).click()
    page.get_by_label("Alamat (HTTPS)").fill(webhook_receiver.url)
    page.get_by_label("Sistem yang mana").fill("SIMRS RSUD")
    page.get_by_label("Kontribusi diverifikasi").check()
    page.get_by_role("button", name="Tambah webhook").click()
    expect(page.get_by_role("heading", name="Webhook ditambahkan")).to_be_visible()
    secret = page.get_by_test_id("webhook-secret").input_value()
    assert secret.startswith("whsec_")
    page.get_by_role("link", name="Selesai").click()
    page.get_by_role("button", name="Kirim peristiwa uji").click()
    expect(page.get_by_text("Peristiwa uji (webhook.test) sedang dikirim")).to_be_visible()
    for _ in range(40):  # the outbox thread sends every half second
        if "Terkirim" in page.get_by_test_id("webhook-deliveries").inner_text():
            break
        page.wait_for_timeout(250)
        page.reload()
    expect(page.get_by_test_id("webhook-deliveries")).to_contain_text("Terkirim")
    expect(page.get_by_test_id("webhook-deliveries")).to_contain_text(re.compile(r"HTTP 204"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "webhook-delivery-log.png"), full_page=True)
    sent = webhook_receiver.received[already]
    assert Webhook(secret).verify(sent.body, sent.headers)["type"] == "webhook.test"
