"""What mail and notices are called on screen: the outbox's statuses, the groups of notices a person may turn off,
and the mail's audit action (`portal.core.vocabulary` reads them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.notifications.mail_models import MailStatus

MAIL_STATUS = {
    MailStatus.QUEUED: _l("Waiting to be sent"),
    MailStatus.SENT: _l("Sent"),
    MailStatus.DEAD: _l("Failed (dead)"),
}

NOTIFICATION_GROUPS = {
    "agreements": _l("Agreements: submitted, changes, decisions, signatures"),
    "contributions": _l("Contributions: verified or sent back"),
    "people": _l("People: invitations accepted"),
    "materials": _l("Materials added to an agreement"),
    "news": _l("News: waiting for approval, published or returned"),
    "inquiries": _l("UMKM: buyers' inquiries from the public catalogue"),
    "reminders": _l("Reminders: agreements ending or unsigned, verification waiting"),
}

AUDIT_ACTIONS = {
    "mail.requeued": _l("E-mail sent again"),
}

LABELS = {MailStatus: MAIL_STATUS}
