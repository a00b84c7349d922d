"""Webhooks: RSUD's admin registers the hospital system's address, and the system hears at once, signed, when
RSUD's agreement with the Rutan moves, and is asked again and again while it is down; nobody else's events reach
it, and the portal never knocks on a private network's door."""
from datetime import timedelta
import io
import json
import re

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from portal.agreements.models import AgreementStatus as S
from portal.contributions import operations as contributions
from portal.contributions.operations import ContributionFields
from portal.core.columns import utcnow
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.integrations import webhook_events, webhook_transport, webhooks
from portal.integrations.webhook_models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from portal.materials import operations as materials
from portal.materials.models import MaterialCategory
from portal.materials.operations import Upload
from portal.notifications import operations as notifications
from tests import sample_files
from tests.factories import trail
from tests.webhook_receiver import WebhookReceiver

EVERYTHING = list(webhook_events.EVENTS)


@pytest.fixture
def receiver(app, monkeypatch):
    """The hospital's system, listening on loopback with a certificate of its own CA (which the portal trusts)."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", True)
    monkeypatch.setitem(app.config, "WEBHOOK_CA_FILE", None)
    server = WebhookReceiver().start()
    app.config["WEBHOOK_CA_FILE"] = server.ca_file
    yield server
    server.stop()


def register(world, user, organisation, url, events=EVERYTHING) -> tuple[int, str]:
    with world.acting(user):
        registered = webhooks.register(organisation, url, "SIMRS RSUD", events, actor=user)
        endpoint_id = registered.endpoint.id
        db.session.commit()
    return endpoint_id, registered.secret


def deliveries(endpoint_id: int) -> list[WebhookDelivery]:
    with unscoped("the test reads what was queued"):
        return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
                                       .order_by(WebhookDelivery.id)))


def test_an_admin_registers_the_hospitals_address_and_sees_the_secret_only_once(pks, login_as, receiver):
    admin = login_as(pks.partner_admin)
    page = admin.post(f"/o/{pks.partner.slug}/webhooks/", {
        "url": receiver.url, "description": "SIMRS RSUD", "events": ["agreement.approved", "material.added"]})
    assert page.status_code == 200 and "hanya ditampilkan sekali ini" in page.text
    secret = re.search(r'value="(whsec_[^"]+)"', page.text).group(1)
    listing = admin.get(f"/o/{pks.partner.slug}/webhooks/").text
    assert "SIMRS RSUD" in listing and receiver.url in listing and secret not in listing
    with unscoped("the test reads the stored row as the database holds it"):
        stored = db.session.scalar(db.text("SELECT secret FROM webhook_endpoints"))
    assert secret not in stored and secret[6:] not in stored, "the secret is sealed at rest"
    entry, = trail(action="webhook.registered")
    assert entry.changes["after"] == {"url": receiver.url, "events": ["agreement.approved", "material.added"]}


@pytest.mark.parametrize("url, says", [
    ("https://127.0.0.1/hook", "jaringan privat atau lokal"),
    ("https://10.1.2.3/hook", "jaringan privat atau lokal"),
    ("https://169.254.169.254/latest/meta-data", "jaringan privat atau lokal"),
    ("https://[::1]/hook", "jaringan privat atau lokal"),
    ("https://[::ffff:192.168.1.5]/hook", "jaringan privat atau lokal"),
    ("https://localhost/hook", "jaringan privat atau lokal"),
    ("http://simrs.example/hook", "https://"),
    ("https://user:pw@simrs.example/hook", "https://"),
    ("https://tidak-ada.invalid/hook", "tidak dapat ditemukan"),
])
def test_an_address_the_portal_must_not_knock_on_is_refused_in_plain_words(pks, login_as, url, says):
    admin = login_as(pks.partner_admin)
    page = admin.post(f"/o/{pks.partner.slug}/webhooks/", {
        "url": url, "description": "SIMRS RSUD", "events": ["agreement.approved"]}, follow_redirects=True)
    assert page.status_code == 200 and says in page.text
    with unscoped("the test counts what was stored"):
        assert db.session.scalar(select(db.func.count(WebhookEndpoint.id))) == 0


#: IPv6 forms that carry an IPv4 address (issue 32, hole 11), each with a private one inside: Python 3.11 calls
#: most of them global, and a translator, relay or tunnel would deliver to the private address.
CARRYING_A_PRIVATE_IPV4 = {
    "mapped": "::ffff:10.1.2.3",
    "compatible": "::10.1.2.3",
    "compatible loopback": "::127.0.0.1",
    "translated": "::ffff:0:192.168.1.5",
    "NAT64": "64:ff9b::169.254.169.254",
    "NAT64 loopback": "64:ff9b::7f00:1",
    "6to4": "2002:a01:203::1",
    "6to4 metadata": "2002:a9fe:a9fe::1",
    "Teredo": "2001:0:4136:e378:8000:63bf:f5fe:fdfc",  # client 10.1.2.3, stored inverted
}
#: The same forms around a public IPv4 address (Google's resolver), which still reach the internet.
CARRYING_A_PUBLIC_IPV4 = {
    "mapped": "::ffff:8.8.8.8",
    "compatible": "::8.8.8.8",
    "translated": "::ffff:0:8.8.8.8",
    "NAT64": "64:ff9b::8.8.8.8",
    "6to4": "2002:808:808::1",
}


@pytest.mark.parametrize("address", CARRYING_A_PRIVATE_IPV4.values(), ids=CARRYING_A_PRIVATE_IPV4.keys())
def test_an_ipv6_address_carrying_a_private_ipv4_one_is_refused(address):
    with pytest.raises(webhook_transport.RefusedAddress, match="jaringan privat atau lokal"):
        webhook_transport.check_url(f"https://[{address}]/hook")


@pytest.mark.parametrize("address", [
    "fec0::1",  # site-local (RFC 3879), still routed inside some sites
    "feff:ffff::1",
    "64:ff9b:1::a01:203",  # NAT64's local-use prefix (RFC 8215): the translator is inside the network
    "64:ff9b:1:808:8:800::",  # ...even with a public IPv4 at the /48 position
    "2001:0:4136:e378:8000:63bf:f7f7:f7f7",  # Teredo, client 8.8.8.8: a tunnel, never a webhook receiver
])
def test_site_local_and_local_use_ipv6_are_refused(address):
    with pytest.raises(webhook_transport.RefusedAddress, match="jaringan privat atau lokal"):
        webhook_transport.check_url(f"https://[{address}]/hook")


@pytest.mark.parametrize("address", [*CARRYING_A_PUBLIC_IPV4.values(), "8.8.8.8", "2606:4700:4700::1111"],
                         ids=[*CARRYING_A_PUBLIC_IPV4.keys(), "IPv4", "IPv6"])
def test_an_ipv6_address_carrying_a_public_ipv4_one_is_still_allowed(address):
    host = f"[{address}]" if ":" in address else address
    assert webhook_transport.check_url(f"https://{host}/hook").host == host


def test_the_approval_reaches_the_hospitals_system_signed_and_thin(pks, receiver):
    endpoint_id, secret = register(pks, pks.partner_admin, pks.partner, receiver.url, ["agreement.approved"])
    agreement = pks.in_state(S.APPROVED)
    agreement_id = agreement.id
    db.session.commit()
    assert webhook_events.deliver_due() == (1, 0)
    sent, = receiver.received
    payload = Webhook(secret).verify(sent.body, sent.headers)
    assert payload["type"] == "agreement.approved"
    assert payload["data"]["id"] == agreement_id and payload["data"]["status"] == "approved"
    assert payload["data"]["partner"]["name"] == "RSUD Tamiang Layang"
    assert payload["data"]["url"].endswith(f"/api/v1/agreements/{agreement_id}")
    assert "title" not in payload["data"], "the body names the record; its text is read through the API"
    assert sent.headers["webhook-id"] == deliveries(endpoint_id)[0].message_id
    forged = dict(sent.headers, **{"webhook-signature": "v1,AAAA"})
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(sent.body, forged)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(sent.body.replace(b"approved", b"rejected"), sent.headers)


def test_each_party_and_the_regional_office_hear_and_a_stranger_does_not(pks, receiver):
    ours, _ = register(pks, pks.head, pks.facility, receiver.url, ["agreement.submitted"])
    kanwil, _ = register(pks, pks.analyst, pks.kanwil, receiver.url, ["agreement.submitted"])
    partner_other_event, _ = register(pks, pks.partner_admin, pks.partner, receiver.url, ["contribution.verified"])
    stranger, _ = register(pks, pks.stranger_head, pks.stranger_facility, receiver.url, EVERYTHING)
    pks.in_state(S.SUBMITTED)
    db.session.commit()
    assert [len(deliveries(e)) for e in (ours, kanwil, partner_other_event, stranger)] == [1, 1, 0, 0]


def test_a_receiver_that_is_down_is_asked_again_with_growing_waits_then_given_up(pks, receiver):
    endpoint_id, secret = register(pks, pks.partner_admin, pks.partner, receiver.url, ["agreement.submitted"])
    pks.in_state(S.SUBMITTED)
    db.session.commit()
    receiver.answers.extend([500] * 8)
    now = utcnow()
    assert webhook_events.deliver_due(now=now) == (0, 1)
    assert webhook_events.deliver_due(now=now + timedelta(seconds=4)) == (0, 0), "not before its wait is over"
    for wait in webhook_events.RETRY_SECONDS:
        now += timedelta(seconds=wait)
        assert webhook_events.deliver_due(now=now) == (0, 1)
    delivery, = deliveries(endpoint_id)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 8
    assert sum(webhook_events.RETRY_SECONDS) / 3600 == pytest.approx(23.6, abs=0.1), "about a day of retries"
    assert {r.headers["webhook-id"] for r in receiver.received} == {delivery.message_id}, "the same id each time"
    for sent in receiver.received:
        Webhook(secret).verify(sent.body, sent.headers)


def test_the_delivery_log_shows_each_attempt_and_sends_one_again(pks, login_as, receiver):
    slug = pks.partner.slug
    endpoint_id, _ = register(pks, pks.partner_admin, pks.partner, receiver.url, ["agreement.submitted"])
    pks.in_state(S.SUBMITTED)
    db.session.commit()
    receiver.answers.append(503)
    webhook_events.deliver_due()
    admin = login_as(pks.partner_admin)
    log = admin.get(f"/o/{slug}/webhooks/{endpoint_id}/").text
    assert "HTTP 503" in log and "not today" in log and "Menunggu dicoba lagi" in log
    delivery_id = deliveries(endpoint_id)[0].id
    again = admin.post(f"/o/{slug}/webhooks/deliveries/{delivery_id}/send-again",
                       follow_redirects=True)
    assert again.status_code == 200
    assert webhook_events.deliver_due() == (1, 0), "queued now, not after its wait"
    log = admin.get(f"/o/{slug}/webhooks/{endpoint_id}/").text
    assert "HTTP 204" in log and "Terkirim" in log
    assert trail(action="webhook.resent")[0].changes["after"]["event"] == "agreement.submitted"


def test_a_test_event_checks_the_receiver_and_its_signature(pks, login_as, receiver):
    slug = pks.partner.slug
    endpoint_id, secret = register(pks, pks.partner_admin, pks.partner, receiver.url, ["agreement.approved"])
    admin = login_as(pks.partner_admin)
    admin.post(f"/o/{slug}/webhooks/{endpoint_id}/test")
    assert webhook_events.deliver_due() == (1, 0)
    payload = Webhook(secret).verify(receiver.received[0].body, receiver.received[0].headers)
    assert payload["type"] == "webhook.test" and payload["data"]["id"] == endpoint_id
    assert "webhook.test" in admin.get(f"/o/{slug}/webhooks/{endpoint_id}/").text
    assert trail(action="webhook.test_sent")[0].changes["after"]["url"] == receiver.url


def test_an_address_that_turns_private_after_registration_is_not_knocked_on(pks, receiver, app):
    endpoint_id, _ = register(pks, pks.partner_admin, pks.partner, receiver.url, ["agreement.submitted"])
    pks.in_state(S.SUBMITTED)
    db.session.commit()
    app.config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = False  # as if the name now resolved to 127.0.0.1
    assert webhook_events.deliver_due() == (0, 1)
    assert receiver.received == []
    with unscoped("the test reads the log"):
        attempt, = deliveries(endpoint_id)[0].tries
        assert attempt.status_code is None and "jaringan privat atau lokal" in attempt.outcome


def test_a_receiver_with_a_certificate_the_portal_does_not_trust_is_not_sent_the_event(pks, receiver, app):
    endpoint_id, _ = register(pks, pks.partner_admin, pks.partner, receiver.url, ["agreement.submitted"])
    pks.in_state(S.SUBMITTED)
    db.session.commit()
    app.config["WEBHOOK_CA_FILE"] = None  # the system's CAs: the test's own CA is not among them
    assert webhook_events.deliver_due() == (0, 1)
    assert receiver.received == []
    with unscoped("the test reads the log"):
        assert "SSL" in deliveries(endpoint_id)[0].tries[0].outcome


def test_a_switched_off_webhook_waits_and_catches_up_when_switched_on(pks, login_as, receiver):
    slug = pks.partner.slug
    endpoint_id, _ = register(pks, pks.partner_admin, pks.partner, receiver.url, ["agreement.submitted"])
    admin = login_as(pks.partner_admin)
    admin.post(f"/o/{slug}/webhooks/{endpoint_id}/off")
    pks.in_state(S.SUBMITTED)
    db.session.commit()
    assert deliveries(endpoint_id) == [], "nothing new is queued while it is off"
    with unscoped("the test queues one as if before it was switched off"):
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        db.session.add(WebhookDelivery(organisation_id=endpoint.organisation_id, endpoint_id=endpoint_id,
                                       message_id="msg_waiting", event_type="agreement.submitted",
                                       event_key="earlier", body="{}"))
        db.session.commit()
    assert webhook_events.deliver_due() == (0, 0) and receiver.received == []
    admin.post(f"/o/{slug}/webhooks/{endpoint_id}/on")
    assert webhook_events.deliver_due() == (1, 0)
    assert [entry.action for entry in trail(object_type="webhook_endpoint")] == \
        ["webhook.registered", "webhook.disabled", "webhook.enabled"]


def test_an_expiring_agreement_is_announced_once_per_window(pks, receiver, app):
    endpoint_id, _ = register(pks, pks.head, pks.facility, receiver.url, ["agreement.expiring"])
    agreement = pks.in_state(S.ACTIVE)
    with unscoped("the calendar moved on"):
        agreement.end_date = utcnow().date() + timedelta(days=20)
        db.session.commit()
    for _ in range(2):
        with unscoped("reminders look at every tenant"):
            notifications.remind(unsigned_days=7, queue_days=7)
            db.session.commit()
    delivery, = deliveries(endpoint_id)
    assert json.loads(delivery.body)["data"]["days"] == 30


def test_a_contribution_recorded_by_the_partner_reaches_the_facilitys_system(pks, receiver):
    endpoint_id, secret = register(pks, pks.head, pks.facility, receiver.url, ["contribution.recorded"])
    with pks.acting(pks.partner_admin):
        recorded = contributions.record_contribution(pks.facility, pks.partner, ContributionFields(
            type="health", title="Rujukan malam", started_on=utcnow().date(), participants_total=3),
            actor=pks.partner_admin)
        recorded_id = recorded.id
        db.session.commit()
    assert webhook_events.deliver_due() == (1, 0)
    payload = Webhook(secret).verify(receiver.received[0].body, receiver.received[0].headers)
    assert payload["type"] == "contribution.recorded" and payload["data"]["id"] == recorded_id
    assert payload["data"]["status"] == "submitted"


@pytest.mark.parametrize("who", ["partner_member", "officer"])
def test_only_the_organisations_managers_handle_webhooks(pks, login_as, who):
    person = getattr(pks, who)
    organisation = pks.partner if who == "partner_member" else pks.facility
    assert login_as(person).get(f"/o/{organisation.slug}/webhooks/").status_code == 403


def test_another_organisations_webhook_and_its_log_are_not_found(pks, login_as, receiver):
    slug = pks.facility.slug
    endpoint_id, _ = register(pks, pks.partner_admin, pks.partner, receiver.url, ["agreement.submitted"])
    pks.in_state(S.SUBMITTED)
    db.session.commit()
    delivery_id = deliveries(endpoint_id)[0].id
    head = login_as(pks.head)
    assert head.get(f"/o/{slug}/webhooks/{endpoint_id}/").status_code == 404
    assert head.post(f"/o/{slug}/webhooks/{endpoint_id}/remove").status_code == 404
    assert head.post(f"/o/{slug}/webhooks/{endpoint_id}/off").status_code == 404
    assert head.post(f"/o/{slug}/webhooks/deliveries/{delivery_id}/send-again").status_code == 404


def test_a_material_the_partner_shares_reaches_the_facilitys_system(pks, receiver):
    endpoint_id, secret = register(pks, pks.head, pks.facility, receiver.url, ["material.added"])
    with pks.acting(pks.partner_admin):
        shared, = materials.upload_materials(pks.facility, pks.partner,
                                             [Upload(io.BytesIO(sample_files.pdf("Modul")), "Modul.pdf")],
                                             category=MaterialCategory.MODULE, actor=pks.partner_admin)
        shared_id = shared.id
        db.session.commit()
    assert webhook_events.deliver_due() == (1, 0)
    payload = Webhook(secret).verify(receiver.received[0].body, receiver.received[0].headers)
    assert payload["type"] == "material.added" and payload["data"]["id"] == shared_id
    assert payload["data"]["url"].endswith("/api/v1/materials")


def test_an_import_announces_each_contribution_it_records(pks, receiver):
    from tests.contributions.test_contribution_import import YESTERDAY, csv_file, run

    endpoint_id, _ = register(pks, pks.head, pks.facility, receiver.url, ["contribution.recorded"])
    assert run(pks, csv_file(*[f"{YESTERDAY},,counselling,Konseling sesi {n},,10,2,12,3" for n in range(3)])).ok
    db.session.commit()
    queued = deliveries(endpoint_id)
    assert len(queued) == 3 and len({d.message_id for d in queued}) == 3
    assert {json.loads(d.body)["data"]["status"] for d in queued} == {"submitted"}
