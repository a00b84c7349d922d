"""The morning summary (issue 39): for the groups a person chose it for, one message a day instead of one per notice,
through the channel each group goes by, at DIGEST_HOUR in their time zone (`preferences.next_summary`).

The notices themselves are the summary's source: each is in the bell at once, and the summary tells of those still
unread that came since the last one. Sent by the worker (its sweep looks for people whose summary is due), each
person in their own transaction, locked: two workers never send one summary twice.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask_babel import force_locale
from sqlalchemy import select

from portal.accounts.models import User
from portal.core import links
from portal.core.columns import utcnow
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.notifications import channels, messages, preferences
from portal.notifications.delivery import group_of
from portal.notifications.models import Notification
from portal.notifications.texts import notice_text

#: How many notices a summary's e-mail lists one by one; the rest are in the bell.
LISTED = 50


def send_due(*, now: datetime | None = None, limit: int = 100) -> int:
    """Everyone's summary that is due; how many people were summarised."""
    now, done = now or utcnow(), 0
    with unscoped("every person's morning summary"):
        for _ in range(limit):
            query = select(User).where(User.digest_due_at <= now).order_by(User.digest_due_at, User.id).limit(1)
            if db.session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=User)
            user = db.session.scalar(query)
            if user is None:
                break
            if user.is_active:
                summarise(user, now)
            else:  # switched off, or left: no summary, now or later
                user.digest_due_at = None
            db.session.commit()
            done += 1
    return done


def summarise(user: User, now: datetime) -> None:
    """One message per channel of the unread notices since the last summary in the person's summarised groups
    (nothing when there are none), and the next summary's time."""
    taken, last = {}, user.digested_notice_id or 0
    for notice in db.session.scalars(select(Notification).where(
            Notification.user_id == user.id, Notification.id > last, Notification.created_at <= now)
            .order_by(Notification.id)):
        last = max(last, notice.id)
        group = group_of(notice.kind)
        if notice.read_at is None and preferences.summarised(user, group):
            taken.setdefault(channels.route_for(user, group), []).append((group, notice))
    for channel, notices in taken.items():
        parts = messages.of_summary(Counter(group for group, _ in notices), user.locale)
        with force_locale(user.locale or "id"):
            listed = [(notice_text(notice), links.absolute(notice.link)) for _, notice in notices[:LISTED]]
        channels.by_name(channel).send_summary(user, parts, listed)
    user.digested_notice_id = last
    user.digest_due_at = preferences.next_summary(user, now) if user.digest_groups else None
