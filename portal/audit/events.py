"""The audit trail's entries announced as typed domain events: the one mapping from an action to its event.

Why through the trail, rather than a second call in every service: each state change already writes exactly one
entry, in its transaction, naming the actor, the parties and what changed (an import writes thousands at once,
under one lock). Announcing that entry gives every consumer the facts the trail keeps, no event can happen without
its entry or the other way round, and the chain (its actions, its hashes, `audit-verify`) stays exactly as it was.
The mapping is read off the concepts' verbs (`portal/<concept>/events.py`); nothing here spells an action.
"""
from __future__ import annotations

from flask import Flask

from portal.agreements.events import AgreementEvent
from portal.audit import chain
from portal.audit.models import AuditEntry
from portal.contributions.events import ContributionEvent
from portal.materials.events import MaterialEvent
from portal.organisations.events import InvitationEvent
from portal.public.events import NewsEvent
from portal.umkm.events import InquiryEvent, SaleEvent

#: Every concept whose verbs are events.
KINDS = (AgreementEvent, ContributionEvent, InvitationEvent, MaterialEvent, NewsEvent, InquiryEvent, SaleEvent)
#: An audited action's event kind and verb.
BY_ACTION = {verb.action: (kind, verb) for kind in KINDS for verb in kind.verbs if verb.action}


def verbs():
    """Every verb of every concept."""
    return [verb for kind in KINDS for verb in kind.verbs]


def subscribe(app: Flask) -> None:
    """`app`'s audit entries are announced as events (until then, they are only written)."""
    chain.recorded.connect(_announce, sender=app, weak=False)


def unsubscribe(app: Flask) -> None:
    chain.recorded.disconnect(_announce, sender=app)


def _announce(app: Flask, *, entry: AuditEntry) -> None:
    found = BY_ACTION.get(entry.action)
    if found is None or entry.object_id is None or entry.object_type != entry.action.split(".")[0]:
        return
    kind, verb = found
    if verb.signal.has_receivers_for(app):  # an import's thousands of entries cost nothing nobody hears
        verb.signal.send(app, event=kind(verb, entry))
