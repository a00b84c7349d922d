"""A PSrE's remote signing service (BSrE of BSSN, or another certified provider): the portal sends the PDF,
the signer's identity and the passphrase they typed, and gets the signed PDF back. The PSrE holds the
signer's key and certificate; a signature made so is a certified electronic signature (PP 71/2019).

The request has the shape the Indonesian PSrE APIs share: multipart `file`, the signer (`nik` where known,
`email`, `nama`), `passphrase`, and where the visible signature goes (`tampilan`, `halaman`, `xAxis`,
`yAxis`, `width`, `height`, plus the portal's own field name), with the reason and location; HTTP basic
authentication with the portal's client account. A refusal comes back as JSON with an `error` text.
"""
from __future__ import annotations

import json

import urllib3

from portal.signing import pades


class Refused(Exception):
    """The PSrE did not sign: a wrong passphrase, an unknown signer, a suspended certificate, or no answer."""


class RemoteSigner:
    def __init__(self, url: str, user: str, password: str, *, timeout: float = 60, ca_file: str | None = None):
        self.url = url
        self.headers = urllib3.make_headers(basic_auth=f"{user}:{password}")
        self.timeout, self.ca_file = timeout, ca_file or None

    def sign(self, pdf: bytes, box: str, signatory, appearance: pades.Appearance) -> bytes:
        if not signatory.passphrase:
            raise Refused("passphrase")
        where = pades.box_of(pdf, box)
        left, bottom, right, top = where.rect
        fields = {
            "file": ("dokumen.pdf", pdf, "application/pdf"),
            "email": signatory.email, "nama": signatory.name, "passphrase": signatory.passphrase,
            "tampilan": "visible", "halaman": str(where.page + 1), "field": box,
            "xAxis": f"{left:.1f}", "yAxis": f"{bottom:.1f}", "width": f"{right - left:.1f}",
            "height": f"{top - bottom:.1f}", "reason": appearance.reason, "location": appearance.location,
        }
        pool = urllib3.PoolManager(timeout=urllib3.Timeout(total=self.timeout), retries=False, ca_certs=self.ca_file)
        try:
            answer = pool.request("POST", self.url, fields=fields, headers=self.headers)
        except urllib3.exceptions.HTTPError as error:
            raise Refused(f"no answer: {error}") from None
        if answer.status == 200 and answer.data.startswith(b"%PDF"):
            return answer.data
        raise Refused(_error_text(answer))


def _error_text(answer) -> str:
    try:
        return str(json.loads(answer.data).get("error") or answer.status)
    except (ValueError, AttributeError):
        return f"HTTP {answer.status}"
