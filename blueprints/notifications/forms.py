"""The notification settings' forms: a channel and a morning summary per group, quiet hours, and a number's code."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from blueprints.forms import Form
from portal.notifications import preferences
from portal.notifications.labels import NOTIFICATION_GROUPS

HOURS = [(str(hour), f"{hour:02d}.00") for hour in range(24)]


class SettingsForm(Form):
    """Its per-group fields are added for the groups the person is offered (`settings_form`)."""

    time_zone = SelectField(_l("Your time zone"), choices=[
        ("Asia/Jakarta", _l("WIB (Western Indonesia)")), ("Asia/Makassar", _l("WITA (Central Indonesia)")),
        ("Asia/Jayapura", _l("WIT (Eastern Indonesia)"))])
    quiet = BooleanField(_l("Quiet hours: hold WhatsApp and SMS notices until morning"))
    quiet_from = SelectField(_l("From"), choices=HOURS, default="21")
    quiet_until = SelectField(_l("Until"), choices=HOURS, default="6")
    #: Only for whoever verifies contributions somewhere; the view takes it away for everyone else.
    contribution_notices = RadioField(_l("New contributions to verify"), choices=[
        ("each", _l("Tell me of each one as it is recorded")),
        ("daily", _l("One summary a day, in the morning (nothing when there is nothing new)"))])
    submit = SubmitField(_l("Save"))

    def group_rows(self):
        """(label, channel field, summary field) per offered group, in the page's order."""
        return [(NOTIFICATION_GROUPS[group], self[f"route_{group}"], self[f"digest_{group}"])
                for group in self.groups]


def settings_form(groups: list[str], channels: list[str], *, verifies: bool, **kwargs) -> SettingsForm:
    """The form for these `groups`, offering e-mail, the `channels` this portal sends by, and the bell alone."""
    choices = [(preferences.EMAIL, preferences.CHANNEL_NAMES[preferences.EMAIL]),
               *[(channel, preferences.CHANNEL_NAMES[channel]) for channel in channels],
               (preferences.BELL, _l("Only in the portal"))]
    fields = {}
    for group in groups:
        fields[f"route_{group}"] = SelectField(NOTIFICATION_GROUPS[group], choices=choices,
                                               default=preferences.EMAIL)
        fields[f"digest_{group}"] = BooleanField(_l("In the morning summary"))
    form_class = type("GroupSettingsForm", (SettingsForm,), fields)
    form = form_class(**kwargs)
    form.groups = groups
    if not verifies:
        del form.contribution_notices
    return form


class PhoneForm(Form):
    phone = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=30)],
                        description=_l("A code is sent to it through this channel, to check it is yours."))
    submit = SubmitField(_l("Send a code"))


class CodeForm(Form):
    code = StringField(_l("The 6-digit code you received"), validators=[DataRequired(), Length(max=10)])
    submit = SubmitField(_l("Verify"))
