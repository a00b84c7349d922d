"""What /api/v1 answers and accepts: pydantic models, from which spectree writes the OpenAPI description.

Dates are ISO 8601 (`2025-11-28`, `2025-11-28T03:00:00Z`); lists are keyset-paginated (`after`, `next`).
"""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from portal.models import AgreementKind, AgreementStatus, AgreementType, OrgKind, Party, SignatureMethod


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


class AgreementDetail(AgreementOut):
    signatures: list[SignatureOut]


class AgreementPage(BaseModel):
    items: list[AgreementOut]
    #: Give it as `after` for the next page; null on the last page.
    next: int | None = None


class AgreementQuery(BaseModel):
    status: AgreementStatus | None = None
    type: AgreementType | None = None
    party: str | None = Field(None, max_length=100, description="Part of the other party's name.")
    expiring: bool = Field(False, description="In force and ending within 90 days.")
    search: str | None = Field(None, max_length=100, description="Part of the title or of a party's number.")
    after: int | None = Field(None, ge=1, description="The `next` of the previous page.")
    limit: int = Field(50, ge=1, le=100)


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
