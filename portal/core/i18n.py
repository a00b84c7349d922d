"""Language: Bahasa Indonesia first, English second; Indonesian dates and numbers."""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path

from babel import support
from babel.dates import get_month_names
from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_datetime, get_locale, to_user_timezone
from flask_login import current_user

from portal.core import vocabulary
from portal.extensions import babel

LANGUAGE_KEY = "language"
TRANSLATIONS_DIR = str(Path(__file__).parent.parent / "translations")


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.blueprint == "public":
        return public_locale(request.args.get("lang"), current_app.config)
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get(LANGUAGE_KEY)
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str | None:
    """A signed-in person's own time zone (WIB, WITA or WIT, on their notification settings): the times the
    portal shows them are their clock's. Public pages, commands and jobs keep the portal's (BABEL_DEFAULT_TIMEZONE)."""
    if has_request_context() and request.blueprint != "public" and current_user and current_user.is_authenticated:
        return getattr(current_user, "time_zone", None) or None
    return None


def public_locale(asked: str | None, config) -> str:
    """The public pages' language is in their address (`?lang=en`): the same address is the same page for
    everyone, so it can be kept and shared."""
    return asked if asked in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def register_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["long_datetime"] = long_datetime
    app.jinja_env.filters["number"] = format_number
    from portal.core import money  # which writes its numbers with format_number, below

    app.jinja_env.filters["rupiah"] = money.rupiah
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.filters["label"] = vocabulary.label
    app.jinja_env.filters["audit_action"] = vocabulary.audit_action
    app.jinja_env.filters["programme_name"] = vocabulary.programme_name
    app.jinja_env.globals["status_colour"] = vocabulary.status_colour
    from portal.notifications.texts import notice_text  # which writes its dates with long_date, below

    app.jinja_env.globals["notice_text"] = notice_text


# --- dates and numbers as Babel writes them, without applying Babel's pattern objects to each ----------
# A dashboard shows a thousand numbers and dates; Babel parsed and applied its patterns to each one,
# which was a third of the oversight dashboard's time. Their test compares both on many values.

_THOUSANDTH = Decimal("0.001")


@cache
def _separators(locale: str) -> dict[int, str]:
    return str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)})


@cache
def _months(locale: str) -> dict[int, str]:
    return dict(get_month_names("wide", context="format", locale=locale))


def _locale() -> str:
    """Asked each time, not once per request: an e-mail drawn during a request speaks its reader's language."""
    return str(get_locale())


def long_date(value) -> str:
    """"d MMMM y": 5 November 2026."""
    if not value:
        return ""
    return f"{value.day} {_months(_locale())[value.month]} {value.year}"


def long_datetime(value) -> str:
    """"d MMMM y HH:mm" in the reader's time zone (their own once signed in; else the portal's, Asia/Jakarta
    unless configured)."""
    if not value:
        return ""
    local = to_user_timezone(value)
    return f"{local.day} {_months(_locale())[local.month]} {local.year} {local.hour:02d}:{local.minute:02d}"


def exact_moment(value) -> str:
    """"d MMMM y HH:mm:ss WIB": a moment a signed document records, in the portal's time zone whatever the
    server's clock is kept in (the certificate page and each signature's box write the same)."""
    return format_datetime(value, "d MMMM y HH:mm:ss zzz")


def format_number(value) -> str:
    """What Babel's format_decimal writes (#,##0.###, half-even) in the request's language."""
    if value is None:
        return ""
    if isinstance(value, int):
        text = f"{value:,}"
    else:
        exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        text = f"{exact.quantize(_THOUSANDTH, ROUND_HALF_EVEN):,f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
    return text.translate(_separators(_locale()))


@cache
def _wtforms_catalog(locale: str) -> support.Translations:
    return support.Translations.load(TRANSLATIONS_DIR, [locale], domain="wtforms")


class FormTranslations:
    """WTForms' own messages ("This field is required.") in the user's language.

    WTForms ships no Indonesian catalog, so the portal carries one
    (`translations/id/LC_MESSAGES/wtforms.po`).
    """

    def _catalog(self):
        return _wtforms_catalog(str(get_locale()))

    def gettext(self, string):
        return self._catalog().ugettext(string)

    def ngettext(self, singular, plural, n):
        return self._catalog().ungettext(singular, plural, n)
