"""Where the portal CA's keys live: PKCS#12 files (the zero-setup default) or a PKCS#11 token (an HSM in
production, SoftHSM2 in the tests). Both answer the same few questions, so the CA does not care which.

A key is found by its label: "root" for the CA, a certificate's serial in hexadecimal for a signatory.
Certificates are public: beside the keys as files in both cases. No key or PIN ever enters the database.
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign import signers

from portal.signing import pades


class KeyStore(Protocol):
    def public_key(self, label: str):
        """The public half of an existing key (a `cryptography` public key), or None."""

    def new_key(self, label: str):
        """Make a key pair under `label`, kept until `forget`; returns its public half."""

    def sign(self, label: str, data: bytes) -> bytes:
        """ECDSA with SHA-256 over `data`, DER-encoded, as X.509 wants it."""

    def certificate(self, label: str) -> x509.Certificate | None: ...

    def keep_certificate(self, label: str, certificate: x509.Certificate) -> None: ...

    def pdf_signer(self, label: str, certificate: x509.Certificate,
                   chain: list[x509.Certificate]) -> contextlib.AbstractContextManager[signers.Signer]:
        """A pyHanko signer over the key, for the time of one signature."""

    def forget(self, label: str) -> None:
        """Destroy the key: nothing is signed with it again."""


@contextlib.contextmanager
def creating(folder: Path) -> Iterator[None]:
    """One process at a time makes the CA's own keys (two gunicorn workers may start signing at once)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@dataclass
class FileKeys:
    """Keys in PKCS#12 files under `folder`, sealed with `passphrase`; a new key waits in memory for its
    certificate, and the two are written together."""

    folder: Path
    passphrase: bytes

    def __post_init__(self):
        self._waiting: dict[str, ec.EllipticCurvePrivateKey] = {}

    def private_key(self, label: str):
        if label in self._waiting:
            return self._waiting[label]
        path = self._path(label)
        if not path.exists():
            return None
        return pkcs12.load_key_and_certificates(path.read_bytes(), self.passphrase)[0]

    def public_key(self, label: str):
        key = self.private_key(label)
        return key.public_key() if key is not None else None

    def new_key(self, label: str, key=None):
        self._waiting[label] = key or ec.generate_private_key(ec.SECP256R1())
        return self._waiting[label].public_key()

    def sign(self, label: str, data: bytes) -> bytes:
        return self.private_key(label).sign(data, ec.ECDSA(hashes.SHA256()))

    def certificate(self, label: str) -> x509.Certificate | None:
        """Read once per process and file version: opening a PKCS#12 file costs about 10 ms (its key
        derivation), and /verify/ asks for the root on every upload."""
        path = self._path(label)
        try:
            version = path.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        return _certificate_in(str(path), version, self.passphrase)

    def keep_certificate(self, label: str, certificate: x509.Certificate) -> None:
        key = self._waiting.pop(label)
        _write_new(self._path(label), pkcs12.serialize_key_and_certificates(
            label.encode(), key, certificate, None, serialization.BestAvailableEncryption(self.passphrase)))

    @contextlib.contextmanager
    def pdf_signer(self, label: str, certificate: x509.Certificate, chain: list[x509.Certificate]):
        yield pades.key_signer(certificate, self.private_key(label), chain)

    def forget(self, label: str) -> None:
        self._path(label).unlink(missing_ok=True)

    def _path(self, label: str) -> Path:
        return self.folder / f"{label}.p12"


@dataclass
class TokenKeys:
    """Keys inside a PKCS#11 token (`module` is the vendor's library, `token` its label, `pin` the user PIN):
    they are made there and never leave it; certificates are kept as files under `folder`."""

    module: str
    token: str
    pin: str
    folder: Path

    @contextlib.contextmanager
    def _session(self):
        """The process's one logged-in session with the token, one thread at a time (PKCS#11 logs in per
        application, so a second login fails; sessions are not for concurrent use)."""
        with _TOKEN_LOCK:
            key = (self.module, self.token)
            if key not in _TOKEN_SESSIONS:
                import pkcs11
                token = pkcs11.lib(self.module).get_token(token_label=self.token)
                _TOKEN_SESSIONS[key] = token.open(user_pin=self.pin, rw=True)
            yield _TOKEN_SESSIONS[key]

    def _private(self, session, label: str):
        from pkcs11 import ObjectClass
        from pkcs11.exceptions import NoSuchKey
        try:
            return session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
        except NoSuchKey:
            return None

    def public_key(self, label: str):
        from pkcs11 import ObjectClass
        from pkcs11.exceptions import NoSuchKey
        from pkcs11.util.ec import encode_ec_public_key
        with self._session() as session:
            try:
                public = session.get_key(object_class=ObjectClass.PUBLIC_KEY, label=label)
            except NoSuchKey:
                return None
            return serialization.load_der_public_key(encode_ec_public_key(public))

    def new_key(self, label: str, key=None):
        from pkcs11 import Attribute, KeyType
        from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters
        if key is not None:
            raise ValueError("a token makes its own keys")
        with self._session() as session:
            parameters = session.create_domain_parameters(
                KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True)
            public, _private = parameters.generate_keypair(store=True, label=label)
            return serialization.load_der_public_key(encode_ec_public_key(public))

    def sign(self, label: str, data: bytes) -> bytes:
        from pkcs11 import Mechanism
        from pkcs11.util.ec import encode_ecdsa_signature
        digest = hashes.Hash(hashes.SHA256())
        digest.update(data)
        with self._session() as session:  # plain ECDSA over our own digest: every token has that mechanism
            return encode_ecdsa_signature(self._private(session, label).sign(digest.finalize(),
                                                                              mechanism=Mechanism.ECDSA))

    def certificate(self, label: str) -> x509.Certificate | None:
        path = self.folder / f"{label}.pem"
        return x509.load_pem_x509_certificate(path.read_bytes()) if path.exists() else None

    def keep_certificate(self, label: str, certificate: x509.Certificate) -> None:
        _write_new(self.folder / f"{label}.pem", certificate.public_bytes(serialization.Encoding.PEM))

    @contextlib.contextmanager
    def pdf_signer(self, label: str, certificate: x509.Certificate, chain: list[x509.Certificate]):
        from pyhanko.sign.pkcs11 import PKCS11Signer
        with self._session() as session:
            yield PKCS11Signer(session, key_label=label, signing_cert=pades.asn1_certificate(certificate),
                               ca_chain=[pades.asn1_certificate(c) for c in chain], use_raw_mechanism=True)

    def forget(self, label: str) -> None:
        from pkcs11 import Attribute
        with self._session() as session:
            for found in session.get_objects({Attribute.LABEL: label}):
                found.destroy()
        (self.folder / f"{label}.pem").unlink(missing_ok=True)


@functools.lru_cache(maxsize=64)
def _certificate_in(path: str, _version: int, passphrase: bytes) -> x509.Certificate:
    return pkcs12.load_key_and_certificates(Path(path).read_bytes(), passphrase)[1]


_TOKEN_LOCK = threading.RLock()
_TOKEN_SESSIONS: dict[tuple[str, str], object] = {}


def _write_new(path: Path, body: bytes) -> None:
    """Write a file that must not exist yet (never overwrite a key), readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".new-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(body)
        os.link(temporary, path)
    finally:
        os.unlink(temporary)
