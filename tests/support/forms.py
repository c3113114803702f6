"""Submitting forms the way a browser does: fetch the page, take its CSRF token, post."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import PASSWORD
from tests.support import two_step
from tests.support.web import EN, assert_redirects

CSRF_PATTERN = re.compile(
    r'name="csrf_token"\s+type="hidden"\s+value="([^"]+)"'
    r'|name="csrf_token" value="([^"]+)"'
)


def csrf_token(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def submit(
    client: FlaskClient,
    page: str,
    action: str | None = None,
    data: dict[str, Any] | None = None,
    **kwargs: Any,
) -> TestResponse:
    """GET ``page``, then POST ``data`` plus its CSRF token to ``action`` (default: ``page``);
    ``headers`` go with both requests, as a browser sends them; other arguments with the POST."""
    form_page = client.get(page, headers=kwargs.get("headers"))
    assert form_page.status_code == 200, f"{page} answered {form_page.status_code}"
    payload = {"csrf_token": csrf_token(form_page.get_data(as_text=True)), **(data or {})}
    return client.post(action or page, data=payload, **kwargs)


def login(client: FlaskClient, email: str, password: str, **kwargs: Any) -> TestResponse:
    """Log in through the form, and through the second step when the account has one (regulators
    and admins are enrolled first, as they would be on their first login)."""
    user = two_step.ready_for_login(email)
    response = submit(
        client, "/account/login", data={"email": email, "password": password}, **kwargs
    )
    if user is None or response.headers.get("Location") != "/account/two-step":
        return response
    return submit(client, "/account/two-step", data={"code": two_step.current_code(user)}, **kwargs)


def logged_in(
    app: Flask, email: str, password: str = PASSWORD, *, home: str | None = None
) -> FlaskClient:
    """A browser of its own, logged in as ``email`` (and sent to ``home`` when given)."""
    client = app.test_client()
    assert_redirects(login(client, email, password, headers=EN), to=home)
    return client


def upload_evidence(
    client: FlaskClient,
    case_public_id: str,
    name: str,
    data: bytes,
    *,
    words: str = "",
    headers: dict[str, str] | None = None,
) -> TestResponse:
    """Contribute one file to a case's evidence pool as the page's script does (JSON answer);
    the pool page gives the CSRF token when the client may open it."""
    page = client.get(f"/cases/{case_public_id}/evidence", headers=EN)
    token = csrf_token(page.get_data(as_text=True)) if page.status_code == 200 else ""
    return client.post(
        f"/cases/{case_public_id}/evidence",
        data={"csrf_token": token, "words": words, "files": (io.BytesIO(data), name)},
        headers={**EN, "Accept": "application/json", **(headers or {})},
        content_type="multipart/form-data",
    )
