"""The audit actions of API tokens and webhooks, as the trail pages show them (`portal.core.vocabulary` reads them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

AUDIT_ACTIONS = {
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "webhook.registered": _l("Webhook added"),
    "webhook.disabled": _l("Webhook switched off"),
    "webhook.enabled": _l("Webhook switched on"),
    "webhook.removed": _l("Webhook removed"),
    "webhook.resent": _l("Webhook delivery sent again"),
    "webhook.test_sent": _l("Webhook test event sent"),
}

LABELS: dict = {}
