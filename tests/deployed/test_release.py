"""Story: what the tier serves is the release: the wheel installed into a fresh virtualenv outside the checkout,
migrated as the owner, served by its own `mitrapas serve`, in Bahasa Indonesia."""
from __future__ import annotations

import subprocess
from pathlib import Path

from portal import PROJECT_ROOT
from portal.version import __version__


def test_the_portal_served_is_the_installed_release_in_bahasa_indonesia(stack, visitor):
    master = stack.instances[0].process.pid
    command = Path(f"/proc/{master}/cmdline").read_bytes().split(b"\0")
    assert str(stack.release_bin).encode() in command[0] + command[1]  # the release's Python runs gunicorn
    assert PROJECT_ROOT not in Path(f"/proc/{master}/cwd").resolve().parents
    imported = subprocess.run([str(stack.release_bin / "python"), "-c", "import portal, wsgi; print(portal.__file__);"
                               "print(wsgi.__file__)"], cwd=stack.workdir, env=stack.env, capture_output=True,
                              text=True, check=True).stdout.splitlines()
    assert len(imported) == 2 and all("site-packages" in line and str(PROJECT_ROOT) not in line for line in imported)

    assert stack.flask("--version").stdout.strip() == f"mitrapas, version {__version__}"
    assert "(head)" in stack.flask("db", "current", owner=True).stdout
    # The demo data went in at the previous migration and the release upgraded it: the pages below, the crawl
    # of every page and audit-verify at the end of the tier all run on that upgraded database.
    assert stack.upgraded_from and stack.sql("SELECT count(*) FROM audit_entries")[0][0] > 0
    health = visitor().get("/healthz").json()
    assert health["version"] == __version__ and health["status"] == "ok"

    person = visitor()
    login = person.get("/login").text
    assert "Kata sandi" in login and "Masuk" in login
    person.login("magang.psikologi@mitrapas.test")
    home = person.get("/").text
    assert "Dasbor" in home and "Kontribusi" in home and f'data-testid="version">{__version__}<' in home


def test_a_worker_keeps_what_lives_as_long_as_it_out_of_full_collections(stack):
    """gunicorn imports `wsgi` in each worker: the portal made there (about 200,000 objects) is frozen, so a full
    collection under load walks only what was made since (80 to 140 ms a pause before, 10 to 60 ms after)."""
    frozen = subprocess.run([str(stack.release_bin / "python"), "-c", "import gc, wsgi; print(gc.get_freeze_count())"],
                            cwd=stack.workdir, env=stack.env, capture_output=True, text=True, check=True).stdout
    assert int(frozen) > 100_000
