"""Organisations (the tenants) and who belongs to them in which role."""
from __future__ import annotations

from datetime import date, datetime
import enum

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core import clock
from portal.core.columns import Timestamp, enum_column, utcnow
from portal.extensions import db


class OrgKind(enum.StrEnum):
    FACILITY = "facility"
    PARTNER = "partner"
    OVERSIGHT = "oversight"


class Role(enum.StrEnum):
    HEAD = "head"
    OFFICER = "officer"
    VIEWER = "viewer"
    ADMIN = "admin"
    MEMBER = "member"
    ANALYST = "analyst"
    #: A facility's public-relations officer (Humas): drafts and publishes news, marks photos publishable.
    HUMAS = "humas"
    #: A facility's general-affairs section (Subbag/Urusan Umum) reviewing an agreement's legal side.
    LEGAL = "legal"
    #: A facility's section head (Kepala Seksi) checking an agreement their section will carry out.
    SECTION = "section"


#: Which roles exist inside which kind of organisation (DESIGN.md, "Who uses it").
ROLES_BY_KIND: dict[OrgKind, tuple[Role, ...]] = {
    OrgKind.FACILITY: (Role.HEAD, Role.OFFICER, Role.LEGAL, Role.SECTION, Role.HUMAS, Role.VIEWER),
    OrgKind.PARTNER: (Role.ADMIN, Role.MEMBER),
    OrgKind.OVERSIGHT: (Role.ANALYST,),
}

#: The role given to the first person of a new organisation.
FIRST_ROLE: dict[OrgKind, Role] = {
    OrgKind.FACILITY: Role.HEAD,
    OrgKind.PARTNER: Role.ADMIN,
    OrgKind.OVERSIGHT: Role.ANALYST,
}


class PartnerCategory(enum.StrEnum):
    NGO = "ngo"
    HOSPITAL = "hospital"
    GOVERNMENT_PROGRAMME = "government_programme"
    TRAINING_CENTRE = "training_centre"
    GOVERNMENT_OFFICE = "government_office"
    EDUCATION = "education"
    BUSINESS = "business"
    OTHER = "other"


#: Facility classes used by UPT Pemasyarakatan.
FACILITY_CLASSES = (
    "Rutan Kelas I", "Rutan Kelas IIA", "Rutan Kelas IIB",
    "Lapas Kelas I", "Lapas Kelas IIA", "Lapas Kelas IIB", "Lapas Kelas III",
    "Lapas Narkotika Kelas IIA", "Lapas Narkotika Kelas IIB",
    "Lapas Perempuan Kelas IIA", "Lapas Perempuan Kelas IIB",
    "LPKA Kelas I", "LPKA Kelas II", "Bapas Kelas I", "Bapas Kelas II",
)

#: Indonesia's 38 provinces; oversight scope and facility location use these names.
PROVINCES = (
    "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Kepulauan Riau", "Jambi",
    "Sumatera Selatan", "Kepulauan Bangka Belitung", "Bengkulu", "Lampung",
    "DKI Jakarta", "Jawa Barat", "Banten", "Jawa Tengah", "DI Yogyakarta", "Jawa Timur",
    "Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur",
    "Kalimantan Barat", "Kalimantan Tengah", "Kalimantan Selatan", "Kalimantan Timur",
    "Kalimantan Utara", "Sulawesi Utara", "Gorontalo", "Sulawesi Tengah", "Sulawesi Barat",
    "Sulawesi Selatan", "Sulawesi Tenggara", "Maluku", "Maluku Utara",
    "Papua", "Papua Barat", "Papua Barat Daya", "Papua Tengah", "Papua Pegunungan",
    "Papua Selatan",
)


class Organisation(db.Model):
    """A tenant: a facility (UPT), a partner, or an oversight office."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The URL name, `/o/<slug>/...`; never changes once created.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind))
    #: For a facility, where it is; for oversight, the province it covers (None: all, Ditjen PAS); who covers whom
    #: is `portal.organisations.visibility.covers`.
    province: Mapped[str | None] = mapped_column(String(60), index=True)
    city: Mapped[str | None] = mapped_column(String(120))
    #: Facilities only, e.g. "Rutan Kelas IIB".
    facility_class: Mapped[str | None] = mapped_column(String(60))
    #: Partners only.
    partner_category: Mapped[PartnerCategory | None] = mapped_column(enum_column(PartnerCategory))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Facilities only: the head has turned the public page on (`/publik/<slug>`).
    public_page: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Facilities only: news waits for the head's approval before it is published.
    news_needs_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    #: In the order people joined: without an order, PostgreSQL answers in the rows' physical order, which an
    #: update changes (a restored backup then listed them otherwise, from the deployed backup story).
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Membership.id"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class Membership(db.Model):
    """One person's role inside one organisation."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role))
    #: For interns and other fixed-term members: no access after this day (Asia/Jakarta).
    access_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    user: Mapped["User"] = relationship(back_populates="memberships")  # noqa: F821
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")

    def __repr__(self) -> str:
        return f"<Membership {self.user_id}@{self.organisation_id} {self.role}>"

    def has_lapsed(self) -> bool:
        return self.access_until is not None and self.access_until < clock.today()
