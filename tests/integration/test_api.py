"""The regulators' JSON API: tokens, what each token may see, status reports, the bundle, and
schemathesis generating requests from the OpenAPI document."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import hypothesis
import pytest
import schemathesis
from flask import Flask
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance
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
    by_company = client.get("/api/v1/cases?company=walletpro", headers=_auth(nfra_token))
    assert by_company.get_json()["total"] == 1

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


API_BAD_FILTERS = [
    ("status=bogus", "status", "Choose a value from the list."),
    ("to=null", "to", "Please enter the date as YYYY-MM-DD."),
    ("from=not-a-date", "from", "Please enter the date as YYYY-MM-DD."),
    ("to=9999-12-31", "to", "Enter a date between 2000-01-01 and 2999-12-31."),
    ("from=2025-03-05&to=2025-03-01", "to", "The end of the date range is before its start."),
    ("company=nobody", "company", "Choose a value from the list."),
    ("category=refund%00", "category", "Choose a value from the list."),
    ("sort=biggest", "sort", "Choose a value from the list."),
    ("min_members=ten", "min_members", "Enter the number of members as a whole number, e.g. 10."),
    ("min_members=0", "min_members", "Enter a number of members of 1 or more."),
]


@pytest.mark.parametrize(("query", "name", "message"), API_BAD_FILTERS)
def test_a_filter_the_api_cannot_read_is_a_400_naming_it(
    app: Flask, nfra_token: str, query: str, name: str, message: str
) -> None:
    """A filter quietly dropped would list every case as if it matched."""
    response = app.test_client().get(
        f"/api/v1/cases?{query}", headers={**_auth(nfra_token), "Accept-Language": "zh"}
    )
    assert response.status_code == 400
    assert response.get_json() == {"error": message, "field": name, "errors": {name: [message]}}


def test_every_refused_filter_is_named(app: Flask, nfra_token: str) -> None:
    response = app.test_client().get(
        "/api/v1/cases?status=bogus&min_members=ten&sort=size", headers=_auth(nfra_token)
    )
    assert response.status_code == 400
    assert set(response.get_json()["errors"]) == {"status", "min_members"}


def test_the_page_and_the_api_accept_the_same_filters(
    app: Flask, submitted: GroupCase, nfra_token: str
) -> None:
    """The inbox page and the API read one form: for any query both list the same cases, or
    both refuse it (the page's lists hold ids, the API names codes: each takes either)."""
    page = logged_in(app, "nfra@example.org")
    api = app.test_client()
    day = db.session.scalar(select(Submission)).submitted_at.date().isoformat()
    values = st.sampled_from(
        [
            *("", "walletpro", str(submitted.company_id), "refund", str(submitted.category_id)),
            *("submitted", "resolved", "newest", "size", "4", "5", day, "2000-01-01"),
            *("nobody", "null", "-1", "0", "ten", "9999-12-31", "2026-02-30", "Size", " 4"),
        ]
    )
    names = ("company", "category", "status", "from", "to", "min_members", "sort")
    queries = st.fixed_dictionaries(
        {}, optional=dict.fromkeys(names, st.one_of(values, values, st.text(max_size=6)))
    )

    @hypothesis.settings(max_examples=80, deadline=None)
    @hypothesis.given(queries)
    def same(query: dict[str, str]) -> None:
        shown = page.get("/regulator/", query_string=query, headers=EN)
        answered = api.get("/api/v1/cases", query_string=query, headers=_auth(nfra_token))
        assert answered.status_code == shown.status_code, query
        assert answered.status_code in (200, 400), query
        if answered.status_code == 200:
            listed = [case["id"] for case in answered.get_json()["cases"]]
            on_page = "WalletPro freezes balances" in shown.get_data(as_text=True)
            assert listed == ([submitted.public_id] if on_page else []), query
        else:
            refused = answered.get_json()["errors"]
            html = shown.get_data(as_text=True)
            assert {n for n in names if f'id="{n}-error"' in html} == set(refused), query

    same()


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
        "/cases/{case_id}/outcomes",
        "/cases/{case_id}/status",
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_operation_conforms_to_the_openapi_document(app: Flask, nfra_token: str) -> None:
    """schemathesis generates requests for each operation from the document and checks every
    response against it (no server error, documented status, content type and schema)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 5
    for operation in operations:
        # a filter must name a company or category of the inbox, which a schema cannot say:
        # such a well-formed value is refused (400), as test_a_filter_the_api_cannot_read checks
        listing = operation.path == "/cases"
        _conforms(operation, _auth(nfra_token), [positive_data_acceptance] if listing else [])


def _conforms(operation: Any, headers: dict[str, str], excluded: list[Any]) -> None:
    @hypothesis.given(case=operation.as_strategy())
    @hypothesis.settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def conforms(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    conforms()
