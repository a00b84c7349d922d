"""The journey tier's fixtures: each journey at a laptop's and a phone's width, on a portal of its own.

Every journey starts from the same demo state (nobody has two-step sign-in yet, no contribution of the day):
the demo is loaded once per test session into a database that each journey's portal gets a copy of (a
PostgreSQL template, or a copy of the SQLite file), with the demo's files in a bucket of their own.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from mitrapas_dev import demo
from portal.core import storage
from portal.extensions import db
from tests.conftest import make_app, serving_portal
from tests.databases import copied_database, fresh_database
from tests.journeys.person import Journey

#: The demo's files stay here for the whole session (the in-process tests empty the session's own bucket).
BUCKET = "mitrapas-journeys"


def pytest_collection_modifyitems(items):
    """Every test here drives Chromium (and so needs no rolled-back transaction of the in-process tests)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(params=[1280, 360], ids=["laptop", "phone"])
def width(request) -> int:
    return request.param


@pytest.fixture(scope="session")
def demo_database(seaweed):
    """A database with the demo loaded, to copy; nobody stays connected to it."""
    with fresh_database("journeys") as database:
        app = make_app(database, **{**seaweed.settings(), "S3_BUCKET": BUCKET})
        with app.app_context():
            storage.ensure_bucket()
            demo.load()
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        yield database


@pytest.fixture(scope="session")
def phone_providers():
    """The WhatsApp Cloud API and SMS gateway the journeys' portals send through (our own fakes, on loopback)."""
    from mitrapas_dev.local_phone import LocalPhoneProviders

    providers = LocalPhoneProviders().start()
    providers.deliver = False
    yield providers
    providers.stop()


@pytest.fixture
def journey_portal(demo_database, seaweed, local_mail, webhook_receiver, phone_providers):
    """The base URL of a portal of this test's own, in the demo's state."""
    phone_providers.clear()
    with copied_database(demo_database, "journey") as database:
        with serving_portal(seaweed, local_mail, webhook_receiver, database=database, load_demo=False,
                            S3_BUCKET=BUCKET, **phone_providers.settings()) as base:
            yield base


@pytest.fixture
def journey(browser, journey_portal, width, request):
    """journey(name) -> Journey at this test's width, on this test's portal; its browsers close after."""
    started: list[Journey] = []

    def start(name: str) -> Journey:
        started.append(Journey(name, browser, journey_portal, width))
        return started[-1]

    yield start
    for one in started:
        one.close()
