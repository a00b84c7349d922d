"""Webhook endpoints: an organisation's managers tell the portal where their systems listen, and for what.

The signing secret is made here, shown once, and kept sealed. The delivery log shows every attempt, and
"send again" queues a delivery anew (after the receiver is mended). Events and their delivery are
`webhook_events`'.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import policy
from portal.accounts.models import User
from portal.audit import chain as audit
from portal.core.columns import utcnow
from portal.core.errors import DomainError
from portal.extensions import db
from portal.integrations import webhook_events, webhook_transport
from portal.integrations.webhook_models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from portal.organisations.models import Organisation

#: An organisation keeps at most this many endpoints (each event is queued once per endpoint).
MAX_ENDPOINTS = 10
#: Deliveries the log shows at once, newest first.
LOG_SIZE = 100


@dataclass(frozen=True)
class RegisteredEndpoint:
    endpoint: WebhookEndpoint
    #: Shown to the person who registered it, once; the receiver checks signatures with it.
    secret: str


def new_secret() -> str:
    """A Standard Webhooks secret: "whsec_" and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def endpoints_of(organisation: Organisation, *, actor: User) -> list[WebhookEndpoint]:
    policy.require(policy.can_manage_integrations(actor, organisation))
    return list(db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.organisation_id == organisation.id)
                                   .order_by(WebhookEndpoint.disabled_at.is_not(None), WebhookEndpoint.id)))


def register(organisation: Organisation, url: str, description: str, events: list[str], *,
             actor: User) -> RegisteredEndpoint:
    policy.require(policy.can_manage_integrations(actor, organisation))
    description = (description or "").strip()
    if not description:
        raise DomainError(_l("Say which system listens at this address."))
    if not events or any(event not in webhook_events.EVENTS for event in events):
        raise DomainError(_l("Choose at least one event to send."))
    try:
        url = webhook_transport.check_url(url).url
    except webhook_transport.RefusedAddress as refused:
        raise DomainError(refused.args[0]) from None
    count = db.session.scalar(select(db.func.count(WebhookEndpoint.id))
                              .where(WebhookEndpoint.organisation_id == organisation.id))
    if count >= MAX_ENDPOINTS:
        raise DomainError(_l("An organisation has at most %(count)d webhook addresses.", count=MAX_ENDPOINTS))
    secret = new_secret()
    endpoint = WebhookEndpoint(organisation=organisation, url=url, description=description,
                               events=sorted(set(events)), secret=secret, created_by_id=actor.id)
    db.session.add(endpoint)
    db.session.flush()
    _audit("webhook.registered", endpoint, actor, after={"url": url, "events": endpoint.events})
    return RegisteredEndpoint(endpoint, secret)


def switch(endpoint: WebhookEndpoint, *, on: bool, actor: User) -> None:
    """Off: nothing is sent to it and nothing new is queued; what was queued waits until it is on again."""
    policy.require(policy.can_manage_integrations(actor, endpoint.organisation))
    if (endpoint.disabled_at is None) == on:
        return
    endpoint.disabled_at = None if on else utcnow()
    _audit("webhook.enabled" if on else "webhook.disabled", endpoint, actor, after={"url": endpoint.url})
    if on:
        webhook_events.wake_after_commit()


def remove(endpoint: WebhookEndpoint, *, actor: User) -> None:
    """Gone with its deliveries and their log; the audit trail keeps that it existed."""
    policy.require(policy.can_manage_integrations(actor, endpoint.organisation))
    _audit("webhook.removed", endpoint, actor, before={"url": endpoint.url, "events": endpoint.events})
    db.session.delete(endpoint)


def send_test(endpoint: WebhookEndpoint, *, actor: User) -> None:
    """A `webhook.test` event to this address alone, so its team can check their receiver and the signature."""
    policy.require(policy.can_manage_integrations(actor, endpoint.organisation))
    webhook_events.queue_test(endpoint)
    _audit("webhook.test_sent", endpoint, actor, after={"url": endpoint.url})


def deliveries_of(endpoint: WebhookEndpoint, *, actor: User) -> list[WebhookDelivery]:
    """The newest deliveries with every attempt, in two queries however many there are."""
    policy.require(policy.can_manage_integrations(actor, endpoint.organisation))
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                                   .options(selectinload(WebhookDelivery.tries))
                                   .order_by(WebhookDelivery.id.desc()).limit(LOG_SIZE)))


def send_again(delivery: WebhookDelivery, *, actor: User) -> None:
    """Queue it now with a fresh day of retries; the receiver sees the same `webhook-id` (and may drop a repeat)."""
    policy.require(policy.can_manage_integrations(actor, delivery.endpoint.organisation))
    if delivery.status == DeliveryStatus.QUEUED and delivery.attempts == 0:
        raise DomainError(_l("This delivery is already waiting to be sent."))
    before = delivery.status
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.QUEUED, 0, utcnow()
    audit.record("webhook.resent", actor=actor, object_type="webhook_delivery", object_id=delivery.id,
                 organisation=delivery.endpoint.organisation, before={"status": before},
                 after={"status": DeliveryStatus.QUEUED, "event": delivery.event_type})
    webhook_events.wake_after_commit()


def _audit(action: str, endpoint: WebhookEndpoint, actor: User, **changes) -> None:
    audit.record(action, actor=actor, object_type="webhook_endpoint", object_id=endpoint.id,
                 organisation=endpoint.organisation, **changes)
