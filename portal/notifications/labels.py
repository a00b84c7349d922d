"""What mail and notices are called on screen: the outbox's statuses, the groups of notices a person may turn off,
and the mail's audit action (`portal.core.vocabulary` reads them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.notifications.channel_models import MessageStatus
from portal.notifications.mail_models import MailStatus

MAIL_STATUS = {
    MailStatus.QUEUED: _l("Waiting to be sent"),
    MailStatus.SENT: _l("Sent"),
    MailStatus.DEAD: _l("Failed (dead)"),
}

MESSAGE_STATUS = {
    MessageStatus.QUEUED: _l("Waiting to be sent"),
    MessageStatus.SENT: _l("Sent"),
    MessageStatus.DELIVERED: _l("Delivered to the phone"),
    MessageStatus.READ: _l("Read"),
    MessageStatus.FAILED: _l("Failed"),
    MessageStatus.DEAD: _l("Failed (gave up)"),
    MessageStatus.DIGESTED: _l("In the summary"),
    MessageStatus.SKIPPED: _l("Not sent: already read in the portal"),
}

NOTIFICATION_GROUPS = {
    "agreements": _l("Agreements: submitted, changes, decisions, signatures"),
    "contributions": _l("Contributions: verified or sent back"),
    "people": _l("People: invitations accepted"),
    "materials": _l("Materials added to an agreement"),
    "news": _l("News: waiting for approval, published or returned"),
    "inquiries": _l("UMKM: buyers' inquiries from the public catalogue"),
    "reminders": _l("Reminders: agreements ending or unsigned, verification waiting"),
    "new_contributions": _l("New contributions waiting for your verification"),
}

AUDIT_ACTIONS = {
    "mail.requeued": _l("E-mail sent again"),
    "user.notice_settings_changed": _l("Notification settings changed"),
    "phone.code_sent": _l("Verification code sent"),
    "phone.verified": _l("Number verified"),
    "phone.removed": _l("Number removed"),
    "phone.stopped": _l("Messages stopped by reply"),
    "phone.restarted": _l("Messages started again by reply"),
}

LABELS = {MailStatus: MAIL_STATUS, MessageStatus: MESSAGE_STATUS}
