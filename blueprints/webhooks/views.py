"""Register, switch, remove webhook addresses; read their delivery log and send a delivery again."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.commit_once import committed
from blueprints.forms import ConfirmForm
from blueprints.webhooks import bp
from blueprints.webhooks.forms import EndpointForm
from portal.core.tenancy import current_org, get_owned_or_404
from portal.integrations import webhook_events, webhooks
from portal.integrations.webhook_models import WebhookDelivery, WebhookEndpoint


def _actor():
    return current_user._get_current_object()


@bp.route("/", methods=["GET", "POST"])
def index():
    form = EndpointForm()
    if form.validate_on_submit():
        with committed() as outcome:
            registered = webhooks.register(current_org, form.url.data, form.description.data, form.events.data,
                                           actor=_actor())
        if outcome.ok:  # the secret is shown on this answer only: never in a redirect, a flash or a log
            return render_template("webhooks/created.html", endpoint=registered.endpoint, secret=registered.secret)
    return render_template("webhooks/index.html", endpoints=webhooks.endpoints_of(current_org, actor=_actor()),
                           form=form, events=webhook_events.EVENTS)


@bp.get("/<int:endpoint_id>/")
def show(endpoint_id: int):
    endpoint = get_owned_or_404(WebhookEndpoint, endpoint_id)
    return render_template("webhooks/show.html", endpoint=endpoint, events=webhook_events.EVENTS,
                           deliveries=webhooks.deliveries_of(endpoint, actor=_actor()), confirm_form=ConfirmForm())


@bp.post("/<int:endpoint_id>/off")
def switch_off(endpoint_id: int):
    return _on_endpoint(endpoint_id, lambda endpoint: webhooks.switch(endpoint, on=False, actor=_actor()),
                        _("The webhook is off: nothing is sent to it until it is on again."))


@bp.post("/<int:endpoint_id>/on")
def switch_on(endpoint_id: int):
    return _on_endpoint(endpoint_id, lambda endpoint: webhooks.switch(endpoint, on=True, actor=_actor()),
                        _("The webhook is on; what waited is sent now."))


@bp.post("/<int:endpoint_id>/test")
def send_test(endpoint_id: int):
    return _on_endpoint(endpoint_id, lambda endpoint: webhooks.send_test(endpoint, actor=_actor()),
                        _("A test event (webhook.test) is on its way; its attempt appears below."))


def _on_endpoint(endpoint_id: int, act, done: str):
    """A button on the endpoint's page: do it, say so, and show the page again."""
    endpoint = get_owned_or_404(WebhookEndpoint, endpoint_id)
    if ConfirmForm().validate_on_submit():
        with committed() as outcome:
            act(endpoint)
        if outcome.ok:
            flash(done, "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint_id))


@bp.post("/<int:endpoint_id>/remove")
def remove(endpoint_id: int):
    endpoint = get_owned_or_404(WebhookEndpoint, endpoint_id)
    if ConfirmForm().validate_on_submit():
        with committed() as outcome:
            webhooks.remove(endpoint, actor=_actor())
        if outcome.ok:
            flash(_("The webhook has been removed, with its delivery log."), "success")
            return redirect(url_for("webhooks.index"))
    return redirect(url_for("webhooks.show", endpoint_id=endpoint_id))


@bp.post("/deliveries/<int:delivery_id>/send-again")
def send_again(delivery_id: int):
    delivery = get_owned_or_404(WebhookDelivery, delivery_id)
    if ConfirmForm().validate_on_submit():
        with committed() as outcome:
            webhooks.send_again(delivery, actor=_actor())
        if outcome.ok:
            flash(_("The delivery will be sent again in a moment."), "success")
    return redirect(url_for("webhooks.show", endpoint_id=delivery.endpoint_id))
