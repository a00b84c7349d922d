"""What privacy's codes are called on screen: how a document was opened, and the audit actions of a person's own
data (`portal.core.vocabulary` reads them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.privacy.access_models import AccessHow

ACCESS_HOW = {
    AccessHow.DOWNLOAD: _l("Downloaded"),
    AccessHow.PREVIEW: _l("Previewed"),
}

AUDIT_ACTIONS = {
    "user.data_exported": _l("Copy of one's own data downloaded"),
    "user.erasure_requested": _l("Asked for their personal data to be erased"),
    "user.pseudonymised": _l("Personal data replaced by a pseudonym"),
}

LABELS = {AccessHow: ACCESS_HOW}
