"""A local WhatsApp Cloud API and SMS gateway (issue 39), for `make run` and the tests: never the internet.

It answers as the real ones do (the Graph API's `/{phone-number-id}/messages` for template messages and its
`/{phone-number-id}` lookup; the SMS gateway shape of `portal/notifications/providers/sms_gateway.py`), keeps what
it was sent (`inbox`), refuses what a test tells it to (`refuse`), and, given the portal's hook addresses, calls them
back as the providers do: "sent" then "delivered" for each message, signed with the secrets the portal was
configured with (`report`, `reply`). `make run` prints each message it receives.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
import hashlib
import hmac
import itertools
import json
import ssl
import threading
import time
import urllib.error
import urllib.request

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from mitrapas_dev.local_mail import free_port

PHONE_NUMBER_ID = "109876543210"
WHATSAPP_TOKEN = "local-whatsapp-token"
APP_SECRET = "local-whatsapp-app-secret"
VERIFY_TOKEN = "local-whatsapp-verify-token"
SMS_TOKEN = "local-sms-token"
SMS_SECRET = "local-sms-secret"


@dataclass
class Received:
    """One message as the provider took it: its channel, its id, the number, and what it says."""

    channel: str
    id: str
    to: str
    #: WhatsApp: the template's name, language and body parameters; SMS: the text alone.
    template: str = ""
    language: str = ""
    parameters: list[str] = field(default_factory=list)
    text: str = ""

    @property
    def words(self) -> str:
        """Everything a person's phone would show."""
        return " ".join([self.text, *self.parameters]).strip()


class LocalPhoneProviders:
    def __init__(self, *, announce: bool = False):
        self.port = free_port()
        self.inbox: list[Received] = []
        self.arrived = threading.Condition()
        #: Answers to give the next requests instead of taking them: (HTTP status, provider error code).
        self.refusals: deque[tuple[int, int]] = deque()
        #: Where to call the portal back (its /hooks/whatsapp and /hooks/sms), and the CA its HTTPS is signed by.
        self.hooks: dict[str, str] = {}
        self.hook_ca: str | None = None
        #: Report "sent" and "delivered" for each message taken, as a phone that is on.
        self.deliver = True
        self.announce = announce
        self._ids = itertools.count(1)
        self._server = make_server("127.0.0.1", self.port, self._app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="local phone providers",
                                        daemon=True)

    # --- the portal's settings ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> dict[str, str]:
        return {"WHATSAPP_API_URL": f"{self.url}/v21.0", "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
                "WHATSAPP_ACCESS_TOKEN": WHATSAPP_TOKEN, "WHATSAPP_APP_SECRET": APP_SECRET,
                "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN, "SMS_GATEWAY_URL": f"{self.url}/sms",
                "SMS_GATEWAY_TOKEN": SMS_TOKEN, "SMS_GATEWAY_SECRET": SMS_SECRET}

    def start(self) -> LocalPhoneProviders:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    # --- what tests ask ---------------------------------------------------------------------------------------

    def refuse(self, status: int, code: int = 0, times: int = 1) -> None:
        self.refusals.extend([(status, code)] * times)

    def clear(self) -> None:
        with self.arrived:
            self.inbox.clear()

    def wait_for(self, check, timeout: float = 30) -> Received:
        """The first message `check` accepts, once it has arrived."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                found = next((message for message in self.inbox if check(message)), None)
                if found is not None or time.monotonic() > deadline:
                    break
                self.arrived.wait(0.2)
        assert found is not None, f"no such message within {timeout} s; received: {self.inbox}"
        return found

    def code_sent_to(self, phone: str, channel: str = "whatsapp") -> str:
        """The last verification code sent to `phone`."""
        message = self.wait_for(lambda m: m.channel == channel and m.to.lstrip("+") == phone.lstrip("+")
                                and (m.template.endswith("kode_verifikasi") or "kode" in m.text.lower()
                                     or "code" in m.text.lower()))
        return message.parameters[0] if message.parameters else "".join(c for c in message.text if c.isdigit())[:6]

    # --- calling the portal back, signed ----------------------------------------------------------------------

    def status_request(self, message: Received, status: str, error: tuple[int, str] | None = None,
                       secret: str | None = None) -> tuple[str, bytes, dict]:
        """The provider's status callback for `message` ("sent", "delivered", "read" or "failed"), as (the
        portal's path, body, headers), signed with `secret` (the configured one unless told)."""
        if message.channel == "sms":
            body = {"type": "status", "id": message.id, "status": status}
            if error:
                body["error"] = f"{error[0]} {error[1]}"
            return self._signed("sms", body, secret)
        entry = {"id": message.id, "status": status, "timestamp": str(int(time.time())),
                 "recipient_id": message.to.lstrip("+")}
        if error:
            entry["errors"] = [{"code": error[0], "title": error[1]}]
        return self._signed("whatsapp", _whatsapp_change({"statuses": [entry]}), secret)

    def reply_request(self, channel: str, phone: str, text: str, at: float | None = None) -> tuple[str, bytes, dict]:
        """A person answers a message from their phone (STOP, BERHENTI, MULAI, ...), now or `at` (Unix time)."""
        stamp = str(int(at or time.time()))
        if channel == "sms":
            return self._signed("sms", {"type": "reply", "from": phone, "text": text, "timestamp": stamp})
        return self._signed("whatsapp", _whatsapp_change({"messages": [{
            "from": phone.lstrip("+"), "id": f"wamid.in{next(self._ids)}", "timestamp": stamp,
            "type": "text", "text": {"body": text}}]}))

    def report(self, message: Received, status: str, error: tuple[int, str] | None = None) -> int:
        """Send `status_request` to the portal's hook, as the provider does."""
        return self._call(*self.status_request(message, status, error))

    def reply(self, channel: str, phone: str, text: str) -> int:
        return self._call(*self.reply_request(channel, phone, text))

    def _signed(self, channel: str, body: dict, secret: str | None = None) -> tuple[str, bytes, dict]:
        data = json.dumps(body).encode()
        secret = secret or (SMS_SECRET if channel == "sms" else APP_SECRET)
        header = "X-Signature-256" if channel == "sms" else "X-Hub-Signature-256"
        return f"/hooks/{channel}", data, {
            "Content-Type": "application/json",
            header: "sha256=" + hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()}

    def _call(self, path: str, data: bytes, headers: dict) -> int:
        channel = path.rsplit("/", 1)[1]
        request = urllib.request.Request(self.hooks[channel], data=data, method="POST", headers=headers)
        context = ssl.create_default_context(cafile=self.hook_ca) if self.hook_ca else None
        try:
            with urllib.request.urlopen(request, timeout=10, context=context) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    # --- the providers ----------------------------------------------------------------------------------------

    def _app(self, environ, start_response):
        request = Request(environ)
        path = request.path
        if path.startswith("/sms/"):
            answer = self._sms(request, path[len("/sms"):])
        else:
            answer = self._whatsapp(request, path)
        return answer(environ, start_response)

    def _whatsapp(self, request: Request, path: str) -> Response:
        if request.headers.get("Authorization") != f"Bearer {WHATSAPP_TOKEN}":
            return _json({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                    "code": 190}}, 401)
        if request.method == "GET" and path == f"/v21.0/{PHONE_NUMBER_ID}":
            return _json({"display_phone_number": "+62 21 5000 1234", "verified_name": "MitraPAS",
                          "id": PHONE_NUMBER_ID})
        if request.method != "POST" or path != f"/v21.0/{PHONE_NUMBER_ID}/messages":
            return _json({"error": {"message": "Unsupported request", "code": 100}}, 400)
        if self.refusals:
            status, code = self.refusals.popleft()
            return _json({"error": {"message": "refused as the test asked", "code": code}}, status)
        body = request.get_json()
        template = body["template"]
        parameters = [parameter["text"] for component in template.get("components", [])
                      if component["type"] == "body" for parameter in component["parameters"]]
        message = Received("whatsapp", f"wamid.local{next(self._ids)}", "+" + body["to"].lstrip("+"),
                           template=template["name"], language=template["language"]["code"], parameters=parameters)
        self._took(message)
        return _json({"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                      "messages": [{"id": message.id}]})

    def _sms(self, request: Request, path: str) -> Response:
        if request.headers.get("Authorization") != f"Bearer {SMS_TOKEN}":
            return _json({"error": "unauthorised"}, 401)
        if request.method == "GET" and path == "/account":
            return _json({"balance": 1000000, "sender": "MITRAPAS"})
        if request.method != "POST" or path != "/messages":
            return _json({"error": "not found"}, 404)
        if self.refusals:
            status, code = self.refusals.popleft()
            return _json({"error": f"refused as the test asked ({code})"}, status)
        body = request.get_json()
        message = Received("sms", f"sms-{next(self._ids)}", body["to"], text=body["text"])
        self._took(message)
        return _json({"id": message.id, "status": "accepted"}, 202)

    def _took(self, message: Received) -> None:
        with self.arrived:
            self.inbox.append(message)
            self.arrived.notify_all()
        if self.announce:
            print(f"[{message.channel} to {message.to}] {message.words}", flush=True)
        if self.deliver and self.hooks.get(message.channel):
            threading.Thread(target=self._delivered, args=(message,), daemon=True).start()

    def _delivered(self, message: Received) -> None:
        for status in ("sent", "delivered"):
            time.sleep(0.5)  # the portal marks it sent as the provider answers; the callbacks come after
            try:
                self.report(message, status)
            except OSError:
                return


def _whatsapp_change(value: dict) -> dict:
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA-LOCAL", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {
            "display_phone_number": "622150001234", "phone_number_id": PHONE_NUMBER_ID}, **value}}]}]}


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")
