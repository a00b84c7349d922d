"""Who opened which document: so that a person can see who viewed or downloaded documents carrying their name."""
from __future__ import annotations

from datetime import datetime
import enum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.columns import Timestamp, enum_column, utcnow
from portal.extensions import db


class AccessedFile(enum.StrEnum):
    AGREEMENT_DOCUMENT = "agreement_document"
    MATERIAL_VERSION = "material_version"


class AccessHow(enum.StrEnum):
    DOWNLOAD = "download"
    PREVIEW = "preview"


class DocumentAccess(db.Model):
    """One opening of a file by someone, kept RETENTION_ACCESS_LOG_DAYS.

    Written by whoever opens the file (oversight offices too, which write no shared record), read only
    for a person's copy of their own data: on PostgreSQL its policies let an organisation insert rows
    in its own name and nobody read them outside `unscoped`.
    """

    __tablename__ = "document_accesses"
    #: Whose kept pages show it (`portal.core.whose_pages`): the pair's, as the document it tells of, and its person's.
    shown_on_pages_of = ("facility_id", "partner_id", "user_id")
    #: No RETURNING on insert: the row is not readable by whoever writes it (see above).
    __table_args__ = (Index("ix_document_accesses_file", "file_kind", "file_id"), {"implicit_returning": False})

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The organisation the person acted for.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    file_kind: Mapped[AccessedFile] = mapped_column(enum_column(AccessedFile))
    file_id: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    how: Mapped[AccessHow] = mapped_column(enum_column(AccessHow))
    #: The pair the file belongs to.
    facility_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)

    user: Mapped["User | None"] = relationship()  # noqa: F821
    organisation: Mapped["Organisation"] = relationship(foreign_keys=[organisation_id])  # noqa: F821
