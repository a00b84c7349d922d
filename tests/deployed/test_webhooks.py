"""Story: RSUD Tamiang Layang's director registers the hospital system's address on the deployed portal; the
system records the night's referrals through /api/v1, and the worker (woken through Redis) tells it so at once,
signed; the system is down the first time, and is asked again a few seconds later; the delivery log shows both
attempts."""
from __future__ import annotations

import re
import time
from datetime import date, timedelta

import requests
from standardwebhooks.webhooks import Webhook

from tests.deployed.people import org_path
from tests.deployed.stack import MAIL_WAIT
from tests.deployed.test_api import DIRECTOR, api, token_of


def test_the_hospitals_system_hears_of_its_referrals_signed_and_again_after_it_was_down(visitor, stack):
    receiver = stack.webhooks
    director = visitor()
    director.login(DIRECTOR)
    hooks_page = f"{org_path(director)}webhooks/"
    created = director.post(hooks_page, {"url": receiver.url, "description": "SIMRS RSUD",
                                         "events": ["contribution.recorded", "contribution.verified"]})
    assert created.status_code == 200 and created.text.rstrip().endswith("</html>")
    secret = re.search(r'value="(whsec_[^"]+)"', created.text)[1]
    already = len(receiver.received)

    receiver.answers.append(500)  # the hospital's system is restarting
    token = token_of(stack, DIRECTOR)
    pks, = [item for item in api(stack, "/agreements?status=active", token).json()["items"]
            if item["title"] == "Sistem Rujukan Pelayanan Kesehatan"]
    recorded = requests.post(f"{stack.url}/api/v1/contributions", verify=stack.ca_file, timeout=30, json={
        "facility_id": pks["facility"]["id"], "agreement_id": pks["id"], "type": "health",
        "title": "Rujukan malam, webhook", "started_on": (date.today() - timedelta(days=1)).isoformat(),
        "participants_total": 2},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "rujukan-webhook"})
    assert recorded.status_code == 201, recorded.text

    # The retry leaves with the worker's next sweep after its 5 s wait; on a loaded CI machine (both tiers on two
    # cores) that took longer than a minute once, so the story waits as long as the mail stories do.
    down, up = receiver.wait_for(already + 2, seconds=MAIL_WAIT)[already:]
    for sent in (down, up):
        payload = Webhook(secret).verify(sent.body, sent.headers)
        assert payload["type"] == "contribution.recorded" and payload["data"]["id"] == recorded.json()["id"]
    assert down.headers["webhook-id"] == up.headers["webhook-id"], "a retry is the same message"
    waited = int(up.headers["webhook-timestamp"]) - int(down.headers["webhook-timestamp"])
    assert waited >= 4, f"asked again after its first wait (5 s), not at once ({waited} s)"

    endpoint_id = re.search(r"/webhooks/(\d+)/", director.get(hooks_page).text)[1]
    deadline = time.monotonic() + 30
    while True:  # the worker commits the attempt just after the receiver answered
        log = director.get(f"{hooks_page}{endpoint_id}/")
        if "Terkirim" in log.text or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert log.status_code == 200 and log.text.rstrip().endswith("</html>")
    assert "HTTP 500" in log.text and "HTTP 204" in log.text and "Terkirim" in log.text
    audit = stack.sql("SELECT changes FROM audit_entries WHERE action = 'webhook.registered' ORDER BY id DESC LIMIT 1")
    assert audit[0][0]["after"]["url"] == receiver.url
