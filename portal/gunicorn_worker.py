"""The gunicorn worker `mitrapas serve` runs: gunicorn's threaded worker, counting its connections right.

A gthread worker stops accepting once it holds `--worker-connections`, which is what shares a burst of clients out
among the workers. In gunicorn 27 a client that ends TLS without close_notify (browsers and load tools often do)
is counted out twice: the handler closes the socket on the TLS end, then `finish_request` counts it out, tries a
graceful close of the closed socket, fails, and counts it out again. After a few hundred such clients the count
is negative, the cap never binds, and one worker ends up holding every connection of the next burst
(`tests/deployed/test_load.py`).
"""
from __future__ import annotations

from gunicorn.workers import gthread


class ThreadWorker(gthread.ThreadWorker):
    def finish_request(self, conn, fs):
        if _closed_by_handler(conn, fs):
            self.nr_conns -= 1
            return
        super().finish_request(conn, fs)


def _closed_by_handler(conn, fs) -> bool:
    """The request ended with the connection (not kept alive), and the handler has closed its socket already."""
    return (not fs.cancelled() and fs.exception() is None and fs.result() is False
            and conn.sock.fileno() == -1)
