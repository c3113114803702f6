"""A test client whose every request starts with a fresh ``g``.

The ``app`` fixture keeps an app context pushed so tests can query ``db.session`` directly.
Flask reuses an already pushed app context for requests, so without this ``g`` (where
Flask-Login caches the current user, Flask-WTF the CSRF token and Flask-Babel the locale)
would leak from one request into the next, which never happens in a real server.

It also closes each request's body once answered: werkzeug's test client spools a multipart
body over 500 KB to a temporary file and leaves it open, and garbage collection then closes it
during some later test, which fails on the "unclosed file" warning.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.globals import _cv_app
from flask.testing import FlaskClient
from werkzeug.test import TestResponse


class FreshGlobalsClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        app_context = _cv_app.get(None)
        if app_context is None:
            return _body_closed(super().open(*args, **kwargs))
        saved = app_context.g
        app_context.g = current_app.app_ctx_globals_class()
        try:
            return _body_closed(super().open(*args, **kwargs))
        finally:
            app_context.g = saved


def _body_closed(response: TestResponse) -> TestResponse:
    """The answered request's body stream closed (a no-op for bodies kept in memory)."""
    body = response.request.environ.get("wsgi.input")
    if body is not None and hasattr(body, "close"):
        body.close()
    return response
