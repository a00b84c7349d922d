"""What /api/v1 answers and accepts: pydantic models, from which spectree writes the OpenAPI description.

Dates are ISO 8601 (`2025-11-28`, `2025-11-28T03:00:00Z`); lists are keyset-paginated (`after`, `next`).
"""
from __future__ import annotations

from datetime import date, datetime
import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model
from spectree.model_adapter.pydantic_adapter import BaseFile

from portal.agreements.chain_models import StepActor, StepState
from portal.agreements.models import AgreementKind, AgreementStatus, AgreementType, Party, SignatureMethod
from portal.contributions.fields import (
    FIELDS, LINKS, PROGRAMME_FIELDS, Field as DeclaredField, Kind, in_sheet_order,
)
from portal.contributions.models import ContributionStatus, ContributionType, ProgrammeStatus
from portal.materials.models import MaterialCategory
from portal.organisations.models import OrgKind
from portal.umkm.fields import PRODUCT_FIELDS, SALE_FIELDS, Kind as UmkmKind
from portal.umkm.models import CertificateKind, CertificateStatus, HelpKind, InquiryState, ProductCategory


def _whole(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


#: A record's number as the database keeps it (PostgreSQL's integer). Like every whole number a caller gives, read
#: as JSON Schema reads one: `245.0` is 245 (JSON read strictly refuses `"245"` and `true`).
RecordId = Annotated[int, Field(ge=1, le=2**31 - 1), BeforeValidator(_whole)]
#: Text as people type it: no NUL character (PostgreSQL refuses one in any string; the portal refuses it first).
NO_NUL = r"^[^\x00]*$"
#: People reached by one activity: counts, never names.
Count = Annotated[int, Field(ge=0, le=100_000), BeforeValidator(_whole)]


def _written_as_iso(value):
    if not isinstance(value, str):
        return value  # (JSON read strictly refuses anything but a string for a day)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("write a day as YYYY-MM-DD")
    return date.fromisoformat(value)


#: A day a caller gives, as ISO 8601 writes it (`2025-11-28`): pydantic alone also read `0` in a query as
#: 1970-01-01 (a Unix time), which the description (`format: date`) does not allow.
Day = Annotated[date, BeforeValidator(_written_as_iso)]


def _left_out(schema: dict) -> None:
    schema.pop("default", None)
    schema.update(*(choice for choice in schema.pop("anyOf") if choice.get("type") != "null"))


#: A record named in a form (multipart/form-data), or none when the field is left out: a form has no null, so the
#: description offers none (a system writing `null` there is refused).
FormRecordId = Annotated[RecordId | None, Field(json_schema_extra=_left_out)]


class OrganisationRef(BaseModel):
    id: int
    name: str


class PartnershipOut(BaseModel):
    facility: OrganisationRef
    partner: OrganisationRef
    since: date | None = None


class OrganisationOut(BaseModel):
    id: int
    name: str
    kind: OrgKind
    province: str | None = None
    partnerships: list[PartnershipOut]


class AgreementOut(BaseModel):
    id: int
    kind: AgreementKind
    type: AgreementType
    title: str
    status: AgreementStatus
    facility: OrganisationRef
    partner: OrganisationRef
    facility_number: str | None = None
    partner_number: str | None = None
    start_date: date
    end_date: date
    signed_at: datetime | None = None
    verification_code: str | None = None
    updated_at: datetime


class SignatureOut(BaseModel):
    party: Party
    name: str
    organisation: str
    method: SignatureMethod
    signed_at: datetime
    #: A paper signature: the date written on the paper.
    signed_on: date | None = None


class StepOut(BaseModel):
    """One step of the agreement's latest round of approval (issue 37)."""

    position: int
    name: str
    #: Who acts: a role of the facility (officer, legal, section), the Kanwil, or the head (the decision).
    actor: StepActor
    status: StepState
    #: The current step (the first open one while the agreement is in review).
    current: bool
    due_on: date | None = None
    late: bool = False
    decided_at: datetime | None = None
    decided_by: str | None = None
    #: The organisation in whose name it was decided (the facility, or the Kanwil).
    decided_for: str | None = None


class AgreementDetail(AgreementOut):
    signatures: list[SignatureOut]
    steps: list[StepOut]


class AgreementPage(BaseModel):
    items: list[AgreementOut]
    #: Give it as `after` for the next page; null on the last page.
    next: int | None = None


class KeysetQuery(BaseModel):
    """How a list is paged: `limit` items, continuing after the `next` of the previous page."""

    after: RecordId | None = Field(None, description="The `next` of the previous page.")
    limit: int = Field(50, ge=1, le=100)


class AgreementQuery(KeysetQuery):
    status: AgreementStatus | None = None
    type: AgreementType | None = None
    party: str | None = Field(None, max_length=100, pattern=NO_NUL,
                              description="Part of the other party's name.")
    expiring: bool = Field(False, description="In force and ending within 90 days.")
    search: str | None = Field(None, max_length=100, pattern=NO_NUL,
                               description="Part of the title or of a party's number.")


class FieldError(BaseModel):
    #: Where in the query or body, e.g. `participants_total`; empty for the body as a whole.
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    #: A query or body the description does not allow (400): what is wrong with each field.
    errors: list[FieldError] | None = None


# --- contributions: built from their declared fields (`portal.contributions.fields`) -----------------------------

#: What the API gives out for a declared field of each kind (a decimal as a string, "3.5": no system rounds it
#: through a float); a link the caller may give is described with a record's bounds.
_OUT_TYPES = {Kind.CHOICE: ContributionType, Kind.TEXT: str, Kind.LONG_TEXT: str, Kind.DATE: date, Kind.COUNT: int,
              Kind.HOURS: str, Kind.AGREEMENT: RecordId, Kind.PROGRAMME: int}
#: What a caller gives for a declared field of each kind, and the rules it obeys (hours: a decimal string with at
#: most one place, "3.5").
_IN_TYPES = {Kind.CHOICE: (ContributionType, {}), Kind.TEXT: (str, {"pattern": NO_NUL}),
             Kind.LONG_TEXT: (str, {"pattern": NO_NUL}), Kind.DATE: (Day, {}), Kind.COUNT: (Count, {}),
             Kind.HOURS: (str, {"pattern": r"^\d{1,4}(\.\d)?$"}), Kind.AGREEMENT: (RecordId, {})}


def _given(field: DeclaredField, *, required: bool):
    """A declared field as a caller gives it: required, or left out (its blank then; `null` where it may be
    empty)."""
    kind, rules = _IN_TYPES[field.kind]
    if field.max_length:
        rules = {**rules, "min_length": 1, "max_length": field.max_length} if field.required else {
            **rules, "max_length": field.max_length}
    if required:
        return kind, Field(**rules)
    if field.required:  # left out when changing: unchanged, never null
        return kind, Field(None, **rules)
    return kind | None if field.blank is None else kind, Field(field.blank, **rules)


def _out(fields, status, *, pair_before, types=_OUT_TYPES) -> dict:
    """Every declared field as given out, with the record's id, status and pair (the status after its type, the
    pair before the first field `pair_before` picks, as the description always listed them)."""
    out: dict = {"id": (int, ...)}
    for field in fields:
        if pair_before(field) and "facility" not in out:
            out |= {"facility": (OrganisationRef, ...), "partner": (OrganisationRef, ...)}
        kind = types[field.kind]
        out[field.api_name] = (kind, ...) if field.blank == "" or field.required else (kind | None, None)
        if field.kind == Kind.CHOICE:
            out["status"] = (status, ...)
    return out


ContributionOut = create_model("ContributionOut", __module__=__name__,
                               **_out(FIELDS, ContributionStatus, pair_before=lambda field: field.kind == Kind.DATE))


class ContributionPage(BaseModel):
    items: list[ContributionOut]
    next: int | None = None


class ContributionQuery(KeysetQuery):
    status: ContributionStatus | None = None
    type: ContributionType | None = None


#: What a contribution says beyond its kind, title and date: the same rules for recording and changing.
ContributionDetails = create_model(
    "ContributionDetails", __module__=__name__, __config__=ConfigDict(extra="forbid"),
    **{field.api_name: _given(field, required=False) for field in in_sheet_order()
       if field.api_in and not field.required and field.kind not in LINKS})
ContributionIn = create_model(
    "ContributionIn", __module__=__name__, __base__=ContributionDetails,
    __doc__="What the partner did for the facility; a facility officer verifies it next.",
    facility_id=(RecordId, ...), **{field.api_name: _given(field, required=True) for field in FIELDS if field.required},
    **{field.api_name: _given(field, required=False) for field in FIELDS if field.api_in and field.kind in LINKS})
ContributionChange = create_model(
    "ContributionChange", __module__=__name__, __base__=ContributionDetails,
    __doc__="The fields to change of a contribution not yet verified; those left out stay as they are.",
    **{field.api_name: _given(field, required=False) for field in FIELDS if field.required})


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, pattern=NO_NUL)


class HistoryStep(BaseModel):
    """One recorded step of an agreement, from the audit trail (who acted is not given: names stay in the portal)."""

    action: str
    #: The step in the caller's language, e.g. "Disetujui".
    label: str
    at: datetime
    status_before: AgreementStatus | None = None
    status_after: AgreementStatus | None = None


class AgreementHistory(BaseModel):
    steps: list[HistoryStep]


class VersionOut(BaseModel):
    id: int
    number: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class MaterialOut(BaseModel):
    id: int
    category: MaterialCategory
    title: str
    description: str
    facility: OrganisationRef
    partner: OrganisationRef
    agreement_id: int | None = None
    created_at: datetime
    #: The newest version; `GET /materials/{id}/versions/{version_id}/file` fetches it.
    latest_version: VersionOut | None = None


class MaterialPage(BaseModel):
    items: list[MaterialOut]
    next: int | None = None


class MaterialQuery(KeysetQuery):
    category: MaterialCategory | None = None
    agreement_id: RecordId | None = None
    search: str | None = Field(None, max_length=100, pattern=NO_NUL,
                               description="Part of the title or description.")


class OtherParty(BaseModel):
    """Whom a new record is shared with: the facility (for a partner's system) or the partner (for a facility's);
    the token's own organisation is the other side."""

    facility_id: RecordId | None = None
    partner_id: RecordId | None = None


class MaterialIn(OtherParty):
    """A file shared with the pair (multipart/form-data), checked by its content as on the page."""

    facility_id: FormRecordId = None
    partner_id: FormRecordId = None
    file: BaseFile
    category: MaterialCategory
    description: str = Field("", max_length=2000, pattern=NO_NUL)
    agreement_id: FormRecordId = None


# --- programmes: built from their declared fields (`portal.contributions.fields.PROGRAMME_FIELDS`) -----------------

#: What a programme is, then what it falls under, then its details: the order its description always had.
_PROGRAMME_OUT = (*(field for field in PROGRAMME_FIELDS if field.required and field.kind != Kind.DATE),
                  *(field for field in PROGRAMME_FIELDS if field.kind in LINKS),
                  *(field for field in PROGRAMME_FIELDS if field.kind not in LINKS
                    and not (field.required and field.kind != Kind.DATE)))


class _ProgrammeClosed(BaseModel):
    """What a programme's closing adds to it (not among its declared fields: the closing has its own form)."""

    #: Given when the programme closes, with the certificates handed over.
    actual_participants: int | None = None
    certificates_issued: int | None = None
    closed_at: datetime | None = None


#: A programme's agreement is given out as a plain number, as the description always said.
ProgrammeOut = create_model(
    "ProgrammeOut", __module__=__name__,
    **_out(_PROGRAMME_OUT, ProgrammeStatus, pair_before=lambda field: field.kind in LINKS,
           types=_OUT_TYPES | {Kind.AGREEMENT: int}),
    **{name: (info.annotation, info) for name, info in _ProgrammeClosed.model_fields.items()})


class ProgrammePage(BaseModel):
    items: list[ProgrammeOut]
    next: int | None = None


class ProgrammeQuery(KeysetQuery):
    status: ProgrammeStatus | None = None


class _ProgrammeGiven(OtherParty):
    model_config = ConfigDict(extra="forbid")


ProgrammeIn = create_model(
    "ProgrammeIn", __module__=__name__, __base__=_ProgrammeGiven,
    __doc__='A series of sessions the pair runs together, e.g. "Program Rehabilitasi Kategori II, 30 hari".',
    **{field.api_name: _given(field, required=True) for field in PROGRAMME_FIELDS if field.required},
    **{field.api_name: _given(field, required=False) for field in in_sheet_order(PROGRAMME_FIELDS)
       if not field.required})


class ProgrammeClosing(BaseModel):
    """Who completed it and the certificates handed over."""

    model_config = ConfigDict(extra="forbid")

    actual_participants: Count
    certificates_issued: Count
    end_date: Day


class FiguresQuery(BaseModel):
    """The dashboard's filters: a period (this year unless told), and optionally a kind of work or one party."""

    period: Literal["month", "quarter", "year", "custom"] = "year"
    start: Day | None = Field(None, description="First day, with period=custom (2000 to 2099; at most the ten "
                                                 "years before `end` are counted).")
    end: Day | None = Field(None, description="Last day, with period=custom.")
    type: ContributionType | None = None
    partner: RecordId | None = Field(None, description="One partner (a facility's figures).")
    facility: RecordId | None = Field(None, description="One facility (a partner's figures).")
    agreement: RecordId | None = None


#: A cell: a count, or text (names, dates in ISO 8601, decimals written as strings).
Cell = int | str | None


class FigureColumn(BaseModel):
    key: str
    heading: str
    #: text, int, decimal, rupiah (a decimal string, "1250000.00"), date or datetime.
    kind: str


class FigureTable(BaseModel):
    """A dashboard table, as the page shows it and its CSV export holds it."""

    name: str
    title: str
    columns: list[FigureColumn]
    rows: list[list[Cell]]
    total: list[Cell] | None = None


class PeriodOut(BaseModel):
    start: date
    end: date
    name: str


class AgreementFigures(BaseModel):
    active: int
    pending: int
    #: In force and ending within 90, 30 and 7 days, by the number of days.
    expiring: dict[str, int]


class Figures(BaseModel):
    period: PeriodOut
    #: A facility's or partner's agreements (null for an oversight office: its table has them per facility).
    agreements: AgreementFigures | None = None
    tables: list[FigureTable]


# --- UMKM: products, inquiries, sales (issue 38), from their declared fields (`portal.umkm.fields`) ---------------

#: What the API gives out for a declared field of each kind: Rupiah as a decimal string ("1250000.00"), never a float.
_UMKM_OUT = {UmkmKind.TEXT: str, UmkmKind.LONG_TEXT: str, UmkmKind.RUPIAH: str, UmkmKind.COUNT: int,
             UmkmKind.DATE: date}


def _umkm_out(field) -> tuple:
    kind = field.choices if field.kind == UmkmKind.CHOICE else _UMKM_OUT.get(field.kind)
    if field.required or field.kind in (UmkmKind.TEXT, UmkmKind.LONG_TEXT):
        return kind, ...
    return kind | None, None


class CertificateOut(BaseModel):
    kind: CertificateKind
    status: CertificateStatus
    issuer: str
    number: str | None = None
    issued_on: date | None = None
    expires_on: date | None = None


class HelperOut(BaseModel):
    partner: OrganisationRef
    help: HelpKind
    contribution_id: int | None = None


ProductOut = create_model(
    "ProductOut", __module__=__name__, __doc__="A product a facility makes; prices in Rupiah as decimal strings.",
    id=(int, ...), facility=(OrganisationRef, ...),
    **{field.api_name: _umkm_out(field) for field in PRODUCT_FIELDS},
    in_catalogue=(bool, ...), archived=(bool, ...), certificates=(list[CertificateOut], ...),
    helpers=(list[HelperOut], ...), updated_at=(datetime, ...))


class ProductPage(BaseModel):
    items: list[ProductOut]
    next: int | None = None


class ProductQuery(KeysetQuery):
    category: ProductCategory | None = None


SaleOut = create_model(
    "SaleOut", __module__=__name__, __doc__="A sale of a product; the amount in Rupiah as a decimal string.",
    id=(int, ...), facility=(OrganisationRef, ...), partner=(OrganisationRef | None, None),
    product_id=(int, ...), product_name=(str, ...), category=(ProductCategory, ...), unit=(str, ...),
    inquiry_id=(int | None, None),
    **{field.api_name: _umkm_out(field) for field in SALE_FIELDS if field.kind != UmkmKind.PARTNER},
    delivered_on=(date | None, None), paid_on=(date | None, None), cancelled=(bool, ...))


class SalePage(BaseModel):
    items: list[SaleOut]
    next: int | None = None


class InquiryOut(BaseModel):
    """A buyer's inquiry from the public catalogue; its buyer's contact is the facility's alone."""

    id: int
    product_id: int
    state: InquiryState
    buyer_name: str
    buyer_organisation: str
    phone: str
    email: str
    quantity: int | None = None
    message: str
    received_at: datetime
    sale_id: int | None = None


class InquiryPage(BaseModel):
    items: list[InquiryOut]
    next: int | None = None


class InquiryQuery(KeysetQuery):
    state: InquiryState | None = None
