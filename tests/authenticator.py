"""A person's authenticator app, as the tests hold it: codes the portal has not seen yet, and kept recovery codes."""
from __future__ import annotations

import time

import pyotp


class Authenticator:
    """A person's authenticator app and the recovery codes they kept: each `code()` is one the portal has not seen
    from them (a code works once: signing in and each signature each take a new one). Where the app's next code
    is not due yet, a kept recovery code serves, and only when none is left does the person wait."""

    def __init__(self, secret: str, recovery: list[str]):
        self.totp, self.recovery, self.last_step = pyotp.TOTP(secret), list(recovery), 0

    @property
    def secret(self) -> str:
        return self.totp.secret

    def code(self) -> str:
        now = int(time.time()) // 30
        for step in (now, now + 1):  # the portal takes the coming half minute's code too (clock drift)
            if step > self.last_step:
                self.last_step = step
                return self.totp.at(step * 30)
        if self.recovery:
            return self.recovery.pop()
        time.sleep(30 - time.time() % 30 + 0.5)
        return self.code()
