"""Demo agreements: the PKS the reports tell of, each in the state a facility would find it today.

The RSUD Tamiang Layang PKS, whose signing closed the rehabilitation programme on 28 November 2025 (seed
004; its period starts that day), is signed electronically by its director and the Rutan's head: its PDF
carries both PAdES signatures and the archival timestamp, made when the demo is loaded. A signature records
the moment it was really made, never the ceremony's date (signatures cannot be changed afterwards: the
portal's database role may not update them).
The others wait where the lifecycle puts them, so every agreement page has something to show.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
import io
import time

import pyotp
from sqlalchemy import delete

from portal.accounts import two_factor
from portal.accounts.models import RecoveryCode, User
from portal.agreements import operations as agreements, pdf as agreement_pdf, signing as agreement_signing
from portal.agreements.models import AgreementType
from portal.agreements.operations import AgreementFields
from portal.extensions import db
from portal.organisations.models import Organisation


@dataclass(frozen=True)
class DemoAgreement:
    facility: str
    partner: str
    #: The furthest step taken: draft, submitted, forwarded, approved or signed (electronically).
    reached: str
    drafter: str
    officer: str
    head: str
    partner_signatory: str
    fields: dict


AGREEMENTS = [
    DemoAgreement(
        "Rutan Kelas IIB Tamiang Layang", "RSUD Tamiang Layang", "signed",
        drafter="vinny.safari@mitrapas.test", officer="pelayanan@rutan-tamiang-layang.mitrapas.test",
        head="agung.novarianto@mitrapas.test", partner_signatory="vinny.safari@mitrapas.test",
        fields=dict(
            type=AgreementType.HEALTH_REFERRAL, title="Sistem Rujukan Pelayanan Kesehatan",
            scope="Rujukan pelayanan kesehatan bagi warga binaan Rutan Tamiang Layang ke RSUD Tamiang Layang.",
            objectives="Layanan rujukan yang cepat, tepat dan akuntabel bagi WBP yang membutuhkan perawatan.",
            facility_rights="Mendapat layanan rujukan dan informasi tindak lanjut perawatan WBP.",
            facility_obligations="Mengawal WBP yang dirujuk dan menyerahkan data medis yang diperlukan.",
            partner_rights="Menerima data rujukan yang lengkap sebelum WBP tiba.",
            partner_obligations="Melayani WBP yang dirujuk sesuai standar pelayanan rumah sakit.",
            start_date=date(2025, 11, 28), end_date=date(2028, 11, 27),
            facility_number="W17.PAS.PAS.10-PK.01.01-1125", partner_number="445/1125/RSUD-TL/XI/2025",
            facility_signatory_position="Kepala Rutan Kelas IIB Tamiang Layang",
            partner_signatory_position="Direktur RSUD Tamiang Layang")),
    DemoAgreement(
        "Rutan Kelas IIB Bengkulu", "Dinas Koperasi dan UKM Provinsi Bengkulu", "submitted",
        drafter="admin@diskopukm.mitrapas.test", officer="rafi.rizaldi@mitrapas.test",
        head="yulian.fernando@mitrapas.test", partner_signatory="admin@diskopukm.mitrapas.test",
        fields=dict(
            type=AgreementType.ECONOMIC_EMPOWERMENT, title="Pembinaan UMKM Warga Binaan Rutan Bengkulu",
            scope="Pendampingan usaha, pelatihan produksi dan akses pasar bagi produk warga binaan.",
            objectives="Warga binaan siap berwirausaha setelah bebas.",
            start_date=date(2026, 1, 2), end_date=date(2027, 12, 31))),
    DemoAgreement(
        "Rutan Kelas IIB Bengkulu", "Balai Latihan Kerja Bengkulu", "draft",
        drafter="admin@blk.mitrapas.test", officer="rafi.rizaldi@mitrapas.test",
        head="yulian.fernando@mitrapas.test", partner_signatory="admin@blk.mitrapas.test",
        fields=dict(
            type=AgreementType.VOCATIONAL_TRAINING, title="Pelatihan Kewirausahaan dan Keterampilan Produksi",
            scope="Pelatihan keterampilan produksi bersertifikat bagi warga binaan.",
            start_date=date(2026, 2, 2), end_date=date(2027, 2, 1))),
    DemoAgreement(
        "Rutan Kelas IIA Balikpapan", "SEKATA Balikpapan", "approved",
        drafter="admin@sekata.mitrapas.test", officer="agus.salim@mitrapas.test",
        head="agus.salim@mitrapas.test", partner_signatory="admin@sekata.mitrapas.test",
        fields=dict(
            type=AgreementType.REHABILITATION, title="Pendampingan Rehabilitasi Warga Binaan",
            scope="Sesi rehabilitasi sosial: dukungan keluarga dan lingkungan sosial yang positif.",
            start_date=date(2025, 12, 3), end_date=date(2027, 12, 2))),
]

_ORDER = ("draft", "submitted", "forwarded", "approved", "signed")


def load(by_name: dict[str, Organisation], person, *, password: str) -> None:
    """Walk each demo agreement through the real services, as its people would."""
    for demo in AGREEMENTS:
        facility, partner = by_name[demo.facility], by_name[demo.partner]
        drafter, officer, head = person(demo.drafter), person(demo.officer), person(demo.head)
        fields = AgreementFields(facility_signatory=head, partner_signatory=person(demo.partner_signatory),
                                 **demo.fields)
        agreement = agreements.create_agreement(facility, partner, fields, actor=drafter)
        agreements.add_draft_document(agreement, io.BytesIO(agreement_pdf.agreement_text(agreement)),
                                      f"Draf PKS {partner.name}.pdf", actor=drafter)
        _walk(agreement, _ORDER.index(demo.reached), drafter=drafter, officer=officer, head=head,
              partner_signatory=fields.partner_signatory, password=password)


def _walk(agreement, steps: int, *, drafter: User, officer: User, head: User, partner_signatory: User,
          password: str) -> None:
    moves = [
        lambda: agreements.submit_agreement(agreement, actor=drafter),
        lambda: agreements.forward_agreement(agreement, actor=officer),
        lambda: agreements.approve_agreement(agreement, actor=head),
        lambda: _signed_electronically(agreement, (partner_signatory, head), password),
    ]
    for move in moves[:steps]:
        move()


def _signed_electronically(agreement, signatories: tuple[User, User], password: str) -> None:
    """Each signatory turns on two-factor sign-in (which issues their certificate) and signs with their
    password, partner first. The demo then turns two-factor sign-in off again, so that its people sign in
    with the password alone (README); their certificates stay valid, as they would after a lost phone."""
    for signatory in signatories:
        secret = two_factor.new_secret()
        two_factor.enable(signatory, secret, pyotp.TOTP(secret).now())
        agreement_signing.sign_agreement(agreement, password, pyotp.TOTP(secret).at(time.time() + 30),
                                         actor=signatory)  # the next code: the one enabling used its step
        signatory.totp_secret = signatory.totp_enabled_at = signatory.totp_last_step = None
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == signatory.id))
