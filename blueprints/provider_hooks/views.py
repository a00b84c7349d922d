"""The providers' callbacks: checked by their signature, read by the provider's module, handed to the outbox."""
import hmac
import json

from flask import abort, current_app, request

from blueprints.provider_hooks import bp
from portal.extensions import db
from portal.notifications import channel_outbox

#: The most a callback may carry (Meta batches up to a thousand statuses in one; this is ample).
MAX_BODY = 1024 * 1024


@bp.route("/whatsapp", methods=["GET"])
def whatsapp_subscription():
    """Meta's check when the webhook is registered: echo its challenge if it knows our verify token."""
    token = current_app.config["WHATSAPP_VERIFY_TOKEN"]
    given = request.args.get("hub.verify_token", "")
    if request.args.get("hub.mode") != "subscribe" or not token or not hmac.compare_digest(
            given.encode("utf-8", "replace"), token.encode()):
        abort(403)
    return request.args.get("hub.challenge", ""), 200, {"Content-Type": "text/plain"}


@bp.route("/<any(whatsapp, sms):channel>", methods=["POST"])
def callback(channel: str):
    provider = channel_outbox.PROVIDERS[channel]
    if request.content_length is None or request.content_length > MAX_BODY:
        abort(413)
    body = request.get_data(cache=False)
    if not provider.configured(current_app.config) or not provider.signed(current_app.config, body, request.headers):
        abort(403)
    try:
        payload = json.loads(body)
    except ValueError:
        abort(400)
    if not isinstance(payload, dict):
        abort(400)
    updates, replies = provider.read_callback(current_app.config, payload)
    channel_outbox.provider_said(channel, updates, replies)
    db.session.commit()
    return "", 200
