"""The base of every form in the portal: CSRF from Flask-WTF, messages in the user's language."""
from flask_wtf import FlaskForm

from portal.i18n import FormTranslations


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return FormTranslations()
