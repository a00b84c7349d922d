"""Two people acting on one agreement at the same moment: one wins, the other is told, nothing breaks.

These tests commit, from several threads with a connection each, so they use a
database of their own instead of the rolled-back transaction of the others.
"""
import threading

import pytest
from sqlalchemy import func, select

from portal.agreements import operations as agreements
from portal.agreements.models import Agreement, AgreementStatus as S
from portal.audit.models import AuditEntry
from portal.core.errors import DomainError
from portal.core.tenancy import acting_for, unscoped
from portal.extensions import db
from portal.organisations.models import Role
from tests.conftest import app_of_its_own
from tests.factories import AgreementDocumentFactory, AgreementFactory, FacilityFactory, PartnerFactory, member_of

pytestmark = pytest.mark.own_database


@pytest.fixture(scope="module")
def committing_app():
    with app_of_its_own("concurrency") as app:
        yield app


@pytest.fixture
def forwarded(committing_app):
    """A forwarded agreement with two heads (a Karutan and an acting one) and a partner admin."""
    with committing_app.app_context(), unscoped("test data is set up across tenants"):
        facility, partner = FacilityFactory(), PartnerFactory()
        heads = [member_of(facility, Role.HEAD), member_of(facility, Role.HEAD)]
        admin = member_of(partner, Role.ADMIN)
        agreement = AgreementFactory(facility=facility, partner=partner, status=S.FORWARDED,
                                     facility_signatory=heads[0], partner_signatory=admin)
        AgreementDocumentFactory(agreement=agreement)
        db.session.commit()
        ids = {"agreement": agreement.id, "facility": facility.id, "partner": partner.id,
               "heads": [h.id for h in heads], "admin": admin.id}
        db.session.remove()
    return ids


def run_at_once(app, jobs):
    """Run each job in its own thread, app context and session, released together."""
    barrier, results = threading.Barrier(len(jobs), timeout=30), [None] * len(jobs)

    def work(index, job):
        with app.app_context():
            try:
                barrier.wait()  # then each reads and writes as fast as it can
                results[index] = job()
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def load(ids, user_id):
    from portal.accounts.models import User
    from portal.organisations.models import Organisation

    with unscoped("test: the person and organisation, as a request's session cookie brings them"):
        user = db.session.get(User, user_id)
        facility = db.session.get(Organisation, ids["facility"])
    return user, facility


def test_two_heads_approving_at_once_approve_once(committing_app, forwarded):
    def approve_as(user_id):
        def job():
            user, facility = load(forwarded, user_id)
            with acting_for(facility):
                agreement = db.session.get(Agreement, forwarded["agreement"])
                agreements.approve_agreement(agreement, actor=user)
                return "approved"
        return job

    results = run_at_once(committing_app, [approve_as(h) for h in forwarded["heads"]])
    assert results.count("approved") == 1
    refused = next(r for r in results if r != "approved")
    assert isinstance(refused, DomainError)
    with committing_app.app_context(), unscoped("the test reads the outcome"):
        assert db.session.get(Agreement, forwarded["agreement"]).status == S.APPROVED
        approvals = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "agreement.approved", AuditEntry.object_id == str(forwarded["agreement"])))
        assert approvals == 1


def test_an_edit_racing_a_decision_cannot_undo_it(committing_app, forwarded):
    """A partner saves a page loaded before the head approved: refused, the approval stands."""
    with committing_app.app_context(), unscoped("the test reads the version the page showed"):
        seen = db.session.get(Agreement, forwarded["agreement"])
        seen.status = S.CHANGES_REQUESTED  # the page the partner had open was editable
        db.session.commit()
        seen_version = seen.version
        seen.status = S.FORWARDED  # ...then the officer forwarded the corrected draft again
        db.session.commit()
        db.session.remove()

    def head_approves():
        user, facility = load(forwarded, forwarded["heads"][0])
        with acting_for(facility):
            agreement = db.session.get(Agreement, forwarded["agreement"])
            agreements.approve_agreement(agreement, actor=user)
            return "approved"

    def partner_saves():
        from portal.accounts.models import User
        from portal.organisations.models import Organisation
        with unscoped("test: the person and organisation, as a request's session cookie brings them"):
            user = db.session.get(User, forwarded["admin"])
            partner = db.session.get(Organisation, forwarded["partner"])
        with acting_for(partner):
            agreement = db.session.get(Agreement, forwarded["agreement"])
            fields = agreements.AgreementFields.of(agreement)
            fields.scope = "Diubah mitra"
            agreements.update_agreement(agreement, fields, actor=user, expected_version=seen_version)
            return "saved"

    results = run_at_once(committing_app, [head_approves, partner_saves])
    assert results[0] == "approved" and isinstance(results[1], DomainError)
    with committing_app.app_context(), unscoped("the test reads the outcome"):
        agreement = db.session.get(Agreement, forwarded["agreement"])
        assert agreement.status == S.APPROVED and agreement.scope != "Diubah mitra"
