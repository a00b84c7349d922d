"""Where the portal's own files are: in the checkout, or inside the installed package (the wheel)."""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent  # portal/, this module being portal/core/paths.py
#: The repository, when the portal runs from a checkout (`make run`, the tests).
CHECKOUT = PACKAGE.parent


def resource(name: str) -> Path:
    """`templates` or `migrations`: bundled into the wheel by setup.py, at the top of a checkout."""
    bundled = PACKAGE / "_bundled" / name
    return bundled if bundled.is_dir() else CHECKOUT / name


def instance_folder() -> Path | None:
    """The checkout's `instance/` (the SQLite database of `make run`); an installed portal uses Flask's default
    (`<prefix>/var/portal-instance`) unless MITRAPAS_INSTANCE_PATH says otherwise."""
    import os

    if os.environ.get("MITRAPAS_INSTANCE_PATH"):
        return Path(os.environ["MITRAPAS_INSTANCE_PATH"])
    return CHECKOUT / "instance" if (CHECKOUT / "templates").is_dir() else None
