"""Forms for adding a person to an organisation and changing their role."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from blueprints.forms import Form
from portal.accounts.operations import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from portal.organisations.labels import ROLE
from portal.organisations.models import ROLES_BY_KIND
from portal.organisations.operations import Person


def role_choices(kind) -> list[tuple[str, str]]:
    """The roles that exist in this kind of organisation, labelled."""
    return [(role.value, ROLE[role]) for role in ROLES_BY_KIND[kind]]


class PersonFields(Form):
    """Who: an existing account by e-mail, or the details of a new one."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)],
                       description=_l("Needed only for a person without an account."))
    position = StringField(_l("Position (jabatan)"), validators=[Optional(), Length(max=200)])
    nip = StringField(_l("NIP"), validators=[
        Optional(), Regexp(r"^\d{18}$", message=_l("A NIP has 18 digits."))])
    password = PasswordField(_l("Initial password"), validators=[
        Optional(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
        description=_l("Needed only for a person without an account; tell it to them in person."))

    def person(self) -> Person:
        return Person(email=self.email.data, name=self.name.data or "", position=self.position.data,
                      nip=self.nip.data, password=self.password.data)


class AddMemberForm(PersonFields):
    role = SelectField(_l("Role"))
    submit = SubmitField(_l("Add member"))

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices(kind)


class ChangeRoleForm(Form):
    role = SelectField(_l("Role"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices(kind)


class ConfirmForm(Form):
    """A button that only carries the CSRF token."""

    submit = SubmitField(_l("Confirm"))


class InviteMemberForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    #: "— pilih —" first: who is invited as what is always chosen, never "Admin mitra" by default.
    role = SelectField(_l("Role"), default="", validators=[DataRequired(message=_l("Choose the role."))])
    access_until = DateField(_l("Access until (optional)"), validators=[Optional()],
                             description=_l("For interns and other fixed-term members: access lapses after this day."))
    submit = SubmitField(_l("Send the invitation"))

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [("", _l("— choose —"))] + role_choices(kind)
