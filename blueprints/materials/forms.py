"""Forms for sharing materials and filtering the list."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from blueprints.forms import Form, typed
from portal.models import MaterialCategory
from portal.services.materials import MaterialFilter
from portal.vocabulary import MATERIAL_CATEGORY

CATEGORY_CHOICES = [(category.value, label) for category, label in MATERIAL_CATEGORY.items()]


class UploadForm(Form):
    files = MultipleFileField(_l("Files"), validators=[DataRequired()],
                              description=_l("You can choose several files at once."))
    category = SelectField(_l("Category"), choices=CATEGORY_CHOICES, validators=[DataRequired()])
    agreement = SelectField(_l("Agreement (optional)"), coerce=int, default=0)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Upload"))

    def __init__(self, *args, agreements, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement.choices = [(0, _l("— none —"))] + [(a.id, a.title) for a in agreements]


class VersionForm(Form):
    file = FileField(_l("New version"), validators=[FileRequired()])
    submit = SubmitField(_l("Upload new version"))


class FilterForm(Form):
    """In the URL, so a filtered list can be bookmarked."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    category = SelectField(_l("Category"), default="", choices=[("", _l("All categories"))] + CATEGORY_CHOICES)
    party = StringField(_l("Party"), validators=[Optional(), Length(max=100)])

    def wanted(self, agreement_id: int | None) -> MaterialFilter:
        try:
            category = MaterialCategory(self.category.data)
        except ValueError:
            category = None
        return MaterialFilter(category=category, agreement_id=agreement_id,
                              party=typed(self.party), search=typed(self.q))
