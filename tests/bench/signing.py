"""What a PAdES signature costs the portal, against pyHanko signing the same PDF with a key already in memory
and no timestamp (the floor), in the same run.

The portal's way per party: open the signatory's key (a PKCS#12 file, or a SoftHSM2 token), sign into its box
with an RFC 3161 timestamp from the portal CA's own time-stamping unit. Once both have signed: validation data
and the document timestamp (B-LTA). Run alone: `.venv/bin/python -m tests.bench.signing [--rounds N]`.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from reportlab.pdfgen import canvas

from portal.signing import pades
from portal.signing.keys import FileKeys, TokenKeys
from portal.signing.portal_ca import Authority, Subject

SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


def _blank_agreement() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 770, "Perjanjian Kerja Sama: Sistem Rujukan Pelayanan Kesehatan")
    page.showPage()
    page.save()
    return pades.with_boxes(buffer.getvalue(), [pades.Box("PihakKedua", 0, (310, 60, 530, 160)),
                                                pades.Box("PihakPertama", 0, (60, 60, 280, 160))])


def _authority(folder: Path, token: bool) -> Authority:
    files = FileKeys(folder, b"bench-passphrase")
    keys = TokenKeys(SOFTHSM, "mitrapas-bench", "4321", folder) if token else files
    return Authority(keys, files, ocsp_url="http://127.0.0.1:9/pki/ocsp", crl_url="http://127.0.0.1:9/pki/ca.crl")


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure(ca: Authority, rounds: int) -> dict[str, float]:
    root = ca.root_certificate()
    unit = ca.time_stamping_unit()
    stamper = pades.own_time_stamper(unit.certificate, unit.key, [root])
    partner = ca.issue(Subject("Vinny Safari", "Direktur RSUD", "RSUD Tamiang Layang", "vinny@contoh.go.id"))
    facility = ca.issue(Subject("Agung Novarianto", "Kepala Rutan", "Rutan Kelas IIB Tamiang Layang",
                                "agung@contoh.go.id"))
    appearance = pades.Appearance("Menyetujui PKS", "Rutan Kelas IIB Tamiang Layang", ("Ditandatangani", "x"))
    blank = _blank_agreement()
    one, two, archive = [], [], []
    for _ in range(rounds):
        started = time.perf_counter()
        with ca.signer(partner.serial_number) as signer:
            signed = pades.sign(blank, "PihakKedua", signer, appearance, stamper)
        one.append(time.perf_counter() - started)
        started = time.perf_counter()
        with ca.signer(facility.serial_number) as signer:
            both = pades.sign(signed, "PihakPertama", signer, appearance, stamper)
        two.append(time.perf_counter() - started)
        started = time.perf_counter()
        answers = {c.serial_number: ca.ocsp_response(c.serial_number, None)
                   for c in (partner, facility, unit.certificate)}
        pades.make_long_lived(both, pades.validation_context([root], own_answers=answers, fetch=False), stamper)
        archive.append(time.perf_counter() - started)
    return {"partner signs": _median_ms(one), "facility signs": _median_ms(two), "B-LTA": _median_ms(archive)}


def floor(rounds: int) -> float:
    """pyHanko alone: a key in memory, no timestamp, the same PDF and box."""
    folder = Path(tempfile.mkdtemp(prefix="mitrapas-bench-floor-"))
    keys = FileKeys(folder, b"x")
    ca = Authority(keys, keys, ocsp_url="http://x/", crl_url="http://x/")
    certificate = ca.issue(Subject("Vinny Safari", None, "RSUD", "v@contoh.go.id"))
    key = ca.keys.private_key(f"signatory-{certificate.serial_number:x}")
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    signer = pades.key_signer(certificate, key, [ca.root_certificate()])
    blank = _blank_agreement()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        signers.PdfSigner(signers.PdfSignatureMetadata(field_name="PihakKedua",
                                                       subfilter=fields.SigSeedSubFilter.PADES),
                          signer=signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(blank)))
        samples.append(time.perf_counter() - started)
    return _median_ms(samples)


def main(rounds: int = 15) -> None:
    baseline = floor(rounds)
    print(f"floor: pyHanko, key in memory, no timestamp: {baseline:.1f} ms per signature")
    kinds = [("PKCS#12 files", False)]
    if Path(SOFTHSM).exists():
        kinds.append(("SoftHSM2 token", True))
    for name, token in kinds:
        folder = Path(tempfile.mkdtemp(prefix="mitrapas-bench-signing-"))
        if token:
            (folder / "tokens").mkdir()
            (folder / "softhsm2.conf").write_text(f"directories.tokendir = {folder / 'tokens'}\n")
            os.environ["SOFTHSM2_CONF"] = str(folder / "softhsm2.conf")
            subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "mitrapas-bench", "--pin", "4321",
                            "--so-pin", "87654321"], check=True, capture_output=True)
        for step, ms in measure(_authority(folder, token), rounds).items():
            print(f"{name:15} {step:15} {ms:7.1f} ms  ({ms / baseline:.1f}x the floor)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    main(parser.parse_args().rounds)
