"""A file sent from the browser straight to storage in parts: resumable, and held back until checked."""
from __future__ import annotations

from datetime import datetime
import enum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.columns import PairScoped, Timestamp, enum_column, utcnow
from portal.extensions import db


class UploadStatus(enum.StrEnum):
    #: Parts are arriving in storage; the object does not exist yet.
    UPLOADING = "uploading"
    #: Proved whole when finished (every part at its size, the object their join by its ETag) and of an accepted
    #: type by its first bytes: it may become a material's file, quarantined until the background check hashed it.
    JOINED = "joined"
    #: Whole, of an accepted type by its content, hashed: it may now become a material's file.
    CHECKED = "checked"
    #: It failed a check; its object is gone and `problem` says why.
    REJECTED = "rejected"
    #: It is a material's file now.
    ATTACHED = "attached"


class ResumableUpload(PairScoped, db.Model):
    """Quarantine by construction: no material points at the object before the portal has checked it."""

    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_status_created", "status", "created_at"),)

    #: Random and unguessable: the browser keeps it to resume after a dropped connection or a reload.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The uploader's file name, sanitised.
    filename: Mapped[str] = mapped_column(String(255))
    #: What the browser announced; the stored object must have exactly this size.
    size: Mapped[int] = mapped_column(BigInteger)
    part_size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(300), unique=True)
    #: The object store's id of the multipart upload.
    multipart_id: Mapped[str] = mapped_column(String(300))
    status: Mapped[UploadStatus] = mapped_column(enum_column(UploadStatus), default=UploadStatus.UPLOADING)
    #: The joined object's ETag (the MD5 of its parts' MD5s, "-" and their count), as finishing proved it: the
    #: background check refuses an object that is no longer this one.
    etag: Mapped[str | None] = mapped_column(String(80))
    #: Sniffed from the stored content once it is whole.
    content_type: Mapped[str | None] = mapped_column(String(120))
    #: None until the background check has read the whole object.
    sha256: Mapped[str | None] = mapped_column(String(64))
    #: Why it was refused, in the words shown to the uploader.
    problem: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    checked_at: Mapped[datetime | None] = mapped_column(Timestamp)

    @property
    def part_count(self) -> int:
        return max(1, -(-self.size // self.part_size))
