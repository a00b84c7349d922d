"""A partner types a prisoner's name and NIK into a title or a reason by mistake: notices, e-mails and database
errors name the record by its number and carry neither (the deployed tier follows the same canary through logs,
addresses and an overseer's exports: tests/deployed/test_canaries.py)."""
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import AgreementStatus as S, Notification, OutboxMessage, Role, User
from portal.services import agreements, contributions
from portal.tenancy import unscoped
from portal.vocabulary import notice_text
from tests.factories import FacilityFactory, member_of
from tests.test_contributions import record

NAME, NIK = "Bambang Sutrisno bin Wagiman", "3271046504870002"
CANARY = f"WBP {NAME} NIK {NIK}"


def carries(text: str) -> bool:
    return NAME in text or NIK in text


def test_notices_and_their_mails_name_records_by_number_never_by_what_was_typed(pks, mailbox):
    agreement = pks.in_state(S.FORWARDED, title=CANARY, scope=CANARY)
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
        assert f"#{signed.id}" in texts["agreement.signed_by_both"], "the number says which record"
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
    older = Notification(kind="agreement.approved", link="/o/rsud/agreements/12",
                         params={"title": CANARY, "facility": "Rutan Kelas IIB Tamiang Layang"})
    assert notice_text(older) == "Rutan Kelas IIB Tamiang Layang menyetujui perjanjian #12."
