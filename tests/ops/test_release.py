"""What `python -m build` makes holds everything the portal needs to run outside a checkout."""
import subprocess
import sys
import tarfile
import zipfile

import pytest

from portal import PROJECT_ROOT
from portal.version import __version__

#: Files each kind of what the portal needs, as they sit in the wheel.
NEEDED_IN_WHEEL = (
    "wsgi.py", "portal/_bundled/templates/base.html", "portal/_bundled/templates/materials/new.html",
    "portal/_bundled/migrations/env.py", "portal/_bundled/migrations/alembic.ini",
    "portal/_bundled/migrations/versions/2026_12_01_0012_resumable_uploads.py",
    "portal/static/resumable-upload.js", "portal/data/common-passwords.txt",
    "portal/translations/id/LC_MESSAGES/messages.mo", "portal/translations/id/LC_MESSAGES/wtforms.mo",
    "blueprints/uploads/views.py",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """An sdist, and the wheel built from it (as `python -m build` does: the sdist must be enough)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(PROJECT_ROOT)], check=True,
                   capture_output=True, timeout=600)
    return next(out.glob("*.whl")), next(out.glob("*.tar.gz"))


def test_the_wheel_holds_templates_migrations_assets_compiled_catalogs_and_data(built):
    wheel, _sdist = built
    assert wheel.name == f"mitrapas-{__version__}-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    assert [name for name in NEEDED_IN_WHEEL if name not in names] == []
    assert not [name for name in names if name.startswith("tests/")]
    assert not [name for name in names if name.startswith(("mitrapas_dev/", "devtools/"))], "the demo stays home"


def test_production_needs_none_of_the_developer_tools(built):
    """SeaweedFS's binary and the local SMTP server are what `make run` and the tests start, never a release."""
    wheel, _sdist = built
    metadata = zipfile.ZipFile(wheel).read(f"mitrapas-{__version__}.dist-info/METADATA").decode()
    runtime = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert runtime and not [line for line in runtime if "seaweedfs" in line or "aiosmtpd" in line]


def test_the_wheel_has_one_command_and_its_version_from_one_place(built):
    wheel, _sdist = built
    archive = zipfile.ZipFile(wheel)
    entry_points = archive.read(f"mitrapas-{__version__}.dist-info/entry_points.txt").decode()
    assert "mitrapas = portal.ops.console:main" in entry_points
    assert f"Version: {__version__}" in archive.read(f"mitrapas-{__version__}.dist-info/METADATA").decode()


def test_the_sdist_holds_the_sources_the_wheel_is_built_from(built):
    _wheel, sdist = built
    names = {name.split("/", 1)[1] for name in tarfile.open(sdist).getnames() if "/" in name}
    for needed in ("templates/base.html", "migrations/env.py", "setup.py", "MANIFEST.in", "wsgi.py",
                   "portal/translations/id/LC_MESSAGES/messages.po", "portal/static/app.css"):
        assert needed in names, needed
    assert not [name for name in names if name.endswith(".mo")]  # compiled when the wheel is built
