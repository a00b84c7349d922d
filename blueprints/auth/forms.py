"""Forms for logging in, passwords, invitations and one's profile."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField,
    ValidationError, widgets,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from blueprints.forms import Form
from portal.accounts.operations import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))])
    submit = SubmitField(_l("Change password"))


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(Form):
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))])
    submit = SubmitField(_l("Save the new password"))


class AcceptInvitationForm(Form):
    """A new person gives name and password; someone coming back their password, and their code if it is on."""

    name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    position = StringField(_l("Position (jabatan)"), validators=[Optional(), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    confirm = PasswordField(_l("Repeat the password"), validators=[Optional()])
    code = StringField(_l("Code"), validators=[Optional(), Length(max=20)],
                       description=_l("6 digits from your authenticator app, or one recovery code."))
    submit = SubmitField(_l("Accept the invitation"))

    def validate_confirm(self, field):
        if self.name.data is not None and self.needs_account and field.data != self.password.data:
            raise ValidationError(_l("The two passwords differ."))

    needs_account = True


class ConfirmInvitationForm(Form):
    """Someone logged in as the person invited: one button."""

    submit = SubmitField(_l("Accept the invitation"))


class ProfileForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    position = StringField(_l("Position (jabatan)"), validators=[Optional(), Length(max=200)])
    nip = StringField(_l("NIP"), validators=[Optional(), Regexp(r"^\d{18}$", message=_l("A NIP has 18 digits."))])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30),
                                                 Regexp(r"^\+?[0-9 ()-]{6,30}$", message=_l("Digits only, e.g. +62 812 3456 7890."))])
    locale = SelectField(_l("Language"), choices=[("id", "Bahasa Indonesia"), ("en", "English")])
    submit = SubmitField(_l("Save"))


class TwoFactorForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)],
                       description=_l("6 digits from your authenticator app, or one recovery code."))
    submit = SubmitField(_l("Continue"))
