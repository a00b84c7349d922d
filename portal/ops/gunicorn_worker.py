"""The gunicorn worker `mitrapas serve` runs: gunicorn's threaded worker, counting its connections right.

A gthread worker stops accepting once it holds `--worker-connections`, which is what shares a burst of clients out
among the workers. gunicorn 27.0.1 counts a connection out twice when its TLS ends abruptly (the client leaves with
a request in flight, as wrk does to every connection when it stops, or before the handshake): the handler closes
the socket, then `finish_request` counts it out, tries a graceful close of the closed socket, fails, and counts it
out again. Once the count is below zero the cap never binds, and one worker ends up holding every connection of
the next burst (`tests/ops/test_gunicorn_worker.py`).
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
