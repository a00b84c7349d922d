"""An agreement's files: its uploaded versions and the final PDF the portal issues when both signed.

Moves and their audit entries stay in `portal.services.agreements`; this module
only stores, numbers and generates.
"""
from __future__ import annotations

import secrets
from typing import BinaryIO

from flask import current_app

from portal import agreement_pdf, links
from portal.extensions import db
from portal.models import Agreement, AgreementDocument, DocumentKind, Party, User
from portal.services import files

#: What each kind of upload may contain, judged by its bytes.
ACCEPTED = {DocumentKind.DRAFT: (files.PDF, files.DOCX), DocumentKind.SIGNED_SCAN: (files.PDF,)}
#: Crockford's base32: no I, L, O, U, so a code read aloud or typed is unambiguous.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def store_upload(agreement: Agreement, kind: DocumentKind, stream: BinaryIO, filename: str | None,
                 actor: User) -> AgreementDocument:
    """Check and store an upload as the next version of its kind."""
    stored = files.store_upload(stream, filename=filename, prefix=_prefix(agreement), allowed=ACCEPTED[kind],
                                max_bytes=current_app.config["AGREEMENT_DOCUMENT_MAX_BYTES"], session=db.session)
    return _document_row(agreement, kind, stored, actor)


def issue_final_pdf(agreement: Agreement, signed: AgreementDocument, actor: User | None) -> AgreementDocument:
    """Give the agreement its verification code and store the signed text plus certificate page."""
    agreement.verification_code = _new_verification_code()
    body = files.read_object(signed.storage_key)
    if signed.content_type != files.PDF:  # a DOCX draft: the agreement is written out from its fields
        body = agreement_pdf.agreement_text(agreement)
    certificate = agreement_pdf.certificate_page(agreement_pdf.CertificateFacts(
        agreement=agreement, signatures=sorted(agreement.signatures, key=lambda s: s.party != Party.FACILITY),
        document_sha256=signed.sha256, verification_code=agreement.verification_code,
        verification_url=verification_url(agreement.verification_code), issued_at=agreement.signed_at))
    stored = files.store_bytes(agreement_pdf.final_pdf(body, certificate),
                               filename=f"PKS-{agreement.id}-{agreement.verification_code}.pdf",
                               prefix=_prefix(agreement), content_type=files.PDF, session=db.session)
    return _document_row(agreement, DocumentKind.FINAL, stored, actor)


def verification_url(code: str) -> str:
    return links.absolute("verify.show", code=code)


def _new_verification_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def _prefix(agreement: Agreement) -> str:
    """DESIGN.md: keys start with the owning pair."""
    return f"f/{agreement.facility_id}/p/{agreement.partner_id}/agreements/{agreement.id}"


def _document_row(agreement: Agreement, kind: DocumentKind, stored: files.StoredFile,
                  actor: User | None) -> AgreementDocument:
    number = 1 + sum(1 for document in agreement.documents if document.kind == kind)
    document = AgreementDocument(
        agreement=agreement, facility=agreement.facility, partner=agreement.partner, kind=kind, number=number,
        filename=stored.filename, content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
        storage_key=stored.key, uploaded_by=actor)
    db.session.add(document)
    db.session.flush()
    return document
