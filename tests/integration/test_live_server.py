"""The thread-served app the browser tests use leaves no file open when a browser walks away."""

from __future__ import annotations

import gc
import socket
import struct
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

from tests.support.live_server import served_in_a_thread

STATIC = Path(__file__).parents[2] / "static"


def _ask_and_reset(base: str, path: str) -> None:
    """Ask for ``path``, read the first bytes of the answer, then reset the connection."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port)) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
        assert connection.recv(12).startswith(b"HTTP/1.1 200")
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_a_static_file_is_closed_when_the_browser_resets_the_connection() -> None:
    app = Flask(__name__, static_folder=str(STATIC))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with served_in_a_thread(app) as base:
            for _ in range(10):
                _ask_and_reset(base, "/static/js/app.js")
            time.sleep(0.5)  # the server threads finish the dropped answers
        gc.collect()
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert unclosed == []
