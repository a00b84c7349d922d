"""Demo agreements: the PKS the reports tell of, each in the state a facility would find it today.

The RSUD Tamiang Layang PKS, whose signing closed the rehabilitation programme on 28 November 2025 (seed
004; its period starts that day), is signed electronically by its director and the Rutan's head: its PDF
carries both PAdES signatures and the archival timestamp, made when the demo is loaded. A signature records
the moment it was really made, never the ceremony's date (signatures cannot be changed afterwards: the
portal's database role may not update them).
The others wait where the lifecycle puts them, so every agreement page has something to show.

Rutan Kelas IIB Bengkulu sets its own approval chain (issue 37): the officer's check, the legal review of its
general affairs (Urusan Umum), the acknowledgement of Kanwil Ditjenpas Bengkulu, then the head. Its PKS with Dinas
Koperasi dan UKM waits at the Kanwil; its PKS with the Kemnaker internship programme was submitted two weeks before
the demo is loaded and its legal review is late.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
import io
import time

import pyotp
from sqlalchemy import delete

from portal.accounts import two_factor
from portal.accounts.models import RecoveryCode, User
from portal.agreements import (
    chains, operations as agreements, pdf as agreement_pdf, signing as agreement_signing,
)
from portal.agreements.chain_models import StepActor
from portal.agreements.chains import ChainStep
from portal.agreements.models import AgreementType
from portal.agreements.operations import AgreementFields
from portal.core import clock, working_days
from portal.core.tenancy import acting_for
from portal.extensions import db
from portal.organisations.models import Organisation


@dataclass(frozen=True)
class DemoAgreement:
    facility: str
    partner: str
    #: The furthest step taken: draft, submitted, forwarded, approved or signed (electronically); with an approval
    #: chain, "submitted" after `steps_done` of its review steps.
    reached: str
    drafter: str
    officer: str
    head: str
    partner_signatory: str
    fields: dict
    #: Who completes each review step of the facility's chain, in order (the officer's alone without one).
    reviewers: tuple[str, ...] = ()
    steps_done: int = 0
    #: Submitted this many days before the demo is loaded (its current step's deadline counts from then).
    submitted_days_ago: int = 0


#: Rutan Bengkulu's own approval chain, set by its head.
BENGKULU = "Rutan Kelas IIB Bengkulu"
BENGKULU_CHAIN = [
    ChainStep(StepActor.OFFICER, 3, "Pemeriksaan kelengkapan berkas", may_return=True),
    ChainStep(StepActor.LEGAL, 5, "Reviu hukum Urusan Umum", may_return=True),
    ChainStep(StepActor.KANWIL, 5, "Diketahui Kanwil Ditjenpas Bengkulu"),
]
BENGKULU_REVIEWERS = ("rafi.rizaldi@mitrapas.test", "umum@rutan-bengkulu.mitrapas.test",
                      "analis.bengkulu@mitrapas.test")


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
        reviewers=BENGKULU_REVIEWERS, steps_done=2, submitted_days_ago=6,
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
        "Rutan Kelas IIB Bengkulu", "Program Pemagangan Kemnaker (MagangHub)", "submitted",
        drafter="magang@kemnaker.mitrapas.test", officer="rafi.rizaldi@mitrapas.test",
        head="yulian.fernando@mitrapas.test", partner_signatory="magang@kemnaker.mitrapas.test",
        reviewers=BENGKULU_REVIEWERS, steps_done=1, submitted_days_ago=14,
        fields=dict(
            type=AgreementType.INTERNSHIP, title="Pemagangan Psikologi dan Sosiologi di Rutan Bengkulu",
            scope="Konseling psikologis dan pendampingan sosial warga binaan oleh peserta magang MagangHub.",
            start_date=date(2026, 1, 5), end_date=date(2026, 12, 31))),
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
    head = person("yulian.fernando@mitrapas.test")
    with acting_for(by_name[BENGKULU]):
        chains.set_chain(by_name[BENGKULU], None, BENGKULU_CHAIN, 5, actor=head)
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
        if demo.reviewers:
            _through_the_chain(agreement, demo, person)


def _through_the_chain(agreement, demo: DemoAgreement, person) -> None:
    """Submitted `submitted_days_ago` days before today, and its first `steps_done` steps done since, each by its
    people (the Kanwil's in the regional office's name): what a facility finds after two weeks of work."""
    began = datetime.now(timezone.utc) - timedelta(days=demo.submitted_days_ago)
    for number in range(demo.steps_done):
        step = agreement.current_step
        step.started_at = began + timedelta(days=number)
        reviewer = person(demo.reviewers[number])
        with acting_for(next(membership.organisation for membership in reviewer.memberships)):
            if step.actor == StepActor.KANWIL:
                agreements.acknowledge_agreement(agreement, actor=reviewer)
            else:
                agreements.forward_agreement(agreement, actor=reviewer)
    current = agreement.current_step
    current.started_at = began + timedelta(days=demo.steps_done)
    current.due_on = working_days.add_working_days(clock.local_date(current.started_at), current.days)
    db.session.flush()


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
