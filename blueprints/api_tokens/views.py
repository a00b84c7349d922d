"""List, create and revoke the organisation's API tokens."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.api_tokens import bp
from blueprints.api_tokens.forms import TokenForm
from blueprints.commit_once import committed
from blueprints.forms import ConfirmForm
from portal.core.tenancy import current_org, get_owned_or_404
from portal.integrations import api_tokens
from portal.integrations.token_models import ApiToken


def _actor():
    return current_user._get_current_object()


@bp.route("/", methods=["GET", "POST"])
def index():
    form = TokenForm()
    if form.validate_on_submit():
        with committed() as outcome:
            issued = api_tokens.create(current_org, form.name.data, form.scopes.data, form.expires_on.data,
                                       actor=_actor())
        if outcome.ok:  # shown on this answer only: never in a redirect, a flash or a log
            return render_template("api_tokens/created.html", token=issued.token, secret=issued.secret)
    return render_template("api_tokens/index.html", tokens=api_tokens.tokens_of(current_org, actor=_actor()),
                           form=form, confirm_form=ConfirmForm(), scopes=api_tokens.SCOPES)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id: int):
    token = get_owned_or_404(ApiToken, token_id)
    if ConfirmForm().validate_on_submit():
        with committed() as outcome:
            api_tokens.revoke(token, actor=_actor())
        if outcome.ok:
            flash(_("The token has been revoked; systems using it are refused from now on."), "success")
    return redirect(url_for("api_tokens.index"))
