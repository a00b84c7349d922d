"""The base of every form in the portal: CSRF from Flask-WTF, messages in the user's language."""
from flask_wtf import FlaskForm

from portal.core.i18n import FormTranslations


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return FormTranslations()


class ConfirmForm(Form):
    """A bare POST with its CSRF token: a button that does one thing (revoke, remove, send again, approve...)."""


def typed(field, limit: int = 100) -> str | None:
    """What a list filter's text field holds, trimmed and cut to `limit`; None when empty."""
    return (field.data or "").strip()[:limit] or None
