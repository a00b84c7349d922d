"""Materials a partner shares with a facility: modules, attendance lists, photos, reports, scans."""
from __future__ import annotations

from datetime import datetime
import enum

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.columns import PairScoped, Timestamp, enum_column, utcnow
from portal.extensions import db


class MaterialCategory(enum.StrEnum):
    MODULE = "module"
    ATTENDANCE = "attendance"
    PHOTO = "photo"
    CERTIFICATE = "certificate"
    REPORT = "report"
    PKS_SCAN = "pks_scan"
    OTHER = "other"


class Material(PairScoped, db.Model):
    """One shared item; its files are versions, the newest first in line."""

    __tablename__ = "materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The agreement it belongs to, if any (a material of a signed agreement is never deleted).
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id", ondelete="RESTRICT"), index=True)
    #: The contribution it is evidence of, if any.
    contribution_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributions.id", ondelete="RESTRICT"), index=True)
    category: Mapped[MaterialCategory] = mapped_column(enum_column(MaterialCategory))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    #: Soft delete: hidden from lists at once, its objects purged after the retention period.
    deleted_at: Mapped[datetime | None] = mapped_column(Timestamp, index=True)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    agreement: Mapped["Agreement | None"] = relationship()  # noqa: F821
    contribution: Mapped["Contribution | None"] = relationship()  # noqa: F821
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id], lazy="joined")  # noqa: F821
    versions: Mapped[list["MaterialVersion"]] = relationship(
        back_populates="material", order_by="MaterialVersion.number")

    def __repr__(self) -> str:
        return f"<Material {self.id} {self.category}>"

    @property
    def latest(self) -> "MaterialVersion | None":
        return self.versions[-1] if self.versions else None


class MaterialVersion(PairScoped, db.Model):
    """One file of a material, as stored: never overwritten, only followed by a newer version."""

    __tablename__ = "material_versions"
    __table_args__ = (UniqueConstraint("material_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int]
    #: The uploader's file name, sanitised; shown and offered on download, never used as a key.
    filename: Mapped[str] = mapped_column(String(255))
    #: Sniffed from the content, not taken from the browser.
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    #: None while the background check reads a file the browser sent in parts (`portal.materials.uploads`): the
    #: version is quarantined until then, listed as being checked and never downloadable.
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    #: Why the background check refused the file, in the words shown; it stays quarantined and its object is gone.
    problem: Mapped[str | None] = mapped_column(Text)
    #: `f/<facility-id>/p/<partner-id>/materials/<random>`.
    storage_key: Mapped[str] = mapped_column(String(300), unique=True)
    #: A small JPEG beside the object, for images.
    thumbnail_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    material: Mapped[Material] = relationship(back_populates="versions")
    uploaded_by: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821

    @property
    def quarantined(self) -> bool:
        """Not yet checked whole (or refused by the check): shown as such, never offered for download."""
        return self.sha256 is None
