"""Approval chains: the steps a facility's agreements go through between submission and signature, as the facility
set them, and each agreement's own copy of the steps it started with (`portal.agreements.chains` says what may
happen to them)."""
from __future__ import annotations

from datetime import date, datetime
import enum

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.agreements.models import Agreement, AgreementType
from portal.core.columns import FacilityOwned, PairScoped, Timestamp, enum_column, utcnow
from portal.extensions import db


class StepActor(enum.StrEnum):
    """Who acts at a step: a role of the facility (by the capability `chains.CAPABILITY_OF` names), or the
    regional office covering it."""

    OFFICER = "officer"
    LEGAL = "legal"
    SECTION = "section"
    KANWIL = "kanwil"
    #: The head's decision: always the last step, and only the last.
    HEAD = "head"


class StepState(enum.StrEnum):
    #: Not reached yet, or the one being worked on (the first open step of the agreement's round is current).
    OPEN = "open"
    DONE = "done"
    #: Sent back to the partner for changes at this step.
    RETURNED = "returned"
    #: Ended without being done: the agreement was rejected, or resubmitted and a new round began.
    CLOSED = "closed"


class ApprovalChain(FacilityOwned, db.Model):
    """The review steps a facility's agreements take before the head's decision; one for every type
    (`agreement_type` empty) and, where the facility wants it, one per type of agreement."""

    __tablename__ = "approval_chains"
    __table_args__ = (UniqueConstraint("facility_id", "agreement_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_type: Mapped[AgreementType | None] = mapped_column(enum_column(AgreementType))
    #: The review steps in order: [{"name", "actor", "days", "may_return"}]; the head's decision follows them.
    steps: Mapped[list[dict]] = mapped_column(JSON, default=list)
    #: Working days the head has for the decision.
    decision_days: Mapped[int] = mapped_column(default=5)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class AgreementStep(PairScoped, db.Model):
    """One step of one round of an agreement's approval: copied from the facility's chain when the agreement was
    submitted, so a chain changed later never moves an agreement already in it."""

    __tablename__ = "agreement_steps"
    __table_args__ = (
        UniqueConstraint("agreement_id", "round", "position"),
        Index("ix_agreement_steps_open", "state", "actor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="RESTRICT"), index=True)
    #: 1 for the first submission, one more for each resubmission after changes were requested.
    round: Mapped[int] = mapped_column(default=1)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    actor: Mapped[StepActor] = mapped_column(enum_column(StepActor))
    #: Working days the step has, from the day it became current.
    days: Mapped[int]
    #: Whether the people of this step may send the draft back to the partner for changes.
    may_return: Mapped[bool] = mapped_column(default=False)
    state: Mapped[StepState] = mapped_column(enum_column(StepState), default=StepState.OPEN)
    #: When it became the current step, and the working day it is due by (both set as it becomes current).
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    due_on: Mapped[date | None]
    decided_at: Mapped[datetime | None] = mapped_column(Timestamp)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Copied when decided, so the record stays true if the person leaves.
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    #: The organisation in whose name it was decided (the facility, or the Kanwil).
    decided_for_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))

    agreement: Mapped[Agreement] = relationship(back_populates="steps")
    decided_for: Mapped["Organisation | None"] = relationship(foreign_keys=[decided_for_id])  # noqa: F821

    def __repr__(self) -> str:
        return f"<AgreementStep {self.agreement_id}.{self.round}.{self.position} {self.actor} {self.state}>"
