"""A partner types a prisoner's name and NIK into a title, a reason or a number field by mistake: notices and e-mails
name the record the way the screens do (a PKS by its number, when what was typed there is one), database errors by
the statement, and carry neither (the deployed tier follows the same canary through logs,
addresses and an overseer's exports: tests/deployed/test_canaries.py)."""
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.agreements import operations as agreements
from portal.agreements.models import AgreementStatus as S
from portal.contributions import operations as contributions
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.notifications.mail_models import OutboxMessage
from portal.notifications.models import Notification
from portal.notifications.texts import notice_text
from portal.organisations.models import Role
from tests.factories import FacilityFactory, member_of
from tests.contributions.test_contributions import record

NAME, NIK = "Bambang Sutrisno bin Wagiman", "3271046504870002"
CANARY = f"WBP {NAME} NIK {NIK}"


def carries(text: str) -> bool:
    return NAME in text or NIK in text


def test_notices_and_their_mails_name_records_as_screens_do_never_by_what_was_typed(pks, mailbox):
    agreement = pks.in_state(S.FORWARDED, title=CANARY, scope=CANARY, facility_number=CANARY, partner_number=NIK)
    with pks.acting(pks.head):
        agreements.reject_agreement(agreement, f"Hapus nama {CANARY}", actor=pks.head)
    signed = pks.in_state(S.ACTIVE, title=CANARY)
    contribution = record(pks, title=CANARY, description=CANARY)
    with pks.acting(pks.officer):
        contributions.reject_contribution(contribution, f"Hapus nama {CANARY}", actor=pks.officer)
    with unscoped("test: every notice and every mail"):
        notices = db.session.scalars(select(Notification)).all()
        mails = db.session.scalars(select(OutboxMessage)).all()
        texts = {notice.kind: notice_text(notice) for notice in notices}
        assert {"agreement.rejected", "agreement.signed_by_both", "contribution.rejected"} <= set(texts)
        done = {notice_text(notice) for notice in notices if notice.kind == "agreement.signed_by_both"}
        assert done == {f"PKS {signed.facility_number} telah ditandatangani kedua pihak.",
                        f"PKS {signed.partner_number} telah ditandatangani kedua pihak."}, "each side's own number"
        assert not [text for text in texts.values() if "#" in text], "never by an id the screens do not show"
        assert texts["agreement.rejected"] == (
            "Rutan Kelas IIB Tamiang Layang menolak PKS Rujukan kesehatan antara Rutan Kelas IIB Tamiang Layang dan "
            "RSUD Tamiang Layang; alasannya ada di halaman perjanjian."), "a number field holding a name is no number"
        assert not [text for text in texts.values() if carries(text)]
        assert not [notice.params for notice in notices if carries(str(notice.params))], "nor is it kept for later"
        assert mails and not [mail.subject for mail in mails if carries(mail.subject + mail.text + mail.html)]


def test_a_database_error_names_the_statement_not_the_values(app):
    taken = member_of(FacilityFactory(), Role.OFFICER)
    with unscoped("test: a second account with a taken address"):
        with pytest.raises(IntegrityError) as error:
            with db.session.begin_nested():
                db.session.add(User(email=taken.email, name=CANARY, password_hash="x"))
                db.session.flush()
    assert "INSERT INTO users" in str(error.value) and not carries(str(error.value))


def test_a_notice_kept_from_before_still_names_its_record_by_number():
    """Notices made before they named records the way the screens do keep their words and their number."""
    older = Notification(kind="agreement.approved", link="/o/rsud/agreements/12",
                         params={"title": CANARY, "facility": "Rutan Kelas IIB Tamiang Layang"})
    assert notice_text(older) == "Rutan Kelas IIB Tamiang Layang menyetujui perjanjian #12."
    to_sign = Notification(kind="agreement.to_sign", link="/o/rutan/agreements/5", params={
        "ref": "#5", "facility": "Rutan Kelas IIB Tamiang Layang", "partner": "RSUD Tamiang Layang"})
    assert notice_text(to_sign) == ("Perjanjian #5 antara Rutan Kelas IIB Tamiang Layang dan RSUD Tamiang Layang "
                                    "menunggu tanda tangan Anda.")
    ending = Notification(kind="reminder.expiring", link="/o/rutan/agreements/5",
                          params={"ref": "#5", "days": 30, "end": "2027-01-04"})
    assert notice_text(ending) == "Perjanjian #5 berakhir dalam 30 hari (4 Januari 2027)."
    material = Notification(kind="material.added", link="/o/rutan/materials/7", params={"ref": "#7", "agreement": "#5"})
    assert notice_text(material) == "Materi baru #7 untuk perjanjian #5."
