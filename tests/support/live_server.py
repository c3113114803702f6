"""An app served over real HTTP on a loopback port, in a thread of the test process.

Browser tests drive it with Chromium; a browser drops connections whenever it moves on, so the
server must close what a dropped answer left open.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

_answering = threading.local()


class _Body:
    """An answer's body that closes once, whoever asks first."""

    def __init__(self, body: Iterable[bytes]) -> None:
        self._body, self._closed = body, False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            getattr(self._body, "close", lambda: None)()


def _remembering_bodies(app: Any) -> Any:
    """Keep each request's body on its thread, for the handler to close."""

    def answer(environ: dict, start_response: Any) -> _Body:
        _answering.body = _Body(app(environ, start_response))
        return _answering.body

    return answer


class _ClosingRequestHandler(WSGIRequestHandler):
    """Closes every answer's body, also when the browser dropped the connection.

    Werkzeug's development server closes the body only after draining the socket; when Chromium
    has reset the connection (it moved on before a favicon finished) the drain raises first and
    the open static file is left to the garbage collector, which pytest then reports as an
    unraisable exception in whichever test happens to be running.
    """

    def run_wsgi(self) -> None:
        try:
            super().run_wsgi()
        finally:
            body = getattr(_answering, "body", None)
            _answering.body = None
            if body is not None:
                body.close()


@contextmanager
def served_in_a_thread(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free loopback port until the block ends; yields its base address."""
    server = make_server(
        "127.0.0.1",
        0,
        _remembering_bodies(app),
        threaded=True,
        request_handler=_ClosingRequestHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
