"""Typed domain events: each verb spelled once, consumers subscribed at app creation (never by being imported), and
everything the portal tells a person through one delivery path whose channels are modules."""
import ast
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from blueprints.agreements.views import STEPS
from portal.agreements import moves, operations as agreements
from portal.agreements.events import AgreementVerb
from portal.agreements.labels import AGREEMENT_ACTIONS
from portal.agreements.models import AgreementStatus as S
from portal.audit import chain, events as audit_events
from portal.core import retry
from portal.core.tenancy import as_person, unscoped
from portal.core.vocabulary import AUDIT_ACTIONS
from portal.extensions import db
from portal.integrations import webhook_events
from portal.integrations.webhook_models import WebhookDelivery
from portal.notifications import channels, delivery, operations as notifications, outbox
from portal.notifications.mail_models import OutboxMessage
from portal.notifications.models import Notification
from tests.factories import WebhookEndpointFactory

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "portal"


def _modules(*paths: str) -> list[Path]:
    return [file for path in paths for file in (sorted((ROOT / path).rglob("*.py")) if (ROOT / path).is_dir()
                                                  else [ROOT / path])]


def _strings(file: Path) -> set[str]:
    return {node.value for node in ast.walk(ast.parse(file.read_text()))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def _heard(user) -> list[Notification]:
    with unscoped("test: what the person was told"):
        return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


# --- subscribed at app creation ---------------------------------------------------------------------

def test_a_consumer_that_is_not_subscribed_hears_nothing_and_hears_again_once_subscribed(app, pks):
    with unscoped("test: the facility's system listens"):
        WebhookEndpointFactory(organisation=pks.facility, events=["agreement.submitted"])
    notifications.unsubscribe(app)
    webhook_events.unsubscribe(app)
    try:
        agreement = pks.in_state(S.SUBMITTED)
        assert _heard(pks.officer) == [], "notifications were not subscribed"
        with unscoped("test: what was queued"):
            assert db.session.scalars(select(WebhookDelivery)).all() == [], "webhooks were not subscribed"
    finally:
        notifications.subscribe(app)
        webhook_events.subscribe(app)
    with pks.acting(pks.officer):
        agreements.forward_agreement(agreement, actor=pks.officer)
    assert [n.kind for n in _heard(pks.head)] == ["agreement.forwarded"]


def test_importing_a_consumer_subscribes_it_to_nothing():
    """An app the consumers were not subscribed for (as any, after their modules were imported) has no listener."""
    elsewhere = Flask("elsewhere")
    assert not chain.recorded.has_receivers_for(elsewhere)
    assert not any(verb.signal.has_receivers_for(elsewhere) for verb in audit_events.verbs())


def test_no_module_subscribes_as_it_is_imported():
    """`@signal.connect` on a module's function, or a `connect` call at its top level, wires by import."""
    for file in _modules("portal", "blueprints"):
        tree = ast.parse(file.read_text())
        for node in tree.body:
            decorators = getattr(node, "decorator_list", [])
            calls = [node.value] if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) else []
            for target in [*decorators, *calls]:
                func = target.func if isinstance(target, ast.Call) else target
                assert not (isinstance(func, ast.Attribute) and func.attr in ("connect", "connect_via")), \
                    f"{file.relative_to(ROOT)}:{node.lineno} subscribes on import"


# --- each verb spelled once ---------------------------------------------------------------------------

def test_each_audited_action_is_one_verbs_and_webhook_events_are_read_off_the_verbs():
    verbs = audit_events.verbs()
    actions = [verb.action for verb in verbs if verb.action]
    assert len(actions) == len(set(actions)) == len(audit_events.BY_ACTION)
    assert set(webhook_events.EVENTS) == {verb.webhook for verb in verbs if verb.webhook}
    assert webhook_events.ANNOUNCED == tuple(verb for verb in verbs if verb.webhook and verb.action)
    assert {verb.webhook for verb in webhook_events.ANNOUNCED} | {AgreementVerb.EXPIRING.webhook,
                                                                  AgreementVerb.STEP_LATE.webhook} == \
        set(webhook_events.EVENTS)


def test_the_agreements_verbs_are_the_rules_the_buttons_the_labels_and_the_addresses():
    assert set(moves.RULES) <= set(AgreementVerb), "a rule is a verb"
    assert set(AGREEMENT_ACTIONS) <= set(AgreementVerb), "a button's words are a verb's"
    assert set(STEPS) <= {verb.segment for verb in AgreementVerb}, "an address's step is a verb's segment"
    assert AgreementVerb.REQUEST_CHANGES.segment == "request-changes"
    assert AgreementVerb.REQUEST_CHANGES.action == "agreement.changes_requested"
    audited = {action for action in AUDIT_ACTIONS if action.startswith("agreement.")}
    assert audited <= {verb.action for verb in AgreementVerb if verb.action}, \
        "every move of an agreement is a verb (its notices are read once someone acts on it)"


#: Tables of words keyed by the action stored in each audit entry (or notice): what a reader is shown, not a move.
LABEL_TABLES = ("portal/audit/sentences.py", "portal/notifications/texts.py")


def test_no_agreement_action_is_typed_outside_its_verbs():
    """A service passes `AgreementVerb.X` (its `.action` is written), a page keys its steps by `.segment`: no
    "agreement.<verb>" action is typed in portal/ or blueprints/ but in portal/agreements/events.py, so a new move
    cannot be audited without a verb, nor a verb spelled twice. The notices' own kinds ("agreement.to_sign...")
    are not actions, and are left to the notifications' test."""
    declared = {verb.action for verb in AgreementVerb if verb.action}
    for file in _modules("portal", "blueprints"):
        where = str(file.relative_to(ROOT))
        if where in LABEL_TABLES or where == "portal/agreements/events.py":
            continue
        spelled = {text for text in _strings(file) if text.startswith("agreement.") and " " not in text}
        if not where.startswith("portal/notifications/"):
            assert not spelled, f"{where} types {spelled}"
        assert not spelled & declared, f"{where} types {spelled & declared}"


def test_no_declared_action_is_typed_outside_its_events_module():
    """Whatever the concept, a declared verb's action is written as `Verb.X.action`: a service that typed it again
    would go on writing it if the verb were renamed. (Actions no event is declared for are typed where recorded.)"""
    declared = {verb.action for verb in audit_events.verbs() if verb.action}
    for file in _modules("portal", "blueprints"):
        where = str(file.relative_to(ROOT))
        if where in LABEL_TABLES or file.name == "events.py":
            continue
        assert not _strings(file) & declared, f"{where} types {_strings(file) & declared}"


def test_consumers_match_no_action_string_by_hand():
    """Notifications and webhooks hear typed events: no audit action (nor webhook name) is typed in them (the
    sentences of `texts.py` are keyed by the kinds stored with each notice, kept ones included)."""
    verbs = audit_events.verbs()
    actions = {verb.action for verb in verbs if verb.action}
    webhooks = {verb.webhook for verb in verbs if verb.webhook}
    for file in _modules("portal/notifications", "portal/integrations/webhook_events.py"):
        if file.name == "texts.py":
            continue
        assert not _strings(file) & actions, f"{file.relative_to(ROOT)} spells an audit action"
    assert not _strings(PORTAL / "integrations/webhook_events.py") & webhooks
    for file in _modules("portal"):
        assert "FROM_AUDIT" not in file.read_text() or file.name == "test_domain_events.py"


# --- one delivery path --------------------------------------------------------------------------------

def test_only_the_email_channel_writes_to_the_outbox():
    """Password reset, invitations, the erasure request and notices all leave through `delivery`."""
    for file in _modules("portal", "blueprints"):
        if file.parent.name == "channels" or file.name == "outbox.py":
            continue
        assert "outbox.queue(" not in file.read_text(), f"{file.relative_to(ROOT)} bypasses the channels"


def test_every_channel_is_one_module_of_one_shape():
    """E-mail, WhatsApp and SMS each offer what `notify`, the morning summary and pseudonymisation call; e-mail
    alone carries messages to an address."""
    for channel in channels.CHANNELS:
        for name in ("NAME", "available", "send_notice", "send_summary", "address_of", "forget"):
            assert hasattr(channel, name), f"{channel.__name__} lacks {name}"
    assert [channel.NAME for channel in channels.CHANNELS] == ["email", "whatsapp", "sms"]
    assert channels.own_channel(None).NAME == "email"


def test_a_message_about_ones_own_account_goes_whatever_notices_one_switched_off(app, pks):
    with as_person(pks.officer):  # their own profile
        pks.officer.notice_routes = {group: "bell" for group in delivery.GROUPS}
        db.session.flush()
    delivery.to_person(pks.officer, "password_reset", user=pks.officer, link="https://x/reset", hours=2)
    with unscoped("test: the officer's mail"):
        mail, = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == pks.officer.email)).all()
    assert mail.kind == "password_reset" and "https://x/reset" in mail.text


# --- one backoff ------------------------------------------------------------------------------------

def test_one_backoff_serves_the_outbox_and_the_webhooks():
    now = datetime(2025, 11, 29, 8, 0)
    mail = outbox.BACKOFF
    assert [mail.next_attempt(n, now, attempts=6) - now for n in range(1, 6)] == [
        timedelta(minutes=m) for m in (1, 5, 15, 60, 240)]
    assert mail.next_attempt(6, now, attempts=6) is None, "dead after MAIL_MAX_ATTEMPTS"
    assert mail.next_attempt(7, now, attempts=9) - now == timedelta(minutes=240), "then the last wait again"
    hooks = webhook_events.BACKOFF
    waits = [hooks.next_attempt(n, now) - now for n in range(1, len(webhook_events.RETRY_SECONDS) + 1)]
    assert waits == [timedelta(seconds=s) for s in webhook_events.RETRY_SECONDS]
    assert hooks.next_attempt(len(webhook_events.RETRY_SECONDS) + 1, now) is None
    assert isinstance(mail, retry.Backoff) and isinstance(hooks, retry.Backoff)
    for file in _modules("portal"):
        if file.name != "retry.py":
            assert "next_attempt_at = now +" not in file.read_text(), f"{file.relative_to(ROOT)} backs off itself"
