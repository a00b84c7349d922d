"""A real test PKI for the signing tests: certomancer's root CA with a time-stamping authority (RFC 3161), an
OCSP responder and a CRL, served over HTTP on a free loopback port, as an outside TSA would be; and, on the
same server, a PSrE's remote signing service that signs with the keys it holds for two certified signatories
(issued by the same root), in the shape of the Indonesian PSrE APIs (`portal/signing/psre.py`)."""
from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import yaml
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import CertomancerConfig
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from werkzeug.serving import make_server

VALID = {"valid-from": "2020-01-01T00:00:00+0000", "valid-to": "2060-01-01T00:00:00+0000"}


WHERE_TO_CHECK = [
    {"id": "crl_distribution_points",
     "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}}},
    {"id": "authority_information_access",
     "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["root"]}}},
]


def _key_usage(*usages: str) -> dict:
    return {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage", "params": list(usages)}}


#: The PSrE's client account for the portal, and the people it holds certificates for (name: passphrase).
PSRE_USER, PSRE_PASSWORD = "mitrapas", "rahasia-klien"
PSRE_PEOPLE = {"Vinny Safari": ("vinny", "passphrase-vinny"), "Agung Novarianto": ("agung", "passphrase-agung")}


class OutsideTimeStampingAuthority:
    """Started by `start()`, stopped by `stop()`; `tsa_url`, `psre_url` and `root_pem` are what the portal is
    configured with. `psre_requests` keeps what the PSrE was sent (the tests read it)."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="mitrapas-test-pki-"))
        self.server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.tsa_url = f"{self.url}/testing/tsa/tsa"
        self.psre_url = f"{self.url}/psre/api/sign/pdf"
        self.psre_requests: list[dict] = []
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _app(self, environ, start_response):
        if environ["PATH_INFO"].startswith("/psre/"):
            return self._psre(environ, start_response)
        return self.animator(environ, start_response)

    def _psre(self, environ, start_response):
        """Sign as a PSrE would: the client account, the signer's passphrase, then its own key and TSA."""
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers, timestamps
        from pyhanko_certvalidator.registry import SimpleCertificateStore
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        form = request.form
        self.psre_requests.append({key: form[key] for key in form if key != "passphrase"})
        if request.authorization is None or (request.authorization.username, request.authorization.password) != (
                PSRE_USER, PSRE_PASSWORD):
            return Response('{"error": "Unauthorized"}', 401, mimetype="application/json")(environ, start_response)
        label, passphrase = PSRE_PEOPLE.get(form.get("nama"), (None, None))
        if label is None or form.get("passphrase") != passphrase:
            return Response('{"error": "Passphrase anda salah"}', 400,
                            mimetype="application/json")(environ, start_response)
        architecture = self.config.get_pki_arch("testing")
        signer = signers.SimpleSigner(
            signing_cert=architecture.get_cert(label), signing_key=architecture.key_set.get_private_key(label),
            cert_registry=SimpleCertificateStore.from_certs([architecture.get_cert("root")]))
        metadata = signers.PdfSignatureMetadata(field_name=form["field"], reason=form["reason"],
                                                location=form["location"], subfilter=fields.SigSeedSubFilter.PADES)
        writer = IncrementalPdfFileWriter(request.files["file"].stream)
        signed = signers.PdfSigner(metadata, signer, timestamper=timestamps.HTTPTimeStamper(self.tsa_url)).sign_pdf(writer)
        return Response(signed.getvalue(), 200, mimetype="application/pdf")(environ, start_response)

    def start(self) -> "OutsideTimeStampingAuthority":
        keys = {"root": rsa.generate_private_key(65537, 2048), "tsa": rsa.generate_private_key(65537, 2048),
                "ocsp": ec.generate_private_key(ec.SECP256R1()),
                **{label: ec.generate_private_key(ec.SECP256R1()) for label, _ in PSRE_PEOPLE.values()}}
        for name, key in keys.items():
            (self.folder / f"{name}.key.pem").write_bytes(key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        config = {
            "external-url-prefix": self.url,
            "keysets": {"testing": {"path-prefix": str(self.folder),
                                    "keys": {name: {"path": f"{name}.key.pem"} for name in keys}}},
            "pki-architectures": {"testing": {
                "keyset": "testing",
                "entity-defaults": {"country-name": "ID", "organization-name": "Test PKI"},
                "entities": {"root": {"common-name": "Test Root CA"}, "tsa": {"common-name": "Test TSA"},
                             "ocsp": {"common-name": "Test OCSP responder"},
                             **{label: {"common-name": name, "organization-name": "Test PSrE signatories"}
                                for name, (label, _) in PSRE_PEOPLE.items()}},
                "certs": {
                    "root": {"subject": "root", "issuer": "root", "validity": VALID, "extensions": [
                        {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                        _key_usage("digital_signature", "key_cert_sign", "crl_sign")]},
                    "ocsp": {"issuer": "root", "validity": VALID, "extensions": [
                        _key_usage("digital_signature"),
                        {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                        {"id": "ocsp_no_check"}]},
                    "tsa": {"issuer": "root", "validity": VALID, "extensions": [
                        _key_usage("digital_signature"),
                        {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                        *WHERE_TO_CHECK]},
                    **{label: {"issuer": "root", "validity": VALID, "extensions": [
                        _key_usage("digital_signature", "non_repudiation"), *WHERE_TO_CHECK]}
                       for label, _ in PSRE_PEOPLE.values()},
                },
                "services": {
                    "ocsp": {"root": {"for-issuer": "root", "responder-cert": "ocsp", "signing-key": "ocsp"}},
                    "crl-repo": {"root": {"for-issuer": "root", "signing-key": "root",
                                          "simulated-update-schedule": "P30D"}},
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }},
        }
        (self.folder / "certomancer.yml").write_text(yaml.safe_dump(config))
        self.config = loaded = CertomancerConfig.from_file(str(self.folder / "certomancer.yml"))
        architecture = loaded.get_pki_arch("testing")
        self.animator = Animator(AnimatorArchStore(loaded.pki_archs), with_web_ui=False)
        self.root_pem = self.folder / "root.pem"
        self.root_pem.write_bytes(x509.load_der_x509_certificate(architecture.get_cert("root").dump())
                                  .public_bytes(serialization.Encoding.PEM))
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
