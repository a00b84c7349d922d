"""Form for creating an organisation with its first person."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from blueprints.members.forms import PersonFields
from portal.organisations import labels
from portal.organisations.models import FACILITY_CLASSES, PROVINCES, OrgKind


class NewOrganisationForm(PersonFields):
    kind = SelectField(_l("Kind"), choices=[(k.value, label) for k, label in labels.ORG_KIND.items()])
    org_name = StringField(_l("Name of the organisation"), validators=[DataRequired(), Length(max=200)])
    province = SelectField(_l("Province"), default="", choices=[("", _l("— none (national) —"))] + [(p, p) for p in PROVINCES])
    city = StringField(_l("City / regency"), validators=[Optional(), Length(max=120)])
    facility_class = SelectField(_l("Facility class"), default="", choices=[("", "—")] + [(c, c) for c in FACILITY_CLASSES])
    partner_category = SelectField(_l("Partner category"), default="",
                                   choices=[("", "—")] + [(c.value, label) for c, label in labels.PARTNER_CATEGORY.items()])
    submit = SubmitField(_l("Create organisation"))

    def validate_province(self, field):
        if self.kind.data == OrgKind.FACILITY and not field.data:
            raise ValidationError(_l("A facility needs a province."))

    def validate_facility_class(self, field):
        if self.kind.data == OrgKind.FACILITY and not field.data:
            raise ValidationError(_l("A facility needs a facility class."))
