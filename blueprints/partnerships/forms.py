"""Forms for a facility to record a partner it works with, or to invite a partner's first admin."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from blueprints.forms import Form
from portal.core.vocabulary import label
from portal.organisations.models import PartnerCategory


class LinkPartnerForm(Form):
    partner = SelectField(_l("Partner"), coerce=int, validators=[DataRequired()])
    focus = StringField(_l("What you work on together"), validators=[Optional(), Length(max=300)])
    since = DateField(_l("Working together since"), validators=[Optional()])
    submit = SubmitField(_l("Add partner"))

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner.choices = [(partner.id, partner.name) for partner in partners]


NEW_PARTNER = 0


class InvitePartnerForm(Form):
    partner = SelectField(_l("Partner organisation"), coerce=int)
    new_partner_name = StringField(_l("Name of the new partner organisation"), validators=[Optional(), Length(max=200)])
    category = SelectField(_l("Kind of partner"), validators=[Optional()])
    focus = StringField(_l("What you work on together"), validators=[Optional(), Length(max=300)])
    email = EmailField(_l("E-mail of its first administrator"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send the invitation"))

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner.choices = [(NEW_PARTNER, _l("— a new partner organisation —"))] + [
            (partner.id, partner.name) for partner in partners]
        self.category.choices = [(category.value, label(category)) for category in PartnerCategory]
