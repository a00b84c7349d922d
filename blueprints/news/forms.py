"""Forms of the news pages; their rules live in `portal.public.news` and `news_photos`."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from blueprints.forms import Form


class DraftFromForm(Form):
    """A button next to a verified activity: draft a report of it."""

    source_kind = HiddenField(validators=[DataRequired()])
    source_id = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Draft a report"))


class NewsForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    happened_on = DateField(_l("Date of the activity"), validators=[DataRequired()])
    body = TextAreaField(_l("Text (paragraphs separated by an empty line)"),
                         validators=[DataRequired(), Length(max=20000)], render_kw={"rows": 14})
    submit = SubmitField(_l("Save draft"))


class QuoteForm(Form):
    text = TextAreaField(_l("What was said"), validators=[DataRequired(), Length(max=2000)], render_kw={"rows": 3})
    speaker = StringField(_l("Speaker's name"), validators=[DataRequired(), Length(max=200)])
    office = StringField(_l("Speaker's office"), validators=[DataRequired(), Length(max=200)],
                         description=_l("e.g. Kepala Rutan Tamiang Layang"))
    submit = SubmitField(_l("Add quote"))


class PhotoForm(Form):
    version = SelectField(_l("Photo"), coerce=int, validators=[DataRequired()],
                          description=_l("JPEG or PNG photos among the facility's materials."))
    caption = StringField(_l("Caption"), validators=[Optional(), Length(max=300)])
    no_wbp_recognisable = BooleanField(_l("I have checked this photo: no WBP can be recognised in it."),
                                       validators=[DataRequired(message=_l("Confirm that no WBP can be recognised "
                                                                           "in the photo before it is published."))])
    submit = SubmitField(_l("Add photo"))

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.version.choices = [(v.id, f"{v.material.title} ({v.filename})") for v in versions]


class PublicPageForm(Form):
    public_page = BooleanField(_l("Show the facility's public page"))
    news_needs_approval = BooleanField(_l("News waits for the head's approval before it is published"))
    submit = SubmitField(_l("Save"))
