"""On PostgreSQL, Row-Level Security hides other tenants' rows even when the ORM filter is bypassed."""
from datetime import date, timedelta
import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from portal.accounts.models import RecoveryCode
from portal.accounts.token_models import AccountToken, TokenPurpose
from portal.audit import chain as audit
from portal.core.columns import utcnow
from portal.core.tenancy import acting_for, as_person, presenting, unscoped
from portal.extensions import db
from portal.integrations.token_models import ApiToken, IdempotentRequest
from portal.integrations.webhook_models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.notifications import channel_outbox, outbox
from portal.notifications.channel_models import ChannelMessage, PhoneChannel
from portal.organisations.models import Role
from portal.signing.models import SigningCertificate
from tests.factories import (
    BackgroundJobFactory, FacilityFactory, InvitationFactory, LoginSessionFactory, NotificationFactory,
    OversightFactory, PartnerFactory, PartnershipFactory, member_of,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def postgres_only():
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("Row-Level Security exists on PostgreSQL only (CI runs this with DATABASE_URL)")


def raw_pair_ids() -> set[int]:
    """Plain SQL: no ORM entity, so no loader criteria; only the database's own rule applies."""
    return set(db.session.scalars(text("SELECT id FROM partnerships")))


def test_the_portal_connects_as_a_role_that_rls_applies_to():
    role = db.session.execute(text(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    assert role == (False, False)
    owner = db.session.scalar(text("SELECT tableowner FROM pg_tables WHERE tablename = 'partnerships'"))
    assert owner != db.session.scalar(text("SELECT current_user"))


def test_rls_hides_other_tenants_rows_from_raw_sql():
    bengkulu, balikpapan = FacilityFactory(province="Bengkulu"), FacilityFactory(province="Kalimantan Timur")
    ours = PartnershipFactory(facility=bengkulu, partner=PartnerFactory())
    theirs = PartnershipFactory(facility=balikpapan, partner=PartnerFactory())
    kanwil = OversightFactory(province="Kalimantan Timur")
    with acting_for(bengkulu):
        assert raw_pair_ids() == {ours.id}
    with acting_for(kanwil):
        assert raw_pair_ids() == {theirs.id}
    assert raw_pair_ids() == set(), "outside any organisation nothing is visible"
    with unscoped("test: the escape hatch reaches the database too"):
        assert raw_pair_ids() >= {ours.id, theirs.id}


def test_rls_refuses_a_raw_insert_for_a_foreign_pair():
    bengkulu, balikpapan, partner = FacilityFactory(), FacilityFactory(), PartnerFactory()
    with acting_for(bengkulu):
        with pytest.raises(ProgrammingError, match="row-level security"):
            with db.session.begin_nested():
                db.session.execute(text(
                    "INSERT INTO partnerships (facility_id, partner_id, created_at) VALUES (:f, :p, now())"),
                    {"f": balikpapan.id, "p": partner.id})


def test_the_audit_trail_is_append_only_for_the_portal():
    with pytest.raises(ProgrammingError, match="permission denied"):
        with db.session.begin_nested():
            db.session.execute(text("UPDATE audit_entries SET action = 'x'"))
    with pytest.raises(ProgrammingError, match="permission denied"):
        with db.session.begin_nested():
            db.session.execute(text("DELETE FROM audit_entries"))


def test_every_pair_scoped_table_has_forced_row_level_security():
    from portal.core.columns import PairScoped

    tables = {mapper.local_table.name for mapper in db.Model.registry.mappers
              if issubclass(mapper.class_, PairScoped)}
    assert "partnerships" in tables
    protected = set(db.session.scalars(text(
        "SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
        "WHERE c.relrowsecurity AND c.relforcerowsecurity")))
    assert tables - protected == set(), "a new shared table needs the pair_rule policy in its migration"


@pytest.mark.parametrize("statement", [
    "UPDATE agreement_documents SET sha256 = 'x'",
    "UPDATE signatures SET name = 'x'", "DELETE FROM signatures", "DELETE FROM agreements",
])
def test_signed_records_cannot_be_changed_or_deleted_by_the_portal(statement):
    """Documents and signatures are written once; agreements are never deleted (addendum instead)."""
    with unscoped("test: even the escape hatch cannot rewrite a signature"):
        with pytest.raises(ProgrammingError, match="permission denied"):
            with db.session.begin_nested():
                db.session.execute(text(statement))


def test_of_agreement_documents_only_a_rejected_drafts_draft_files_can_ever_be_deleted(pks):
    """Retention empties a rejected draft (portal/agreements/rejected_drafts.py); everything else stays archive."""
    from portal.agreements.models import AgreementStatus as S

    rejected, signed = pks.in_state(S.REJECTED), pks.in_state(S.ACTIVE)

    def documents(agreement) -> int:
        return db.session.scalar(text("SELECT count(*) FROM agreement_documents WHERE agreement_id = :id"),
                                 {"id": agreement.id})

    with pks.acting(pks.partner_admin):
        db.session.execute(text("DELETE FROM agreement_documents"))
        assert documents(rejected) == 1, "a party cannot, even its own rejected draft"
    with unscoped("test: the retention purge's way in"):
        before = documents(signed)
        db.session.execute(text("DELETE FROM agreement_documents"))
        assert (documents(rejected), documents(signed)) == (0, before), "only the rejected draft's file goes"


def test_rls_keeps_a_facilitys_tallies_to_it_and_its_overseers():
    from datetime import date

    from tests.factories import ContributionFactory

    bengkulu, balikpapan = FacilityFactory(province="Bengkulu"), FacilityFactory(province="Kalimantan Timur")
    for facility in (bengkulu, balikpapan):
        ContributionFactory(facility=facility, partner=PartnerFactory(), status="verified", started_on=date(2025, 3, 4))
    kanwil = OversightFactory(province="Kalimantan Timur")

    def tallied() -> set[int]:
        return set(db.session.scalars(text("SELECT facility_id FROM contribution_tallies")))

    with acting_for(bengkulu):
        assert tallied() == {bengkulu.id}
    with acting_for(kanwil):
        assert tallied() == {balikpapan.id}
    with acting_for(bengkulu):
        with pytest.raises(ProgrammingError, match="row-level security"):
            with db.session.begin_nested():
                db.session.execute(text("INSERT INTO contribution_tallies VALUES (:f, 'other', '2025-01-01', 1, 1, 1)"),
                                   {"f": balikpapan.id})


#: A person's own rows (migrations 0019 and 0041), and the log of who opened which document (0017).
PERSONAL_TABLES = ("login_sessions", "recovery_codes", "account_tokens", "notifications", "document_accesses",
                   "phone_channels", "channel_messages")


def personal_rows_of(person) -> dict[str, int]:
    """How many of `person`'s rows each personal table shows now, in plain SQL."""
    return {table: db.session.scalar(text(f"SELECT count(*) FROM {table} WHERE "
                                          + ("organisation_id = :org" if table == "document_accesses"
                                             else "user_id = :id")), {"id": person.id, "org": person.memberships[0].organisation_id})
            for table in PERSONAL_TABLES}


def test_a_persons_rows_are_hidden_from_nobody_and_from_anyone_else():
    facility = FacilityFactory()
    person, colleague = member_of(facility, Role.OFFICER), member_of(facility, Role.OFFICER)
    with unscoped("test: a person's rows of every kind"):
        login = LoginSessionFactory(user=person)
        NotificationFactory(recipient=person, organisation=facility)
        db.session.add_all([RecoveryCode(user_id=person.id, code_hash="a" * 64),
                            AccountToken(purpose=TokenPurpose.PASSWORD_RESET, token_hash="b" * 64, user_id=person.id,
                                         expires_at=utcnow() + timedelta(hours=1))])
        db.session.flush()
        db.session.execute(text(
            "INSERT INTO document_accesses (at, user_id, organisation_id, file_kind, file_id, filename, how, "
            "facility_id, partner_id) VALUES (now(), :u, :o, 'agreement_document', 1, 'x.pdf', 'download', :o, :p)"),
            {"u": person.id, "o": facility.id, "p": PartnerFactory().id})
        db.session.add_all([PhoneChannel(user_id=person.id, channel="whatsapp", phone="+6281234567890",
                                         verified_at=utcnow()),
                            ChannelMessage(user_id=person.id, channel="whatsapp", kind="digest", parts=[], text="")])
        db.session.flush()
        everything = personal_rows_of(person)
    assert set(everything.values()) == {1}
    assert set(personal_rows_of(person).values()) == {0}, "no scope: nothing"
    with as_person(colleague):
        assert set(personal_rows_of(person).values()) == {0}, "another person: nothing of this one"
    with acting_for(facility):
        assert set(personal_rows_of(person).values()) == {0}, "the organisation: not its members' own rows"
    with as_person(person):
        assert personal_rows_of(person) == {**everything, "document_accesses": 0}, "nobody reads the openings"
    with presenting(login.id):
        shown = personal_rows_of(person)
    assert shown["login_sessions"] == 1 and shown["recovery_codes"] == shown["notifications"] == 0, \
        "a session's token shows that session only"


def test_anyone_acting_may_queue_a_phone_message_for_someone_and_read_none_back():
    """A notice's WhatsApp message is written by whoever caused it; only its person (and the worker) reads it, and
    nobody else reads or changes a person's numbers."""
    facility = FacilityFactory()
    person, colleague = member_of(facility, Role.HEAD), member_of(facility, Role.OFFICER)
    with acting_for(facility):
        channel_outbox.queue(person, "whatsapp", "agreement.forwarded", ["PKS", "…", "https://x"])
        db.session.flush()
        assert personal_rows_of(person)["channel_messages"] == 0
        with pytest.raises(ProgrammingError):  # RLS: a row of someone else's
            with db.session.begin_nested():
                db.session.execute(text("INSERT INTO phone_channels (user_id, channel, phone, code_attempts, "
                                        "created_at) VALUES (:id, 'sms', '+6281111111111', 0, now())"),
                                   {"id": person.id})
    with as_person(person):
        assert personal_rows_of(person)["channel_messages"] == 1
    with as_person(colleague):
        assert db.session.execute(text("UPDATE channel_messages SET status = 'dead' WHERE user_id = :id"),
                                  {"id": person.id}).rowcount == 0


def test_every_personal_table_has_forced_row_level_security():
    forced = set(db.session.scalars(text(
        "SELECT relname FROM pg_class WHERE relrowsecurity AND relforcerowsecurity")))
    assert set(PERSONAL_TABLES) <= forced


#: An organisation's rows (migrations 0020, 0021): how plain SQL finds `ours`' row in each.
TENANT_ROWS = {
    "audit_entries": "organisation_id = :org",
    "invitations": "organisation_id = :org",
    "background_jobs": "organisation_id = :org",
    "outbox_messages": "\"to\" = :email",
    "users": "id = :member",
    "memberships": "organisation_id = :org",
    "organisations": "id = :org",
    "api_tokens": "organisation_id = :org",
    "idempotent_requests": "organisation_id = :org",
    "webhook_endpoints": "organisation_id = :org",
    "webhook_deliveries": "organisation_id = :org",
    "webhook_attempts": "organisation_id = :org",
    "signing_certificates": "organisation_id = :org",
}


def tenant_rows_of(organisation, member) -> dict[str, int]:
    return {table: db.session.scalar(text(f"SELECT count(*) FROM {table} WHERE {where}"),
                                     {"org": organisation.id, "email": member.email, "member": member.id})
            for table, where in TENANT_ROWS.items()}


def only(*tables) -> dict[str, int]:
    return {table: int(table in tables) for table in TENANT_ROWS}


def a_pair_and_a_stranger():
    """A facility in Bengkulu with its partner, and a facility of another province with nothing to do with them."""
    facility, partner = FacilityFactory(province="Bengkulu"), PartnerFactory()
    PartnershipFactory(facility=facility, partner=partner)
    return facility, partner, FacilityFactory(province="Kalimantan Timur")


def test_an_organisations_rows_are_hidden_from_nobody_and_from_other_organisations():
    ours, partner, theirs = a_pair_and_a_stranger()
    member = member_of(ours, Role.OFFICER)
    with unscoped("test: one row of every kind for ours"):
        InvitationFactory(organisation=ours)
        BackgroundJobFactory(organisation=ours)
        audit.record("test.ours", actor=None, object_type="test", organisation=ours)
        outbox.queue(member.email, "password_reset", locale="id", user=member, link="https://x", hours=1)
        token = ApiToken(organisation=ours, name="SIMRS", prefix="mitrapas_abc", token_hash="0" * 64,
                         scopes=["agreements:read"], expires_on=date.today())
        db.session.add(token)
        db.session.flush()
        db.session.add(IdempotentRequest(organisation_id=ours.id, token_id=token.id, key="k", request_hash="0" * 64,
                                         status=201, body="{}"))
        endpoint = WebhookEndpoint(organisation=ours, url="https://simrs.example/hook", description="SIMRS",
                                   events=["agreement.approved"], secret="whsec_AAAA")
        db.session.add(endpoint)
        db.session.flush()
        delivery = WebhookDelivery(organisation_id=ours.id, endpoint_id=endpoint.id, message_id="msg_1",
                                   event_type="agreement.approved", event_key="k", body="{}")
        db.session.add(delivery)
        db.session.flush()
        db.session.add(WebhookAttempt(organisation_id=ours.id, delivery_id=delivery.id, status_code=204))
        db.session.add(SigningCertificate(serial="abc1", user_id=member.id, organisation_id=ours.id,
                                          name=member.name, organisation_name=ours.name, der=b"0",
                                          not_after=utcnow()))
        db.session.flush()
        assert set(tenant_rows_of(ours, member).values()) == {1}
    assert tenant_rows_of(ours, member) == only(), "no scope: nothing"
    with acting_for(theirs):
        assert tenant_rows_of(ours, member) == only("organisations"), "a stranger: our name in the directory only"
    with acting_for(partner):
        assert tenant_rows_of(ours, member) == only("organisations", "users", "memberships"), \
            "a partner: who works on our side of the pair, nothing else"
    with acting_for(ours):
        assert tenant_rows_of(ours, member) == only(*TENANT_ROWS.keys() - {"outbox_messages"}), \
            "its own rows; the outbox is the mail worker's alone"
    with as_person(member):
        assert tenant_rows_of(ours, member) == only("organisations", "users", "memberships"), \
            "a person: themselves and where they belong"


def test_someone_who_moved_on_stays_named_where_they_acted_and_nowhere_else():
    facility, partner, stranger = a_pair_and_a_stranger()
    intern = member_of(partner, Role.MEMBER)
    with unscoped("test: the intern drafted for the pair, then their programme ended"):
        audit.record("agreement.created", actor=intern, object_type="agreement", object_id=1,
                     organisation=partner, facility=facility, partner=partner)
        db.session.delete(intern.memberships[0])
        db.session.flush()

    def seen() -> int:
        return db.session.scalar(text("SELECT count(*) FROM users WHERE id = :id"), {"id": intern.id})

    with acting_for(facility):
        assert seen() == 1, "the facility still reads who drafted its agreement"
    with acting_for(stranger):
        assert seen() == 0


def test_every_tenant_table_has_forced_row_level_security():
    from portal.ops.doctor import TENANT_TABLES

    assert set(TENANT_ROWS) == set(TENANT_TABLES)
    forced = set(db.session.scalars(text(
        "SELECT relname FROM pg_class WHERE relrowsecurity AND relforcerowsecurity")))
    assert set(TENANT_ROWS) <= forced


def test_a_cookie_whose_session_has_ended_leaves_nobody_acting_in_the_database(app):
    from flask import session as cookie

    from portal.accounts import login_sessions
    from portal.core import security

    person = member_of(FacilityFactory(), Role.OFFICER)
    login = LoginSessionFactory(user=person)
    with unscoped("test: the session ends"):
        login_sessions.end(login.id, person)
    with app.test_request_context("/"):
        cookie[security.SESSION_KEY] = login.id
        assert security._load_user(str(person.id)) is None
        assert db.session.scalar(text("SELECT current_setting('mitrapas.person_id', true)")) in ("", None)
        assert db.session.scalar(text("SELECT current_setting('mitrapas.presented', true)")) in ("", None)


# --- issue 32, hole 10: the users row's credentials, and pairs that are partners -----------------------------------

#: What nobody but the person (or the escape hatch) changes on their row, each with a new value.
CREDENTIALS = {
    "password_hash": "'$argon2id$v=19$m=65536,t=3,p=4$bm9wZQ$bm9wZQ'",
    "password_changed_at": "now() - interval '1 year'",
    "email": "'penyusup-' || id || '@contoh.go.id'",
    "totp_secret": "'sealed-secret-of-the-intruder'",
    "totp_enabled_at": "now()",
    "totp_last_step": "2147483647",  # no code would ever be accepted again
}
#: What only the escape hatch changes: the person themself neither.
PLATFORM_ONLY = {"is_platform_admin": "true", "pseudonymised_at": "now()"}


def change(person, column: str, value: str) -> int:
    """Plain SQL (no ORM, no write guard): how many rows of `person` the database let the statement change."""
    with db.session.begin_nested():
        return db.session.execute(text(f"UPDATE users SET {column} = {value} WHERE id = :id"),
                                  {"id": person.id}).rowcount


@pytest.mark.parametrize("column", [*CREDENTIALS, *PLATFORM_ONLY])
def test_an_organisation_cannot_change_a_members_credentials_nor_make_them_a_platform_admin(column):
    facility = FacilityFactory()
    member = member_of(facility, Role.OFFICER)
    with acting_for(facility):
        assert db.session.scalar(text("SELECT count(*) FROM users WHERE id = :id"), {"id": member.id}) == 1
        with pytest.raises(ProgrammingError, match="permission denied"):
            change(member, column, {**CREDENTIALS, **PLATFORM_ONLY}[column])
        assert change(member, "position", "'Kasubsi Pelayanan Tahanan'") == 1, "the rest of the row is as before"


@pytest.mark.parametrize("column", CREDENTIALS)
def test_the_person_changes_their_own_credentials_and_nobody_elses(column):
    facility = FacilityFactory()
    person, colleague = member_of(facility, Role.OFFICER), member_of(facility, Role.OFFICER)
    with as_person(person):
        assert change(person, column, CREDENTIALS[column]) == 1
    with as_person(person), acting_for(facility):  # as a signed-in member's requests act
        assert change(person, column, CREDENTIALS[column].replace("intruder", "owner")) == 1
        with pytest.raises(ProgrammingError, match="permission denied"):
            change(colleague, column, CREDENTIALS[column])


@pytest.mark.parametrize("column", PLATFORM_ONLY)
def test_only_the_escape_hatch_makes_a_platform_admin_or_marks_someone_erased(column):
    person = member_of(FacilityFactory(), Role.HEAD)
    with as_person(person):
        with pytest.raises(ProgrammingError, match="permission denied"):
            change(person, column, PLATFORM_ONLY[column])
    with unscoped("test: the platform admin's pages and the erasure act for every tenant"):
        assert change(person, column, PLATFORM_ONLY[column]) == 1
        assert change(person, "password_hash", CREDENTIALS["password_hash"]) == 1, "and reset anyone's password"


def test_an_organisation_cannot_bring_in_a_new_platform_admin():
    facility = FacilityFactory()

    def bring_in(admin: bool) -> None:
        with db.session.begin_nested():
            db.session.execute(text(
                "INSERT INTO users (email, name, password_hash, is_platform_admin, is_active, locale, "
                "created_at, password_changed_at) VALUES (:email, 'Baru', 'x', :admin, true, "
                "'id', now(), now())"), {"email": f"baru-{admin}@contoh.go.id", "admin": admin})

    with acting_for(facility):
        bring_in(False)
        with pytest.raises(ProgrammingError, match="permission denied"):
            bring_in(True)


PROGRAMME_FOR = ("INSERT INTO programmes (name, type, start_date, status, created_at, facility_id, partner_id) "
                 "VALUES ('Konseling', 'counselling', current_date, 'running', now(), :f, :p)")


def test_rls_refuses_a_shared_record_for_a_pair_that_are_not_partners():
    facility, partner, _ = a_pair_and_a_stranger()
    stranger = PartnerFactory()
    for organisation in (facility, stranger):
        with acting_for(organisation):
            with pytest.raises(ProgrammingError, match="row-level security"):
                with db.session.begin_nested():
                    db.session.execute(text(PROGRAMME_FOR), {"f": facility.id, "p": stranger.id})
    with acting_for(facility):
        with db.session.begin_nested():
            programme = db.session.execute(text(PROGRAMME_FOR + " RETURNING id"),
                                           {"f": facility.id, "p": partner.id}).scalar_one()
        with pytest.raises(ProgrammingError, match="row-level security"):
            with db.session.begin_nested():
                db.session.execute(text("UPDATE programmes SET partner_id = :p WHERE id = :id"),
                                   {"p": stranger.id, "id": programme})
    with unscoped("test: the escape hatch (demo data, commands) is not held to it"):
        with db.session.begin_nested():
            db.session.execute(text(PROGRAMME_FOR), {"f": facility.id, "p": stranger.id})


def test_every_shared_table_but_the_partnerships_requires_the_partnership_to_write():
    from portal.core.columns import PairScoped

    tables = {mapper.local_table.name for mapper in db.Model.registry.mappers
              if issubclass(mapper.class_, PairScoped)} - {"partnerships"}
    guarded = {(table, command) for table, command in db.session.execute(text(
        "SELECT tablename, cmd FROM pg_policies WHERE permissive = 'RESTRICTIVE' AND with_check LIKE '%partnerships%'"))}
    assert {(table, command) for table in tables for command in ("INSERT", "UPDATE")} <= guarded


# --- the pair rule written once in SQL (migration 0035) ----------------------------------------------------

def live_policies() -> list:
    return db.session.execute(text(
        "SELECT tablename, policyname, cmd, coalesce(qual, ''), coalesce(with_check, '') FROM pg_policies "
        "WHERE schemaname = 'public' ORDER BY tablename, policyname")).all()


def shared_tables(mixin) -> set[str]:
    return {mapper.local_table.name for mapper in db.Model.registry.mappers if issubclass(mapper.class_, mixin)}


def test_no_policy_spells_the_oversight_join_itself():
    """Who covers which facility is `mitrapas_overseen_facilities()`'s alone: a policy that compares provinces
    (or joins an overseer) is a second copy of the rule."""
    spelled = [(table, name) for table, name, _, using, check in live_policies()
               if any(word in f"{using} {check}" for word in ("province", "overseer", "'oversight'"))]
    assert spelled == []
    sources = dict(db.session.execute(text(
        "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public' AND p.prosrc ILIKE '%province%'")).all())
    comparing = {name for name, source in sources.items() if re.search(r"province\s*(=|IS NOT DISTINCT)", source)}
    assert comparing == {"mitrapas_overseen_facilities"}
    # The Kanwil's facilities (migration 0039) are the overseen ones of an office that has a province.
    assert set(sources) == {"mitrapas_overseen_facilities", "mitrapas_kanwil_facilities"}
    assert "mitrapas_overseen_facilities()" in sources["mitrapas_kanwil_facilities"]


def test_every_shared_tables_read_policy_calls_the_rules_functions():
    """Each pair table and facility table reads through the two functions; each one's writes are the parties'."""
    from portal.core.columns import FacilityOwned, PairScoped

    policies = {(table, name): (cmd, using, check) for table, name, cmd, using, check in live_policies()}
    pair_tables, facility_tables = shared_tables(PairScoped) - {"uploads"}, shared_tables(FacilityOwned)
    assert "partnerships" in pair_tables and "news_items" in facility_tables
    overseen = "FROM mitrapas_overseen_facilities()"
    for table in sorted(pair_tables | facility_tables):
        rule = policies.get((table, "pair_rule")) or policies.get((table, "facility_rule"))
        assert rule is not None, f"{table} has no pair_rule or facility_rule policy"
        cmd, using, check = rule
        assert "mitrapas_party_to(facility_id" in using and overseen in using, (table, using)
        assert "mitrapas_party_to(facility_id" in check and overseen not in check, (table, check)
    cmd, using, check = policies["uploads", "pair_rule"]
    assert using == check and using.startswith("mitrapas_party_to(facility_id, partner_id, ")
    assert overseen not in using, "oversight never sees an upload"
    cmd, using, _ = policies["audit_entries", "read"]
    assert overseen in using and "mitrapas_party_to(organisation_id" in using


def test_the_planner_inlines_the_party_rule_and_asks_for_the_overseen_facilities_once():
    """What keeps the policies cheap to plan and run: `mitrapas_party_to` becomes the comparisons it stands for,
    and the overseen facilities are one sub-select of the function (never a join of `organisations`, whose own
    policies would come along), hashed once per statement."""
    kanwil = OversightFactory(province="Bengkulu")
    with acting_for(kanwil):
        plan = "\n".join(db.session.scalars(text("EXPLAIN (COSTS OFF) SELECT id FROM contributions")))
    assert "mitrapas_party_to" not in plan and "overseer" not in plan
    assert plan.count("on organisations") == 1, "only the public pages' own policy (0024) reads the directory"
    assert plan.count("Function Scan on mitrapas_overseen_facilities") == 1 and "hashed SubPlan" in plan


def test_the_acting_scope_is_read_once_per_statement_not_once_per_row():
    """0038: each policy reads the settings as sub-selects the planner computes once (initplans), and the pair rule
    inlines into comparisons with their values; a bare `current_setting` in a row filter was looked up for every
    row (a facility's list of 5,700 contributions, 17,000 look-ups)."""
    facility = FacilityFactory()
    for scope in (facility, OversightFactory(province=None)):
        with acting_for(scope):
            for table in ("contributions", "partnerships", "news_items", "uploads", "audit_entries", "organisations",
                          "memberships", "notifications", "login_sessions"):
                plan = "\n".join(db.session.scalars(text(f"EXPLAIN (COSTS OFF) SELECT * FROM {table}")))
                assert "current_setting" not in plan and "mitrapas_party_to" not in plan, (table, plan)
                assert "InitPlan" in plan, table


def test_the_overseen_facilities_are_those_the_acting_office_covers():
    """The SQL function and `visibility.covers` agree, for a provincial office, a national one, and anyone else."""
    from portal.organisations import visibility

    bengkulu, balikpapan = FacilityFactory(province="Bengkulu"), FacilityFactory(province="Kalimantan Timur")
    offices = [OversightFactory(province="Bengkulu"), OversightFactory(province=None), bengkulu, PartnerFactory()]
    for office in offices:
        with acting_for(office):
            overseen = set(db.session.scalars(text("SELECT mitrapas_overseen_facilities()")))
        assert overseen & {bengkulu.id, balikpapan.id} == {
            facility.id for facility in (bengkulu, balikpapan) if visibility.covers(office, facility)}
    with unscoped("test: the escape hatch is not an office"):
        assert set(db.session.scalars(text("SELECT mitrapas_overseen_facilities()"))) == set()


# --- review of the one-pair-rule change ----------------------------------------------------------------------------

def test_the_overseen_facilities_function_pins_its_search_path():
    """`mitrapas_overseen_facilities()` is PL/pgSQL: its body is parsed at run time under the caller's search_path
    (0034's policies were parsed once, when created). 0033's `guard_user_columns` pins `pg_catalog, pg_temp`."""
    config = db.session.scalar(text("SELECT proconfig FROM pg_proc WHERE proname = 'mitrapas_overseen_facilities'"))
    assert any(setting.startswith("search_path=pg_catalog") for setting in config or ())


def test_an_operator_planted_on_the_search_path_does_not_widen_the_pair_rule(database):
    """The function compares `kind` and `province`, both varchar: PostgreSQL has no `=(varchar, varchar)`, so one
    created in any schema on the caller's path is an exact match and wins over pg_catalog's text equality
    (CVE-2018-1058's pattern). Whoever can create in such a schema (the login role itself, where `public` keeps
    PostgreSQL <= 14's CREATE for PUBLIC) turns every organisation into a national office: a partner reads every
    facility's pairs. 0034's policies, parsed when created, were immune."""
    schema, owner = planted_schema(database, "varchar")
    try:
        facility, partner, stranger = a_pair_and_a_stranger()
        theirs = PartnershipFactory(facility=stranger, partner=PartnerFactory())
        with acting_for(partner):
            db.session.execute(text(f'SET LOCAL search_path = "$user", public, {schema}'))
            assert theirs.id not in raw_pair_ids()
            assert set(db.session.scalars(text("SELECT mitrapas_overseen_facilities()"))) == set()
    finally:
        db.session.rollback()
        with owner.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        owner.dispose()


#: Plain-SQL deletes of records an oversight office reads (pre-existing: 0034's policies say the same).
OVERSIGHT_DELETES = {
    "news_items": "DELETE FROM news_items WHERE id = :news",
    "news_photos": "DELETE FROM news_photos WHERE facility_id = :facility",
    "materials": "DELETE FROM materials WHERE id = :material",
    "partnerships": "DELETE FROM partnerships WHERE id = :pair",
}


@pytest.mark.parametrize("table", OVERSIGHT_DELETES)
def test_oversight_deletes_no_shared_record_in_plain_sql(table):
    """The pair and facility rules are FOR ALL policies; DELETE is judged by USING alone, and USING includes the
    overseen facilities, so an office deletes what it reads. (Not widened by 0035, which kept the same meaning; it
    is the rule the brief states: oversight never writes shared records.)"""
    from tests.factories import MaterialFactory, NewsItemFactory

    facility, partner = FacilityFactory(province="Bengkulu"), PartnerFactory()
    pair = PartnershipFactory(facility=facility, partner=partner)
    ids = {"pair": pair.id, "facility": facility.id, "material": MaterialFactory(facility=facility, partner=partner).id,
           "news": NewsItemFactory(facility=facility).id}
    with acting_for(OversightFactory(province="Bengkulu")):
        with db.session.begin_nested():
            deleted = db.session.execute(text(OVERSIGHT_DELETES[table]), ids).rowcount
    assert deleted == 0, f"an oversight office deleted from {table}"


# --- the fixes of that review --------------------------------------------------------------------------------------

def planted_schema(database, argument_type: str):
    """A schema of the owner's, usable by anyone, holding an `=` on `argument_type` that is always true."""
    import uuid

    from sqlalchemy import create_engine

    schema = f"planted_{uuid.uuid4().hex[:8]}"
    owner = create_engine(database.owner_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
        connection.execute(text(f"CREATE FUNCTION {schema}.always({argument_type}, {argument_type}) "
                                "RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true'"))
        connection.execute(text(f"CREATE OPERATOR {schema}.= (LEFTARG = {argument_type}, "
                                f"RIGHTARG = {argument_type}, FUNCTION = {schema}.always)"))
        connection.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO PUBLIC"))
    return schema, owner


def test_an_integer_operator_put_first_on_the_path_does_not_widen_the_inlined_party_rule(database):
    """`mitrapas_party_to` is inlined, so its body is parsed in each calling statement under the caller's path,
    where a schema named before pg_catalog wins even over pg_catalog's exact `=(integer, integer)`. Its body
    names pg_catalog's operator, so a partner still sees its own pairs and none of a stranger's."""
    schema, owner = planted_schema(database, "integer")
    try:
        facility, partner, stranger = a_pair_and_a_stranger()
        theirs = PartnershipFactory(facility=stranger, partner=PartnerFactory())
        with acting_for(partner):
            ours = raw_pair_ids()
            db.session.execute(text(f"SET LOCAL search_path = {schema}, pg_catalog, public"))
            assert db.session.scalar(text("SELECT 1 = 2")), "the planted operator answers the caller's own `=`"
            assert raw_pair_ids() == ours and theirs.id not in ours
            plan = "\n".join(db.session.scalars(text("EXPLAIN (COSTS OFF) SELECT id FROM partnerships")))
            assert "mitrapas_party_to" not in plan, "still inlined"
    finally:
        db.session.rollback()
        with owner.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        owner.dispose()


def test_the_party_rules_functions_name_their_operators_and_pin_their_path():
    """What the two tests above rely on, read from the catalogue: the inlined function has no SET (which would
    stop the inlining) and no unqualified `=`; the PL/pgSQL one runs under `pg_catalog, pg_temp`."""
    inlined = db.session.execute(text(
        "SELECT proname, prosrc, proconfig FROM pg_proc "
        "WHERE proname IN ('mitrapas_party_to', 'mitrapas_every_tenant', 'mitrapas_acting_org')")).all()
    assert len(inlined) == 4, "the rule, the rule at the current scope (0038), and the scope's two parts"
    for name, body, config in inlined:
        assert " = " not in body.replace("OPERATOR(pg_catalog.=)", "") and " current_setting" not in body, name
        assert config is None, name
        assert " mitrapas_" not in body and "(mitrapas_" not in body, f"{name} calls a function without its schema"
    overseen = db.session.scalar(text("SELECT prosrc FROM pg_proc WHERE proname = 'mitrapas_overseen_facilities'"))
    assert "public.organisations" in overseen
    assert not db.session.scalar(text("SELECT has_schema_privilege('public', 'public', 'CREATE')"))


def test_every_table_the_portal_deletes_from_keeps_deletes_to_the_parties():
    """Where the portal's role may DELETE and a permissive policy lets the overseen facilities through, a
    restrictive DELETE policy keeps the delete to the parties (0035's `parties_only_delete`)."""
    deletable = set(db.session.scalars(text(
        "SELECT table_name FROM information_schema.role_table_grants "
        "WHERE grantee = 'mitrapas_app' AND privilege_type = 'DELETE'")))
    overseen = {table for table, name, cmd, using, _ in live_policies()
                if cmd in ("ALL", "DELETE") and "mitrapas_overseen_facilities" in using}
    guarded = {table for table, name, cmd, using, _ in live_policies()
               if name in ("parties_only_delete", "only_rejected_drafts") and cmd == "DELETE"}
    restrictive = set(db.session.scalars(text(
        "SELECT tablename FROM pg_policies WHERE permissive = 'RESTRICTIVE' AND cmd = 'DELETE'")))
    assert guarded <= restrictive
    assert deletable & overseen == guarded, "a table an office may delete from, or a guard on one it may not"
    assert {"partnerships", "materials", "material_versions", "news_items", "news_quotes", "news_photos",
            "contribution_tallies"} <= guarded


def test_the_parties_still_delete_what_they_may_in_plain_sql():
    """The restrictive DELETE policies take nothing from the parties or the escape hatch."""
    from tests.factories import MaterialFactory, NewsItemFactory

    facility, partner = FacilityFactory(province="Bengkulu"), PartnerFactory()
    PartnershipFactory(facility=facility, partner=partner)
    material = MaterialFactory(facility=facility, partner=partner).id
    news = NewsItemFactory(facility=facility).id, NewsItemFactory(facility=facility).id
    with acting_for(partner):
        with db.session.begin_nested():
            assert db.session.execute(text("DELETE FROM materials WHERE id = :id"), {"id": material}).rowcount == 1
        with db.session.begin_nested():
            assert db.session.execute(text("DELETE FROM news_items WHERE id = :id"), {"id": news[0]}).rowcount == 0
    with acting_for(facility):
        with db.session.begin_nested():
            assert db.session.execute(text("DELETE FROM news_items WHERE id = :id"), {"id": news[0]}).rowcount == 1
    with unscoped("test: the retention purges delete through the escape hatch"):
        with db.session.begin_nested():
            assert db.session.execute(text("DELETE FROM news_items WHERE id = :id"), {"id": news[1]}).rowcount == 1


def test_a_partner_cannot_file_a_facilitys_own_record_under_its_own_id_in_plain_sql():
    """The facility tables' WITH CHECK wants the acting organisation to be the record's facility, and a facility."""
    partner, facility = PartnerFactory(), FacilityFactory()
    insert = text("INSERT INTO contribution_tallies (facility_id, type, month, contributions, participants, hours) "
                  "VALUES (:facility, 'training', DATE '2026-01-01', 1, 1, 1)")
    with acting_for(partner):
        with pytest.raises(ProgrammingError, match="row-level security"):
            with db.session.begin_nested():
                db.session.execute(insert, {"facility": partner.id})
    with acting_for(facility):
        with db.session.begin_nested():
            assert db.session.execute(insert, {"facility": facility.id}).rowcount == 1
