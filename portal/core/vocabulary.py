"""What each stored code is called on screen, in PDFs and in messages, in both languages: the shared machinery.

Codes (`agreement.approved`, `changes_requested`) stay stable in the database; people read labels instead. Each
concept holds its own labels in `portal/<concept>/labels.py` (`LABELS`: each coded value's table by its enum type;
`AUDIT_ACTIONS`: its audit actions' labels; `STATUS_COLOUR`: its status badges' colours, if any). This module
assembles them from the one list below: it holds no label of its own.
"""
from __future__ import annotations

import re

from flask_babel import gettext

from portal.accounts import labels as accounts
from portal.agreements import labels as agreements
from portal.contributions import labels as contributions
from portal.integrations import labels as integrations
from portal.materials import labels as materials
from portal.notifications import labels as notifications
from portal.ops import labels as ops
from portal.organisations import labels as organisations
from portal.privacy import labels as privacy
from portal.public import labels as public
from portal.signing import labels as signing
from portal.umkm import labels as umkm

#: Every concept's labels module (the jobs' headings, `portal.jobs.labels.JOB_KIND`, are keyed by no stored enum).
CONCEPTS = (accounts, organisations, agreements, signing, materials, contributions, public, integrations, privacy,
            notifications, ops, umkm)

_LABELS_BY_TYPE = {kind: table for concept in CONCEPTS for kind, table in concept.LABELS.items()}

#: Audit trail actions, as the timeline and the trail pages show them.
AUDIT_ACTIONS = {code: text for concept in CONCEPTS for code, text in concept.AUDIT_ACTIONS.items()}

_STATUS_COLOUR = {status: colour for concept in CONCEPTS for status, colour in getattr(concept, "STATUS_COLOUR",
                                                                                         {}).items()}


def audit_action(code: str) -> str:
    """The label of an audit action; an unknown code is shown as it is."""
    return str(AUDIT_ACTIONS.get(code, code))


def label(code) -> str:
    """The label of any coded value the portal stores (a status, a type, a kind...)."""
    return str(_LABELS_BY_TYPE[type(code)][code])


def labels_of(codes: type) -> dict:
    """Every value of a coded type with its label, still lazy (a form's choices, made once, read in each request's
    language)."""
    return _LABELS_BY_TYPE[codes]


def programme_name(programme) -> str:
    """A programme as lists name it: its name and how long it runs, unless the name says so already (the demo's
    "Program Rehabilitasi WBP Kategori II (30 hari)" read "... (30 hari) (30 hari)")."""
    days = programme.duration_days
    if not days or re.search(rf"\b{days}\s*(hari|days?)\b", programme.name, re.IGNORECASE):
        return programme.name
    return f"{programme.name} ({gettext('%(days)s days', days=days)})"


def status_colour(status) -> str:
    """The Bootstrap colour of an agreement's or a contribution's status badge."""
    return _STATUS_COLOUR.get(status, "secondary")
