"""The people around one PKS: a facility and a partner, everyone who may touch it, and strangers."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
import io

from portal.accounts.models import User
from portal.agreements import operations as agreements, signing as agreement_signing
from portal.agreements.models import Agreement, AgreementStatus, AgreementType
from portal.agreements.operations import AgreementFields
from portal.core.tenancy import acting_for, unscoped
from portal.extensions import db
from portal.organisations.models import Organisation, Role
from tests import sample_files
from tests.factories import (
    PASSWORD, FacilityFactory, OversightFactory, PartnerFactory, PartnershipFactory, fresh_code, member_of,
    with_two_factor,
)


@dataclass
class PksWorld:
    facility: Organisation
    partner: Organisation
    kanwil: Organisation
    head: User
    officer: User
    viewer: User
    partner_admin: User
    partner_member: User
    second_partner_admin: User
    analyst: User
    stranger_head: User
    stranger_facility: Organisation

    def organisation_of(self, user: User) -> Organisation:
        with unscoped("test: where this person works"):
            return next(m.organisation for m in user.memberships)

    @contextmanager
    def acting(self, user: User):
        """Act as `user`, for the organisation they belong to."""
        with acting_for(self.organisation_of(user)):
            yield

    def fields(self, **changes) -> AgreementFields:
        values = dict(
            type=AgreementType.HEALTH_REFERRAL, title="Sistem Rujukan Pelayanan Kesehatan",
            scope="Rujukan pelayanan kesehatan WBP ke RSUD", objectives="Layanan rujukan cepat dan akuntabel",
            facility_rights="Mendapat layanan rujukan", facility_obligations="Mengawal WBP yang dirujuk",
            partner_rights="Menerima data rujukan", partner_obligations="Melayani WBP yang dirujuk",
            start_date=date.today(), end_date=date.today() + timedelta(days=365),
            facility_number="W17.PAS.PAS.10-PK.01.01-123", partner_number="445/123/RSUD-TL/XI/2025",
            facility_signatory=self.head, facility_signatory_position="Kepala Rutan",
            facility_signatory_nip="198001012005011001", partner_signatory=self.partner_admin,
            partner_signatory_position="Direktur RSUD", partner_signatory_nip="197505052000122002")
        values.update(changes)
        return AgreementFields(**values)

    def draft(self, document: bytes | None = None, by: User | None = None, **changes) -> Agreement:
        """A draft made through the service, with a PDF draft document unless told otherwise."""
        by = by or self.partner_admin
        with self.acting(by):
            agreement = agreements.create_agreement(
                self.facility, self.partner, self.fields(**changes), actor=by,
                document=io.BytesIO(document if document is not None else sample_files.pdf()),
                filename="Draf PKS RSUD.pdf")
        return agreement

    def in_state(self, status: AgreementStatus, **changes) -> Agreement:
        """An agreement walked through the real services up to `status`."""
        S = AgreementStatus
        agreement = self.draft(**changes)
        steps = {
            S.SUBMITTED: lambda a: agreements.submit_agreement(a, actor=self.partner_admin),
            S.CHANGES_REQUESTED: lambda a: agreements.request_changes(a, "Lengkapi NIP", actor=self.officer),
            S.FORWARDED: lambda a: agreements.forward_agreement(a, actor=self.officer),
            S.APPROVED: lambda a: agreements.approve_agreement(a, actor=self.head),
            S.REJECTED: lambda a: agreements.reject_agreement(a, "Tidak sesuai", actor=self.head),
            S.PARTNER_SIGNED: lambda a: agreement_signing.sign_agreement(a, PASSWORD, fresh_code(self.partner_admin.id), actor=self.partner_admin),
        }
        path = {
            S.DRAFT: [], S.SUBMITTED: [S.SUBMITTED], S.CHANGES_REQUESTED: [S.SUBMITTED, S.CHANGES_REQUESTED],
            S.FORWARDED: [S.SUBMITTED, S.FORWARDED], S.REJECTED: [S.SUBMITTED, S.REJECTED],
            S.APPROVED: [S.SUBMITTED, S.FORWARDED, S.APPROVED],
            S.PARTNER_SIGNED: [S.SUBMITTED, S.FORWARDED, S.APPROVED, S.PARTNER_SIGNED],
        }
        if status in path:
            for step in path[status]:
                with self.acting(self.head if step in (S.APPROVED, S.REJECTED) else
                                 self.officer if step in (S.CHANGES_REQUESTED, S.FORWARDED) else
                                 self.partner_admin):
                    steps[step](agreement)
            return agreement
        # In force and after: fully signed, then moved by the calendar or the head.
        agreement = self.in_state(S.PARTNER_SIGNED, **changes)
        with self.acting(self.head):
            agreement_signing.sign_agreement(agreement, PASSWORD, fresh_code(self.head.id), actor=self.head)
            if status == S.TERMINATED:
                agreements.terminate_agreement(agreement, "Diakhiri", actor=self.head)
        if status in (S.SIGNED, S.EXPIRED):
            with unscoped("the calendar's doing; tick() is tested on its own"):
                agreement.status = status
                db.session.flush()
        return agreement


def build_world() -> PksWorld:
    facility = FacilityFactory(name="Rutan Kelas IIB Tamiang Layang", province="Kalimantan Tengah")
    partner = PartnerFactory(name="RSUD Tamiang Layang")
    PartnershipFactory(facility=facility, partner=partner)
    stranger_facility = FacilityFactory(province="Kalimantan Tengah")
    PartnershipFactory(facility=stranger_facility, partner=partner)
    kanwil = OversightFactory(province="Kalimantan Tengah")
    return PksWorld(
        facility=facility, partner=partner, kanwil=kanwil,
        head=with_two_factor(member_of(facility, Role.HEAD, name="Agung Novarianto", position="Kepala Rutan")),
        officer=member_of(facility, Role.OFFICER, name="Petugas Pelayanan"),
        viewer=member_of(facility, Role.VIEWER),
        partner_admin=with_two_factor(member_of(partner, Role.ADMIN, name="Vinny Safari", position="Direktur RSUD")),
        partner_member=member_of(partner, Role.MEMBER),
        second_partner_admin=member_of(partner, Role.ADMIN),
        analyst=member_of(kanwil, Role.ANALYST),
        stranger_head=member_of(stranger_facility, Role.HEAD),
        stranger_facility=stranger_facility,
    )
