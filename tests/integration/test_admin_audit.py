"""The admins' audit log viewer: what real actions leave in it, its filters, pages and CSV, who
is refused, and that no e-mail, name, address or narrative ever reaches it.

Most tests write events straight through ``audit.record`` (cheap, with known times); one
realistic run goes through the pages, the API and the command line the way people do.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from extensions import db
from models import (
    ApiToken,
    AuditEvent,
    Authority,
    Complaint,
    ComplaintVersion,
    GroupCase,
    User,
    UserRole,
)
from services import api_tokens, audit
from services.demo import load_demo
from tests.conftest import PASSWORD
from tests.integration.test_submission import (  # noqa: F401 - fixtures
    EN,
    _client,
    _regulator,
    _sign_third,
    _submit,
    signed_case,
)
from tests.support.forms import login

ADMIN_EMAIL = "admin@example.org"
ADMIN_NAME = "Root Operator"
AUDIT = "/admin/audit"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
IPV6 = re.compile(r"\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}\b", re.IGNORECASE)


@pytest.fixture
def authorities(app: Flask) -> dict[str, Authority]:
    """The demo's world, plus the authority :func:`signed_case` addresses: a realistic run
    has many named members who must not show up in the log."""
    load_demo(db.session)
    nfra = Authority(slug="nfra", name_en="NFRA Consumer Protection", name_zh="金融监管总局消保局")
    db.session.add(nfra)
    db.session.commit()
    return {"nfra": nfra}


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(email=ADMIN_EMAIL, display_name=ADMIN_NAME, role=UserRole.ADMIN, locale="en")


def _admin_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    response = login(client, ADMIN_EMAIL, PASSWORD, headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"] == AUDIT  # an admin's home
    return client


def _ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="event-(\d+)">', html)]


def _cells(html: str) -> dict[int, list[str]]:
    """Each listed event's cells as text, by event id."""
    rows = re.findall(r'<tr id="event-(\d+)">(.*?)</tr>', html, re.DOTALL)
    return {
        int(event_id): [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<td>(.*?)</td>", row, re.DOTALL)
        ]
        for event_id, row in rows
    }


def _record(
    action: str,
    actor: int | None,
    target_type: str | None = None,
    target_id: object = None,
    at: datetime | None = None,
    **data: Any,
) -> AuditEvent:
    event = audit.record(db.session, action, actor, target_type, target_id, **data)
    if at is not None:
        event.created_at = at
    db.session.commit()
    return event


def _get(client: FlaskClient, url: str, **params: Any) -> tuple[int, str]:
    response = client.get(url, query_string=params, headers=EN)
    return response.status_code, response.get_data(as_text=True)


# -- a realistic run -------------------------------------------------------------------------


def _values(event: AuditEvent) -> list[str]:
    """Every value of an event that a caller chose: its target id and its data."""
    values = [] if event.target_id is None else [event.target_id]
    return values + [str(v) for v in (event.data or {}).values() if v is not None]


#: what an id, a public id, an enum value, a slug or a count looks like: no space, ASCII only
ID_LIKE = re.compile(r"[A-Za-z0-9_.:-]{0,64}", re.ASCII)


def test_a_realistic_run_is_in_the_log_and_no_personal_data_is(
    app: Flask,
    signed_case: GroupCase,  # noqa: F811
    authorities: dict[str, Authority],
    admin: User,
    make_user: Callable[..., User],
) -> None:
    member = db.session.scalar(select(User).where(User.email == "m0@example.org"))
    assert member is not None
    assert login(app.test_client(), "m0@example.org", PASSWORD).status_code == 302
    assert login(app.test_client(), "m1@example.org", "wrong password").status_code == 401
    assert login(app.test_client(), "nobody.known@example.org", PASSWORD).status_code == 401
    _sign_third(signed_case)
    _submit(app, signed_case)
    regulator = _regulator(make_user, authorities["nfra"], "nfra@example.org")
    page_download = _client(app, "nfra@example.org").get(
        f"/regulator/cases/{signed_case.public_id}/bundle.zip"
    )
    assert page_download.status_code == 200
    page_download.close()
    secret = api_tokens.create_token(db.session, regulator, "case system").secret
    db.session.commit()
    api_download = app.test_client().get(
        f"/api/v1/cases/{signed_case.public_id}/bundle",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert api_download.status_code == 200
    api_download.close()

    client = _admin_client(app)
    status, html = _get(client, AUDIT)
    assert status == 200
    cells = list(_cells(html).values())
    assert [c for c in cells if c[2] == "login.succeeded" and c[1] == f"#{member.id} (member)"]
    downloads = [c[1:] for c in cells if c[2] == "bundle.downloaded"]
    case = f"case {signed_case.public_id}"
    assert sorted(downloads) == [
        [f"#{regulator.id} (regulator)", "bundle.downloaded", case, ""],
        [f"#{regulator.id} (regulator)", "bundle.downloaded", case, "via=api"],
    ]
    token_id = db.session.scalar(select(ApiToken.id))
    assert [c for c in cells if c[2] == "api_token.used" and c[3] == f"api_token {token_id}"]
    assert [c for c in cells if c[2] == "case.submitted" and c[4] == "authority=nfra"]
    assert [c for c in cells if c[2] == "login.failed" and c[1] == "—"]  # the unknown e-mail

    people = list(db.session.scalars(select(User)))
    assert len(people) > 30  # the demo's members are in this world
    narratives = [n for n in db.session.scalars(select(Complaint.narrative)) if n]
    narratives += [v for v in db.session.scalars(select(ComplaintVersion.body_md)) if v]
    for user in people:
        assert user.email not in html
        assert user.display_name not in html
    for narrative in narratives:
        assert narrative not in html

    identities = {u.email for u in people} | {u.display_name for u in people}
    events = list(db.session.scalars(select(AuditEvent)))
    assert {"login.succeeded", "login.failed", "case.submitted", "bundle.downloaded"} <= {
        e.action for e in events
    }
    for event in events:
        for value in _values(event):
            where = f"{event.action} #{event.id}: {value!r}"
            assert ID_LIKE.fullmatch(value), where  # no sentence, no name in any script
            assert not EMAIL.search(value), where
            assert not IPV4.search(value) and not IPV6.search(value), where
            assert value not in identities, where
            assert len(value) < 20 or not any(value in n for n in narratives), where
