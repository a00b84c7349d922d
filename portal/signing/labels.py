"""The audit actions of signing certificates, as the trail pages show them (`portal.core.vocabulary` reads them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

AUDIT_ACTIONS = {
    "signing_certificate.issued": _l("Signing certificate issued"),
    "signing_certificate.revoked": _l("Signing certificate revoked"),
}

LABELS: dict = {}
