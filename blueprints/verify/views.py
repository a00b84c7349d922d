"""Check a signed agreement by its code (the QR code opens this) or by uploading its PDF."""
from flask import current_app, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from blueprints.forms import Form
from blueprints.verify import bp
from portal.agreements import verification
from portal.extensions import limiter


class CodeForm(Form):
    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=40)])
    submit = SubmitField(_l("Check code"))


class FileForm(Form):
    document = FileField(_l("The PDF you received"), validators=[FileRequired()])
    submit = SubmitField(_l("Check file"))


def _limit() -> str:
    return current_app.config["VERIFY_LIMIT"]


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(_limit)
def index():
    code_form, file_form = CodeForm(prefix="c"), FileForm(prefix="f")
    if code_form.submit.data and code_form.validate_on_submit():
        return redirect(url_for("verify.show", code=verification.normalise_code(code_form.code.data)))
    checked, verdict, check = False, None, None
    if file_form.submit.data and file_form.validate_on_submit():
        check = verification.check_file(file_form.document.data.stream)
        checked, verdict = True, check.verdict
    page = render_template("verify/index.html", code_form=code_form, file_form=file_form, checked=checked,
                           verdict=verdict, check=check)
    return page, 404 if checked and verdict is None else 200


@bp.route("/<code>")
@limiter.limit(_limit)
def show(code: str):
    verdict = verification.by_code(code)
    return render_template("verify/show.html", verdict=verdict, code=code), 200 if verdict else 404
