"""Finding agreements: filtered lists, work queues, signatory choices and timelines."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal import policy
from portal.agreements import chains
from portal.agreements.chain_models import StepActor
from portal.agreements.models import IN_REVIEW_STATES, Agreement, AgreementStatus, AgreementType, Party
from portal.audit.models import AuditEntry
from portal.core import clock
from portal.core.exports import Column, QueryRows, Table
from portal.core.vocabulary import label
from portal.extensions import db
from portal.integrations import keyset
from portal.organisations import party_search as parties
from portal.organisations import roles
from portal.organisations.models import Membership, Organisation, OrgKind
from portal.organisations.partnership_models import Partnership

S = AgreementStatus
#: "Expiring" means in force and ending within this many days.
EXPIRING_DAYS = 90
PER_PAGE = 20


@dataclass
class AgreementFilter:
    status: AgreementStatus | None = None
    type: AgreementType | None = None
    #: Part of the other party's name: a partner's for a facility, a facility's for a partner (oversight: either).
    party: str | None = None
    expiring: bool = False
    search: str | None = None
    #: "review" (waiting for the facility), "to_sign" (waiting for me to sign) or "acknowledge" (waiting at a Kanwil's
    #: step, for the oversight office).
    queue: str | None = None

    def as_params(self) -> dict:
        """Plain JSON, for a background export to rebuild the same filter."""
        return {key: getattr(value, "value", value) for key, value in vars(self).items()}

    @classmethod
    def from_params(cls, params: dict) -> "AgreementFilter":
        status, kind = params.get("status"), params.get("type")
        return cls(status=AgreementStatus(status) if status else None, type=AgreementType(kind) if kind else None,
                   party=params.get("party"), expiring=bool(params.get("expiring")), search=params.get("search"),
                   queue=params.get("queue"))


def filtered(organisation: Organisation, user: User | None, wanted: AgreementFilter, *, today: date | None = None):
    """The agreements the organisation sees (the tenancy filter decides which), narrowed by `wanted`."""
    today = today or clock.today()
    query = select(Agreement).order_by(Agreement.updated_at.desc(), Agreement.id.desc())
    if wanted.status:
        query = query.where(Agreement.status == wanted.status)
    if wanted.type:
        query = query.where(Agreement.type == wanted.type)
    if wanted.party:
        query = query.where(parties.named(organisation, wanted.party, Agreement.facility_id, Agreement.partner_id))
    if wanted.expiring:
        query = query.where(Agreement.ending_within(EXPIRING_DAYS, today))
    if wanted.search:
        pattern = f"%{wanted.search.strip().lower()}%"
        query = query.where(or_(func.lower(Agreement.title).like(pattern),
                                func.lower(Agreement.facility_number).like(pattern),
                                func.lower(Agreement.partner_number).like(pattern)))
    if wanted.queue == "review":
        query = query.where(Agreement.status.in_(IN_REVIEW_STATES))
    elif wanted.queue == "to_sign":
        query = query.where(_waiting_for_signature(user))
    elif wanted.queue == "acknowledge":
        query = query.where(chains.waiting_at(StepActor.KANWIL))
    return query


def keyset_page(organisation: Organisation, wanted: AgreementFilter, after_id: int | None,
                limit: int) -> tuple[list[Agreement], int | None]:
    """The filtered agreements for another system (the API), a keyset page at a time."""
    return keyset.page(filtered(organisation, None, wanted), Agreement, after_id, limit)


def page_of(organisation: Organisation, user: User, wanted: AgreementFilter, page: int):
    return db.paginate(filtered(organisation, user, wanted), page=page, per_page=PER_PAGE, error_out=False)


def as_table(organisation: Organisation, user: User, wanted: AgreementFilter) -> Table:
    """The whole filtered list (not one page) as a table to export, streamed in batches."""
    columns = (Column("title", _l("Title")), Column("kind", _l("Agreement or addendum")), Column("type", _l("Type")),
               Column("facility", _l("Facility")), Column("partner", _l("Partner")),
               Column("facility_number", _l("Facility's number")), Column("partner_number", _l("Partner's number")),
               Column("status", _l("Status")), Column("start_date", _l("Start date"), "date"),
               Column("end_date", _l("End date"), "date"))
    rows = QueryRows(filtered(organisation, user, wanted), lambda a: (
        a.title, label(a.kind), label(a.type), a.facility.name, a.partner.name, a.facility_number,
        a.partner_number, label(a.status), a.start_date, a.end_date))
    return Table("agreements", _l("Agreements"), columns, rows)


def _waiting_for_signature(user: User):
    return or_(and_(Agreement.status == S.APPROVED, Agreement.partner_signatory_id == user.id),
               and_(Agreement.status == S.PARTNER_SIGNED, Agreement.facility_signatory_id == user.id))


def queue_counts(organisation: Organisation, user: User) -> dict[str, int]:
    """How many agreements wait for review by the facility, and for this person's signature."""
    review = func.count().filter(Agreement.status.in_(IN_REVIEW_STATES))
    to_sign = func.count().filter(_waiting_for_signature(user))
    changes = func.count().filter(Agreement.status == S.CHANGES_REQUESTED)
    row = db.session.execute(select(review, to_sign, changes).select_from(Agreement)).one()
    counts = {"to_sign": row[1]}
    if organisation.kind == OrgKind.FACILITY:
        counts["review"] = row[0]
    if organisation.kind == OrgKind.PARTNER:
        counts["changes"] = row[2]
    return counts


def may_draft_any(organisation: Organisation) -> bool:
    """Whether the organisation has a pair of its own to draft, upload or record for (one cheap query)."""
    if organisation.kind not in (OrgKind.FACILITY, OrgKind.PARTNER):
        return False
    return db.session.scalar(select(Partnership.id).limit(1)) is not None


def drafting_pairs(organisation: Organisation) -> list[Partnership]:
    """The pairs this organisation may draft agreements for: its own partnerships."""
    if organisation.kind not in (OrgKind.FACILITY, OrgKind.PARTNER):
        return []
    return sorted(db.session.scalars(select(Partnership)).unique().all(),
                  key=lambda pair: (pair.facility.name, pair.partner.name))


def signatory_choices(organisation: Organisation, party: Party) -> list[User]:
    """Who may be named signatory for `party`: the facility's heads, or the partner's admins."""
    signing_roles = roles.holding(organisation.kind, policy.SIGNS_FOR[party])
    return list(db.session.scalars(
        select(User).join(Membership).where(Membership.organisation_id == organisation.id,
                                            Membership.role.in_(signing_roles), User.is_active)
        .order_by(User.name)))


def timeline(agreement: Agreement) -> list[AuditEntry]:
    """Every recorded step of this agreement, oldest first, from the audit trail."""
    return list(db.session.scalars(
        select(AuditEntry).options(selectinload(AuditEntry.actor), selectinload(AuditEntry.organisation))
        .where(AuditEntry.object_type == "agreement", AuditEntry.object_id == str(agreement.id))
        .order_by(AuditEntry.id)))
