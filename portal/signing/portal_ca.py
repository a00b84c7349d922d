"""The portal's own certificate authority: it vouches that a signing key belongs to a named person.

It issues each signatory a certificate (name, position and organisation in the subject), answers OCSP for
what it issued through a delegated responder, publishes its CRL, and, where no outside TSA is configured,
stamps time itself. The root's and the signatories' keys live in a `KeyStore` (PKCS#12 files or a PKCS#11
token); the responder's and the time-stamping unit's keys, which must answer at any hour, in files. The
database holds only certificates and revocations.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.ocsp import OCSPCertStatus, OCSPResponderEncoding, OCSPResponseBuilder, OCSPResponseStatus
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign import signers

from portal.signing.keys import FileKeys, KeyStore, creating

#: A signatory's certificate is renewed after this, or sooner when what it names changes.
SIGNATORY_YEARS = 3
#: The authority's own certificates (root, OCSP responder, time-stamping unit).
AUTHORITY_YEARS = 20
#: How long an OCSP answer or a CRL may be relied on before asking again.
FRESH_FOR = timedelta(days=1)
ROOT = "root"


@dataclass(frozen=True)
class Held:
    """A certificate and its private key, for the delegates whose keys are files."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class Revocation:
    revoked_at: datetime


@dataclass(frozen=True)
class Subject:
    """Who a signatory certificate names."""

    name: str
    position: str | None
    organisation: str
    email: str


class Authority:
    """The portal CA over one key store; cheap to build, it reads its keys when asked."""

    def __init__(self, keys: KeyStore, delegates: FileKeys, *, ocsp_url: str, crl_url: str,
                 name: str = "MitraPAS"):
        self.keys = keys
        self.delegates = delegates
        self.ocsp_url = ocsp_url
        self.crl_url = crl_url
        self.name = name

    # The authority's own keys ---------------------------------------------------------------------------

    def root_certificate(self) -> x509.Certificate:
        if (found := self.keys.certificate(ROOT)) is not None:
            return found
        with creating(self.delegates.folder):
            if (found := self.keys.certificate(ROOT)) is None:
                public = self.keys.new_key(ROOT)
                name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
                                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.name),
                                  x509.NameAttribute(NameOID.COMMON_NAME, f"{self.name} Root CA")])
                builder = (self._builder(name, public, name, public, years=AUTHORITY_YEARS)
                           .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                           .add_extension(_key_usage(key_cert_sign=True, crl_sign=True, digital_signature=True),
                                          critical=True))
                found = self._signed_certificate(builder)
                self.keys.keep_certificate(ROOT, found)
            return found

    def responder(self) -> Held:
        return self._delegate("ocsp", "OCSP", ExtendedKeyUsageOID.OCSP_SIGNING)

    def time_stamping_unit(self) -> Held:
        # RSA: pyHanko's own RFC 3161 responder signs with RSA only.
        return self._delegate("tsa", "TSA", ExtendedKeyUsageOID.TIME_STAMPING,
                              make_key=lambda: rsa.generate_private_key(65537, 3072))

    # Signatories -------------------------------------------------------------------------------------------

    def issue(self, subject: Subject) -> x509.Certificate:
        """A new key (in the key store) and certificate for a signatory."""
        root = self.root_certificate()
        serial = x509.random_serial_number()
        label = _signatory(serial)
        public = self.keys.new_key(label)
        attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, subject.organisation[:64])]
        if subject.position:
            attributes.append(x509.NameAttribute(NameOID.TITLE, subject.position[:64]))
        attributes += [x509.NameAttribute(NameOID.COMMON_NAME, subject.name[:64]),
                       x509.NameAttribute(NameOID.EMAIL_ADDRESS, subject.email)]
        builder = (self._builder(x509.Name(attributes), public, root.subject, root.public_key(),
                                 years=SIGNATORY_YEARS, serial=serial)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False))
        certificate = self._signed_certificate(self._where_to_check(builder))
        self.keys.keep_certificate(label, certificate)
        return certificate

    @contextlib.contextmanager
    def signer(self, serial: int) -> Iterator[signers.Signer]:
        """A pyHanko signer over the signatory's key, for one signature."""
        label = _signatory(serial)
        with self.keys.pdf_signer(label, self.keys.certificate(label), [self.root_certificate()]) as signer:
            yield signer

    def forget(self, serial: int) -> None:
        """Destroy a revoked signatory's key: nothing can be signed with it again."""
        self.keys.forget(_signatory(serial))

    def holds_key_of(self, serial: int) -> bool:
        return self.keys.public_key(_signatory(serial)) is not None

    # Revocation ---------------------------------------------------------------------------------------------

    def ocsp_answer(self, request_der: bytes, status_of: Callable[[int], Revocation | None | bool]) -> bytes:
        """Answer an OCSP request for one of our certificates. `status_of(serial)` gives a Revocation,
        None (issued and good) or False (not ours)."""
        try:
            request = x509.ocsp.load_der_ocsp_request(request_der)
        except ValueError:
            return OCSPResponseBuilder.build_unsuccessful(OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(
                serialization.Encoding.DER)
        return self.ocsp_response(request.serial_number, self.status(request.serial_number, status_of),
                                  algorithm=request.hash_algorithm)

    def status(self, serial: int, status_of: Callable[[int], Revocation | None | bool]) -> Revocation | None | bool:
        """A signatory's status comes from the database; the authority's own time-stamping unit is good."""
        unit = self.delegates.certificate("tsa")
        if unit is not None and serial == unit.serial_number:
            return None
        return status_of(serial)

    def ocsp_response(self, serial: int, status: Revocation | None | bool, *, algorithm=None) -> bytes:
        if status is False:
            return OCSPResponseBuilder.build_unsuccessful(OCSPResponseStatus.UNAUTHORIZED).public_bytes(
                serialization.Encoding.DER)
        root, responder = self.root_certificate(), self.responder()
        now = datetime.now(timezone.utc)
        revoked = isinstance(status, Revocation)
        builder = OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=_hash_of(root.subject.public_bytes(), algorithm),
            issuer_key_hash=_hash_of(_public_key_bits(root), algorithm),
            serial_number=serial, algorithm=algorithm or hashes.SHA1(),
            cert_status=OCSPCertStatus.REVOKED if revoked else OCSPCertStatus.GOOD,
            this_update=now - timedelta(minutes=1), next_update=now + FRESH_FOR,
            revocation_time=status.revoked_at if revoked else None, revocation_reason=None)
        return (builder.responder_id(OCSPResponderEncoding.HASH, responder.certificate)
                .certificates([responder.certificate])
                .sign(responder.key, hashes.SHA256())
                .public_bytes(serialization.Encoding.DER))

    def crl(self, revoked: Iterable[tuple[int, datetime]]) -> bytes:
        now = datetime.now(timezone.utc)
        builder = (x509.CertificateRevocationListBuilder().issuer_name(self.root_certificate().subject)
                   .last_update(now - timedelta(minutes=1)).next_update(now + FRESH_FOR))
        for serial, at in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(at).build())
        return self._signed_by_root(builder, asn1_crl.CertificateList, "tbs_cert_list", "signature")

    # Making certificates ------------------------------------------------------------------------------------

    def _delegate(self, label: str, what: str, usage, make_key=None) -> Held:
        """The responder and the time-stamping unit, made on first use under the creation lock."""
        if (certificate := self.delegates.certificate(label)) is None:
            root = self.root_certificate()
            with creating(self.delegates.folder):
                if (certificate := self.delegates.certificate(label)) is None:
                    public = self.delegates.new_key(label, make_key() if make_key else None)
                    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
                                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.name),
                                      x509.NameAttribute(NameOID.COMMON_NAME, f"{self.name} {what}")])
                    builder = (self._builder(name, public, root.subject, root.public_key(), years=AUTHORITY_YEARS)
                               .add_extension(_key_usage(digital_signature=True), critical=True)
                               .add_extension(x509.ExtendedKeyUsage([usage]), critical=True))
                    if usage == ExtendedKeyUsageOID.OCSP_SIGNING:  # its answers are not themselves checked
                        builder = builder.add_extension(x509.OCSPNoCheck(), critical=False)
                    else:
                        builder = self._where_to_check(builder)
                    certificate = self._signed_certificate(builder)
                    self.delegates.keep_certificate(label, certificate)
        return Held(certificate, self.delegates.private_key(label))

    def _where_to_check(self, builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
        """The OCSP responder and the CRL a relying party asks about this certificate."""
        return (builder
                .add_extension(x509.AuthorityInformationAccess([
                    x509.AccessDescription(x509.AuthorityInformationAccessOID.OCSP,
                                           x509.UniformResourceIdentifier(self.ocsp_url))]), critical=False)
                .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                    [x509.UniformResourceIdentifier(self.crl_url)], None, None, None)]), critical=False))

    @staticmethod
    def _builder(subject: x509.Name, public, issuer: x509.Name, issuer_public, *, years: int,
                 serial: int | None = None) -> x509.CertificateBuilder:
        now = datetime.now(timezone.utc)
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
                .public_key(public).serial_number(serial or x509.random_serial_number())
                .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=365 * years))
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public), critical=False))

    def _signed_certificate(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        der = self._signed_by_root(builder, asn1_x509.Certificate, "tbs_certificate", "signature_value")
        return x509.load_der_x509_certificate(der)

    def _signed_by_root(self, builder, asn1_type, tbs_field: str, signature_field: str) -> bytes:
        """`cryptography` writes the to-be-signed part (signed with a throw-away key of the root's kind, whose
        signature is then replaced); the key store signs it, so the root's key may stay inside a token."""
        draft = asn1_type.load(builder.sign(ec.generate_private_key(ec.SECP256R1()), hashes.SHA256())
                               .public_bytes(serialization.Encoding.DER))
        signed = asn1_type({tbs_field: draft[tbs_field], "signature_algorithm": draft["signature_algorithm"],
                            signature_field: self.keys.sign(ROOT, draft[tbs_field].dump())})
        return signed.dump()


def _signatory(serial: int) -> str:
    return f"signatory-{serial:x}"


def _key_usage(**chosen: bool) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{name: chosen.get(name, False) for name in names})


def _public_key_bits(certificate: x509.Certificate) -> bytes:
    return certificate.public_key().public_bytes(serialization.Encoding.X962,
                                                 serialization.PublicFormat.UncompressedPoint)


def _hash_of(data: bytes, algorithm) -> bytes:
    digest = hashes.Hash(algorithm or hashes.SHA1())
    digest.update(data)
    return digest.finalize()
