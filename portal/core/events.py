"""Typed domain events: what a concept's verbs are, and what each event carries.

A concept declares its verbs once, as a `Verb` enum (`portal/<concept>/events.py`): each member is the verb
(the name its workflow's rules and buttons use), the audit trail's action, the webhook event it is announced
as (if any) and the segment of its address; and it has a blinker signal of its own, as Flask's and Indico's
signals are one per event. The payload is a dataclass (`Happened`): the verb, the actor and the record.

Consumers subscribe per app, at app creation (`portal.create_app`'s list of subscribers), and hear only the
events sent by that app: an imported module hears nothing until it is subscribed.
"""
from __future__ import annotations

from dataclasses import dataclass
import enum
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from blinker import Namespace, Signal

from portal.extensions import db

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.audit.models import AuditEntry

#: Every domain event's signal, named by its audit action (or its webhook event, for one not audited).
signals = Namespace()


class Verb(enum.StrEnum):
    """A verb of a concept, spelled once. Its value is the verb (`"request_changes"`); `action` is what the
    audit trail writes (`"agreement.changes_requested"`, None if it is never audited), `webhook` the event an
    endpoint may ask for (None: not announced), `segment` the verb in an address (`"request-changes"`)."""

    action: str | None
    webhook: str | None
    segment: str
    signal: Signal

    def __new__(cls, value: str, action: str | None = None, webhook: str | None = None,
                segment: str | None = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member.action, member.webhook = action, webhook
        member.segment = segment or value.replace("_", "-")
        member.signal = signals.signal(action or webhook or f"{cls.__name__}.{value}")
        return member


@dataclass(eq=False)
class Happened:
    """What an event carries: the verb, who did it (`actor`, None for the portal itself) and its record, as its
    audit entry (`entry`, in the same transaction) tells. The record is read when first asked for: an import
    announces thousands of contributions, most of whose listeners need only their ids."""

    #: The concept's verbs and the model of its records (each concept's subclass says).
    verbs: ClassVar[type[Verb]]
    model: ClassVar[type]

    verb: Verb
    entry: AuditEntry

    @property
    def actor(self) -> User | None:
        return self.entry.actor

    @property
    def actor_id(self) -> int | None:
        return self.entry.actor_id

    @property
    def record_id(self) -> int:
        return int(self.entry.object_id)

    @cached_property
    def record(self) -> Any:
        """The record as it is now in this transaction (None if it is gone)."""
        return db.session.get(self.model, self.record_id)

    @property
    def after(self) -> dict:
        """What the entry says the record became (e.g. which party signed)."""
        return (self.entry.changes or {}).get("after", {})


def connect(verbs, receiver, app) -> None:
    """Subscribe `receiver(app, event=...)` to each of `verbs`, for `app` only (held strongly: it is a module's)."""
    for verb in verbs:
        verb.signal.connect(receiver, sender=app, weak=False)


def disconnect(verbs, receiver, app) -> None:
    for verb in verbs:
        verb.signal.disconnect(receiver, sender=app)
