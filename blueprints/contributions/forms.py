"""Forms for recording a contribution, verifying it, and running a programme."""
from dataclasses import dataclass
from functools import partial
import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    DateField, DecimalField, FieldList, Form as RowForm, FormField, HiddenField, IntegerField, SelectField,
    SelectMultipleField, StringField, SubmitField, TextAreaField, ValidationError,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from blueprints.forms import Form
from blueprints.materials.forms import accepted_files
from portal.contributions import operations as contributions
from portal.contributions.fields import FIELDS, LINKS, PROGRAMME_FIELDS, Field, Kind, ProgrammeFields
from portal.contributions.labels import CONTRIBUTION_TYPE
from portal.contributions.models import Contribution, ContributionType
from portal.contributions.operations import ContributionFields, contribution_types_under
from portal.core.vocabulary import label

NONE = 0
#: "— pilih —" first: a type nobody chose is never recorded as the first of the list.
TYPE_CHOICES = [("", _l("— choose —"))] + [(kind.value, label) for kind, label in CONTRIBUTION_TYPE.items()]


class MaterialChoice(SelectMultipleField):
    """Materials already in the portal, ticked to become evidence; a value not offered is refused in words."""

    def pre_validate(self, form):
        offered = {value for value, *_rest in self.choices}
        if any(value not in offered for value in self.data or []):
            raise ValidationError(_l("A chosen material is not one of this partnership's materials free to be "
                                     "evidence (it may be another contribution's). Choose again from the list."))


#: How the rows of the form page lay their fields side by side, by the declaration's `row`.
ROW_CLASSES = {"dates": "col-md-6", "participants": "col-4"}
#: The WTForms field of each kind of declared field that has no list to choose from.
_FIELD_CLASSES = {Kind.TEXT: StringField, Kind.LONG_TEXT: TextAreaField, Kind.DATE: DateField,
                  Kind.COUNT: IntegerField, Kind.HOURS: partial(DecimalField, places=1)}


def declared_field(field: Field):
    """The form's field for a declared one, with its label, help and checks (the service checks the rest)."""
    if field.kind in LINKS:  # offered from the pair's records; NONE for none
        return SelectField(field.label, coerce=int, default=NONE)
    checks = [DataRequired(message=field.required_message) if field.required else Optional()]
    checks += [Length(max=field.max_length)] if field.max_length else []
    checks += [NumberRange(min=field.least)] if field.least is not None else []
    if field.kind == Kind.CHOICE:
        return SelectField(field.label, choices=TYPE_CHOICES, default="", validators=checks)
    return _FIELD_CLASSES[field.kind](field.label, validators=checks, **({"description": field.help}
                                                                        if field.help else {}))


@dataclass
class PageRow:
    """Fields the form page shows on one line: one alone, or those of a declared `row` side by side."""

    #: The declaration's `row`; None for a field alone.
    name: str | None
    fields: list

    @property
    def css(self) -> str | None:
        """The class of each field's column when side by side."""
        return ROW_CLASSES.get(self.name, "col") if self.name else None


def page_rows(form, fields) -> list[PageRow]:
    """The form's declared `fields` as its page shows them, in order; fields of one `row` together."""
    rows: list[PageRow] = []
    for field in fields:
        if field.row is not None and rows and rows[-1].name == field.row:
            rows[-1].fields.append(form[field.name])
        else:
            rows.append(PageRow(field.row, [form[field.name]]))
    return rows


def given(form, field: Field):
    """A declared field as the form was given it, as its service takes it: a linked record from the form's
    `_linked`; paragraphs left empty as their blank; a programme's short text left empty as its blank (null), a
    contribution's as typed (its service reads it so, as it always did)."""
    data = form[field.name].data
    if field.kind == Kind.CHOICE:
        return ContributionType(data) if data else None
    if field.kind in LINKS:
        return form._linked[field.kind].get(data)
    if field.kind == Kind.LONG_TEXT or (field.kind == Kind.TEXT and field.record is not Contribution):
        return data or field.blank
    return data


class ContributionForm(Form):
    #: One per form shown: the same form sent twice records one contribution.
    submission_key = HiddenField(default=lambda: uuid.uuid4().hex,
                                 validators=[Optional(), Regexp(r"^[0-9a-f]{32}$")])
    # The declared fields, made here so that they keep their place in the form's order.
    vars().update({field.name: declared_field(field) for field in FIELDS})
    evidence = MultipleFileField(_l("Evidence (photos, attendance counts, reports)"))
    existing_evidence = MaterialChoice(_l("Or choose materials already in the portal"), coerce=int,
                                       validators=[Optional()])
    version = StringField(render_kw={"hidden": True})
    submit = SubmitField(_l("Submit for verification"))

    def __init__(self, *args, facility, partner, agreements, programmes, materials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._facility, self._partner = facility, partner
        self.evidence.description = accepted_files()
        self.existing_evidence.choices = [(m.id, m.title, {"data-category": label(m.category)}) for m in materials]
        earliest = contributions.earliest_day(facility, partner)
        limits = {"min": earliest.isoformat(), "max": contributions.latest_day().isoformat()}
        self._linked = {Kind.AGREEMENT: {a.id: a for a in agreements}, Kind.PROGRAMME: {p.id: p for p in programmes}}
        for field in FIELDS:
            if field.kind == Kind.DATE:
                self[field.name].render_kw = dict(limits)
            elif field.kind == Kind.AGREEMENT:
                self[field.name].choices = [(NONE, _l("— none —"))] + [
                    (a.id, a.title, {"data-contribution-types": " ".join(contribution_types_under(a)),
                                     "data-from": a.start_date.isoformat(), "data-until": a.end_date.isoformat()})
                    for a in agreements]
            elif field.kind == Kind.PROGRAMME:
                self[field.name].choices = [(NONE, _l("— none —"))] + [(p.id, p.name) for p in programmes]

    def fields(self) -> ContributionFields:
        return ContributionFields(**{field.name: given(self, field) for field in FIELDS})

    def page_rows(self, side: bool) -> list[PageRow]:
        """The declared fields of one column of the page (`side`: the right-hand one)."""
        return page_rows(self, (field for field in FIELDS if field.side == side))

    def validate(self, extra_validators=None) -> bool:
        """The form's own checks, then the service's rules (the ones the API and the import obey), all at once,
        each beside its field."""
        valid = super().validate(extra_validators)
        if self.type.data not in ("", *ContributionType._value2member_map_):
            return valid
        for name, message in contributions.problems(self._facility, self._partner, self.fields()).items():
            if name in self and not self[name].errors:
                self[name].errors.append(str(message))  # str: escaped (it may quote a title)
                valid = False
        return valid

    def choose_existing(self, material_id: int, title: str) -> None:
        """Tick a material (the twin of a file refused as already there), offering it if it was not offered."""
        if all(value != material_id for value, *_rest in self.existing_evidence.choices):
            self.existing_evidence.choices = [(material_id, title), *self.existing_evidence.choices]
        self.existing_evidence.data = [*(self.existing_evidence.data or []), material_id]

    def fill_from(self, fields: ContributionFields) -> None:
        for field in FIELDS:
            value = getattr(fields, field.name)
            if field.kind in LINKS:
                value = value.id if value is not None else NONE
            elif field.kind == Kind.CHOICE:
                value = value.value
            self[field.name].data = value


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class ProgrammeForm(Form):
    # The declared fields (`PROGRAMME_FIELDS`), made here so that they keep their place in the form's order.
    vars().update({field.name: declared_field(field) for field in PROGRAMME_FIELDS})
    submit = SubmitField(_l("Start programme"))

    def __init__(self, *args, agreements, **kwargs):
        super().__init__(*args, **kwargs)
        self._linked = {Kind.AGREEMENT: {a.id: a for a in agreements}}
        for field in PROGRAMME_FIELDS:
            if field.kind == Kind.AGREEMENT:
                self[field.name].choices = [(NONE, _l("— none —"))] + [(a.id, a.title) for a in agreements]

    def fields(self) -> ProgrammeFields:
        return ProgrammeFields(**{field.name: given(self, field) for field in PROGRAMME_FIELDS})

    def page_rows(self) -> list[PageRow]:
        return page_rows(self, PROGRAMME_FIELDS)


class CloseProgrammeForm(Form):
    actual_participants = IntegerField(_l("Participants who completed it"), validators=[DataRequired(message=None),
                                                                                        NumberRange(min=0)])
    certificates_issued = IntegerField(_l("Certificates issued"), validators=[Optional(), NumberRange(min=0)])
    end_date = DateField(_l("Closing date"), validators=[DataRequired()])
    submit = SubmitField(_l("Close programme"))


class ImportForm(Form):
    file = FileField(_l("CSV or XLSX file"))
    stash = HiddenField()
    stash_name = HiddenField()
    preview = SubmitField(_l("Check the rows"))
    confirm = SubmitField(_l("Import all rows"))


class SessionRow(RowForm):
    """One session in the several-at-once form; an empty row is skipped."""

    started_on = DateField(_l("Date"), validators=[Optional()])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=300)])
    participants_total = IntegerField(_l("WBP participants: total"), validators=[Optional()])
    hours = DecimalField(_l("Hours"), places=1, validators=[Optional()])


class SessionsForm(Form):
    sessions = FieldList(FormField(SessionRow), min_entries=6, max_entries=31)
    submit = SubmitField(_l("Submit all sessions for verification"))

    def fields(self, programme) -> list[ContributionFields]:
        """The rows filled in, as contributions of the programme (its type and agreement; its name if untitled)."""
        return [ContributionFields(**{**row.data, "title": row.title.data or programme.name}, type=programme.type,
                                   agreement=programme.agreement)
                for row in self.sessions if row.started_on.data]
