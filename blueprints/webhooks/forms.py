"""Registering a webhook address: where, for which system, which events."""
from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from blueprints.auth.forms import MultiCheckboxField
from blueprints.forms import Form
from portal.integrations.webhook_events import EVENTS


class EndpointForm(Form):
    url = StringField(_l("Address (HTTPS)"), validators=[DataRequired(), Length(max=500)],
                      description=_l("Where the other system receives events, e.g. https://simrs.rsud.example/mitrapas."))
    description = StringField(_l("Which system"), validators=[DataRequired(), Length(max=200)],
                              description=_l("e.g. \"SIMRS RSUD\"."))
    events = MultiCheckboxField(_l("Events to send"), choices=list(EVENTS.items()), validators=[DataRequired()])
    submit = SubmitField(_l("Add webhook"))

