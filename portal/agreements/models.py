"""PKS cooperation agreements, their document versions and their signatures."""
from __future__ import annotations

from datetime import date, datetime, timedelta
import enum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint, and_, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.columns import PairScoped, Timestamp, enum_column, utcnow
from portal.extensions import db


class AgreementType(enum.StrEnum):
    HEALTH_REFERRAL = "health_referral"
    REHABILITATION = "rehabilitation"
    COUNSELLING = "counselling"
    VOCATIONAL_TRAINING = "vocational_training"
    INTERNSHIP = "internship"
    ECONOMIC_EMPOWERMENT = "economic_empowerment"
    SPIRITUAL = "spiritual"
    EDUCATION = "education"
    OTHER = "other"


class AgreementStatus(enum.StrEnum):
    """DESIGN.md's lifecycle; `portal.agreements.operations` owns every move between these."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    #: Reviewed by an officer and waiting for the head's decision.
    FORWARDED = "forwarded"
    APPROVED = "approved"
    REJECTED = "rejected"
    #: The partner's signatory has signed; the facility's has not yet.
    PARTNER_SIGNED = "partner_signed"
    #: Both parties signed; the start date has not come yet.
    SIGNED = "signed"
    ACTIVE = "active"
    EXPIRED = "expired"
    TERMINATED = "terminated"


class AgreementKind(enum.StrEnum):
    AGREEMENT = "agreement"
    #: An amendment: once signed by both it becomes part of the agreement it amends.
    ADDENDUM = "addendum"


class Party(enum.StrEnum):
    FACILITY = "facility"
    PARTNER = "partner"


class DocumentKind(enum.StrEnum):
    #: A version of the agreement text under negotiation (PDF or DOCX).
    DRAFT = "draft"
    #: A scan of the PKS signed on paper.
    SIGNED_SCAN = "signed_scan"
    #: The PDF being signed electronically: the approved text and certificate page, with each party's
    #: PAdES signature added as an incremental update.
    SIGNED = "signed"
    #: The portal's final PDF: the signed text followed by the certificate page.
    FINAL = "final"


class SignatureMethod(enum.StrEnum):
    ELECTRONIC = "electronic"
    #: Signed on paper; counts once a facility officer confirmed the scan.
    PAPER = "paper"


# The groups of states that lists, counts, rules and pages read, each written here once
# (tests/agreements/test_status_groups.py fails on a second spelling of a group elsewhere).
_S = AgreementStatus
#: Being drafted: its drafters may edit and submit it.
EDITABLE_STATES = frozenset({_S.DRAFT, _S.CHANGES_REQUESTED})
#: Submitted and waiting for the facility: an officer's review, then the head's decision.
IN_REVIEW_STATES = frozenset({_S.SUBMITTED, _S.FORWARDED})
#: Approved and waiting for the signatures: the partner's, then the facility's (`agreements.signing.SIGNS_IN`).
AWAITING_SIGNATURE_STATES = frozenset({_S.APPROVED, _S.PARTNER_SIGNED})
#: Between its submission and its second signature: what a dashboard counts as pending.
PENDING_STATES = IN_REVIEW_STATES | {_S.CHANGES_REQUESTED} | AWAITING_SIGNATURE_STATES
#: Signed by both and not ended: in force on the days of its term (`Agreement.in_force_on`), or waiting for its start.
IN_FORCE_STATES = frozenset({_S.SIGNED, _S.ACTIVE})
#: Signed by both at some point, whether in force yet, still, or no longer.
SIGNED_STATES = IN_FORCE_STATES | {_S.EXPIRED, _S.TERMINATED}
#: Its term began (and may have run out) and it was not ended early: what may be renewed.
RENEWABLE_STATES = frozenset({_S.ACTIVE, _S.EXPIRED})
#: Entered with a reason (the latest kept in `status_reason`), which the agreement's page shows.
WITH_REASON_STATES = frozenset({_S.CHANGES_REQUESTED, _S.REJECTED, _S.TERMINATED})


class Agreement(PairScoped, db.Model):
    """A PKS between a facility and a partner (or an addendum to one)."""

    __tablename__ = "agreements"
    __table_args__ = (
        Index("ix_agreements_status_end_date", "status", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AgreementKind] = mapped_column(enum_column(AgreementKind), default=AgreementKind.AGREEMENT)
    status: Mapped[AgreementStatus] = mapped_column(enum_column(AgreementStatus), default=AgreementStatus.DRAFT)
    type: Mapped[AgreementType] = mapped_column(enum_column(AgreementType))
    title: Mapped[str] = mapped_column(String(300))
    #: Ruang lingkup.
    scope: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[str] = mapped_column(Text, default="")
    facility_rights: Mapped[str] = mapped_column(Text, default="")
    facility_obligations: Mapped[str] = mapped_column(Text, default="")
    partner_rights: Mapped[str] = mapped_column(Text, default="")
    partner_obligations: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date, index=True)
    #: Each party numbers the PKS in its own register.
    facility_number: Mapped[str | None] = mapped_column(String(100))
    partner_number: Mapped[str | None] = mapped_column(String(100))
    #: The named signatories: only these people can sign for their party.
    facility_signatory_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    facility_signatory_position: Mapped[str | None] = mapped_column(String(200))
    facility_signatory_nip: Mapped[str | None] = mapped_column(String(18))
    partner_signatory_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    partner_signatory_position: Mapped[str | None] = mapped_column(String(200))
    partner_signatory_nip: Mapped[str | None] = mapped_column(String(18))
    #: For an addendum: the agreement it amends.
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id", ondelete="RESTRICT"), index=True)
    #: For a renewal: the agreement it continues.
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id", ondelete="RESTRICT"), index=True)
    #: Why changes were requested, the agreement rejected or terminated (the latest such reason).
    status_reason: Mapped[str | None] = mapped_column(Text)
    #: The draft version the head approved: what both parties sign.
    approved_document_number: Mapped[int | None]
    #: Printed on the certificate page; opens `/verify/<code>`.
    verification_code: Mapped[str | None] = mapped_column(String(24), unique=True)
    #: The facility's head published the signed document on the facility's public page.
    document_public: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
    #: When both signatures were complete.
    signed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    #: Optimistic lock: a write based on a stale read fails instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    facility_signatory: Mapped["User | None"] = relationship(foreign_keys=[facility_signatory_id])  # noqa: F821
    partner_signatory: Mapped["User | None"] = relationship(foreign_keys=[partner_signatory_id])  # noqa: F821
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    amends: Mapped["Agreement | None"] = relationship(
        remote_side=[id], foreign_keys=[amends_id], back_populates="addenda")
    addenda: Mapped[list["Agreement"]] = relationship(
        foreign_keys=[amends_id], back_populates="amends", order_by="Agreement.id")
    renews: Mapped["Agreement | None"] = relationship(remote_side=[id], foreign_keys=[renews_id])
    documents: Mapped[list["AgreementDocument"]] = relationship(
        back_populates="agreement", order_by="AgreementDocument.id")
    signatures: Mapped[list["Signature"]] = relationship(
        back_populates="agreement", order_by="Signature.id")
    #: Its approval steps, every round (`portal.agreements.chain_models`).
    steps: Mapped[list["AgreementStep"]] = relationship(  # noqa: F821
        back_populates="agreement", order_by="[AgreementStep.round, AgreementStep.position]")

    def __repr__(self) -> str:
        return f"<Agreement {self.id} {self.status}>"

    @classmethod
    def in_force_on(cls, day: date):
        """Signed by both, not ended early, and `day` within its term: a signed agreement that starts later is
        not in force yet (its status only turns active on the start date), nor one whose end date passed."""
        return and_(cls.status.in_(IN_FORCE_STATES), cls.start_date <= day, cls.end_date >= day)

    @classmethod
    def ending_within(cls, days: int, today: date):
        """In force (signed or active) and ending between today and `days` from now: what "expiring" means."""
        return and_(cls.status.in_(IN_FORCE_STATES),
                    cls.end_date >= today, cls.end_date <= today + timedelta(days=days))

    def drafts(self) -> list["AgreementDocument"]:
        return [document for document in self.documents if document.kind == DocumentKind.DRAFT]

    def latest_draft(self) -> "AgreementDocument | None":
        drafts = self.drafts()
        return drafts[-1] if drafts else None

    def approved_document(self) -> "AgreementDocument | None":
        return next((d for d in self.drafts() if d.number == self.approved_document_number), None)

    def document_of(self, kind: DocumentKind) -> "AgreementDocument | None":
        found = [document for document in self.documents if document.kind == kind]
        return found[-1] if found else None

    def signature_of(self, party: Party) -> "Signature | None":
        return next((s for s in self.signatures if s.party == party), None)

    def signatory_for(self, party: Party):
        return self.facility_signatory if party == Party.FACILITY else self.partner_signatory

    @property
    def shown_reason(self) -> str | None:
        """Why changes were requested, or it was rejected or terminated, while it is in that state."""
        return self.status_reason if self.status in WITH_REASON_STATES else None

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def round_steps(self) -> list:
        """The steps of its latest round of approval (none for an agreement submitted before chains)."""
        last = max((step.round for step in self.steps), default=None)
        return [step for step in self.steps if step.round == last]

    @property
    def current_step(self):
        """The step its approval waits on: the first open one of its latest round, while it is in review."""
        if self.status not in IN_REVIEW_STATES:
            return None
        return next((step for step in self.round_steps if step.state == "open"), None)

    @property
    def current_step_actor(self):
        """Who acts at the current step (None: no chain, as before approval chains)."""
        step = self.current_step
        return step.actor if step is not None else None


class AgreementDocument(PairScoped, db.Model):
    """One stored file of an agreement; versions are kept, never overwritten."""

    __tablename__ = "agreement_documents"
    __table_args__ = (UniqueConstraint("agreement_id", "kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind))
    #: Version number within its kind: draft 1, 2, 3...
    number: Mapped[int]
    #: The uploader's file name, sanitised; shown and used for downloads, never as a key.
    filename: Mapped[str] = mapped_column(String(255))
    #: Sniffed from the content, not taken from the browser.
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: `f/<facility-id>/p/<partner-id>/agreements/<agreement-id>/<random>`.
    storage_key: Mapped[str] = mapped_column(String(300), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    agreement: Mapped[Agreement] = relationship(back_populates="documents")
    #: Joined: a document list always shows who uploaded each version.
    uploaded_by: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821


class Signature(PairScoped, db.Model):
    """What one party signed: who, as what, when, from where, and the file's SHA-256."""

    __tablename__ = "signatures"
    __table_args__ = (UniqueConstraint("agreement_id", "party"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="RESTRICT"), index=True)
    #: The document version that was signed.
    document_id: Mapped[int] = mapped_column(ForeignKey("agreement_documents.id", ondelete="RESTRICT"))
    party: Mapped[Party] = mapped_column(enum_column(Party))
    method: Mapped[SignatureMethod] = mapped_column(enum_column(SignatureMethod))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Copied at signing time, so the record stays true if the person changes later.
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(200))
    nip: Mapped[str | None] = mapped_column(String(18))
    organisation_name: Mapped[str] = mapped_column(String(200))
    #: When the portal recorded it: the electronic signature itself, or the officer's confirmation of a scan.
    signed_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    #: For a paper signature: the date written on the paper, which the officer confirms with the scan.
    signed_on: Mapped[date | None] = mapped_column(Date)
    ip: Mapped[str | None] = mapped_column(String(45))
    sha256: Mapped[str] = mapped_column(String(64))
    #: For a paper signature: the officer who confirmed the scan.
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    agreement: Mapped[Agreement] = relationship(back_populates="signatures")
    document: Mapped[AgreementDocument] = relationship()
