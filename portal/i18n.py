"""Language: Bahasa Indonesia first, English second; Indonesian dates and numbers."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from babel import support
from flask import Flask, current_app, has_request_context, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user

from portal import vocabulary
from portal.extensions import babel

LANGUAGE_KEY = "language"
TRANSLATIONS_DIR = str(Path(__file__).parent / "translations")


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get(LANGUAGE_KEY)
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def register_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["long_date"] = lambda value: format_date(value, "d MMMM y") if value else ""
    app.jinja_env.filters["long_datetime"] = (
        lambda value: format_datetime(value, "d MMMM y HH:mm") if value else "")
    app.jinja_env.filters["number"] = lambda value: format_decimal(value) if value is not None else ""
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.filters["label"] = vocabulary.label
    app.jinja_env.filters["audit_action"] = vocabulary.audit_action
    app.jinja_env.globals["status_colour"] = vocabulary.status_colour
    app.jinja_env.globals["notice_text"] = vocabulary.notice_text


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
