"""What resumable-upload.js does, in Python: open an upload, send parts to their links, finish, attach.

The in-process tests drive it through the Flask test client, the deployed tier and
the benchmark through HTTP; the parts always go straight to the object store.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

#: The links the portal gives in one answer (portal.materials.uploads.MAX_LINKS).
LINKS_AT_ONCE = 20
#: (method, url, json body or None) -> (status, answer)
Call = Callable[[str, str, dict | None], tuple[int, dict]]


@dataclass
class BrowserUpload:
    call: Call
    org_slug: str
    parallel: int = 4

    def open(self, content_size: int, filename: str, **owner) -> dict:
        status, answer = self.call("POST", f"/o/{self.org_slug}/uploads",
                                   {"filename": filename, "size": content_size, **owner})
        assert status == 201, answer
        return answer

    def state(self, upload: dict) -> dict:
        status, answer = self.call("GET", upload["state_url"], None)
        assert status == 200, answer
        return answer

    def send(self, upload: dict, content: bytes | Path, parts: Iterable[int] | None = None) -> list[int]:
        """PUT the given parts (default: every part) straight to storage; the numbers sent."""
        numbers = list(parts) if parts is not None else list(range(1, upload["parts"] + 1))
        links = {}
        for start in range(0, len(numbers), LINKS_AT_ONCE):  # asked ahead, a batch at a time, as the page does
            status, answer = self.call("POST", upload["links_url"], {"parts": numbers[start:start + LINKS_AT_ONCE]})
            assert status == 200, answer
            links.update(answer["links"])

        def put(number: int) -> int:
            response = requests.put(links[str(number)], data=_piece(content, number, upload["part_size"]),
                                    timeout=120)
            response.raise_for_status()
            return number

        with ThreadPoolExecutor(self.parallel) as pool:
            return list(pool.map(put, numbers))

    def complete(self, upload: dict) -> tuple[int, dict]:
        return self.call("POST", upload["complete_url"], {})

    def whole(self, content: bytes | Path, filename: str, **owner) -> dict:
        upload = self.open(content.stat().st_size if isinstance(content, Path) else len(content), filename, **owner)
        self.send(upload, content)
        status, answer = self.complete(upload)
        assert status == 200, answer  # joined, or already checked where the background check runs at once
        return answer


def _piece(content: bytes | Path, number: int, part_size: int) -> bytes:
    start = (number - 1) * part_size
    if isinstance(content, Path):
        with content.open("rb") as file:
            file.seek(start)
            return file.read(part_size)
    return content[start:start + part_size]


def over_http(visitor) -> Call:
    """The calls as a browser makes them to a served portal: its cookies, the page's CSRF token, a Referer."""
    token, page = visitor.csrf_token("/")
    lock = threading.Lock()  # one cookie jar: the portal calls go one at a time, the parts in parallel

    def call(method: str, url: str, body: dict | None) -> tuple[int, dict]:
        with lock:
            response = visitor.http.request(method, visitor.url(url), json=body, timeout=visitor.timeout,
                                            headers={"X-CSRFToken": token, "Referer": page})
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, {"body": response.text[:200]}

    return call
