"""Retention: how long each kind of record about people is kept, and what removes it afterwards.

UU PDP keeps personal data no longer than its purpose needs. One list, `RULES`, drives
`mitrapas portal purge-expired` (which shows what it would remove before it removes), the platform
admin's preview and the public privacy notice, so that what the notice promises is what the
scheduler does. Agreements, their documents and signatures, and the audit trail are archive: they
are not in the list and are never purged (UU 43/2009 on archives; the audit chain must verify). A draft
the facility rejected never became an agreement: its content goes, its record stays.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import InstrumentedAttribute

from portal.accounts.models import LoginSession
from portal.agreements import rejected_drafts
from portal.core.columns import utcnow
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.integrations.token_models import IdempotentRequest
from portal.integrations.webhook_models import WebhookDelivery
from portal.jobs import made_files as file_jobs
from portal.materials import operations as materials
from portal.notifications.channel_models import ChannelMessage
from portal.notifications.models import Notification
from portal.privacy import pseudonyms
from portal.privacy.access_models import DocumentAccess
from portal.umkm import sales


@dataclass(frozen=True)
class Rule:
    kind: str
    #: What is kept, why, and who sees it: the privacy notice's words.
    what: str
    why: str
    who: str
    #: The setting that says how long, and in which unit.
    setting: str
    unit: str  # "days" or "hours"
    #: A table whose rows simply expire, by this timestamp column...
    expires: InstrumentedAttribute | None = None
    #: ...or a service's own purge (now, dry_run=...), for records that take files or an audit entry with them.
    purge: Callable[..., int] | None = None

    @property
    def period(self) -> timedelta:
        return timedelta(**{self.unit: current_app.config[self.setting]})

    def apply(self, now: datetime | None = None, *, dry_run: bool = False) -> int:
        """Remove what is past its time (or, with dry_run, count it); the caller scopes and commits."""
        if self.purge is not None:
            return self.purge(now, dry_run=dry_run)
        table, old = self.expires.class_, self.expires < (now or utcnow()) - self.period
        if dry_run:
            return db.session.scalar(select(func.count()).select_from(table).where(old))
        return db.session.execute(delete(table).where(old)).rowcount


RULES = (
    Rule("notifications", _l("Notifications in the bell"),
         _l("to tell you what concerns you"), _l("you"),
         "RETENTION_NOTIFICATION_DAYS", "days", expires=Notification.created_at),
    Rule("phone_messages", _l("WhatsApp and SMS messages sent to you: the number, what they said, whether they arrived"),
         _l("to send you your notices and show you what became of them"), _l("you"),
         "RETENTION_PHONE_MESSAGE_DAYS", "days", expires=ChannelMessage.created_at),
    Rule("login_history", _l("Login history: device, IP address, time"),
         _l("to show you where you are logged in and to investigate misuse"), _l("you"),
         "RETENTION_LOGIN_DAYS", "days", expires=LoginSession.created_at),
    Rule("document_openings", _l("Who opened which document, and when"),
         _l("so that you can see who viewed or downloaded documents that carry your name"),
         _l("the people the documents name"),
         "RETENTION_ACCESS_LOG_DAYS", "days", expires=DocumentAccess.at),
    Rule("departed_people", _l("Name, e-mail and phone of someone who left every organisation"),
         _l("so that the records they made still say who made them, until a pseudonym replaces their details"),
         _l("members of the organisations they worked with"),
         "RETENTION_DEPARTED_DAYS", "days", purge=pseudonyms.pseudonymise_departed),
    Rule("evidence_photos", _l("Photos recorded as evidence of a contribution"),
         _l("to verify the contribution; the verified figure stays after the photo is removed"),
         _l("both parties of the partnership and the regional office"),
         "RETENTION_EVIDENCE_PHOTO_DAYS", "days", purge=materials.retire_evidence_photos),
    Rule("rejected_drafts", _l("Draft agreements the facility rejected: their text, files and signatories"),
         _l("so that the partner can revise and propose again; the record that it was proposed and rejected stays"),
         _l("both parties of the partnership and the regional office"),
         "RETENTION_REJECTED_DRAFT_DAYS", "days", purge=rejected_drafts.purge),
    Rule("deleted_materials", _l("Deleted materials"),
         _l("so that a mistaken deletion can be undone by an administrator"), _l("platform administrators"),
         "MATERIAL_RETENTION_DAYS", "days", purge=materials.purge_deleted),
    Rule("job_files", _l("Exports and monthly reports made in the background"),
         _l("so that you can download the file you asked for"), _l("the person who asked for it"),
         "JOB_FILE_HOURS", "hours", purge=file_jobs.purge_expired),
    Rule("webhook_log", _l("Webhook deliveries and each attempt: the event, the receiver's answer"),
         _l("so that the organisation can see what its systems were sent, and send it again"),
         _l("the organisation's own systems"),
         "WEBHOOK_LOG_DAYS", "days", expires=WebhookDelivery.created_at),
    Rule("buyer_contacts", _l("Name, organisation, phone, e-mail and message of a buyer who asked about a product"),
         _l("so that the facility can answer, deliver and be paid; the inquiry and its sale stay, without them"),
         _l("the facility's staff who keep its products"),
         "RETENTION_BUYER_CONTACT_DAYS", "days", purge=sales.forget_buyers),
    Rule("api_retries", _l("The API's answers to requests sent with an Idempotency-Key"),
         _l("so that a system sending a request again (after a time-out) changes nothing twice"),
         _l("the organisation's own systems"),
         "IDEMPOTENCY_HOURS", "hours", expires=IdempotentRequest.created_at),
)


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    count: int


def preview(now: datetime | None = None) -> list[Outcome]:
    """What a purge would remove now, per kind, in every tenant; nothing changes."""
    with unscoped("the retention periods apply to every tenant"):
        return [Outcome(rule, rule.apply(now, dry_run=True)) for rule in RULES]


def purge(now: datetime | None = None) -> list[Outcome]:
    """Remove every kind past its time, in every tenant; the caller commits."""
    with unscoped("the retention periods apply to every tenant"):
        return [Outcome(rule, rule.apply(now)) for rule in RULES]
