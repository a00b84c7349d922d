"""The audit action of operations' commands, as the trail pages show it (`portal.core.vocabulary` reads it)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

AUDIT_ACTIONS = {
    "secrets.rotated": _l("Stored secrets sealed with a new key"),
}

LABELS: dict = {}
