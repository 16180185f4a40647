"""How `qianfan serve` runs the app on waitress without being held up by one client (issue 9).

Found served directly: 110 idle connections left no slot for `/health` (waitress keeps 100 and closes
an idle one after 120 s), a request body up to 1 GiB was read before the app could answer 413
(waitress buffers a whole body before it calls the app, up to its own limit, 1 GiB by default), and a
chunk-size line that never ended kept the I/O thread busy for minutes (waitress joins and searches the
growing line on every read and never bounds it: quadratic).

`waitress_options` sizes waitress for the app: bodies a little over MAX_CONTENT_LENGTH still reach the
app, which answers 413 with its own page; larger ones are cut by waitress at that size. Idle clients
are dropped after 30 s and up to 500 may wait. `bound_chunked_bodies` makes waitress refuse a chunk
control line or trailer past a few KiB with 400. Production runs several processes behind a reverse
proxy (deploy/), which buffers slow clients; this is the embedded server's own defence.
"""

from __future__ import annotations

from flask import Flask
from waitress import parser as waitress_parser
from waitress.receiver import ChunkedReceiver
from waitress.utilities import BadRequest

BODY_HEADROOM = 1024 * 1024  # past MAX_CONTENT_LENGTH, so that the app itself says 413 in its page
MAX_CHUNK_LINE = 4096  # a chunk-size line is a few hex digits and optional extensions
MAX_CHUNK_TRAILER = 64 * 1024


class BoundedChunkedReceiver(ChunkedReceiver):
    """waitress's chunked-body reader, refusing a control line or trailer that does not end."""

    def received(self, s: bytes) -> int:
        consumed = super().received(s)
        if len(self.control_line) > MAX_CHUNK_LINE or len(self.trailer) > MAX_CHUNK_TRAILER:
            self.control_line = self.trailer = b""
            self.error = BadRequest("Chunk size line or trailer too long")
            self.all_chunks_received = True
        return consumed


def bound_chunked_bodies() -> None:
    """Make waitress read chunked bodies with `BoundedChunkedReceiver` (idempotent)."""
    waitress_parser.ChunkedReceiver = BoundedChunkedReceiver


def waitress_options(app: Flask) -> dict:
    """Keyword arguments for `waitress.serve` / `waitress.create_server` fitted to the app's limits."""
    return {
        "threads": 8,
        "max_request_body_size": int(app.config["MAX_CONTENT_LENGTH"]) + BODY_HEADROOM,
        "channel_timeout": 30,
        "cleanup_interval": 10,
        "connection_limit": 500,
    }
