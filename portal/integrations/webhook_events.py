"""Webhook events: what is announced, to whom, and the worker that delivers it.

Events are the concepts' typed events (`portal/<concept>/events.py`), heard once subscribed at app creation
(`subscribe`), like notifications, so the services that change records know nothing of webhooks: a verb with a
`webhook` name is announced as that event. An event goes to the endpoints of the record's facility, of
its partner and of the oversight offices whose scope covers the facility, each of which may read the
record through /api/v1 anyway. Its body is thin (what happened, to which record, and where the API
answers for it): the receiver reads the rest with its token, so a body never carries more than a
token of that organisation may see, and never a WBP's name typed into a title.

Deliveries are written in the event's transaction and sent by the mail worker (woken after the
commit when REDIS_URL is set, and its sweep otherwise), signed per Standard Webhooks, and retried
with growing waits for about a day.
"""
from __future__ import annotations

from datetime import datetime, timezone
import json
import secrets

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from portal.agreements.events import AgreementVerb
from portal.agreements.models import Agreement
from portal.audit import events as audit_events
from portal.contributions.events import ContributionVerb
from portal.contributions.models import Contribution
from portal.core import events, links, retry
from portal.core.columns import as_utc, utcnow
from portal.core.events import Happened
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.integrations import webhook_transport
from portal.integrations.webhook_models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.jobs import queue as jobs
from portal.materials.events import MaterialVerb
from portal.materials.models import Material
from portal.organisations import visibility
from portal.organisations.models import Organisation
from portal.umkm.events import InquiryVerb, SaleVerb
from portal.umkm.models import Inquiry, Sale

#: What an endpoint may ask for, in the words the person registering it reads (the names are the verbs').
EVENTS = {
    AgreementVerb.SUBMIT.webhook: _l("An agreement was submitted for the facility's approval"),
    AgreementVerb.COMPLETE_STEP.webhook: _l("A step of an agreement's approval was completed"),
    AgreementVerb.STEP_LATE.webhook: _l("A step of an agreement's approval passed its deadline"),
    AgreementVerb.APPROVE.webhook: _l("An agreement was approved"),
    AgreementVerb.SIGN.webhook: _l("An agreement was signed by one party, or by both"),
    AgreementVerb.EXPIRING.webhook: _l("An agreement ends in 90, 30 or 7 days"),
    ContributionVerb.RECORD.webhook: _l("A contribution was recorded"),
    ContributionVerb.VERIFY.webhook: _l("A contribution was verified"),
    MaterialVerb.UPLOAD.webhook: _l("A material was uploaded"),
    InquiryVerb.RECEIVE.webhook: _l("A buyer sent an inquiry about a product from the public catalogue"),
    SaleVerb.RECORD.webhook: _l("A sale of a product was recorded"),
}
#: Events of records the facility alone reads through the API (a buyer's inquiry holds the buyer's contact).
FACILITY_ONLY = (InquiryVerb.RECEIVE.webhook,)
#: The audited verbs announced, each as its `webhook` event (read off the verbs, never typed here).
ANNOUNCED = tuple(verb for verb in audit_events.verbs() if verb.webhook and verb.action)
#: Seconds to wait after the n-th failed attempt: the last try is about a day after the first.
RETRY_SECONDS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 6 * 3600)
BACKOFF = retry.seconds(*RETRY_SECONDS)

#: The job a wake-up asks for (by name: the worker's module imports this one).
_DELIVER_JOB = "portal.ops.worker.deliver_webhooks_job"
#: Per transaction: which live endpoints listen to a facility and partner (an import announces thousands).
_LISTENERS = "mitrapas.webhook_listeners"


# --- queueing, in the event's transaction ---------------------------------------------------------

def subscribe(app: Flask) -> None:
    """Announce `app`'s events to the endpoints that asked for them."""
    events.connect(ANNOUNCED, _announce, app)


def unsubscribe(app: Flask) -> None:
    events.disconnect(ANNOUNCED, _announce, app)


def _announce(app: Flask, *, event: Happened) -> None:
    entry, kind = event.entry, event.verb.webhook
    if entry.facility_id is None:
        return
    listening = _listening(kind, entry.facility_id, entry.partner_id)
    if kind in FACILITY_ONLY:
        listening = [endpoint for endpoint in listening if endpoint.organisation_id == entry.facility_id]
    if not listening:
        return
    data = _describe(entry.object_type, event.record_id)
    if data is None:
        return
    if kind == AgreementVerb.SIGN.webhook:
        data.update(party=event.party, fully_signed=event.verb is AgreementVerb.COMPLETE)
    _queue(listening, kind, f"audit:{entry.hash}", data, entry.created_at, announced_once=True)


def announce_expiring(agreement: Agreement, *, days: int) -> int:
    """An agreement ends within `days` (from `flask portal remind`); announced once per window and end date."""
    kind = AgreementVerb.EXPIRING.webhook
    listening = _listening(kind, agreement.facility_id, agreement.partner_id)
    data = _describe("agreement", agreement.id)
    if not listening or data is None:
        return 0
    data.update(days=days)
    key = f"agreement:{agreement.id}:expiring:{days}:{agreement.end_date.isoformat()}"
    return _queue(listening, kind, key, data, utcnow())


def announce_step_late(agreement: Agreement, *, step_id: int, due_on) -> int:
    """The agreement's current approval step passed its deadline (from `flask portal remind`); once per step."""
    kind = AgreementVerb.STEP_LATE.webhook
    listening = _listening(kind, agreement.facility_id, agreement.partner_id)
    data = _describe("agreement", agreement.id)
    if not listening or data is None:
        return 0
    data.update(due_on=due_on.isoformat())
    return _queue(listening, kind, f"agreement:{agreement.id}:step_late:{step_id}", data, utcnow())


def queue_test(endpoint: WebhookEndpoint) -> None:
    """A test event for one endpoint, whatever it asked for (the receiver ignores a type it does not know)."""
    data = {"object": "webhook_endpoint", "id": endpoint.id, "organisation": endpoint.organisation.name}
    _queue([endpoint], "webhook.test", f"test:{secrets.token_hex(8)}", data, utcnow(), announced_once=True)


def _listening(kind: str, facility_id: int, partner_id: int | None) -> list[WebhookEndpoint]:
    return [endpoint for endpoint in _listeners(facility_id, partner_id) if kind in endpoint.events]


def _listeners(facility_id: int, partner_id: int | None) -> list[WebhookEndpoint]:
    cache = db.session().info.setdefault(_LISTENERS, {})
    if (facility_id, partner_id) not in cache:
        with unscoped("an event goes to the endpoints of both parties and of the oversight covering them"):
            cache[facility_id, partner_id] = list(db.session.scalars(
                select(WebhookEndpoint).join(Organisation, Organisation.id == WebhookEndpoint.organisation_id)
                .where(WebhookEndpoint.disabled_at.is_(None), Organisation.is_active.is_(True),
                       or_(Organisation.id.in_([facility_id, partner_id]),
                           Organisation.id.in_(visibility.overseers_of(facility_id))))))
    return cache[facility_id, partner_id]


def _describe(object_type: str, object_id: int) -> dict | None:
    """The thin body's `data`: which record, its state, its parties, and the API address that tells the rest."""
    model, endpoint, arg = {"agreement": (Agreement, "api.agreement", "agreement_id"),
                            "contribution": (Contribution, "api.contribution", "contribution_id"),
                            "material": (Material, "api.material_list", None),
                            "inquiry": (Inquiry, "api.inquiry", "inquiry_id"),
                            "sale": (Sale, "api.sale", "sale_id")}[object_type]
    with unscoped("the event's record is read for its endpoints' bodies, in its own transaction"):
        record = db.session.get(model, object_id)
        if record is None:
            return None
        partner = getattr(record, "partner", None)  # an inquiry has none; a sale, when a partner helped it
        data = {"object": object_type, "id": record.id,
                "facility": {"id": record.facility_id, "name": record.facility.name},
                "partner": {"id": partner.id, "name": partner.name} if partner else None}
        if hasattr(record, "status") or hasattr(record, "state"):
            data["status"] = str(getattr(record, "status", None) or record.state)
        if object_type == "material":
            data["agreement_id"] = record.agreement_id
    data["url"] = links.absolute(endpoint, **({arg: object_id} if arg else {}))
    return data


def _queue(endpoints: list[WebhookEndpoint], kind: str, key: str, data: dict, at: datetime, *,
           announced_once: bool = False) -> int:
    """One delivery per endpoint; an event that may be announced again (an expiry, by every run of `remind`)
    is looked up first, one from the audit trail is new by construction (its key is its entry's hash)."""
    body = json.dumps({"type": kind, "timestamp": _iso(at), "data": data}, ensure_ascii=False,
                      separators=(",", ":"))
    with unscoped("a delivery belongs to the endpoint's organisation, not to whoever caused the event"):
        taken = set() if announced_once else set(db.session.scalars(select(WebhookDelivery.endpoint_id).where(
            WebhookDelivery.endpoint_id.in_([e.id for e in endpoints]), WebhookDelivery.event_key == key)))
        fresh = [e for e in endpoints if e.id not in taken]
        for endpoint in fresh:
            db.session.add(WebhookDelivery(organisation_id=endpoint.organisation_id, endpoint_id=endpoint.id,
                                           message_id="msg_" + secrets.token_hex(16), event_type=kind,
                                           event_key=key, body=body))
        db.session.flush()
    if fresh:
        wake_after_commit()
    return len(fresh)


def _iso(moment: datetime) -> str:
    return as_utc(moment).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def wake_after_commit() -> None:
    """With Redis configured, the worker delivers right after the commit; otherwise its sweep does."""
    jobs.enqueue_after_commit(_DELIVER_JOB)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_listeners(session) -> None:
    """Endpoints are looked up once per transaction: the next one may see others."""
    session.info.pop(_LISTENERS, None)


# --- delivering, in the worker --------------------------------------------------------------------

def deliver_due(*, now: datetime | None = None, limit: int = 100) -> tuple[int, int]:
    """Send what is due; returns (delivered, failed). Safe to run in several workers at once."""
    delivered = failed = 0
    with unscoped("the worker delivers every organisation's webhooks"):
        for _ in range(limit):
            moment = now or utcnow()
            delivery = _next_due(moment)
            if delivery is None:
                break
            if _attempt(delivery, moment):
                delivered += 1
            else:
                failed += 1
            db.session.commit()
    return delivered, failed


def _next_due(now: datetime) -> WebhookDelivery | None:
    query = (select(WebhookDelivery).join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
             .where(WebhookDelivery.status == DeliveryStatus.QUEUED, WebhookDelivery.next_attempt_at <= now,
                    WebhookEndpoint.disabled_at.is_(None))
             .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(1))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=WebhookDelivery, skip_locked=True)
    return db.session.scalar(query)


def signed_headers(delivery: WebhookDelivery, secret: str) -> dict[str, str]:
    """Standard Webhooks' three headers; the timestamp is the attempt's, so a receiver can refuse old replays."""
    at = datetime.now(timezone.utc).replace(microsecond=0)
    return {"webhook-id": delivery.message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(delivery.message_id, at, delivery.body)}


def _attempt(delivery: WebhookDelivery, now: datetime) -> bool:
    answer = webhook_transport.post(delivery.endpoint.url, delivery.body.encode(),
                                    signed_headers(delivery, delivery.endpoint.secret))
    db.session.add(WebhookAttempt(organisation_id=delivery.organisation_id, delivery_id=delivery.id,
                                  status_code=answer.status_code, outcome=answer.outcome,
                                  duration_ms=answer.duration_ms))
    delivery.attempts += 1
    again = None if answer.ok else BACKOFF.next_attempt(delivery.attempts, now)
    if answer.ok:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, utcnow()
    elif again is None:
        delivery.status = DeliveryStatus.FAILED
    else:
        delivery.next_attempt_at = again
    return answer.ok
