"""How a webhook leaves the portal: one HTTPS POST, to a public address only (no SSRF).

An address is resolved once and checked: loopback, private, link-local, shared, reserved and
multicast networks are refused unless WEBHOOK_ALLOW_PRIVATE_NETWORKS says otherwise (a test's
receiver, an intranet deployment); so is an IPv6 address that carries a refused IPv4 one (mapped,
compatible, translated, NAT64, 6to4, Teredo), and site-local IPv6. The connection then goes to the very address that was checked,
with the name kept for TLS (SNI and certificate check) and the Host header, so a name that
resolves elsewhere a moment later (DNS rebinding) reaches nothing new. Redirects are not followed.
"""
from __future__ import annotations

from dataclasses import dataclass
import ipaddress
import socket
import time

from flask import current_app
from flask_babel import lazy_gettext as _l
import urllib3

#: How much of the receiver's answer the delivery log keeps.
ANSWER_BYTES = 1000


class RefusedAddress(ValueError):
    """The address is not one the portal sends to; the message says why, in the reader's language."""


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    outcome: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def check_url(url: str) -> urllib3.util.Url:
    """The parts of an HTTPS address whose every resolved address may be sent to; RefusedAddress if not."""
    return _checked(url)[0]


def _checked(url: str) -> tuple[urllib3.util.Url, list[str]]:
    """The address's parts and the addresses its name resolves to, all of them allowed (resolved once)."""
    try:
        parts = urllib3.util.parse_url(url.strip())
    except urllib3.exceptions.LocationParseError:
        raise RefusedAddress(_l("This is not a web address.")) from None
    if parts.scheme != "https" or not parts.host or parts.auth:
        raise RefusedAddress(_l("The address must start with https:// and name a host (without a user or password)."))
    return parts, _allowed_addresses(parts)


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` once; never raises for the receiver's faults (they are the answer's outcome)."""
    config = current_app.config
    started = time.monotonic()
    try:
        parts, addresses = _checked(url)
        name = parts.host.strip("[]")  # an IPv6 literal without its brackets
        pool = urllib3.HTTPSConnectionPool(
            addresses[0], parts.port or 443, server_hostname=name, assert_hostname=name,
            cert_reqs="CERT_REQUIRED", ca_certs=config["WEBHOOK_CA_FILE"] or None, retries=False,
            timeout=urllib3.Timeout(connect=config["WEBHOOK_TIMEOUT_SECONDS"],
                                    read=config["WEBHOOK_TIMEOUT_SECONDS"]))
        with pool:
            host = parts.host if parts.port in (None, 443) else f"{parts.host}:{parts.port}"
            response = pool.urlopen("POST", parts.request_uri, body=body, redirect=False, preload_content=False,
                                    headers={**headers, "Host": host, "Content-Type": "application/json",
                                             "User-Agent": "MitraPAS-Webhooks/1"})
            answer = response.read(ANSWER_BYTES, decode_content=False)
            response.release_conn()
        return Answer(response.status, answer.decode(errors="replace"), _since(started))
    except RefusedAddress as refused:
        return Answer(None, str(refused), _since(started))
    except (urllib3.exceptions.HTTPError, OSError) as error:
        return Answer(None, f"{type(error).__name__}: {error}"[:ANSWER_BYTES], _since(started))


def _allowed_addresses(parts: urllib3.util.Url) -> list[str]:
    try:
        found = socket.getaddrinfo(parts.host.strip("[]"), parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise RefusedAddress(_l("The host %(host)s cannot be found.", host=parts.host)) from None
    addresses = sorted({info[4][0] for info in found})
    if not current_app.config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"]:
        for address in addresses:
            if not _public(ipaddress.ip_address(address.split("%")[0])):
                raise RefusedAddress(_l("%(host)s leads to a private or local network, which the portal does not "
                                        "send to.", host=parts.host))
    return addresses


#: IPv6 networks refused whatever follows: site-local (deprecated by RFC 3879, still routed inside some sites),
#: and NAT64's local-use prefix (RFC 8215), whose translator is inside the operator's network and whose IPv4 may
#: sit at any of RFC 6052's positions. Python 3.11 calls both global.
_NEVER = (ipaddress.IPv6Network("fec0::/10"), ipaddress.IPv6Network("64:ff9b:1::/48"))

_LAST_32_BITS = 0xFFFFFFFF
#: IPv6 forms that carry an IPv4 address the packet ends up at, and where it sits in them: mapped
#: (::ffff:a.b.c.d), translated (::ffff:0:a.b.c.d, RFC 2765), NAT64's well-known prefix (64:ff9b::/96, RFC 6052),
#: compatible (::a.b.c.d, deprecated), 6to4 (2002:AABB:CCDD::/48, RFC 3056) and Teredo (2001::/32, RFC 4380,
#: whose client address is stored inverted). Python 3.11 calls several of them global whatever they carry.
_EMBEDDING = (
    (ipaddress.IPv6Network("::ffff:0:0/96"), lambda bits: bits & _LAST_32_BITS),
    (ipaddress.IPv6Network("::ffff:0:0:0/96"), lambda bits: bits & _LAST_32_BITS),
    (ipaddress.IPv6Network("64:ff9b::/96"), lambda bits: bits & _LAST_32_BITS),
    (ipaddress.IPv6Network("::/96"), lambda bits: bits & _LAST_32_BITS),
    (ipaddress.IPv6Network("2002::/16"), lambda bits: (bits >> 80) & _LAST_32_BITS),
    (ipaddress.IPv6Network("2001::/32"), lambda bits: ~bits & _LAST_32_BITS),
)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (and that a translator, relay or tunnel delivers to), if any."""
    for network, extract in _EMBEDDING:
        if address in network:
            return ipaddress.IPv4Address(extract(int(address)))
    return None


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally reachable unicast; an IPv6 address that carries an IPv4 one only if that one is too."""
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in network for network in _NEVER):
            return False
        embedded = _embedded_ipv4(address)
        if embedded is not None and not _public(embedded):
            return False
        if address.ipv4_mapped is not None:  # the connection is IPv4 itself (which Python files under private)
            return True
    return address.is_global and not address.is_multicast


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
