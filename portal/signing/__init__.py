"""Signing documents behind one small interface, whoever holds the keys.

`document_signer().sign(pdf, box, signatory, appearance)` returns the PDF with one more PAdES signature.
The portal CA signs (its keys in PKCS#12 files or a PKCS#11 token), or a PSrE's remote signing service
does (SIGNING_SERVICE=psre): two `DocumentSigner`s. `long_lived` turns a fully signed PDF into
B-LTA; `read` reports what a PDF's signatures prove. Nothing here knows agreements or the database.
"""
from __future__ import annotations

from dataclasses import dataclass
import io
from pathlib import Path
from typing import Callable, Protocol

from cryptography import x509
from flask import current_app
from pyhanko.pdf_utils.reader import PdfFileReader

from portal.core import links
from portal.signing import pades, psre
from portal.signing.keys import FileKeys, TokenKeys
from portal.signing.pades import Appearance, Box, Found, UnreadablePdf
from portal.signing.portal_ca import Authority, Revocation, Subject
from portal.signing.psre import Refused

__all__ = ["Appearance", "Authority", "Box", "DocumentSigner", "Found", "Refused", "Revocation", "Signatory", "Subject",
           "UnreadablePdf", "authority", "document_signer", "long_lived", "read", "trusted_roots"]


@dataclass(frozen=True)
class Signatory:
    """The person a signature is made for: the portal CA's certificate (`serial`) or, for a PSrE, the
    identity and passphrase it knows them by (typed at signing, never stored)."""

    name: str
    position: str | None
    organisation: str
    email: str
    serial: int | None = None
    passphrase: str | None = None


class DocumentSigner(Protocol):
    #: Whether the portal CA must hold a certificate for the signatory (its own keys), or the signer does.
    needs_portal_certificate: bool
    #: Whether the signatory types a passphrase for the signer at signing.
    asks_passphrase: bool

    def sign(self, pdf: bytes, box: str, signatory: Signatory, appearance: Appearance) -> bytes:
        """The PDF with `signatory`'s signature in the empty field `box`, added as an incremental update.
        Raises `Refused` when the signer will not sign."""


class PortalCASigner:
    """Signs with the key the portal CA issued the signatory, from its key store, for this one use."""

    needs_portal_certificate = True
    asks_passphrase = False

    def sign(self, pdf: bytes, box: str, signatory: Signatory, appearance: Appearance) -> bytes:
        with authority().signer(signatory.serial) as signer:
            return pades.sign(pdf, box, signer, appearance, time_stamper())


class RemotePSrESigner(psre.RemoteSigner):
    needs_portal_certificate = False
    asks_passphrase = True


def document_signer(organisation: str | None = None) -> DocumentSigner:
    """Who signs for the organisation of this slug: the PSrE (SIGNING_PSRE_URL, _USER, _PASSWORD) where
    SIGNING_SERVICE is "psre" or SIGNING_PSRE_ORGANISATIONS names it, else the portal CA."""
    config = current_app.config
    if config["SIGNING_SERVICE"] == "psre" or organisation in config["SIGNING_PSRE_ORGANISATIONS"]:
        return RemotePSrESigner(config["SIGNING_PSRE_URL"], config["SIGNING_PSRE_USER"],
                                config["SIGNING_PSRE_PASSWORD"], ca_file=config["SIGNING_PSRE_CA_FILE"])
    return PortalCASigner()


def authority() -> Authority:
    """The portal CA as configured: its root and signatory keys in the PKCS#11 token SIGNING_PKCS11_MODULE and
    SIGNING_PKCS11_TOKEN name, else in PKCS#12 files under SIGNING_KEY_DIR."""
    config = current_app.config
    folder = Path(config["SIGNING_KEY_DIR"])
    files = FileKeys(folder, config["SIGNING_KEY_PASSPHRASE"])
    keys = files
    if config["SIGNING_PKCS11_MODULE"]:
        keys = TokenKeys(config["SIGNING_PKCS11_MODULE"], config["SIGNING_PKCS11_TOKEN"],
                         config["SIGNING_PKCS11_PIN"], folder)
    return Authority(keys, files, ocsp_url=config["SIGNING_OCSP_URL"] or links.absolute("pki.ocsp"),
                     crl_url=config["SIGNING_CRL_URL"] or links.absolute("pki.crl"))


def time_stamper():
    """The configured TSA, or the portal CA's own time-stamping unit."""
    if url := current_app.config["SIGNING_TSA_URL"]:
        return pades.remote_time_stamper(url)
    ca = authority()
    unit = ca.time_stamping_unit()
    return pades.own_time_stamper(unit.certificate, unit.key, [ca.root_certificate()])


def trusted_roots() -> list[x509.Certificate]:
    """The portal CA's root and the roots in SIGNING_TRUST_FILE (an outside TSA's, a PSrE's)."""
    roots = [authority().root_certificate()]
    if path := current_app.config["SIGNING_TRUST_FILE"]:
        roots += x509.load_pem_x509_certificates(Path(path).read_bytes())
    return roots


def long_lived(pdf: bytes, status_of: Callable[[int], Revocation | None | bool]) -> bytes:
    """B-LTA: every signature's certificates and revocation answers embedded, then a document timestamp.

    The portal CA answers for its own certificates here (as /pki/ocsp would); anything else, such as an
    outside TSA's chain, is fetched from the addresses its certificates give."""
    ca = authority()
    root = ca.root_certificate()
    signers = _signers_of(pdf)
    ours = [serial for serial, issuer in signers if issuer == root.subject.public_bytes()]
    context = pades.validation_context(
        trusted_roots(), own_answers={serial: ca.ocsp_response(serial, ca.status(serial, status_of))
                                      for serial in ours},
        fetch=bool(current_app.config["SIGNING_TSA_URL"]) or len(ours) < len(signers))
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
