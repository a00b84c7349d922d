"""Forms for drafting an agreement, giving reasons, signing, uploading and filtering."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField, DateField, FieldList, Form as RowForm, FormField, HiddenField, IntegerField, PasswordField,
    SelectField, StringField, SubmitField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from blueprints.forms import Form, typed
from portal.agreements import operations as agreements
from portal.agreements.chain_models import StepActor
from portal.agreements.chains import MOST_DAYS, MOST_STEPS, REVIEWERS, Chain, ChainStep
from portal.agreements.files import ACCEPTED
from portal.agreements.lists import AgreementFilter
from portal.agreements.labels import AGREEMENT_STATUS, AGREEMENT_TYPE, STEP_ACTOR
from portal.agreements.models import AgreementStatus, AgreementType, DocumentKind
from portal.agreements.operations import AgreementFields
from portal.core import file_kinds
from portal.core.i18n import FormTranslations

NIP = Regexp(r"^\d{18}$", message=_l("A NIP has 18 digits."))
NOBODY = 0


def _people(people, empty_label) -> list[tuple[int, str]]:
    return [(NOBODY, empty_label)] + [(person.id, person.name) for person in people]


class AgreementForm(Form):
    """The drafter's fields; the signatory lists come from the pair's heads and admins."""

    #: "— pilih —" first: a type nobody chose is never saved as the first of the list.
    type = SelectField(_l("Type of cooperation"), default="",
                       validators=[DataRequired(message=_l("Choose the type of cooperation."))],
                       choices=[("", _l("— choose —"))]
                       + [(kind.value, label) for kind, label in AGREEMENT_TYPE.items()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    scope = TextAreaField(_l("Scope (ruang lingkup)"), validators=[DataRequired()])
    objectives = TextAreaField(_l("Objectives"), validators=[DataRequired()])
    facility_rights = TextAreaField(_l("Rights of the facility"), validators=[Optional()])
    facility_obligations = TextAreaField(_l("Obligations of the facility"), validators=[Optional()])
    partner_rights = TextAreaField(_l("Rights of the partner"), validators=[Optional()])
    partner_obligations = TextAreaField(_l("Obligations of the partner"), validators=[Optional()])
    start_date = DateField(_l("Start date"), validators=[DataRequired()])
    end_date = DateField(_l("End date"), validators=[DataRequired()])
    facility_number = StringField(_l("Facility's agreement number"), validators=[Optional(), Length(max=100)])
    partner_number = StringField(_l("Partner's agreement number"), validators=[Optional(), Length(max=100)])
    facility_signatory = SelectField(_l("Signatory for the facility"), coerce=int, default=NOBODY)
    facility_signatory_position = StringField(_l("Position (jabatan)"), validators=[Optional(), Length(max=200)])
    facility_signatory_nip = StringField(_l("NIP"), validators=[Optional(), NIP])
    partner_signatory = SelectField(_l("Signatory for the partner"), coerce=int, default=NOBODY)
    partner_signatory_position = StringField(_l("Position (jabatan)"), validators=[Optional(), Length(max=200)])
    partner_signatory_nip = StringField(_l("NIP (if a civil servant)"), validators=[Optional(), NIP])
    document = FileField(_l("Draft document (PDF or DOCX)"),
                         description=_l("Each upload is kept as a new version; earlier versions stay."))
    version = HiddenField()
    submit = SubmitField(_l("Save draft"))
    save_and_submit = SubmitField(_l("Save and submit for review"))

    def __init__(self, *args, heads, admins, **kwargs):
        super().__init__(*args, **kwargs)
        self._heads, self._admins = {p.id: p for p in heads}, {p.id: p for p in admins}
        self.document.description = " ".join((str(_l("Accepted: %(accepted)s.", accepted=file_kinds.accepted(
            ACCEPTED[DocumentKind.DRAFT], current_app.config["AGREEMENT_DOCUMENT_MAX_BYTES"]))),
            str(self.document.description)))
        self.facility_signatory.choices = _people(heads, _l("— choose later —"))
        self.partner_signatory.choices = _people(admins, _l("— choose later —"))

    def name_the_only_signatories(self) -> None:
        """A new draft starts on the signatory where there is only one person who can be it (a guess it is not)."""
        for select, people in ((self.facility_signatory, self._heads), (self.partner_signatory, self._admins)):
            if len(people) == 1 and select.data in (None, NOBODY):
                select.data = next(iter(people))

    def validate(self, extra_validators=None) -> bool:
        """The form's own checks, then the period's rules of the service (the API's too), beside the dates."""
        valid = super().validate(extra_validators)
        if self.start_date.data and self.end_date.data and not (self.start_date.errors or self.end_date.errors):
            for name, message in agreements.period_problems(self.start_date.data, self.end_date.data).items():
                self[name].errors.append(str(message))
                valid = False
        return valid

    def fields(self) -> AgreementFields:
        return AgreementFields(
            type=AgreementType(self.type.data), title=self.title.data, scope=self.scope.data,
            objectives=self.objectives.data, facility_rights=self.facility_rights.data or "",
            facility_obligations=self.facility_obligations.data or "",
            partner_rights=self.partner_rights.data or "", partner_obligations=self.partner_obligations.data or "",
            start_date=self.start_date.data, end_date=self.end_date.data,
            facility_number=self.facility_number.data, partner_number=self.partner_number.data,
            facility_signatory=self._heads.get(self.facility_signatory.data),
            facility_signatory_position=self.facility_signatory_position.data,
            facility_signatory_nip=self.facility_signatory_nip.data,
            partner_signatory=self._admins.get(self.partner_signatory.data),
            partner_signatory_position=self.partner_signatory_position.data,
            partner_signatory_nip=self.partner_signatory_nip.data)

    def fill_from(self, fields: AgreementFields) -> None:
        """Show an existing agreement's values (GET only)."""
        for name, value in vars(fields).items():
            if name.endswith("_signatory"):
                value = value.id if value is not None else NOBODY
            elif name == "type":
                value = value.value
            getattr(self, name).data = value


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class FinalReasonForm(ReasonForm):
    """A step nothing undoes (rejecting, terminating): one tap on a phone must not be enough."""

    understood = BooleanField(_l("I understand that this cannot be undone."), validators=[DataRequired()])


class SignForm(Form):
    password = PasswordField(_l("Your password"), validators=[DataRequired()],
                             description=_l("Signing is confirmed by entering your password again."))
    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(), Length(max=20)],
                       description=_l("The 6 digits your app shows now, or one of your recovery codes."))
    #: Shown only where a PSrE signs (SIGNING_SERVICE=psre); the service refuses to sign without it there.
    passphrase = PasswordField(_l("Passphrase of your certificate at the certification authority (PSrE)"),
                               validators=[Optional(), Length(max=200)])
    agree = BooleanField(_l("I have read the approved document and sign it on behalf of my organisation."),
                         validators=[DataRequired()])
    submit = SubmitField(_l("Sign"))


class ScanForm(Form):
    scan = FileField(_l("Scan of the paper-signed agreement (PDF)"), validators=[FileRequired()])
    submit = SubmitField(_l("Upload scan"))


class ConfirmScanForm(Form):
    signed_on = DateField(_l("Date signed on paper"), validators=[DataRequired()],
                          description=_l("As written on the signed agreement; the reports and the certificate "
                                         "page give this date."))
    submit = SubmitField(_l("Confirm the paper-signed scan"))



class FilterForm(Form):
    """The list's filters travel in the URL, so a filtered list can be bookmarked and shared."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), default="", choices=[("", _l("All statuses"))] + [
        (status.value, label) for status, label in AGREEMENT_STATUS.items()])
    type = SelectField(_l("Type"), default="", choices=[("", _l("All types"))] + [
        (kind.value, label) for kind, label in AGREEMENT_TYPE.items()])
    party = StringField(_l("Party"), validators=[Optional(), Length(max=100)])
    expiring = BooleanField(_l("Ending within 90 days"))
    queue = HiddenField()

    def wanted(self) -> AgreementFilter:
        """The filter as the services take it; anything unrecognised is simply ignored."""
        return AgreementFilter(
            status=_member(AgreementStatus, self.status.data), type=_member(AgreementType, self.type.data),
            party=typed(self.party), expiring=bool(self.expiring.data), search=typed(self.q),
            queue=self.queue.data if self.queue.data in ("review", "to_sign", "acknowledge") else None)


def _member(enum_class, value):
    try:
        return enum_class(value)
    except ValueError:
        return None


class ChainStepForm(RowForm):
    """One review step of an approval chain; a row whose "who acts" is empty is not a step."""

    class Meta:
        def get_translations(self, form):
            return FormTranslations()

    name = StringField(_l("Name of the step"), validators=[Optional(), Length(max=120)])
    actor = SelectField(_l("Who acts"), default="",
                        choices=[("", _l("— no step —"))] + [(actor.value, STEP_ACTOR[actor]) for actor in REVIEWERS])
    days = IntegerField(_l("Working days"),
                        validators=[Optional(), NumberRange(min=1, max=MOST_DAYS,
                                                            message=_l("Between 1 and 60 working days."))])
    may_return = BooleanField(_l("May send the draft back to the partner"))


class ApprovalChainForm(Form):
    """A facility's review steps, in order, then the head's decision."""

    steps = FieldList(FormField(ChainStepForm), min_entries=1, max_entries=MOST_STEPS)
    decision_days = IntegerField(_l("Working days for the head's decision"), default=5,
                                 validators=[InputRequired(), NumberRange(min=1, max=MOST_DAYS,
                                                                         message=_l("Between 1 and 60 working days."))])
    save = SubmitField(_l("Save the steps"))

    @classmethod
    def of(cls, chain: Chain, formdata=None) -> "ApprovalChainForm":
        """The form showing `chain`, with two empty rows to add steps (up to MOST_STEPS)."""
        rows = [{"name": step.name, "actor": step.actor.value, "days": step.days, "may_return": step.may_return}
                for step in chain.steps]
        rows += [{"actor": "", "days": None}] * max(0, min(2, MOST_STEPS - len(rows)))
        form = cls(formdata=formdata, data={"steps": rows, "decision_days": chain.decision_days})
        return form

    def chain_steps(self) -> list[ChainStep]:
        rows = [row.form for row in self.steps]  # row.name is the row's own name ("steps-0"): ask its form
        return [ChainStep(StepActor(row.actor.data), row.days.data or 0, (row.name.data or "").strip(),
                          bool(row.may_return.data))
                for row in rows if row.actor.data]
