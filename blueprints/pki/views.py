"""OCSP (RFC 6960, POST and GET), the CRL and the root certificate, in their registered media types."""
import base64
import binascii

from cryptography.hazmat.primitives import serialization
from flask import Response, abort, current_app, request

from blueprints.pki import bp
from portal import signing
from portal.extensions import limiter
from portal.signing import certificates as signing_certificates

#: An OCSP request for one certificate is about 100 bytes; anything far larger is not one.
MAX_REQUEST_BYTES = 4096


def _limit() -> str:
    return current_app.config["VERIFY_LIMIT"]


@bp.route("/ca.crt")
def root():
    certificate = signing.authority().root_certificate()
    return Response(certificate.public_bytes(serialization.Encoding.DER), mimetype="application/pkix-cert",
                    headers={"Content-Disposition": "attachment; filename=mitrapas-root-ca.crt"})


@bp.route("/ca.crl")
def crl():
    return Response(signing.authority().crl(signing_certificates.revoked()), mimetype="application/pkix-crl",
                    headers={"Cache-Control": "public, max-age=300"})


@bp.route("/ocsp", methods=["POST"])
@limiter.limit(_limit)
def ocsp():
    if (request.content_length or 0) > MAX_REQUEST_BYTES:
        abort(413)
    return _answer(request.get_data())


@bp.route("/ocsp/<path:encoded>")
@limiter.limit(_limit)
def ocsp_by_get(encoded: str):
    try:
        return _answer(base64.b64decode(encoded.replace("%2F", "/"), validate=False))
    except binascii.Error:
        abort(400)


def _answer(request_der: bytes) -> Response:
    answer = signing.authority().ocsp_answer(request_der, signing_certificates.status_of)
    return Response(answer, mimetype="application/ocsp-response")
