"""The portal's own certificate authority: it vouches that a signing key belongs to a named person.

It issues each signatory a certificate (name, position and organisation in the subject) when they turn on
two-factor sign-in, answers OCSP for what it issued through a delegated responder, publishes its CRL, and,
where no outside TSA is configured, stamps time itself. Private keys live in PKCS#12 files under
SIGNING_KEY_DIR, sealed with SIGNING_KEY_PASSPHRASE; the database holds only certificates and revocations.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.ocsp import OCSPCertStatus, OCSPResponderEncoding, OCSPResponseBuilder, OCSPResponseStatus
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: A signatory's certificate is renewed after this, or sooner when what it names changes.
SIGNATORY_YEARS = 3
#: The authority's own certificates (root, OCSP responder, time-stamping unit).
AUTHORITY_YEARS = 20
#: How long an OCSP answer or a CRL may be relied on before asking again.
FRESH_FOR = timedelta(days=1)


@dataclass(frozen=True)
class Held:
    """A certificate and its private key, as a signer needs them."""

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
    """The portal CA over one key folder; cheap to build, it reads its files when asked."""

    def __init__(self, key_dir: Path, passphrase: bytes, *, ocsp_url: str, crl_url: str, name: str = "MitraPAS"):
        self.key_dir = Path(key_dir)
        self.passphrase = passphrase
        self.ocsp_url = ocsp_url
        self.crl_url = crl_url
        self.name = name

    # The authority's own keys ---------------------------------------------------------------------------

    def root(self) -> Held:
        return self._kept("ca.p12", self._new_root)

    def responder(self) -> Held:
        return self._kept("ocsp.p12", lambda: self._new_delegate("OCSP", ExtendedKeyUsageOID.OCSP_SIGNING))

    def time_stamping_unit(self) -> Held:
        # RSA: pyHanko's own RFC 3161 responder signs with RSA only.
        return self._kept("tsa.p12", lambda: self._new_delegate(
            "TSA", ExtendedKeyUsageOID.TIME_STAMPING, key=rsa.generate_private_key(65537, 3072)))

    # Signatories -------------------------------------------------------------------------------------------

    def issue(self, subject: Subject, *, now: datetime | None = None) -> x509.Certificate:
        """A new key and certificate for a signatory; the key stays in the key folder."""
        now = now or datetime.now(timezone.utc)
        key = ec.generate_private_key(ec.SECP256R1())
        root = self.root()
        attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, subject.organisation[:64])]
        if subject.position:
            attributes.append(x509.NameAttribute(NameOID.TITLE, subject.position[:64]))
        attributes += [x509.NameAttribute(NameOID.COMMON_NAME, subject.name[:64]),
                       x509.NameAttribute(NameOID.EMAIL_ADDRESS, subject.email)]
        builder = (self._builder(x509.Name(attributes), key, root.certificate, now, years=SIGNATORY_YEARS)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False))
        certificate = self._where_to_check(builder).sign(root.key, hashes.SHA256())
        self._write(self._signatory_file(certificate.serial_number), Held(certificate, key), exclusive=True)
        return certificate

    def signatory(self, serial: int) -> Held:
        return self._read(self._signatory_file(serial))

    def forget(self, serial: int) -> None:
        """Destroy a revoked signatory's key: nothing can be signed with it again."""
        self._signatory_file(serial).unlink(missing_ok=True)

    # Revocation ---------------------------------------------------------------------------------------------

    def ocsp_answer(self, request_der: bytes, status_of: Callable[[int], Revocation | None | bool],
                    *, now: datetime | None = None) -> bytes:
        """Answer an OCSP request for one of our certificates. `status_of(serial)` gives a Revocation,
        None (issued and good) or False (not ours)."""
        try:
            request = x509.ocsp.load_der_ocsp_request(request_der)
        except ValueError:
            return x509.ocsp.OCSPResponseBuilder.build_unsuccessful(
                OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(serialization.Encoding.DER)
        return self.ocsp_response(request.serial_number, self.status(request.serial_number, status_of),
                                  algorithm=request.hash_algorithm, now=now)

    def status(self, serial: int, status_of: Callable[[int], Revocation | None | bool]) -> Revocation | None | bool:
        """A signatory's status comes from the database; the authority's own time-stamping unit is good."""
        if (self.key_dir / "tsa.p12").exists() and serial == self.time_stamping_unit().certificate.serial_number:
            return None
        return status_of(serial)

    def ocsp_response(self, serial: int, status: Revocation | None | bool, *, algorithm=None,
                      now: datetime | None = None) -> bytes:
        root, responder = self.root(), self.responder()
        if status is False:
            return OCSPResponseBuilder.build_unsuccessful(OCSPResponseStatus.UNAUTHORIZED).public_bytes(
                serialization.Encoding.DER)
        now = now or datetime.now(timezone.utc)
        revoked = isinstance(status, Revocation)
        builder = OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=_hash_of(root.certificate.subject.public_bytes(), algorithm),
            issuer_key_hash=_hash_of(_public_key_bits(root.certificate), algorithm),
            serial_number=serial, algorithm=algorithm or hashes.SHA1(),
            cert_status=OCSPCertStatus.REVOKED if revoked else OCSPCertStatus.GOOD,
            this_update=now - timedelta(minutes=1), next_update=now + FRESH_FOR,
            revocation_time=status.revoked_at if revoked else None, revocation_reason=None)
        return (builder.responder_id(OCSPResponderEncoding.HASH, responder.certificate)
                .certificates([responder.certificate])
                .sign(responder.key, hashes.SHA256())
                .public_bytes(serialization.Encoding.DER))

    def crl(self, revoked: Iterable[tuple[int, datetime]], *, now: datetime | None = None) -> bytes:
        now = now or datetime.now(timezone.utc)
        root = self.root()
        builder = (x509.CertificateRevocationListBuilder().issuer_name(root.certificate.subject)
                   .last_update(now - timedelta(minutes=1)).next_update(now + FRESH_FOR))
        for serial, at in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(at).build())
        return builder.sign(root.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    # Keeping keys ---------------------------------------------------------------------------------------------

    def _new_root(self) -> Held:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.name),
                          x509.NameAttribute(NameOID.COMMON_NAME, f"{self.name} Root CA")])
        now = datetime.now(timezone.utc)
        certificate = (self._builder(name, key, None, now, years=AUTHORITY_YEARS, issuer_key=key)
                       .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                       .add_extension(_key_usage(key_cert_sign=True, crl_sign=True, digital_signature=True),
                                      critical=True)
                       .sign(key, hashes.SHA256()))
        return Held(certificate, key)

    def _new_delegate(self, what: str, usage, key=None) -> Held:
        root = self.root()
        key = key or ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.name),
                          x509.NameAttribute(NameOID.COMMON_NAME, f"{self.name} {what}")])
        builder = (self._builder(name, key, root.certificate, datetime.now(timezone.utc), years=AUTHORITY_YEARS)
                   .add_extension(_key_usage(digital_signature=True), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([usage]), critical=True))
        if usage == ExtendedKeyUsageOID.OCSP_SIGNING:  # its answers are not themselves checked (RFC 6960 4.2.2.2.1)
            builder = builder.add_extension(x509.OCSPNoCheck(), critical=False)
        else:
            builder = self._where_to_check(builder)
        return Held(builder.sign(root.key, hashes.SHA256()), key)

    def _where_to_check(self, builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
        """The OCSP responder and the CRL a relying party asks about this certificate."""
        return (builder
                .add_extension(x509.AuthorityInformationAccess([
                    x509.AccessDescription(x509.AuthorityInformationAccessOID.OCSP,
                                           x509.UniformResourceIdentifier(self.ocsp_url))]), critical=False)
                .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                    [x509.UniformResourceIdentifier(self.crl_url)], None, None, None)]), critical=False))

    def _builder(self, subject: x509.Name, key, issuer: x509.Certificate | None, now: datetime, *, years: int,
                 issuer_key=None) -> x509.CertificateBuilder:
        issuer_public = issuer.public_key() if issuer is not None else issuer_key.public_key()
        return (x509.CertificateBuilder().subject_name(subject)
                .issuer_name(issuer.subject if issuer is not None else subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=365 * years))
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public), critical=False))

    def _signatory_file(self, serial: int) -> Path:
        return self.key_dir / "signatories" / f"{serial:x}.p12"

    def _kept(self, name: str, make: Callable[[], Held]) -> Held:
        """Made on first use; when two workers race, the first file written wins and both read it."""
        path = self.key_dir / name
        if not path.exists():
            self._write(path, make(), exclusive=True, lose_quietly=True)
        return self._read(path)

    def _read(self, path: Path) -> Held:
        key, certificate, _ = pkcs12.load_key_and_certificates(path.read_bytes(), self.passphrase)
        return Held(certificate, key)

    def _write(self, path: Path, held: Held, *, exclusive: bool, lose_quietly: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        body = pkcs12.serialize_key_and_certificates(
            path.stem.encode(), held.key, held.certificate, None,
            serialization.BestAvailableEncryption(self.passphrase))
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".new-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(body)
            os.link(temporary, path)  # fails if the name exists: never overwrite a key
        except FileExistsError:
            if not lose_quietly:
                raise
        finally:
            os.unlink(temporary)


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
