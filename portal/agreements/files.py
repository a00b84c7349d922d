"""An agreement's files: its uploaded versions and the final PDF the portal issues when both signed.

Moves and their audit entries stay in `portal.agreements.operations`; this module
only stores, numbers and generates.
"""
from __future__ import annotations

import io
import secrets
from typing import BinaryIO

from flask import current_app
from pypdf import PdfReader

from portal import signing
from portal.accounts.models import User
from portal.agreements import pdf as agreement_pdf
from portal.agreements.models import Agreement, AgreementDocument, DocumentKind, Party
from portal.core import links, transactional_files as files
from portal.core.columns import utcnow
from portal.extensions import db

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
    """Signed on paper: give the agreement its verification code and store the scan plus certificate page."""
    agreement.verification_code = _new_verification_code()
    certificate = agreement_pdf.certificate_page(_facts(agreement, signed, agreement.signed_at))
    return store_final(agreement, agreement_pdf.final_pdf(_body(agreement, signed), certificate), actor)


def copy_to_sign(agreement: Agreement, approved: AgreementDocument) -> bytes:
    """The PDF the parties sign electronically, made at the first signature and signed in turn by each: the
    approved text, then the certificate page with an empty signature box per party (the verification code and
    its QR code are on the page before anyone signs, so no signature is broken by adding them later)."""
    if latest := agreement.document_of(DocumentKind.SIGNED):
        return files.read_object(latest.storage_key)
    agreement.verification_code = agreement.verification_code or _new_verification_code()
    certificate = agreement_pdf.certificate_page(_facts(agreement, approved, utcnow(), electronic=True))
    body = _body(agreement, approved)
    first_certificate_page = len(PdfReader(io.BytesIO(body)).pages)
    return signing.pades.with_boxes(agreement_pdf.final_pdf(body, certificate), [
        signing.Box(box_name(party), first_certificate_page, rect)
        for party, rect in agreement_pdf.SIGNATURE_BOXES.items()])


def box_name(party: Party) -> str:
    return {Party.FACILITY: "PihakPertama", Party.PARTNER: "PihakKedua"}[party]


def store_signed(agreement: Agreement, pdf: bytes, actor: User) -> AgreementDocument:
    """One party has signed: the PDF as signed so far, the next version of kind "signed"."""
    stored = files.store_bytes(pdf, filename=f"PKS-{agreement.id}-{agreement.verification_code}-ttd.pdf",
                               prefix=_prefix(agreement), content_type=files.PDF, session=db.session)
    return _document_row(agreement, DocumentKind.SIGNED, stored, actor)


def store_final(agreement: Agreement, pdf: bytes, actor: User | None) -> AgreementDocument:
    stored = files.store_bytes(pdf, filename=f"PKS-{agreement.id}-{agreement.verification_code}.pdf",
                               prefix=_prefix(agreement), content_type=files.PDF, session=db.session)
    return _document_row(agreement, DocumentKind.FINAL, stored, actor)


def _body(agreement: Agreement, signed: AgreementDocument) -> bytes:
    if signed.content_type != files.PDF:  # a DOCX draft: the agreement is written out from its fields
        return agreement_pdf.agreement_text(agreement)
    return files.read_object(signed.storage_key)


def _facts(agreement: Agreement, signed: AgreementDocument, issued_at, *, electronic: bool = False):
    return agreement_pdf.CertificateFacts(
        agreement=agreement, signatures=sorted(agreement.signatures, key=lambda s: s.party != Party.FACILITY),
        document_sha256=signed.sha256, verification_code=agreement.verification_code,
        verification_url=verification_url(agreement.verification_code), issued_at=issued_at, electronic=electronic)


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
