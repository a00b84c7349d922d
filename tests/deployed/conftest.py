"""The deployed-stack tier: one production-shaped portal for the whole session (see `stack.py`).

It needs PostgreSQL (DATABASE_URL): that is the production database, and Row-Level
Security is what it tests. `make test` runs this tier whenever DATABASE_URL points at
PostgreSQL, as `.ci/run` does.
"""
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.databases import server_url
from tests.deployed.stack import start_stack
from tests.visitor import Visitor

HERE = Path(__file__).parent


#: The stories share one stack and run in this order: the crawl and the load see the demo data as
#: loaded (and the UMKM story's records: the upgrade from the previous migration took the demo's away); the later stories turn on two-factor sign-in for the people who sign; the 8,000-row import
#: comes after every story that reads Bengkulu's contribution list, and the faults go last. The backup taken
#: in flight comes after the load and long before the faults' 200 MiB uploads (it copies every file).
STORY_ORDER = ("test_release", "test_install", "test_umkm", "test_crawl", "test_backup", "test_load", "test_backup_in_flight", "test_concurrency", "test_two_instances", "test_background_jobs",
               "test_resumable_uploads", "test_sealed_secrets", "test_login_sessions", "test_password_reset", "test_personal_data", "test_public_pages", "test_api", "test_webhooks", "test_canaries", "test_channels", "test_faults", "test_doctor")


def pytest_collection_modifyitems(config, items):
    def story(item) -> int:
        name = item.module.__name__.rsplit(".", 1)[-1]
        return STORY_ORDER.index(name) if name in STORY_ORDER else len(STORY_ORDER)
    items.sort(key=story)
    if server_url() is None:  # only this tier's stories: `pytest tests/` collects the others too
        skip = pytest.mark.skip(reason="the deployed-stack tier needs PostgreSQL (DATABASE_URL=postgresql+psycopg://...)")
        for item in items:
            if HERE in Path(str(item.fspath)).parents:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def transaction():
    """Nothing runs in-process here: the tier talks to the deployed portal over HTTPS."""
    yield


@pytest.fixture(scope="session")
def stack():
    with ExitStack() as resources:
        yield start_stack(resources)


@pytest.fixture(scope="session")
def visitor(stack):
    """A new browser for the deployed portal."""
    def make(*bases: str) -> Visitor:
        return Visitor(*(bases or (stack.url,)), verify=stack.ca_file)
    return make
