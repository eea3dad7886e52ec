"""A loopback HTTP server for download tests (127.0.0.1 only, bounded, quiet)."""
from __future__ import annotations

import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves a folder without logging to the test output."""

    def log_message(self, *args):
        pass

    def send_half(self, path: Path, declared_length: int | None = None) -> None:
        """Send the headers of ``path`` (Content-Length ``declared_length``, default
        its size) but only the first half of its bytes, then hang up."""
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(len(body) if declared_length is None else declared_length))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # client hung up: expected
            super().handle_error(request, client_address)
