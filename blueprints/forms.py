"""The base of every form in the portal: CSRF from Flask-WTF, messages in the user's language."""
from flask_wtf import FlaskForm

from portal.i18n import FormTranslations


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return FormTranslations()


def offered_id(field) -> int | None:
    """The id chosen in a select of records, only if it is one the select offered (else no choice)."""
    offered = {str(value) for value, _label in field.choices if value not in ("", None)}
    return int(field.data) if str(field.data) in offered else None
