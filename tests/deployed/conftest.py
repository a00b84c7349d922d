"""The deployed-stack tier: one production-shaped portal for the whole session (see `stack.py`).

It needs PostgreSQL (DATABASE_URL): that is the production database, and Row-Level
Security is what it tests. `make test` runs this tier whenever DATABASE_URL points at
PostgreSQL, as `.ci/run` does.
"""
from contextlib import ExitStack

import pytest

from tests.databases import server_url
from tests.deployed.stack import start_stack
from tests.visitor import Visitor


def pytest_collection_modifyitems(config, items):
    if server_url() is None:
        skip = pytest.mark.skip(reason="the deployed-stack tier needs PostgreSQL (DATABASE_URL=postgresql+psycopg://...)")
        for item in items:
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
