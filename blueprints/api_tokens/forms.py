"""Making an API token: its name, what it may do, until when."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from blueprints.auth.forms import MultiCheckboxField
from blueprints.forms import Form
from portal.core import clock
from portal.integrations.api_tokens import SCOPES


class TokenForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("Which system uses it, e.g. \"SIMRS RSUD, laporan malam\"."))
    scopes = MultiCheckboxField(_l("What it may do"), choices=list(SCOPES.items()), validators=[DataRequired()])
    expires_on = DateField(_l("Works until"), validators=[DataRequired()],
                           default=lambda: clock.today() + timedelta(days=90))
    submit = SubmitField(_l("Create token"))

