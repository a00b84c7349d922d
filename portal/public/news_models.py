"""A facility's news: reports its Humas officer drafts from verified activities and publishes on its public page."""
from __future__ import annotations

from datetime import date, datetime
import enum

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.columns import FacilityOwned, Timestamp, enum_column, utcnow
from portal.extensions import db


class NewsStatus(enum.StrEnum):
    """`portal.public.news` owns every move between these."""

    DRAFT = "draft"
    #: The facility wants its head to approve news first; the head has not yet.
    AWAITING_APPROVAL = "awaiting_approval"
    PUBLISHED = "published"
    #: Taken off the public page after publication (kept, never deleted: it was public once).
    WITHDRAWN = "withdrawn"


class NewsSource(enum.StrEnum):
    """The verified activity a report was drafted from."""

    AGREEMENT = "agreement"
    PROGRAMME = "programme"
    CONTRIBUTION = "contribution"


class NewsItem(FacilityOwned, db.Model):
    """One report, in the shape of the seeds: what, who, where, when, with whom, and quotes."""

    __tablename__ = "news_items"
    #: Whose kept pages show it (`portal.core.whose_pages`): the facility's and its overseers', and the partner it names.
    shown_on_pages_of = ("facility_id", "partner_id")
    __table_args__ = (UniqueConstraint("facility_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The readable part of its public address; fixed once published, so shared links keep working.
    slug: Mapped[str] = mapped_column(String(160))
    title: Mapped[str] = mapped_column(String(300))
    #: Paragraphs separated by blank lines; plain text (the public page escapes it).
    body: Mapped[str] = mapped_column(Text, default="")
    #: Where it happened, e.g. "Aula Klinik Rutan Tamiang Layang".
    place: Mapped[str | None] = mapped_column(String(200))
    happened_on: Mapped[date] = mapped_column(Date)
    source_kind: Mapped[NewsSource] = mapped_column(enum_column(NewsSource))
    source_id: Mapped[int]
    #: The partner of the activity (the public page names it; its other news lists by it).
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    status: Mapped[NewsStatus] = mapped_column(enum_column(NewsStatus), default=NewsStatus.DRAFT, index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(Timestamp, index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    partner: Mapped["Organisation | None"] = relationship(foreign_keys=[partner_id], lazy="joined")  # noqa: F821
    quotes: Mapped[list["NewsQuote"]] = relationship(
        back_populates="news_item", order_by="NewsQuote.position", cascade="all, delete-orphan")
    photos: Mapped[list["NewsPhoto"]] = relationship(
        back_populates="news_item", order_by="NewsPhoto.id", cascade="all, delete-orphan")

    def paragraphs(self) -> list[str]:
        return [part.strip() for part in self.body.split("\n\n") if part.strip()]


class NewsQuote(FacilityOwned, db.Model):
    """What someone said, typed in by staff with the speaker's name and office."""

    __tablename__ = "news_quotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    news_item_id: Mapped[int] = mapped_column(ForeignKey("news_items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    speaker: Mapped[str] = mapped_column(String(200))
    #: e.g. "Kepala Rutan Tamiang Layang".
    office: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)

    news_item: Mapped[NewsItem] = relationship(back_populates="quotes")


class NewsPhoto(FacilityOwned, db.Model):
    """A photo material made fit to publish: confirmed to show no recognisable WBP, re-encoded without its
    EXIF and GPS data, resized for the web. The original stays a private material."""

    __tablename__ = "news_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    news_item_id: Mapped[int] = mapped_column(ForeignKey("news_items.id", ondelete="CASCADE"), index=True)
    material_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("material_versions.id", ondelete="SET NULL"), index=True)
    caption: Mapped[str] = mapped_column(String(300), default="")
    #: Who confirmed that no WBP can be recognised in it, and when.
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    #: The published copies (JPEG, no metadata): the page's size and a small one for lists and cards.
    large_key: Mapped[str] = mapped_column(String(300), unique=True)
    small_key: Mapped[str] = mapped_column(String(300), unique=True)
    width: Mapped[int]
    height: Mapped[int]

    news_item: Mapped[NewsItem] = relationship(back_populates="photos")
