"""Signing documents behind one small interface, whoever holds the keys.

`document_signer().sign(pdf, box, signatory, appearance)` returns the PDF with one more PAdES signature.
Today the portal CA signs (its keys in files under SIGNING_KEY_DIR); another holder of keys (an HSM, a
PSrE's remote signing service) is another `DocumentSigner`. `long_lived` turns a fully signed PDF into
B-LTA; `read` reports what a PDF's signatures prove. Nothing here knows agreements or the database.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from cryptography import x509
from flask import current_app
from pyhanko.pdf_utils.reader import PdfFileReader

from portal import links
from portal.signing import pades
from portal.signing.portal_ca import Authority, Revocation, Subject
from portal.signing.pades import Appearance, Box, Found, UnreadablePdf

__all__ = ["Appearance", "Authority", "Box", "DocumentSigner", "Found", "Revocation", "Signatory", "Subject",
           "UnreadablePdf", "authority", "document_signer", "long_lived", "read", "trusted_roots"]


@dataclass(frozen=True)
class Signatory:
    """The person a signature is made for, and the certificate the portal CA issued them."""

    name: str
    position: str | None
    organisation: str
    serial: int


class DocumentSigner(Protocol):
    def sign(self, pdf: bytes, box: str, signatory: Signatory, appearance: Appearance) -> bytes:
        """The PDF with `signatory`'s signature in the empty field `box`, added as an incremental update."""


class PortalCASigner:
    """Signs with the key the portal CA issued the signatory, read from the key folder for this one use."""

    def sign(self, pdf: bytes, box: str, signatory: Signatory, appearance: Appearance) -> bytes:
        ca = authority()
        held = ca.signatory(signatory.serial)
        return pades.sign(pdf, box, pades.key_signer(held.certificate, held.key, [ca.root().certificate]),
                          appearance, time_stamper())


def document_signer() -> DocumentSigner:
    return PortalCASigner()


def authority() -> Authority:
    config = current_app.config
    return Authority(Path(config["SIGNING_KEY_DIR"]), config["SIGNING_KEY_PASSPHRASE"],
                     ocsp_url=config["SIGNING_OCSP_URL"] or links.absolute("pki.ocsp"),
                     crl_url=config["SIGNING_CRL_URL"] or links.absolute("pki.crl"))


def time_stamper():
    """The configured TSA, or the portal CA's own time-stamping unit."""
    if url := current_app.config["SIGNING_TSA_URL"]:
        return pades.remote_time_stamper(url)
    ca = authority()
    unit = ca.time_stamping_unit()
    return pades.own_time_stamper(unit.certificate, unit.key, [ca.root().certificate])


def trusted_roots() -> list[x509.Certificate]:
    """The portal CA's root and the roots in SIGNING_TRUST_FILE (an outside TSA's, a PSrE's)."""
    roots = [authority().root().certificate]
    if path := current_app.config["SIGNING_TRUST_FILE"]:
        roots += x509.load_pem_x509_certificates(Path(path).read_bytes())
    return roots


def long_lived(pdf: bytes, status_of: Callable[[int], Revocation | None | bool]) -> bytes:
    """B-LTA: every signature's certificates and revocation answers embedded, then a document timestamp.

    The portal CA answers for its own certificates here (as /pki/ocsp would); anything else, such as an
    outside TSA's chain, is fetched from the addresses its certificates give."""
    ca = authority()
    root = ca.root().certificate
    ours = [serial for serial, issuer in _signers_of(pdf) if issuer == root.subject.public_bytes()]
    context = pades.validation_context(
        trusted_roots(), own_answers={serial: ca.ocsp_response(serial, ca.status(serial, status_of))
                                      for serial in ours},
        fetch=bool(current_app.config["SIGNING_TSA_URL"]))
    return pades.make_long_lived(pdf, context, time_stamper())


def read(pdf: bytes) -> list[Found]:
    return pades.read(pdf, trusted_roots())


def _signers_of(pdf: bytes) -> list[tuple[int, bytes]]:
    """Each signature's certificate, and the certificate of the TSA that stamped it, as (serial, issuer)."""
    found = []
    for signature in PdfFileReader(io.BytesIO(pdf), strict=False).embedded_regular_signatures:
        found.append((signature.signer_cert.serial_number, signature.signer_cert.issuer.dump()))
        found += [(unit.serial_number, unit.issuer.dump()) for unit in pades.stamping_units_of(signature)]
    return found
