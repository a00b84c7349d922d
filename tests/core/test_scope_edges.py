"""Story: the scope a thread acts in never outlives what set it. A database error while widening it, the request a
worker thread served before, or a caller's unsaved change reaching the escape hatch must not hand anyone
"every tenant" (issue 32, holes 3 and 9)."""
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from portal.contributions.models import Contribution, ContributionType
from portal.core import tenancy
from portal.core.tenancy import NOBODY, Scope, TenantViolation, acting_for, current_scope, unscoped
from portal.extensions import db
from portal.organisations.models import Organisation
from tests.factories import FacilityFactory, PartnerFactory, PartnershipFactory


def failing_database(monkeypatch, *, widening_only: bool = True):
    """The database drops the connection when a (wider) scope is announced to it, as a restart mid-request does."""
    def refuse():
        if current_scope().every_tenant or not widening_only:
            raise OperationalError("SELECT set_config(...)", {}, Exception("server closed the connection"))
    monkeypatch.setattr(tenancy, "_sync_database_scope", refuse)


def test_a_database_error_while_widening_the_scope_leaves_the_scope_as_it_was(app, monkeypatch):
    partner = PartnerFactory()
    with app.test_request_context(), acting_for(partner):
        before = current_scope()
        failing_database(monkeypatch)
        with pytest.raises(OperationalError):
            with unscoped("test: a command that lists every tenant"):
                pass
        assert current_scope() == before and not current_scope().every_tenant


def test_a_request_starts_as_nobody_whatever_its_thread_acted_as_before(app, client, monkeypatch):
    """A gunicorn thread serves request after request: a scope left behind must not be the next one's."""
    seen = []
    monkeypatch.setitem(app.view_functions, "home.healthz", lambda: seen.append(current_scope()) or "ok")
    left_behind = tenancy._scope.set(Scope(every_tenant=True))
    try:
        assert client.get("/healthz").status_code == 200
    finally:
        tenancy._scope.reset(left_behind)
    assert seen == [NOBODY]


def test_the_escape_hatch_saves_the_callers_change_as_the_caller(app):
    """A partner's unsaved record for another pair is refused, even when a query in the escape hatch would have
    written it (autoflush) under "every tenant"."""
    stranger_facility, stranger_partner = FacilityFactory(), PartnerFactory()
    ours = PartnershipFactory()
    db.session.flush()
    with acting_for(ours.partner):
        db.session.add(counselling(stranger_facility, stranger_partner))
        with pytest.raises(TenantViolation):
            with unscoped("test: a look-up any service might make"):
                db.session.scalar(select(Organisation.id).limit(1))


def test_what_the_escape_hatch_itself_writes_is_saved_before_it_ends(app):
    facility, partner = FacilityFactory(), PartnerFactory()
    db.session.flush()
    with acting_for(partner):
        with unscoped("test: a command writing for any pair"):
            written = counselling(facility, partner)
            db.session.add(written)
        assert written.id is not None, "flushed inside the block, in its scope"


def counselling(facility, partner) -> Contribution:
    return Contribution(facility=facility, partner=partner, type=ContributionType.COUNSELLING,
                        title="Konseling psikologis", started_on=date.today(), participants_total=12)


def test_a_database_error_while_narrowing_the_scope_ends_the_wider_transaction(app, monkeypatch):
    rolled_back = []
    with app.test_request_context():
        before = current_scope()
        widened = tenancy._scope.set(Scope(every_tenant=True))  # as unscoped() does, the database told
        failing_database(monkeypatch, widening_only=False)
        monkeypatch.setattr(db.session, "rollback", lambda: rolled_back.append(True))
        with pytest.raises(OperationalError):
            tenancy.reset(widened)
        assert current_scope() == before
        assert rolled_back, "the transaction that may still hold 'every tenant' was ended"

