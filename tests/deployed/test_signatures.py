"""Story: the demo's PKS, signed electronically at the previous release's schema, is still a PDF that outside
tools accept after the upgrade, on the deployed portal: the Rutan's officer downloads it over HTTPS, pdfsig finds both
signatures valid, anyone can check it on /verify/, and the portal's OCSP responder vouches for the signers'
certificates (PostgreSQL under Row-Level Security, through gunicorn)."""
from __future__ import annotations

import io
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from pyhanko.pdf_utils.reader import PdfFileReader

from tests.deployed.people import org_path

TITLE = "Sistem Rujukan Pelayanan Kesehatan"


def test_the_signed_pks_passes_pdfsig_verify_and_ocsp_after_the_upgrade(stack, visitor, tmp_path):
    agreement_id, document_id = stack.sql(
        "SELECT a.id, d.id FROM agreements a JOIN agreement_documents d ON d.agreement_id = a.id "
        "WHERE a.title = :title AND d.kind = 'final'", title=TITLE)[0]
    officer = visitor()  # the head turned on two-factor sign-in in an earlier story
    officer.login("pelayanan@rutan-tamiang-layang.mitrapas.test")
    download = officer.get(f"{org_path(officer)}agreements/{agreement_id}/documents/{document_id}")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    pdf = download.content
    (tmp_path / "pks.pdf").write_bytes(pdf)
    report = subprocess.run(["pdfsig", "-nocert", str(tmp_path / "pks.pdf")], capture_output=True, text=True,
                            timeout=60).stdout
    assert report.count("Signature is Valid.") == 2 and "Vinny Safari" in report and "Agung Novarianto" in report

    anyone = visitor()
    token, page = anyone.csrf_token("/verify/")
    checked = anyone.http.post(anyone.url("/verify/"), data={"csrf_token": token, "f-csrf_token": token,
                                                             "f-submit": "1"},
                               files={"f-document": ("pks.pdf", pdf, "application/pdf")},
                               headers={"Referer": page}, timeout=60)
    assert checked.status_code == 200
    assert checked.text.count("Utuh: tidak berubah sejak ditandatangani") == 3

    root = x509.load_der_x509_certificate(anyone.get("/pki/ca.crt").content)
    for signature in PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures:
        certificate = x509.load_der_x509_certificate(signature.signer_cert.dump())
        request = ocsp.OCSPRequestBuilder().add_certificate(certificate, root, hashes.SHA1()).build()
        answer = anyone.http.post(anyone.url("/pki/ocsp"), data=request.public_bytes(serialization.Encoding.DER),
                                  headers={"Content-Type": "application/ocsp-request"}, timeout=30)
        response = ocsp.load_der_ocsp_response(answer.content)
        assert response.certificate_status == ocsp.OCSPCertStatus.GOOD
        responder = response.certificates[0]  # the delegated responder, issued by the root
        assert responder.issuer == root.subject
        responder.public_key().verify(response.signature, response.tbs_response_bytes,
                                      ec.ECDSA(response.signature_hash_algorithm))
    assert x509.load_der_x509_crl(anyone.get("/pki/ca.crl").content).issuer == root.subject
