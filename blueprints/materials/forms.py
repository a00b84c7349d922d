"""Forms for sharing materials and filtering the list."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import FieldList, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from blueprints.forms import Form, typed
from portal.core import file_kinds
from portal.materials.labels import MATERIAL_CATEGORY
from portal.materials.models import MaterialCategory
from portal.materials.operations import MaterialFilter

CATEGORY_CHOICES = [(category.value, label) for category, label in MATERIAL_CATEGORY.items()]


def accepted_files() -> str:
    """What a material's file field takes, in words, from the rule the upload checks (the config): one source."""
    return str(_l("Accepted: %(accepted)s.", accepted=file_kinds.accepted(current_app.config["MATERIAL_TYPES"],
                                                                          current_app.config["MATERIAL_MAX_BYTES"])))


class _Uploaded:
    """Files come either in the form itself (no JavaScript) or, already in storage, as checked upload ids.

    `uploaded` holds the ids of resumable uploads the browser finished (resumable-upload.js adds them; see
    `portal.materials.uploads`).
    """

    def uploaded_ids(self) -> list[str]:
        return [upload_id for upload_id in self.uploaded.data if upload_id]

    @staticmethod
    def posted_files(field) -> list:
        """The files chosen in a file field (one or several) that came with the form."""
        chosen = field.data if isinstance(field.data, list) else [field.data]
        return [file for file in chosen if file and getattr(file, "filename", None)]

    def _require_a_file(self, field) -> None:
        if not self.posted_files(field) and not self.uploaded_ids():
            raise ValidationError(_l("Choose at least one file."))


def _uploaded_ids(most: int) -> FieldList:
    return FieldList(HiddenField(validators=[Regexp(r"^[0-9a-f]{32}$")]), max_entries=most)


class UploadForm(_Uploaded, Form):
    files = MultipleFileField(_l("Files"))
    uploaded = _uploaded_ids(50)
    #: "— pilih —" first: a photo is never filed as a module because nobody changed the list.
    category = SelectField(_l("Category"), choices=[("", _l("— choose —"))] + CATEGORY_CHOICES, default="",
                           validators=[DataRequired(message=_l("Choose the category."))])
    agreement = SelectField(_l("Agreement (optional)"), coerce=int, default=0)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Upload"))

    def __init__(self, *args, agreements, **kwargs):
        super().__init__(*args, **kwargs)
        self.files.description = " ".join((accepted_files(), str(_l("You can choose several files at once."))))
        self.agreement.choices = [(0, _l("— none —"))] + [(a.id, a.title) for a in agreements]

    def validate_files(self, field) -> None:
        self._require_a_file(field)


class VersionForm(_Uploaded, Form):
    file = FileField(_l("New version"))
    uploaded = _uploaded_ids(1)
    submit = SubmitField(_l("Upload new version"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.file.description = accepted_files()

    def validate_file(self, field) -> None:
        self._require_a_file(field)


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
