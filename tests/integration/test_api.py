"""The regulators' JSON API: tokens, what each token may see, status reports, the bundle, and
schemathesis generating requests from the OpenAPI document."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import hypothesis
import pytest
import schemathesis
from flask import Flask
from sqlalchemy import select

from extensions import db
from models import ApiToken, Authority, GroupCase, Submission, SubmissionStatus, User
from services.accounts import api_tokens
from services.bundle.verify import verify_bundle
from tests.integration.test_submission import (  # noqa: F401 - fixtures
    _regulator,
    _sign_third,
    _submit,
    authorities,
    signed_case,
)
from tests.support.forms import csrf_token, logged_in
from tests.support.web import EN


@pytest.fixture
def submitted(app: Flask, signed_case: GroupCase) -> GroupCase:  # noqa: F811
    _sign_third(signed_case)
    _submit(app, signed_case)
    return signed_case


def _token(user: User) -> str:
    secret = api_tokens.create_token(db.session, user, "case system").secret
    db.session.commit()
    return secret


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def nfra_token(
    submitted: GroupCase,  # noqa: ARG001 - needed for its side effect
    authorities: dict[str, Authority],  # noqa: F811
    make_user: Callable[..., User],
) -> str:
    return _token(_regulator(make_user, authorities["nfra"], "nfra@example.org"))


def test_a_regulator_creates_a_token_sees_it_once_and_revokes_it(
    app: Flask,
    authorities: dict[str, Authority],  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    _regulator(make_user, authorities["nfra"], "nfra@example.org")
    client = logged_in(app, "nfra@example.org")
    page = client.get("/regulator/tokens", headers=EN).get_data(as_text=True)
    created = client.post(
        "/regulator/tokens",
        data={"csrf_token": csrf_token(page), "name": "Case system"},
        headers=EN,
    )
    assert created.status_code == 200
    secret = re.search(r'<code class="token">(chorus_[^<]+)</code>', created.get_data(as_text=True))
    assert secret is not None
    record = db.session.scalar(select(ApiToken))
    assert record.token_sha256 != secret.group(1)  # only its hash is kept
    again = client.get("/regulator/tokens", headers=EN).get_data(as_text=True)
    assert secret.group(1) not in again  # shown once
    assert "Case system" in again

    api = app.test_client()
    assert api.get("/api/v1/cases", headers=_auth(secret.group(1))).status_code == 200
    revoked = client.post(
        f"/regulator/tokens/{record.id}/revoke",
        data={"csrf_token": csrf_token(again)},
        headers=EN,
        follow_redirects=True,
    )
    assert "no longer works" in revoked.get_data(as_text=True)
    response = api.get("/api/v1/cases", headers=_auth(secret.group(1)))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_members_cannot_make_tokens(app: Flask, make_user: Callable[..., User]) -> None:
    make_user(email="member@example.org", locale="en")
    client = logged_in(app, "member@example.org")
    assert client.get("/regulator/tokens").status_code == 403


@pytest.mark.usefixtures("nfra_token")
@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer chorus_wrong", "Basic abc"])
def test_requests_without_a_valid_token_are_refused(app: Flask, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = app.test_client().get("/api/v1/cases", headers=headers)
    assert response.status_code == 401
    assert "token" in response.get_json()["error"]


def test_the_api_answers_only_about_the_tokens_authority(
    app: Flask,
    submitted: GroupCase,
    nfra_token: str,
    authorities: dict[str, Authority],  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    client = app.test_client()
    listed = client.get("/api/v1/cases", headers=_auth(nfra_token)).get_json()
    assert [c["id"] for c in listed["cases"]] == [submitted.public_id]
    assert listed["cases"][0]["company"]["code"] == "walletpro"
    assert listed["cases"][0]["bundle"]["available"] is True
    by_company = client.get("/api/v1/cases?company=nobody", headers=_auth(nfra_token))
    assert by_company.get_json()["total"] == 0

    detail = client.get(f"/api/v1/cases/{submitted.public_id}", headers=_auth(nfra_token))
    body = detail.get_json()
    assert body["signatures"] == 3
    assert body["version"]["number"] == 1
    assert body["timeline"][-1]["kind"] == "submitted"

    other = _token(_regulator(make_user, authorities["cca"], "cca@example.org"))
    assert client.get("/api/v1/cases", headers=_auth(other)).get_json()["total"] == 0
    for path in ("", "/bundle"):
        response = client.get(f"/api/v1/cases/{submitted.public_id}{path}", headers=_auth(other))
        assert response.status_code == 404
    refused = client.post(
        f"/api/v1/cases/{submitted.public_id}/status",
        json={"status": "rejected", "note": "no"},
        headers=_auth(other),
    )
    assert refused.status_code == 404


def test_the_bundle_downloads_and_verifies(
    app: Flask, submitted: GroupCase, nfra_token: str
) -> None:
    client = app.test_client()
    url = f"/api/v1/cases/{submitted.public_id}/bundle"
    response = client.get(url, headers=_auth(nfra_token))
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    data = response.get_data()
    response.close()
    assert verify_bundle(io.BytesIO(data)).ok
    part = client.get(url, headers={**_auth(nfra_token), "Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.get_data() == data[:100]
    part.close()


def test_status_reports_through_the_api(app: Flask, submitted: GroupCase, nfra_token: str) -> None:
    client = app.test_client()
    url = f"/api/v1/cases/{submitted.public_id}/status"
    missing = client.post(url, json={"status": "rejected"}, headers=_auth(nfra_token))
    assert missing.status_code == 422
    assert missing.get_json() == {"error": "Give the reason for the rejection.", "field": "note"}
    assert client.post(url, data="not json", headers=_auth(nfra_token)).status_code == 422
    bad = client.post(url, json={"status": "teleported"}, headers=_auth(nfra_token))
    assert bad.get_json()["field"] == "status"

    ok = client.post(
        url,
        json={"status": "resolved", "outcome": "refund", "note": "All refunded."},
        headers=_auth(nfra_token),
    )
    assert ok.status_code == 200
    assert ok.get_json()["status"] == "resolved"
    assert db.session.scalar(select(Submission)).status is SubmissionStatus.RESOLVED
    closed = client.post(url, json={"status": "received"}, headers=_auth(nfra_token))
    assert closed.status_code == 409


def test_the_openapi_document_is_served_without_a_token(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/cases",
        "/cases/{case_id}",
        "/cases/{case_id}/bundle",
        "/cases/{case_id}/status",
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_operation_conforms_to_the_openapi_document(app: Flask, nfra_token: str) -> None:
    """schemathesis generates requests for each operation from the document and checks every
    response against it (no server error, documented status, content type and schema)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 4
    for operation in operations:

        @hypothesis.given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=30,
            deadline=None,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=_auth(nfra_token))

        conforms()
