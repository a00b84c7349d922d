"""What a WhatsApp or SMS message says, in the person's language: a headline of its kind, the notice's own sentence
(which names its record by number and parties, never by a title, a reason or anything typed: `texts`), and a
link. A WhatsApp template has these three as its parameters; an SMS is the three in one text.
"""
from __future__ import annotations

from collections import Counter

from flask_babel import force_locale, lazy_gettext as _l

from portal.core import links
from portal.notifications.models import Notification
from portal.notifications.texts import HEADLINES, OTHER_HEADLINE, notice_text


#: The groups by a short name, for a summary's count ("2 PKS, 1 kontribusi").
GROUP_WORDS = {
    "agreements": _l("PKS"), "contributions": _l("contributions"), "new_contributions": _l("new contributions"),
    "people": _l("people"), "materials": _l("materials"), "news": _l("news"), "inquiries": _l("UMKM inquiries"),
    "reminders": _l("reminders"),
}


def of_notice(notice: Notification, locale: str) -> list[str]:
    """[headline, sentence, link] of one notice."""
    with force_locale(locale or "id"):
        return [str(HEADLINES.get(notice.kind, OTHER_HEADLINE)), notice_text(notice), links.absolute(notice.link)]


def of_summary(groups: Counter, locale: str) -> list[str]:
    """[headline, counts, link] of a morning summary: how many notices of which groups, and the bell."""
    with force_locale(locale or "id"):
        counts = ", ".join(f"{count} {GROUP_WORDS.get(group, group)}" for group, count in sorted(groups.items()))
        return [str(_l("Your MitraPAS summary")),
                str(_l("%(count)s new notice(s) since yesterday: %(counts)s.", count=sum(groups.values()),
                       counts=counts)),
                links.absolute("notifications.index")]


def of_code(code: str, locale: str) -> list[str]:
    """[code]: a verification code's template has the code alone (WhatsApp's authentication templates)."""
    return [code]


def headline_of(message) -> str:
    """What a sent message was, in a few words, for its person's list (a code is never shown again)."""
    if message.kind == CODE:
        return str(_l("Verification code"))
    return message.parts[0] if message.parts else ""


def as_text(kind: str, parts: list[str], locale: str) -> str:
    """The message as one text: an SMS, and what the settings page shows."""
    with force_locale(locale or "id"):
        if kind == CODE:
            return str(_l("MitraPAS: your verification code is %(code)s. It holds for %(minutes)s minutes. Never "
                          "give it to anyone.", code=parts[0], minutes=CODE_MINUTES))
        headline, sentence, link = parts
        return f"MitraPAS: {headline}. {sentence} {link}"


#: The kinds of message that are not a notice.
CODE, SUMMARY = "verification_code", "digest"
#: How long a verification code holds.
CODE_MINUTES = 10
