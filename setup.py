"""Packaging beyond pyproject.toml: the wheel carries what the portal needs to run outside a checkout.

The card keeps `templates/` and `migrations/` at the top of the repository; in the
wheel they travel inside the `portal` package (`portal/_bundled/`, found by
`portal.core.paths`), and the translation catalogs are compiled (`.mo` files are built,
never committed). An editable install (`make install`) reads everything from the checkout.
"""
from pathlib import Path
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent
BUNDLED = ("templates", "migrations")


class build_with_assets(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "portal"
        for folder in BUNDLED:
            shutil.copytree(HERE / folder, target / "_bundled" / folder, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        compile_catalogs(target / "translations")


def compile_catalogs(folder: Path) -> None:
    """Every .po next to its .mo, as `pybabel compile` writes them."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in folder.glob("*/LC_MESSAGES/*.po"):
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalog)


setup(cmdclass={"build_py": build_with_assets})
