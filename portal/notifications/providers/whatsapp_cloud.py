"""The WhatsApp Business Platform's Cloud API: template messages out, statuses and replies in through its webhook.

Settings (environment): WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_ACCESS_TOKEN (the business number and a system user's
token), WHATSAPP_APP_SECRET (signs the webhook's calls: `X-Hub-Signature-256`), WHATSAPP_VERIFY_TOKEN (answers
its subscription check), WHATSAPP_API_URL (the Graph API with its version), and the two approved templates'
names: WHATSAPP_NOTICE_TEMPLATE (three body parameters: headline, sentence, link) and WHATSAPP_CODE_TEMPLATE (an
authentication template: the code). Business-initiated messages must be templates: a notice is never free text.
"""
from __future__ import annotations

from portal.notifications.messages import CODE
from portal.notifications.providers import Reply, Update, call, judged, moment, signature_holds

NAME = "whatsapp"
#: The template languages the person's locale maps to.
LANGUAGES = {"id": "id", "en": "en"}
STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}


def configured(config) -> bool:
    return bool(config["WHATSAPP_PHONE_NUMBER_ID"] and config["WHATSAPP_ACCESS_TOKEN"])


def _base(config) -> str:
    return f"{config['WHATSAPP_API_URL'].rstrip('/')}/{config['WHATSAPP_PHONE_NUMBER_ID']}"


def send(config, to: str, kind: str, parts: list[str], text: str, locale: str) -> str:
    template = config["WHATSAPP_CODE_TEMPLATE"] if kind == CODE else config["WHATSAPP_NOTICE_TEMPLATE"]
    components = [{"type": "body", "parameters": [{"type": "text", "text": part} for part in parts]}]
    if kind == CODE:  # an authentication template's copy-code button carries the code too
        components.append({"type": "button", "sub_type": "url", "index": "0",
                           "parameters": [{"type": "text", "text": parts[0]}]})
    status, answer = call("POST", f"{_base(config)}/messages", token=config["WHATSAPP_ACCESS_TOKEN"], body={
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": to.lstrip("+"), "type": "template",
        "template": {"name": template, "language": {"code": LANGUAGES.get(locale, "id")}, "components": components}},
        timeout=config["CHANNEL_TIMEOUT_SECONDS"])
    if status == 200 and answer.get("messages"):
        return str(answer["messages"][0]["id"])
    error = answer.get("error") or {}
    raise judged(status, f"{status} {error.get('code', '')} {error.get('message', '')}".strip())


def check(config) -> list[str]:
    status, answer = call("GET", f"{_base(config)}?fields=display_phone_number,verified_name",
                          token=config["WHATSAPP_ACCESS_TOKEN"], timeout=5)
    problems = []
    if status != 200:
        problems.append(f"the WhatsApp Cloud API refused the portal's number and token: {status} "
                        f"{(answer.get('error') or {}).get('message', '')}".strip())
    if not config["WHATSAPP_APP_SECRET"]:
        problems.append("WHATSAPP_APP_SECRET is not set: the delivery statuses and STOP replies cannot be checked, "
                        "and are refused")
    return problems


def signed(config, body: bytes, headers) -> bool:
    """`X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body with the app secret>`."""
    return signature_holds(config["WHATSAPP_APP_SECRET"], body, headers.get("X-Hub-Signature-256", ""))


def read_callback(config, payload: dict) -> tuple[list[Update], list[Reply]]:
    updates, replies = [], []
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            if str((value.get("metadata") or {}).get("phone_number_id", "")) != config["WHATSAPP_PHONE_NUMBER_ID"]:
                continue  # another number of the same app (a staging portal's)
            for status in value.get("statuses") or []:
                if status.get("status") in STATUSES and status.get("id"):
                    errors = status.get("errors") or [{}]
                    words = f"{errors[0].get('code', '')} {errors[0].get('title', '')}".strip() or None
                    updates.append(Update(str(status["id"]), STATUSES[status["status"]], words))
            for message in value.get("messages") or []:
                if message.get("type") == "text" and message.get("from"):
                    replies.append(Reply("+" + str(message["from"]).lstrip("+"),
                                         str((message.get("text") or {}).get("body", "")),
                                         moment(message.get("timestamp"))))
    return updates, replies



