"""Form for a facility to record a partner it works with."""
from flask_babel import lazy_gettext as _l
from blueprints.forms import Form
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional


class LinkPartnerForm(Form):
    partner = SelectField(_l("Partner"), coerce=int, validators=[DataRequired()])
    focus = StringField(_l("What you work on together"), validators=[Optional(), Length(max=300)])
    since = DateField(_l("Working together since"), validators=[Optional()])
    submit = SubmitField(_l("Add partner"))

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner.choices = [(partner.id, partner.name) for partner in partners]
