"""One HTTP SMS gateway shape, the one Indonesian aggregators' APIs share in substance:

- out: `POST {SMS_GATEWAY_URL}/messages` with `Authorization: Bearer {SMS_GATEWAY_TOKEN}` and
  `{"to": "+62...", "from": SMS_SENDER_ID, "text": ..., "reference": ...}`; it answers 2xx `{"id": ...}`;
- in: the gateway POSTs to `/hooks/sms` `{"type": "status", "id": ..., "status": "delivered" | "failed",
  "error": ...}` or `{"type": "reply", "from": "+62...", "text": ..., "timestamp": <Unix seconds>}`, signed
  `X-Signature-256: sha256=<HMAC-SHA256 of the body with SMS_GATEWAY_SECRET>`;
- its account: `GET {SMS_GATEWAY_URL}/account` answers 200 with the portal's token (what the doctor checks).

A gateway of another shape is one more module beside this one.
"""
from __future__ import annotations

from portal.notifications.providers import Reply, Update, call, judged, moment, signature_holds

NAME = "sms"
STATUSES = {"sent": "sent", "delivered": "delivered", "failed": "failed", "undelivered": "failed"}


def configured(config) -> bool:
    return bool(config["SMS_GATEWAY_URL"] and config["SMS_GATEWAY_TOKEN"])


def send(config, to: str, kind: str, parts: list[str], text: str, locale: str) -> str:
    status, answer = call("POST", f"{config['SMS_GATEWAY_URL'].rstrip('/')}/messages",
                          token=config["SMS_GATEWAY_TOKEN"],
                          body={"to": to, "from": config["SMS_SENDER_ID"], "text": text},
                          timeout=config["CHANNEL_TIMEOUT_SECONDS"])
    if 200 <= status < 300 and answer.get("id"):
        return str(answer["id"])
    raise judged(status, f"{status} {answer.get('error', '')}".strip())


def check(config) -> list[str]:
    status, answer = call("GET", f"{config['SMS_GATEWAY_URL'].rstrip('/')}/account",
                          token=config["SMS_GATEWAY_TOKEN"], timeout=5)
    problems = []
    if status != 200:
        problems.append(f"the SMS gateway refused the portal's token: {status} {answer.get('error', '')}".strip())
    if not config["SMS_GATEWAY_SECRET"]:
        problems.append("SMS_GATEWAY_SECRET is not set: delivery reports and STOP replies cannot be checked, and "
                        "are refused")
    return problems


def signed(config, body: bytes, headers) -> bool:
    return signature_holds(config["SMS_GATEWAY_SECRET"], body, headers.get("X-Signature-256", ""))


def read_callback(config, payload: dict) -> tuple[list[Update], list[Reply]]:
    if payload.get("type") == "status" and payload.get("id") and payload.get("status") in STATUSES:
        return [Update(str(payload["id"]), STATUSES[payload["status"]], payload.get("error") or None)], []
    if payload.get("type") == "reply" and payload.get("from"):
        return [], [Reply(str(payload["from"]), str(payload.get("text", "")), moment(payload.get("timestamp")))]
    return [], []
