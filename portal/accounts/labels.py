"""The audit actions of people's accounts and sessions, as the timeline and the trail pages show them
(`portal.core.vocabulary` reads them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

AUDIT_ACTIONS = {
    "session.started": _l("Logged in"),
    "session.ended": _l("Logged out"),
    "session.ended_elsewhere": _l("Another session ended"),
    "user.left": _l("Left the last organisation: sign-in stopped"),
    "user.returned": _l("Came back through an invitation"),
    "user.created": _l("Account created"),
    "user.password_changed": _l("Password changed"),
    "user.password_reset_requested": _l("Password reset requested"),
    "user.password_reset": _l("Password reset by e-mail link"),
    "user.profile_updated": _l("Profile updated"),
    "user.two_factor_enabled": _l("Two-factor sign-in turned on"),
    "user.recovery_code_used": _l("Recovery code used to sign in"),
    "user.deactivated": _l("Account deactivated"),
    "user.locale_changed": _l("Language changed"),
}

LABELS: dict = {}
