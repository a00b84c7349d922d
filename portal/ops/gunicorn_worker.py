"""The gunicorn worker `mitrapas serve` runs: gunicorn's threaded worker, counting its connections right.

A gthread worker stops accepting once it holds `--worker-connections`, which is what shares a burst of clients out
among the workers. gunicorn 27.0.1 counts a connection out twice when its TLS ends abruptly (the client leaves with
a request in flight, as wrk does to every connection when it stops, or before the handshake): the handler closes
the socket, then `finish_request` counts it out, tries a graceful close of the closed socket, fails, and counts it
out again. Once the count is below zero the cap never binds, and one worker ends up holding every connection of
the next burst (`tests/ops/test_gunicorn_worker.py`).

A full worker also answers with `Connection: close`. gunicorn closes a connection after its answer only while it
keeps more idle connections than the cap leaves room for; under load few are idle (their next request is already
waiting for a thread), so the first clients keep every place as long as they keep coming back within the
keep-alive time, and the others wait in the listen queue: at `make load`'s 200 people the first 64 held both
workers and the p99 was 297 s (issue 36). Closed after its answer when the worker is full, a connection goes back
into the queue behind those waiting, as each request does through a proxy that keeps no connection to its upstream
(the nginx sample); a worker with room keeps connections alive as before.
"""
from __future__ import annotations

from gunicorn.workers import gthread


class ThreadWorker(gthread.ThreadWorker):
    def handle_request(self, req, conn):
        if self.nr_conns >= self.worker_connections:  # others may be waiting in the queue: take a turn with them
            req.must_close = True
        return super().handle_request(req, conn)

    def finish_request(self, conn, fs):
        if _closed_by_handler(conn, fs):
            self.nr_conns -= 1
            return
        super().finish_request(conn, fs)


def _closed_by_handler(conn, fs) -> bool:
    """The request ended with the connection (not kept alive), and the handler has closed its socket already."""
    return (not fs.cancelled() and fs.exception() is None and fs.result() is False
            and conn.sock.fileno() == -1)
