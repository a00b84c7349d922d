"""A person's own data: everything the portal holds about them, to read on a page or take away as JSON.

UU PDP gives everyone the right to a copy of their personal data. The copy is gathered here once, for the
page and for the download, across every organisation the person belongs or belonged to: it is about the
person, so it is read by who they are (their own rows, the records they made), not by the organisation
they act for. Records other people made about them are listed by what they are, not copied whole.
"""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from portal.accounts import login_sessions, two_factor
from portal.accounts.models import LoginSession, User
from portal.agreements.models import Agreement, Signature
from portal.audit import chain as audit, sentences as audit_sentences
from portal.audit.models import AuditEntry
from portal.contributions.models import Contribution
from portal.core.i18n import long_date, long_datetime
from portal.core.tenancy import unscoped
from portal.core.vocabulary import label
from portal.extensions import db
from portal.materials.models import Material
from portal.notifications import messages, phones
from portal.notifications.channel_models import ChannelMessage
from portal.notifications.models import Notification
from portal.notifications.texts import notice_text
from portal.organisations.invitation_models import Invitation
from portal.privacy import document_access

#: Entries of the audit trail the copy lists (the newest first); the trail itself is never cut.
AUDIT_LIMIT = 1000


def _iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _rows(statement, fields: tuple[str, ...]) -> list[dict]:
    return [{field: _iso(getattr(row, field)) for field in fields} for row in db.session.scalars(statement)]


def gather(user: User) -> dict:
    """Everything about `user`, as plain JSON-ready data, grouped the way the page shows it."""
    with unscoped("a person's copy of their own data spans every organisation they belonged to"):
        copy = {
            "profile": {field: _iso(getattr(user, field)) for field in (
                "name", "email", "position", "nip", "phone", "locale", "created_at", "password_changed_at")}
            | {"two_factor_since": _iso(user.totp_enabled_at) if two_factor.is_enabled(user) else None,
               "notice_routes": dict(user.notice_routes or {}), "summarised_groups": list(user.digest_groups or []),
               "time_zone": user.time_zone, "quiet_hours": [user.quiet_from, user.quiet_until],
               "phone_channels": [{"channel": row.channel, "phone": row.phone, "verified_at": _iso(row.verified_at),
                                   "stopped_at": _iso(row.stopped_at)} for row in phones.numbers_of(user).values()]},
            "phone_messages": [{"channel": m.channel, "to": m.sent_to, "message": messages.headline_of(m),
                                "status": m.status.value, "created_at": _iso(m.created_at),
                                "sent_at": _iso(m.sent_at)}
                               for m in db.session.scalars(select(ChannelMessage).where(
                                   ChannelMessage.user_id == user.id).order_by(ChannelMessage.id))],
            "memberships": [{"organisation": m.organisation.name, "role": str(label(m.role)),
                             "since": _iso(m.created_at), "access_until": _iso(m.access_until)}
                            for m in user.memberships],
            "sessions": [{"device": login_sessions.describe_device(s.user_agent), "ip": s.ip,
                          "started_at": _iso(s.created_at), "last_seen_at": _iso(s.last_seen_at),
                          "ended_at": _iso(s.revoked_at)}
                         for s in db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)
                                                     .order_by(LoginSession.created_at.desc()))],
            "invitations": [{"organisation": i.organisation.name, "role": str(label(i.role)), "sent_at": _iso(i.created_at),
                             "accepted_at": _iso(i.accepted_at)}
                            for i in db.session.scalars(select(Invitation).where(Invitation.email == user.email)
                                                        .order_by(Invitation.created_at))],
            "notifications": [{"kind": n.kind, "text": notice_text(n), "link": n.link, "created_at": _iso(n.created_at),
                               "read_at": _iso(n.read_at)}
                              for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                                          .order_by(Notification.id.desc()))],
            "signatures": [{"agreement_id": s.agreement_id, "agreement": s.agreement.title, "name": s.name,
                            "position": s.position, "nip": s.nip, "organisation_name": s.organisation_name,
                            "signed_at": _iso(s.signed_at), "ip": s.ip}
                           for s in db.session.scalars(select(Signature).where(Signature.user_id == user.id)
                                                       .order_by(Signature.signed_at))],
            "agreements_drafted": _rows(select(Agreement).where(Agreement.created_by_id == user.id)
                                        .order_by(Agreement.id), ("id", "title", "created_at")),
            "contributions_recorded": _rows(select(Contribution).where(Contribution.created_by_id == user.id)
                                            .order_by(Contribution.id), ("id", "title", "started_on", "created_at")),
            "materials_added": _rows(select(Material).where(Material.created_by_id == user.id)
                                     .order_by(Material.id), ("id", "title", "created_at", "deleted_at")),
            "openings_of_documents_naming_you": [
                {"at": _iso(a.at), "by": a.user.name if a.user else None, "organisation": a.organisation.name,
                 "file": a.filename, "how": str(label(a.how))} for a in document_access.of_files_naming(user)],
            "activity": [{"at": _iso(e.created_at), "action": e.action, "object": f"{e.object_type} {e.object_id}",
                          "ip": e.ip}
                         for e in db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == user.id)
                                                     .order_by(AuditEntry.id.desc()).limit(AUDIT_LIMIT))],
        }
    return copy


#: Keys of the copy that hold a moment (ISO 8601) or a day, as the page writes them.
_MOMENTS = {"created_at", "password_changed_at", "two_factor_since", "since", "started_at", "last_seen_at",
            "ended_at", "sent_at", "accepted_at", "signed_at", "deleted_at", "read_at", "at"}
_DAYS = {"started_on", "access_until"}


def readable(copy: dict) -> dict:
    """The copy as the page shows it: moments and days in words, the language by its name, the person's own
    audit entries as sentences. The download keeps the copy as it is."""
    def shown(key, value):
        if value is None or value == "":
            return None
        if key in _MOMENTS:
            return long_datetime(datetime.fromisoformat(value))
        if key in _DAYS:
            return long_date(date.fromisoformat(value[:10]))
        if key == "locale":
            return current_app.config["LANGUAGES"].get(value, value)
        return value

    def rows(items):
        return [{key: shown(key, value) for key, value in item.items()} for item in items]

    return {"profile": {key: shown(key, value) for key, value in copy["profile"].items()},
            **{part: rows(items) for part, items in copy.items() if part not in ("profile", "activity")}}


def activity_of(user: User) -> list:
    """The person's own entries of the audit trail, in sentences (the newest first, as many as the copy holds)."""
    with unscoped("a person's copy of their own data spans every organisation they belonged to"):
        entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == user.id)
                                          .order_by(AuditEntry.id.desc()).limit(AUDIT_LIMIT)))
        return audit_sentences.lines_of(entries, reader=None, viewer=user)


def record_export(user: User) -> None:
    audit.record("user.data_exported", actor=user, object_type="user", object_id=user.id)
