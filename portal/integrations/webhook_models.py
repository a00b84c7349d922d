"""Webhooks: the HTTPS addresses an organisation's systems listen on, and each event sent to them.

A delivery is written in the same transaction as the event it tells about (like mail in the outbox),
so an event that rolls back was never announced and one that commits is never lost.
"""
from __future__ import annotations

from datetime import datetime
import enum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.columns import Timestamp, enum_column, utcnow
from portal.core.sealing import Sealed
from portal.extensions import db
from portal.organisations.models import Organisation


class DeliveryStatus(enum.StrEnum):
    QUEUED = "queued"
    DELIVERED = "delivered"
    #: Every retry of a day failed; "send again" on the delivery log queues it anew.
    FAILED = "failed"


class WebhookEndpoint(db.Model):
    """An organisation's receiving address and the events it asked for, with the secret its signatures use."""

    __tablename__ = "webhook_endpoints"
    #: Whose kept pages show it (`portal.core.whose_pages`): its organisation's.
    shown_on_pages_of = ("organisation_id",)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    #: What the organisation calls it, e.g. "SIMRS RSUD".
    description: Mapped[str] = mapped_column(String(200))
    #: e.g. ["agreement.approved"]; `portal.integrations.webhook_events.EVENTS` lists what exists.
    events: Mapped[list] = mapped_column(JSON, default=list)
    #: "whsec_" and base64 (Standard Webhooks), sealed: shown once, read back only to sign.
    secret: Mapped[str] = mapped_column(Sealed())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    #: Switched off by a person: nothing new is queued for it (what is queued still goes).
    disabled_at: Mapped[datetime | None] = mapped_column(Timestamp)

    organisation: Mapped[Organisation] = relationship()


class WebhookDelivery(db.Model):
    """One event for one endpoint: its body is fixed when queued, its signature is made at each attempt."""

    __tablename__ = "webhook_deliveries"
    #: Whose kept pages show it (`portal.core.whose_pages`): its organisation's.
    shown_on_pages_of = ("organisation_id",)
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        # An event announced twice (an expiry reminder run every hour) is queued once per endpoint.
        UniqueConstraint("endpoint_id", "event_key", name="uq_webhook_deliveries_endpoint_event"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    #: The `webhook-id` header: the same on every attempt, so the receiver can drop a repeat.
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    event_type: Mapped[str] = mapped_column(String(60))
    #: What makes the event itself one, e.g. "audit:812" or "agreement:5:expiring:30:2026-12-31".
    event_key: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus), default=DeliveryStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(Timestamp)

    endpoint: Mapped[WebhookEndpoint] = relationship()
    tries: Mapped[list["WebhookAttempt"]] = relationship(order_by="WebhookAttempt.id.desc()",
                                                         back_populates="delivery")


class WebhookAttempt(db.Model):
    """What happened when the portal knocked: shown on the delivery log, so the receiver's team can mend it."""

    __tablename__ = "webhook_attempts"
    #: Whose kept pages show it (`portal.core.whose_pages`): its organisation's.
    shown_on_pages_of = ("organisation_id",)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    #: The receiver's HTTP status, or None when there was no answer (refused, timed out, bad certificate).
    status_code: Mapped[int | None]
    #: Why it failed, in the portal's words, or the start of the receiver's answer.
    outcome: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int] = mapped_column(default=0)

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="tries")
