"""What the production server (gunicorn with gunicorn.conf.py, as ``make serve`` runs it) sends:
a Server header naming no framework, language or version, and the app's error answers intact on
the way out: JSON under /api/, and Allow with every 405."""

from __future__ import annotations

import http.client
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask

from extensions import db
from tests.support.server import gunicorn_server

#: what a Server header must not reveal: versions, the framework, the language
REVEALING = re.compile(r"\d|werkzeug|flask|python", re.IGNORECASE)


def _ask(base_url: str, method: str, path: str) -> http.client.HTTPResponse:
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    connection.request(method, path, headers={"Accept-Language": "en"})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_served_app_names_no_versions_and_keeps_its_error_answers(
    app: Flask,  # noqa: ARG001 - makes the database the server opens
    database_url: str,
    tmp_path: Path,
) -> None:
    db.session.remove()
    with gunicorn_server(database_url, tmp_path / "served", workers=1) as base_url:
        answers = {
            (method, path): _ask(base_url, method, path)
            for method, path in [
                ("GET", "/"),
                ("GET", "/no-such-page"),
                ("GET", "/account/logout"),
                ("DELETE", "/"),
                ("GET", "/api/v1/cases"),
                ("GET", "/api/v1/no-such-address"),
                ("DELETE", "/api/v1/cases"),
            ]
        }
    for (method, path), response in answers.items():
        server = response.getheader("Server", "")
        assert not REVEALING.search(server), (method, path, server)
        assert response.getheader("X-Powered-By") is None, (method, path)
        if response.status == 405:
            assert response.getheader("Allow"), (method, path)
        if path.startswith("/api/"):
            assert response.getheader("Content-Type") == "application/json", (method, path)
    statuses = {key: response.status for key, response in answers.items()}
    assert statuses == {
        ("GET", "/"): 200,
        ("GET", "/no-such-page"): 404,
        ("GET", "/account/logout"): 405,
        ("DELETE", "/"): 405,
        ("GET", "/api/v1/cases"): 401,
        ("GET", "/api/v1/no-such-address"): 404,
        ("DELETE", "/api/v1/cases"): 405,
    }
