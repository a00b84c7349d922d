"""Forms of the UMKM pages, their fields built from the declarations (`portal.umkm.fields`); the rules live in
`portal.umkm`. Rupiah are typed as Indonesians write them ("1.250.000")."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField, DateField, Field as WTField, FieldList, Form as RowForm, FormField, HiddenField, IntegerField,
    SelectField, StringField, SubmitField, TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from blueprints.forms import Form
from portal.core import money
from portal.core.i18n import long_date
from portal.core.vocabulary import label, labels_of
from portal.umkm.fields import PRODUCT_FIELDS, SALE_FIELDS, Field, Kind, ProductFields, SaleFields
from portal.umkm.models import CertificateKind, CertificateStatus, HelpKind, SkillArea


class RupiahField(WTField):
    """An amount in Rupiah as typed ("1.250.000", "Rp 150.000", "12500,50"), kept as an exact Decimal."""

    widget = TextInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return money.as_typed(self.data)

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist:
            try:
                self.data = money.parse(valuelist[0])
            except ValueError:
                raise ValueError(_l("Write an amount in Rupiah, e.g. 1.250.000.")) from None


def choices_of(enum_type, *, blank: bool = True) -> list:
    """A coded type's values to choose from, labelled in the reader's language (the labels stay lazy)."""
    return ([("", _l("— choose —"))] if blank else []) + [
        (member.value, text) for member, text in labels_of(enum_type).items()]


def declared_field(field: Field):
    """The form's field for a declared one, with its label, help and checks (the service checks the rest)."""
    checks = [DataRequired() if field.required else Optional()]
    checks += [Length(max=field.max_length)] if field.max_length else []
    extra = {"description": field.help} if field.help else {}
    if field.kind == Kind.CHOICE:
        return SelectField(field.label, choices=choices_of(field.choices), validators=checks, **extra)
    if field.kind == Kind.PARTNER:
        return SelectField(field.label, coerce=int, default=0, validators=[Optional()], **extra)
    if field.kind == Kind.COUNT:
        return IntegerField(field.label, validators=[*checks, NumberRange(min=field.least, max=1_000_000)], **extra)
    if field.kind == Kind.RUPIAH:
        return RupiahField(field.label, validators=checks, render_kw={"inputmode": "decimal"}, **extra)
    if field.kind == Kind.DATE:
        return DateField(field.label, validators=checks, **extra)
    if field.kind == Kind.LONG_TEXT:
        return TextAreaField(field.label, validators=checks, render_kw={"rows": 5}, **extra)
    return StringField(field.label, validators=checks, **extra)


def _given(form, fields, make):
    values = {}
    for field in fields:
        data = form[field.name].data
        if field.kind == Kind.CHOICE:
            data = field.choices(data) if data else None
        elif field.kind == Kind.PARTNER:
            data = data or None
        elif field.kind in (Kind.TEXT, Kind.LONG_TEXT):
            data = data or ""
        values[field.api_name] = data
    return make(**values)


def _rows(form, fields) -> list[list]:
    """The declared fields as the page lays them out: one per line, a declared row's side by side."""
    rows: list[tuple[str | None, list]] = []
    for field in fields:
        if field.row is not None and rows and rows[-1][0] == field.row:
            rows[-1][1].append(form[field.name])
        else:
            rows.append((field.row, [form[field.name]]))
    return [fields_of_row for _row, fields_of_row in rows]


class ProductForm(Form):
    vars().update({field.name: declared_field(field) for field in PRODUCT_FIELDS})
    submit = SubmitField(_l("Save product"))

    def fields(self) -> ProductFields:
        return _given(self, PRODUCT_FIELDS, ProductFields)

    def page_rows(self) -> list[list]:
        return _rows(self, PRODUCT_FIELDS)

    def fill_from(self, product) -> None:
        for field in PRODUCT_FIELDS:
            value = getattr(product, field.name)
            self[field.name].data = value.value if field.kind == Kind.CHOICE and value else value


class SaleForm(Form):
    vars().update({field.name: declared_field(field) for field in SALE_FIELDS})
    submit = SubmitField(_l("Record the sale"))

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.partner.choices = [(0, _l("— none —"))] + [(p.id, p.name) for p in partners]

    def fields(self) -> SaleFields:
        return _given(self, SALE_FIELDS, SaleFields)

    def page_rows(self) -> list[list]:
        return _rows(self, SALE_FIELDS)


class PhotoForm(Form):
    photo = FileField(_l("Photo (JPEG or PNG)"), validators=[DataRequired(message=_l("Choose a photo."))])
    caption = StringField(_l("Caption"), validators=[Optional(), Length(max=300)])
    no_wbp_recognisable = BooleanField(_l("I have checked this photo: no WBP can be recognised in it."),
                                       validators=[DataRequired(message=_l("Confirm that no WBP can be recognised "
                                                                           "in the photo before it is published."))])
    submit = SubmitField(_l("Add photo"))


class CertificateForm(Form):
    kind = SelectField(_l("Certificate"), choices=choices_of(CertificateKind), validators=[DataRequired()])
    status = SelectField(_l("Status"), choices=choices_of(CertificateStatus, blank=False), validators=[DataRequired()])
    issuer = StringField(_l("Issued by"), validators=[Optional(), Length(max=200)],
                         description=_l("e.g. Dinas Kesehatan Kota Bengkulu, BPJPH"))
    number = StringField(_l("Number"), validators=[Optional(), Length(max=120)])
    issued_on = DateField(_l("Issued on"), validators=[Optional()])
    expires_on = DateField(_l("Valid until"), validators=[Optional()],
                           description=_l("The facility is reminded 90, 30 and 7 days before."))
    document = FileField(_l("Scan of the certificate (PDF, JPEG or PNG, at most 10 MB)"))
    submit = SubmitField(_l("Save certificate"))


class HelperForm(Form):
    partner = SelectField(_l("Partner"), coerce=int, validators=[DataRequired(message=_l("Choose a partner."))])
    help = SelectField(_l("What the partner does"), choices=choices_of(HelpKind), validators=[DataRequired()])
    contribution = SelectField(_l("Contribution that records it (optional)"), coerce=int, default=0,
                               validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)],
                       description=_l("e.g. Pelatihan membatik 5 hari, November 2025"))
    submit = SubmitField(_l("Link partner"))

    def __init__(self, *args, partners=(), contributions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.partner.choices = [(0, _l("— choose —"))] + [(p.id, p.name) for p in partners]
        self.contribution.choices = [(0, _l("— none —"))] + [
            (c.id, f"{c.partner.name} · {label(c.type)} · {long_date(c.started_on)}") for c in contributions]


class InquiryForm(Form):
    """The public catalogue's inquiry: no account. `website` is a field people never see (bots fill it in)."""

    buyer_name = StringField(_l("Your name"), validators=[Optional(), Length(max=200)])
    buyer_organisation = StringField(_l("Shop, business or office (if any)"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone or WhatsApp number"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    quantity = IntegerField(_l("Quantity you are interested in"), validators=[Optional(), NumberRange(min=1)])
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 4})
    consent = BooleanField(_l("I agree that the facility contacts me by phone, WhatsApp or e-mail about this "
                              "inquiry."))
    website = StringField(_l("Leave this empty"), validators=[Optional()])
    submit = SubmitField(_l("Send inquiry"))


class CloseForm(Form):
    reason = StringField(_l("Why it ends without a sale (optional)"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Close inquiry"))


class DeliveredForm(Form):
    on = DateField(_l("Date delivered"), validators=[Optional()])


class PaidForm(Form):
    on = DateField(_l("Date paid"), validators=[Optional()])


class SkillRow(RowForm):
    skill = HiddenField()
    interested = IntegerField(validators=[Optional(), NumberRange(min=0, max=10_000)], default=0)
    trained = IntegerField(validators=[Optional(), NumberRange(min=0, max=10_000)], default=0)


class InterestForm(Form):
    period = StringField(_l("Month of the mapping"), validators=[DataRequired()], render_kw={"type": "month"})
    rows = FieldList(FormField(SkillRow), min_entries=0)
    submit = SubmitField(_l("Save counts"))

    def fill(self, mapping) -> None:
        while len(self.rows):
            self.rows.pop_entry()
        for skill in SkillArea:
            count = mapping.counts[skill] if mapping else None
            self.rows.append_entry({"skill": skill.value, "interested": count.interested if count else 0,
                                    "trained": count.trained if count else 0})

