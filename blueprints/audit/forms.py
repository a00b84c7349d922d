"""The audit trail's filters: in the address, so a narrowed trail can be bookmarked and shared."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from blueprints.forms import Form
from portal.audit.trail import RECORD_KINDS, SYSTEM, TrailFilter


class TrailFilterForm(Form):
    class Meta:
        csrf = False

    record = SelectField(_l("Record"), default="", choices=[("", _l("All"))] + [
        (key, label) for key, (label, _types) in RECORD_KINDS.items()])
    person = SelectField(_l("Person"), default="")
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])

    def __init__(self, formdata, people: list[tuple[int, str]]):
        super().__init__(formdata)
        self.person.choices = [("", _l("Everyone")), *((str(i), name) for i, name in people),
                               (SYSTEM, _l("The system (scheduled tasks)"))]

    def wanted(self) -> TrailFilter:
        """What the address asks for; a value the form refuses (an unknown person, a date that is not one) is
        left out rather than failing the page."""
        self.validate()
        person = self.person.data if self.person.data == SYSTEM else (
            int(self.person.data) if self.person.data.isdigit() and not self.person.errors else None)
        return TrailFilter(record=self.record.data if not self.record.errors and self.record.data else None,
                           person=person, since=self.since.data if not self.since.errors else None,
                           until=self.until.data if not self.until.errors else None)

    @property
    def narrowed(self) -> bool:
        wanted = self.wanted()
        return any((wanted.record, wanted.person, wanted.since, wanted.until))
