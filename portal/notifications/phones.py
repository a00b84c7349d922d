"""A person's numbers for WhatsApp and SMS: proven theirs by a one-time code sent over that very channel, removed
by them, stopped by their reply STOP (or BERHENTI) and started again by MULAI (or START). Every change is in the
audit trail, never the number itself.
"""
from __future__ import annotations

from datetime import datetime, timedelta
import hashlib
import hmac
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
import phonenumbers
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit import chain as audit
from portal.core.columns import as_utc, utcnow
from portal.core.errors import DomainError
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.notifications import channel_outbox, channels, messages, preferences
from portal.notifications.channel_models import ChannelMessage, PhoneChannel

#: Wrong codes before a code is spent (a new one must be asked for).
CODE_TRIES = 5
#: How far a provider's clock and ours may differ (its timestamps are whole seconds).
CLOCKS_DIFFER = timedelta(minutes=1)


def normalised(typed: str) -> str:
    """A mobile number as typed in Indonesia ("0812-3456-7890", "+62 812 ...") in E.164; a clear refusal else. Only
    the countries of PHONE_COUNTRY_CODES (Indonesia's 62): a code sent abroad costs many times more, and nobody
    here needs it."""
    try:
        number = phonenumbers.parse((typed or "").strip(), "ID")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in (
            phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise DomainError(_l("That is not a mobile number; type it as on your phone, e.g. 0812 3456 7890."))
    if str(number.country_code) not in current_app.config["PHONE_COUNTRY_CODES"]:
        raise DomainError(_l("Only Indonesian mobile numbers (+62) can receive messages from this portal."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def shown(phone: str) -> str:
    """A number as people write it: +62 812-3456-7890."""
    return phonenumbers.format_number(phonenumbers.parse(phone, "ID"), phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def numbers_of(user: User) -> dict[str, PhoneChannel]:
    return {row.channel: row for row in db.session.scalars(select(PhoneChannel).where(PhoneChannel.user_id == user.id))}


def usable_channels(user: User) -> list[str]:
    """The phone channels the person may choose: offered here, with a verified number not stopped."""
    numbers = numbers_of(user)
    return [channel for channel in channel_outbox.offered() if channel in numbers and numbers[channel].usable]


def send_code(user: User, channel: str, typed: str) -> PhoneChannel:
    """A new code to the number through `channel`; until it is entered, the channel is not the person's. Refused
    for a number that replied STOP (by anyone's account), or that had PHONE_CODES_PER_NUMBER codes this hour (by
    anyone's account): the portal is not a way to flood someone's phone."""
    if channel not in channel_outbox.offered():
        raise DomainError(_l("This portal does not send messages by %(channel)s.",
                             channel=preferences.CHANNEL_NAMES.get(channel, channel)))
    phone = normalised(typed)
    with unscoped("whether anyone's number here replied STOP, and how many codes went to it"):
        stopped = db.session.scalar(select(func.count()).select_from(PhoneChannel).where(
            PhoneChannel.channel == channel, PhoneChannel.phone == phone, PhoneChannel.stopped_at.is_not(None)))
        recent = db.session.scalar(select(func.count()).select_from(ChannelMessage).where(
            ChannelMessage.kind == messages.CODE, ChannelMessage.channel == channel, ChannelMessage.sent_to == phone,
            ChannelMessage.created_at > utcnow() - timedelta(hours=1)))
    if stopped:
        raise DomainError(_l("This number replied STOP (or BERHENTI) to MitraPAS. To receive messages again, send "
                             "MULAI (or START) from it in reply to our last message, then ask for a code."))
    if recent >= current_app.config["PHONE_CODES_PER_NUMBER"]:
        raise DomainError(_l("Too many codes went to this number in the last hour. Try again later."))
    row = numbers_of(user).get(channel) or PhoneChannel(user_id=user.id, channel=channel)
    if row.phone != phone:
        row.verified_at = None
    code = f"{secrets.randbelow(10 ** 6):06d}"
    row.phone, row.code_digest, row.code_attempts = phone, _digest(user, channel, phone, code), 0
    row.code_expires_at = utcnow() + timedelta(minutes=messages.CODE_MINUTES)
    db.session.add(row)
    channels.by_name(channel).send_code(user, code, phone)
    audit.record("phone.code_sent", actor=user, object_type="user", object_id=user.id, after={"channel": channel})
    return row


def confirm(user: User, channel: str, code: str) -> None:
    """The code the person received: the number is theirs, and the channel theirs to choose. The row is locked
    while the try is counted: tries sent at once count one by one."""
    query = select(PhoneChannel).where(PhoneChannel.user_id == user.id, PhoneChannel.channel == channel)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = db.session.scalar(query)
    if row is None or row.code_digest is None:
        raise DomainError(_l("Ask for a code first."))
    if as_utc(row.code_expires_at) < utcnow() or row.code_attempts >= CODE_TRIES:
        raise DomainError(_l("This code has expired or was typed wrong too often: ask for a new one."))
    typed = "".join(character for character in code or "" if character.isdigit())  # "074 378" is 074378
    if not hmac.compare_digest(row.code_digest, _digest(user, channel, row.phone, typed)):
        row.code_attempts += 1
        raise DomainError(_l("That code is not right. Check the last message from MitraPAS."))
    row.verified_at, row.code_digest, row.code_expires_at = utcnow(), None, None
    audit.record("phone.verified", actor=user, object_type="user", object_id=user.id, after={"channel": channel})


def remove(user: User, channel: str) -> None:
    """The person's number for `channel` is gone; the groups that went there go by e-mail."""
    row = numbers_of(user).get(channel)
    if row is None:
        return
    db.session.delete(row)
    user.notice_routes = {group: route for group, route in (user.notice_routes or {}).items() if route != channel}
    audit.record("phone.removed", actor=user, object_type="user", object_id=user.id, after={"channel": channel})


def stopped(channel: str, phone: str, at: datetime | None) -> None:
    """Whoever has `phone` for `channel` replied STOP: nothing more goes there, codes included, until the number
    sends MULAI (`restarted`); their notices go the next way (`channel_outbox.fall_back`). A STOP from before a
    number was verified again is an old one sent again, not a new wish. Called in the provider callback's escape
    hatch."""
    for row in db.session.scalars(select(PhoneChannel).where(PhoneChannel.channel == channel,
                                                             PhoneChannel.phone == phone,
                                                             PhoneChannel.stopped_at.is_(None))):
        if at is not None and row.verified_at is not None and at < as_utc(row.verified_at) - CLOCKS_DIFFER:
            continue
        row.stopped_at = utcnow()
        audit.record("phone.stopped", actor=db.session.get(User, row.user_id), object_type="user",
                     object_id=row.user_id, after={"channel": channel})


def restarted(channel: str, phone: str) -> None:
    """The number replied MULAI (or START): messages may go to it again (a number verified before is on again; one
    never verified may now be sent a code)."""
    for row in db.session.scalars(select(PhoneChannel).where(PhoneChannel.channel == channel,
                                                             PhoneChannel.phone == phone,
                                                             PhoneChannel.stopped_at.is_not(None))):
        row.stopped_at = None
        audit.record("phone.restarted", actor=db.session.get(User, row.user_id), object_type="user",
                     object_id=row.user_id, after={"channel": channel})


def _digest(user: User, channel: str, phone: str, code: str) -> str:
    """The code bound to its person, channel and number: it proves nothing of another number."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"phone-code:{user.id}:{channel}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()
