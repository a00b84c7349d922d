"""PAdES in a PDF, through pyHanko: empty signature boxes, one signature per party as an incremental update,
the validation data and archival timestamp that keep them checkable (B-LTA), and reading signatures back.

Knows PDFs and certificates, nothing of agreements or people.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import io
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import keys as asn1_keys
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko import stamp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError, extract_certificate_info
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import add_validation_info, validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.api import Fetchers, FetcherBackend, OCSPFetcher, OwnedFetcherBackend
from pyhanko_certvalidator.registry import SimpleCertificateStore

DIGEST = "sha256"


class UnreadablePdf(ValueError):
    """Not a PDF pyHanko can read or sign."""


@dataclass(frozen=True)
class Box:
    """Where a party's visible signature goes: a field name, a page (0-based) and a rectangle in points."""

    field: str
    page: int
    rect: tuple[float, float, float, float]


@dataclass(frozen=True)
class Appearance:
    """What a signature says about itself, inside the PDF and in its visible box."""

    reason: str
    location: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Found:
    """One signature or document timestamp read back from a PDF."""

    field: str
    is_timestamp: bool
    signer: str | None
    organisation: str | None
    position: str | None
    claimed_at: datetime | None
    timestamped_at: datetime | None
    intact: bool
    covers_everything_allowed: bool
    trusted: bool
    has_validation_data: bool
    reason: str | None
    location: str | None


def _outside_any_event_loop(function):
    """pyHanko's synchronous calls start an event loop of their own (asyncio.run), which fails in a thread that
    already runs one (Playwright's in the tests, an async server's in production): there, they run in a thread
    of their own."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return function(*args, **kwargs)
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
            return thread.submit(function, *args, **kwargs).result()
    return wrapper


def asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def asn1_key(key) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def key_signer(certificate: x509.Certificate, key, chain: list[x509.Certificate]) -> signers.Signer:
    """A pyHanko signer over a key the portal holds in a file."""
    return signers.SimpleSigner(
        signing_cert=asn1_certificate(certificate), signing_key=asn1_key(key),
        cert_registry=SimpleCertificateStore.from_certs([asn1_certificate(c) for c in chain]))


def remote_time_stamper(url: str, *, timeout: int = 10) -> timestamps.TimeStamper:
    return timestamps.HTTPTimeStamper(url, timeout=timeout)


def own_time_stamper(certificate: x509.Certificate, key, chain: list[x509.Certificate]) -> timestamps.TimeStamper:
    """The portal answering RFC 3161 itself, with its time-stamping unit's key: for a portal with no outside TSA."""
    return DummyTimeStamper(tsa_cert=asn1_certificate(certificate), tsa_key=asn1_key(key),
                            certs_to_embed=SimpleCertificateStore.from_certs([asn1_certificate(c) for c in chain]))


def validation_context(trust: list[x509.Certificate], *, own_answers: dict[int, bytes],
                       fetch: bool) -> ValidationContext:
    """Revocation information is required: `own_answers` (OCSP answers by serial, for the certificates the
    portal CA issued, which it answers for itself) and, with `fetch`, whatever the other certificates' OCSP
    and CRL addresses give (an outside TSA's chain)."""
    answers = {serial: asn1_ocsp.OCSPResponse.load(der) for serial, der in own_answers.items()}
    roots = [asn1_certificate(c) for c in trust]
    if not fetch:
        return ValidationContext(trust_roots=roots, ocsps=list(answers.values()), revocation_mode="hard-fail")
    return ValidationContext(trust_roots=roots, allow_fetching=True, revocation_mode="hard-fail",
                             fetcher_backend=OwnedFetcherBackend(_OwnAnswersFirst(answers)))


class _OwnAnswersFirst(FetcherBackend):
    """pyHanko ignores known OCSP answers for a certificate with an OCSP address once fetching is on; this
    backend hands over the portal's own answers as if fetched, and fetches everything else."""

    def __init__(self, answers: dict):
        self.answers = answers
        self.inner = AIOHttpFetcherBackend()

    def get_fetchers(self) -> Fetchers:
        fetchers = self.inner.get_fetchers()
        return Fetchers(ocsp_fetcher=_OwnOCSP(fetchers.ocsp_fetcher, self.answers),
                        crl_fetcher=fetchers.crl_fetcher, cert_fetcher=fetchers.cert_fetcher)

    async def close(self):
        await self.inner.close()


class _OwnOCSP(OCSPFetcher):
    def __init__(self, inner: OCSPFetcher, answers: dict):
        self.inner, self.answers = inner, answers

    async def fetch(self, cert, authority):
        return self.answers.get(cert.serial_number) or await self.inner.fetch(cert, authority)

    def fetched_responses(self):
        return [*self.answers.values(), *self.inner.fetched_responses()]

    def fetched_responses_for_cert(self, cert):
        if (own := self.answers.get(cert.serial_number)) is not None:
            return [own]
        return self.inner.fetched_responses_for_cert(cert)


def stamping_units_of(signature) -> list[asn1_x509.Certificate]:
    """The certificates of the TSA units that stamped an embedded signature (its signature timestamps)."""
    return [extract_certificate_info(token).signer_cert
            for token in extract_tst_data_iter(signature.signer_info, signed=False)]


def with_boxes(pdf: bytes, boxes: list[Box]) -> bytes:
    """Add empty signature fields, so each party later signs into its own box without changing a page."""
    writer = _writer(pdf)
    for box in boxes:
        fields.append_signature_field(writer, fields.SigFieldSpec(sig_field_name=box.field, on_page=box.page,
                                                                  box=box.rect))
    return _written(writer)


def box_of(pdf: bytes, field: str) -> Box:
    """Where an empty signature field is: its page and rectangle, for a signer that places boxes itself."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    for _name, _value, reference in fields.enumerate_sig_fields(reader, filled_status=False, with_name=field):
        widget = reference.get_object()
        page = widget.raw_get("/P")
        index = next(ix for ix in range(int(reader.root["/Pages"]["/Count"]))
                     if reader.find_page_for_modification(ix)[0] == page)
        left, bottom, right, top = (float(value) for value in widget["/Rect"])
        return Box(field, index, (left, bottom, right, top))
    raise UnreadablePdf(f"no empty signature field {field!r}")


@_outside_any_event_loop
def sign(pdf: bytes, box: str, signer: signers.Signer, appearance: Appearance,
         time_stamper: timestamps.TimeStamper) -> bytes:
    """Sign into an existing box as an incremental update (PAdES, with a signature timestamp: B-T)."""
    metadata = signers.PdfSignatureMetadata(
        field_name=box, reason=appearance.reason, location=appearance.location, md_algorithm=DIGEST,
        subfilter=fields.SigSeedSubFilter.PADES)
    style = stamp.TextStampStyle(stamp_text="\n".join(line.replace("%", "%%") for line in appearance.lines),
                                 border_width=1)
    try:
        output = signers.PdfSigner(metadata, signer=signer, timestamper=time_stamper,
                                   stamp_style=style).sign_pdf(_writer(pdf))
    except SigningError as error:
        raise UnreadablePdf(str(error)) from error
    return output.getvalue()


@_outside_any_event_loop
def make_long_lived(pdf: bytes, context: ValidationContext, time_stamper: timestamps.TimeStamper) -> bytes:
    """B-LTA: the certificates and revocation answers of every signature in the document's security store,
    then a document timestamp over all of it (which a later timestamp can extend before its TSA expires)."""
    count = len(PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures)
    for index in range(count):
        signature = PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures[index]
        pdf = add_validation_info(signature, context).getvalue()
    output = signers.PdfTimeStamper(time_stamper).timestamp_pdf(_writer(pdf), DIGEST, context)
    return output.getvalue()


@_outside_any_event_loop
def read(pdf: bytes, trust: list[x509.Certificate]) -> list[Found]:
    """Every signature and document timestamp of a PDF, judged offline: intact, trusted, timestamped.

    Anyone may upload a PDF to /verify/, so whatever a damaged or hostile file makes pyHanko raise means
    "unreadable" for the file, or "not intact" for one signature, never an error page."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
        store = DocumentSecurityStore.read_dss(reader) if "/DSS" in reader.root else None
    except Exception as error:  # noqa: BLE001 - pyHanko raises many kinds for a damaged file
        raise UnreadablePdf(str(error)) from error
    settings = {"trust_roots": [asn1_certificate(c) for c in trust], "allow_fetching": False,
                "revocation_mode": "soft-fail"}
    found = []
    for signature in embedded:
        try:
            found.append(_judged(signature, store, settings))
        except Exception:  # noqa: BLE001 - a signature pyHanko cannot even evaluate is not intact
            found.append(Found(_safely(lambda: signature.field_name), False, None, None, None, None, None, False,
                               False, False, store is not None, None, None))
    return found


def _judged(signature, store, settings) -> Found:
    context = store.as_validation_context(settings) if store else ValidationContext(**settings)
    is_timestamp = signature.sig_object_type == "/DocTimeStamp"
    status = (validate_pdf_timestamp(signature, context) if is_timestamp
              else validate_pdf_signature(signature, context, context))
    subject = status.signing_cert.subject.native if status.signing_cert else {}
    timestamp = status if is_timestamp else status.timestamp_validity
    return Found(
        field=signature.field_name, is_timestamp=is_timestamp, signer=subject.get("common_name"),
        organisation=subject.get("organization_name"), position=subject.get("title"),
        claimed_at=None if is_timestamp else signature.self_reported_timestamp,
        timestamped_at=timestamp.timestamp if timestamp else None,
        intact=bool(status.intact and status.valid),
        covers_everything_allowed=_unchanged_since(status),
        trusted=bool(status.trusted), has_validation_data=store is not None,
        reason=_text(signature.sig_object, "/Reason"), location=_text(signature.sig_object, "/Location"))


def _safely(read_value):
    try:
        return str(read_value())
    except Exception:  # noqa: BLE001
        return "?"


def _unchanged_since(status) -> bool:
    from pyhanko.sign.diff_analysis import ModificationLevel
    level = getattr(status, "modification_level", None)
    return getattr(status, "docmdp_ok", None) is not False and (level is None or level <= ModificationLevel.FORM_FILLING)


def _text(sig_object, key: str) -> str | None:
    value = sig_object.get(key)
    return str(value) if value is not None else None


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except Exception as error:  # noqa: BLE001
        raise UnreadablePdf(str(error)) from error


def _written(writer: IncrementalPdfFileWriter) -> bytes:
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
