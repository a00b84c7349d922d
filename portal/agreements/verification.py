"""Public verification of a signed agreement: by its code, or by the PDF file itself.

Anyone may ask, so the answer says only whether the document is authentic,
which agreement it is (its numbers), its parties and its status.
"""
from __future__ import annotations

from dataclasses import dataclass
import hashlib
import re
from typing import BinaryIO

from sqlalchemy import select

from portal import signing
from portal.agreements.models import Agreement, AgreementDocument, AgreementStatus, DocumentKind
from portal.core.tenancy import unscoped
from portal.extensions import db

#: Read at most this much of an uploaded PDF to fingerprint it and read its signatures.
MAX_VERIFY_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Verdict:
    """All that the public learns about a signed agreement."""

    code: str
    facility_number: str | None
    partner_number: str | None
    facility: str
    partner: str
    status: AgreementStatus


def normalise_code(code: str) -> str:
    raw = re.sub(r"[^0-9A-Za-z]", "", code or "").upper()
    raw = raw.translate(str.maketrans("OIL", "011"))
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def by_code(code: str) -> Verdict | None:
    code = normalise_code(code)
    if len(code) != 14:
        return None
    with unscoped("public verification reads one signed agreement by its code"):
        agreement = db.session.scalar(select(Agreement).where(Agreement.verification_code == code))
        return _verdict(agreement) if agreement is not None else None


@dataclass(frozen=True)
class FileCheck:
    """What an uploaded PDF proves: whether it is an agreement's final PDF byte for byte, and what each
    signature in it says of itself (who, when, intact, trusted), which a copy from elsewhere can show too."""

    verdict: Verdict | None
    signatures: list[signing.Found]
    too_large: bool = False
    unreadable: bool = False


def check_file(stream: BinaryIO) -> FileCheck:
    data = stream.read(MAX_VERIFY_BYTES + 1)
    if len(data) > MAX_VERIFY_BYTES:
        return FileCheck(None, [], too_large=True)
    with unscoped("public verification looks a final PDF up by its SHA-256"):
        document = db.session.scalar(select(AgreementDocument).where(
            AgreementDocument.kind == DocumentKind.FINAL,
            AgreementDocument.sha256 == hashlib.sha256(data).hexdigest()))
        verdict = _verdict(document.agreement) if document is not None else None
    try:
        return FileCheck(verdict, signing.read(data))
    except signing.UnreadablePdf:
        return FileCheck(verdict, [], unreadable=True)


def _verdict(agreement: Agreement) -> Verdict:
    return Verdict(code=agreement.verification_code, facility_number=agreement.facility_number,
                   partner_number=agreement.partner_number, facility=agreement.facility.name,
                   partner=agreement.partner.name, status=agreement.status)
