"""People who log in, and their server-side login sessions."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.columns import Timestamp, utcnow
from portal.core.sealing import Sealed
from portal.extensions import db
from portal.organisations.models import Membership


class User(UserMixin, db.Model):
    """A person; may belong to several organisations."""

    __tablename__ = "users"
    #: No kept page shows these (`portal.core.whose_pages`): a hash upgraded at sign-in, a two-step code's last step.
    #: Anything else about a person is shown on the pages of every counterpart: it reaches everyone's.
    unshown_columns = frozenset({"password_hash", "totp_last_step"})
    #: A new person is not visible until they belong somewhere (RLS): no RETURNING.
    __table_args__ = {"implicit_returning": False}

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lowercase; the login name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Jabatan, e.g. "Kasubsi Pelayanan Tahanan".
    position: Mapped[str | None] = mapped_column(String(200))
    #: Nomor Induk Pegawai, for civil servants.
    nip: Mapped[str | None] = mapped_column(String(18))
    #: argon2id hash (argon2-cffi's encoded form).
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Creates organisations; not a tenant role and grants no access to tenant data.
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    #: When the person left their last organisation (sign-in stopped then); None for a platform admin's
    #: deactivation, which only a platform admin undoes, where a new invitation brings someone who left back.
    left_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: When the person asked for their data to be erased (a platform admin then pseudonymises it).
    erasure_requested_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: When name, e-mail, phone and the rest were replaced by a pseudonym (`pseudonyms.pseudonymise`).
    pseudonymised_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: "id" or "en".
    locale: Mapped[str] = mapped_column(String(5), default="id")
    phone: Mapped[str | None] = mapped_column(String(30))
    #: How each notice group reaches this person beyond the bell: {group: "email" | "whatsapp" | "sms" | "bell"};
    #: a group not named goes by e-mail (`portal.notifications.preferences`).
    notice_routes: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Groups told in one summary a day instead of one message per notice.
    digest_groups: Mapped[list] = mapped_column(JSON, default=list)
    #: When the next daily summary is due (None: no group is summarised), and the last notice one took.
    digest_due_at: Mapped[datetime | None] = mapped_column(Timestamp, index=True)
    digested_notice_id: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The person's time zone (WIB, WITA or WIT), for their quiet hours and their morning summary.
    time_zone: Mapped[str] = mapped_column(String(32), default="Asia/Jakarta", server_default="Asia/Jakarta")
    #: Quiet hours, local: from `quiet_from` o'clock until `quiet_until` o'clock no notice goes by WhatsApp or SMS
    #: (None: no quiet hours).
    quiet_from: Mapped[int | None] = mapped_column(default=21, server_default="21")
    quiet_until: Mapped[int | None] = mapped_column(default=6, server_default="6")
    #: How a facility's verifier hears of new contributions: "each" as it is recorded, or "daily" in one summary
    #: (`notifications.NEW_CONTRIBUTION_NOTICES`).
    contribution_notices: Mapped[str] = mapped_column(String(10), default="each", server_default="each")
    #: Two-factor sign-in (TOTP): the shared secret (sealed: a database dump does not pass the second step),
    #: when it was turned on, and the last time step used (a code is accepted once: never again at or
    #: before that step).
    totp_secret: Mapped[str | None] = mapped_column(Sealed())
    totp_enabled_at: Mapped[datetime | None] = mapped_column(Timestamp)
    totp_last_step: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<User {self.email}>"

    def membership_in(self, organisation, *, include_lapsed: bool = False) -> Membership | None:
        """The person's membership there; a fixed-term one past its end date counts as none."""
        found = next((m for m in self.memberships if m.organisation_id == organisation.id), None)
        return found if found is None or include_lapsed or not found.has_lapsed() else None


class LoginSession(db.Model):
    """A server-side record of one login, so logout and deactivation revoke the cookie."""

    __tablename__ = "login_sessions"
    #: Whose kept pages show it (`portal.core.whose_pages`): a session ended is its person's pages no longer answered.
    shown_on_pages_of = ("user_id",)

    #: Random token kept in the signed session cookie.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    #: Written at most every few minutes (`login_sessions.SEEN_EVERY`), for the person's list of sessions.
    last_seen_at: Mapped[datetime | None] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A one-time code to sign in without the authenticator; shown once, stored as a hash."""

    __tablename__ = "recovery_codes"
    #: Whose kept pages show it (`portal.core.whose_pages`): its person's.
    shown_on_pages_of = ("user_id",)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(Timestamp)
