"""Signing an agreement: electronically by each named signatory (partner first, then the facility head),
or on paper, confirmed by a facility officer from the scan. The second signature completes it: the
final PDF is issued and the agreement comes into force.
"""
from __future__ import annotations

from datetime import date
from typing import BinaryIO

from flask_babel import force_locale, gettext as _, lazy_gettext as _l

from portal import policy, signing
from portal.accounts import operations as accounts, two_factor
from portal.accounts.models import User
from portal.agreements import files as agreement_files, moves
from portal.agreements.events import AgreementVerb
from portal.agreements.models import (
    Agreement, AgreementDocument, AgreementKind, AgreementStatus as S, DocumentKind, Party, Signature,
    SignatureMethod,
)
from portal.audit import chain as audit
from portal.core import clock, i18n, transactional_files as files
from portal.core.columns import utcnow
from portal.core.errors import DomainError
from portal.extensions import db
from portal.signing import certificates as signing_certificates

#: The partner signs first, then the facility.
SIGNS_IN = {Party.PARTNER: S.APPROVED, Party.FACILITY: S.PARTNER_SIGNED}


def signing_party(agreement: Agreement, user: User) -> Party | None:
    """Which party `user` is the named signatory of, if any."""
    for party in (Party.PARTNER, Party.FACILITY):
        if policy.can_sign_agreement(user, agreement, party):
            return party
    return None


def asks_passphrase(agreement: Agreement, user: User) -> bool:
    """Whether `user` signs through a PSrE, and so types the passphrase of their certificate there."""
    party = signing_party(agreement, user)
    return party is not None and signing.document_signer(_organisation(agreement, party).slug).asks_passphrase


def sign_agreement(agreement: Agreement, password: str, code: str, *, actor: User,
                   passphrase: str | None = None) -> Signature:
    """The named signatory signs the approved version, after re-entering the password and a fresh code from their
    authenticator app (and, where a PSrE signs, the passphrase of their certificate there): what they know and
    what they hold, at the moment of signing, not only when they signed in.

    The partner signs first, then the facility head; the second signature
    completes the agreement and issues the final PDF.
    """
    party = signing_party(agreement, actor)
    policy.require(party is not None)
    moves.begin(agreement, actor, AgreementVerb.SIGN, states={SIGNS_IN[party]})
    if not two_factor.is_enabled(actor):
        raise DomainError(_l("Turn on two-factor sign-in (in the menu under your name) before signing."))
    if not accounts.password_matches(actor, password):
        raise DomainError(_l("The password is wrong; the agreement was not signed."))
    if not two_factor.verify(actor, code):
        raise DomainError(_l("The code from your authenticator app is not right; the agreement was not signed. "
                             "Try the newest code."))
    document = agreement.approved_document()
    if files.sha256_of_object(document.storage_key) != document.sha256:
        raise DomainError(_l("The stored document no longer matches the approved version, so it cannot be "
                             "signed. Please tell the platform administrator."))
    signed_pdf = _signed_pdf(agreement, party, document, actor, passphrase)  # may be refused: nothing written yet
    signature = _signature(agreement, party, SignatureMethod.ELECTRONIC, document, actor)
    if party == Party.PARTNER:
        copy = agreement_files.store_signed(agreement, signed_pdf, actor)
        moves.move(agreement, actor, S.PARTNER_SIGNED, AgreementVerb.SIGN, party=party, sha256=document.sha256,
                   pdf_sha256=copy.sha256)
    else:
        moves.record(AgreementVerb.SIGN, agreement, actor, after={"party": party, "sha256": document.sha256})
        _complete(agreement, actor, document, signed_pdf=signed_pdf)
    return signature


def _signed_pdf(agreement: Agreement, party: Party, approved: AgreementDocument, actor: User,
                passphrase: str | None) -> bytes:
    """The party's PAdES signature in its box of the copy being signed: by the portal CA, with the certificate
    it issued the signatory (renewed first if it no longer names them as they are), or by the PSrE."""
    organisation, position = _organisation(agreement, party), _position(agreement, party, actor)
    signer = signing.document_signer(organisation.slug)
    serial = None
    if signer.needs_portal_certificate:
        serial = int(signing_certificates.current_for(actor, organisation, position).serial, 16)
    elif not passphrase:
        raise DomainError(_l("Enter the passphrase of your signing certificate at the certification authority."))
    pdf = agreement_files.copy_to_sign(agreement, approved)
    with force_locale("id"):
        number = agreement.facility_number if party == Party.FACILITY else agreement.partner_number
        appearance = signing.Appearance(
            reason=_("Approves the cooperation agreement %(number)s", number=number or f"#{agreement.id}"),
            location=agreement.facility.name,
            lines=(_("Signed electronically by"), actor.name, position or "", organisation.name,
                   i18n.exact_moment(utcnow())))  # the server's clock may be kept in UTC; the page speaks WIB
    signatory = signing.Signatory(name=actor.name, position=position,
                                  organisation=organisation.name, email=actor.email, serial=serial,
                                  passphrase=passphrase)
    try:
        return signer.sign(pdf, agreement_files.box_name(party), signatory, appearance)
    except signing.Refused as refusal:
        raise DomainError(_l("The certification authority did not sign (%(reason)s); the agreement was not "
                             "signed.", reason=str(refusal))) from None


def upload_signed_scan(agreement: Agreement, stream: BinaryIO, filename: str | None, *,
                       actor: User) -> AgreementDocument:
    """The paper path: a scan of the PKS signed on paper, to be confirmed by a facility officer."""
    moves.begin(agreement, actor, AgreementVerb.UPLOAD_SCAN)
    return moves.add_document(agreement, DocumentKind.SIGNED_SCAN, stream, filename, actor,
                              AgreementVerb.UPLOAD_SCAN)


def confirm_signed_scan(agreement: Agreement, *, signed_on: date | None, actor: User) -> None:
    """A facility officer confirms the paper signatures and the date written on the paper (the ceremony, which
    the reports tell of); the scan becomes the signed document."""
    moves.begin(agreement, actor, AgreementVerb.CONFIRM_SCAN)
    scan = agreement.document_of(DocumentKind.SIGNED_SCAN)
    if scan is None:
        raise DomainError(_l("Upload the scan of the paper-signed agreement first."))
    if scan.uploaded_by_id == actor.id:  # four eyes: the scan puts both parties' signatures on record
        raise DomainError(_l("Someone other than the person who uploaded the scan confirms it: another officer or "
                             "the head."))
    if signed_on is None:
        raise DomainError(_l("Give the date the agreement was signed on paper."))
    if signed_on > clock.today():
        raise DomainError(_l("The date signed on paper cannot be in the future."))
    for party in (Party.PARTNER, Party.FACILITY):
        if agreement.signature_of(party) is None:
            signature = _signature(agreement, party, SignatureMethod.PAPER, scan, agreement.signatory_for(party),
                                   confirmed_by=actor)
            signature.signed_on = signed_on
    moves.record(AgreementVerb.CONFIRM_SCAN, agreement, actor,
                 after={"sha256": scan.sha256, "signed_on": signed_on.isoformat()})
    _complete(agreement, actor, scan)


def _signature(agreement: Agreement, party: Party, method: SignatureMethod, document: AgreementDocument,
               signer: User | None, confirmed_by: User | None = None) -> Signature:
    """Record what was signed, by whom and as what, copied so it stays true later."""
    signature = Signature(
        agreement=agreement, facility=agreement.facility, partner=agreement.partner, document=document,
        party=party, method=method, user_id=signer.id if signer else None, name=signer.name if signer else "-",
        position=_position(agreement, party, signer),
        nip=getattr(agreement, f"{party.value}_signatory_nip") or getattr(signer, "nip", None),
        organisation_name=_organisation(agreement, party).name,
        signed_at=utcnow(), ip=audit.origin_ip.get(), sha256=document.sha256,
        confirmed_by_id=confirmed_by.id if confirmed_by else None)
    db.session.add(signature)
    return signature


def _organisation(agreement: Agreement, party: Party):
    return agreement.facility if party == Party.FACILITY else agreement.partner


def _position(agreement: Agreement, party: Party, signer: User | None) -> str | None:
    """The position the agreement names its signatory in, else the person's own."""
    return getattr(agreement, f"{party.value}_signatory_position") or getattr(signer, "position", None)


def _complete(agreement: Agreement, actor: User | None, signed: AgreementDocument, *,
              signed_pdf: bytes | None = None) -> None:
    """Both signed: issue the final PDF, and put the agreement in force. Signed electronically, the final PDF is
    the signed copy made long-lived (B-LTA); on paper, the scan with a certificate page."""
    db.session.flush()
    agreement.signed_at = utcnow()
    if signed_pdf is not None:
        final = agreement_files.store_final(agreement, signing.long_lived(signed_pdf, signing_certificates.status_of),
                                            actor)
    else:
        final = agreement_files.issue_final_pdf(agreement, signed, actor)
    today = clock.today()
    target = S.EXPIRED if agreement.end_date < today else S.ACTIVE if agreement.start_date <= today else S.SIGNED
    moves.move(agreement, actor, target, AgreementVerb.COMPLETE, verification_code=agreement.verification_code,
               final_sha256=final.sha256)
    if agreement.kind == AgreementKind.ADDENDUM:
        _apply_addendum(agreement, actor)


def _apply_addendum(addendum: Agreement, actor: User | None) -> None:
    """A signed addendum becomes part of its agreement: a changed end date carries over."""
    parent = addendum.amends
    if parent.end_date != addendum.end_date:
        before = parent.end_date
        parent.end_date = addendum.end_date
        moves.save()
        moves.record(AgreementVerb.APPLY_ADDENDUM, parent, actor, before={"end_date": before},
                     after={"end_date": parent.end_date, "addendum": addendum.id})
