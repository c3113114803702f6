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
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from extensions import db
from models import (
    ApiToken,
    AuditEvent,
    Authority,
    Complaint,
    GroupCase,
    PetitionVersion,
    User,
    UserRole,
)
from services import audit
from services.accounts import api_tokens
from services.demo import load_demo
from tests.conftest import PASSWORD
from tests.integration.test_submission import (  # noqa: F401 - fixtures
    _regulator,
    _sign_third,
    _submit,
    signed_case,
)
from tests.support.forms import logged_in, login
from tests.support.web import EN, assert_redirects

ADMIN_EMAIL = "audit.admin@example.org"  # not the demo admin: some worlds load the demo
ADMIN_NAME = "Root Operator"
AUDIT = "/admin/audit"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
IPV6 = re.compile(r"\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}\b", re.IGNORECASE)


@pytest.fixture
def authorities(app: Flask) -> dict[str, Authority]:  # noqa: ARG001 - needed for its side effect
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
    return logged_in(app, ADMIN_EMAIL, home=AUDIT)  # an admin's home


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


@pytest.mark.usefixtures("admin")
def test_a_realistic_run_is_in_the_log_and_no_personal_data_is(
    app: Flask,
    signed_case: GroupCase,  # noqa: F811
    authorities: dict[str, Authority],
    make_user: Callable[..., User],
) -> None:
    member = db.session.scalar(select(User).where(User.email == "m0@example.org"))
    assert member is not None
    assert_redirects(login(app.test_client(), "m0@example.org", PASSWORD))
    assert login(app.test_client(), "m1@example.org", "wrong password").status_code == 401
    assert login(app.test_client(), "nobody.known@example.org", PASSWORD).status_code == 401
    _sign_third(signed_case)
    _submit(app, signed_case)
    regulator = _regulator(make_user, authorities["nfra"], "nfra@example.org")
    page_download = logged_in(app, "nfra@example.org").get(
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
    narratives += [v for v in db.session.scalars(select(PetitionVersion.body_md)) if v]
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
            assert not IPV4.search(value), where
            assert not IPV6.search(value), where
            assert value not in identities, where
            assert len(value) < 20 or not any(value in n for n in narratives), where


# -- filters, pages, CSV ---------------------------------------------------------------------

DAY1 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DAY2 = datetime(2025, 3, 5, 23, 59, tzinfo=UTC)
CASE_ID = "abcdefghjkmn"


@pytest.mark.usefixtures("admin")
def test_each_filter_narrows_the_list_and_they_combine(app: Flask) -> None:
    client = _admin_client(app)
    a = _record("login.failed", 101, "user", 101, at=DAY1).id
    b = _record("login.succeeded", 101, "user", 101, at=DAY2, second_step="app").id
    c = _record("case.submitted", 202, "case", CASE_ID, at=DAY2, authority="nfra").id
    d = _record("bundle.downloaded", 303, "case", CASE_ID, at=DAY1).id
    e = _record("login.succeeded", 202, "user", 202, at=DAY1).id
    mine = {a, b, c, d, e}

    def listed(**params: str | int) -> set[int]:
        status, html = _get(client, AUDIT, **params)
        assert status == 200, html
        return set(_ids(html))

    everything = listed()
    assert mine <= everything
    assert everything - mine  # the admin's own logins are there too
    assert listed(action="login.succeeded") & mine == {b, e}
    assert listed(actor=101) == {a, b}
    assert listed(target_type="case") == {c, d}
    assert listed(target_id=CASE_ID) == {c, d}
    assert listed(since="2025-03-01", until="2025-03-01") == {a, d, e}
    assert listed(since="2025-03-02", until="2025-03-05") == {b, c}  # the last day included
    assert listed(until="2025-03-04") == {a, d, e}
    assert listed(action="login.succeeded", actor=202) == {e}
    assert listed(target_type="case", since="2025-03-05") == {c}
    assert listed(action="case.submitted", actor=101) == set()

    _, html = _get(client, AUDIT, action="case.submitted", actor=202)
    assert '<option value="bundle.downloaded">' in html  # the choices: actions in the log
    assert '<option selected value="case.submitted">' in html
    assert 'value="202"' in html  # the form shows the filters applied
    row = _cells(html)[c]
    assert row == [
        "2025-03-05T23:59:00+00:00",
        "#202",
        "case.submitted",
        f"case {CASE_ID}",
        "authority=nfra",
    ]
    assert "No event matches these filters." in _get(client, AUDIT, actor=999)[1]


def _older_link(html: str) -> str | None:
    match = re.search(r'<a href="([^"]+)" rel="next">', html)
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.mark.usefixtures("admin")
def test_pages_go_back_fifty_at_a_time_without_overlap(app: Flask) -> None:
    client = _admin_client(app)
    db.session.add_all(
        AuditEvent(action="api_token.used", actor_user_id=7, target_type="api_token", target_id="3")
        for _ in range(120)
    )
    db.session.commit()
    all_ids = sorted(
        db.session.scalars(select(AuditEvent.id).where(AuditEvent.action == "api_token.used")),
        reverse=True,
    )

    status, html = _get(client, AUDIT, action="api_token.used")
    assert status == 200
    first = _ids(html)
    assert first == all_ids[:50]  # newest first
    older = _older_link(html)
    assert older is not None
    assert "action=api_token.used" in older  # the filter carries over
    _record("api_token.used", 7)  # a new event while reading shifts nothing

    html = client.get(older, headers=EN).get_data(as_text=True)
    second = _ids(html)
    assert second == all_ids[50:100]
    assert "← Newest" in html
    html = client.get(_older_link(html) or "", headers=EN).get_data(as_text=True)
    assert _ids(html) == all_ids[100:]
    assert _older_link(html) is None  # the oldest page


def test_the_csv_has_the_rows_of_the_page_with_formulas_neutralized(
    app: Flask, admin: User
) -> None:
    client = _admin_client(app)
    evil = _record("evidence.uploaded", 5, "=cmd|' /C calc'!A0", "-2+3", at=DAY1, kind="@SUM(1)")
    _record("login.succeeded", 5, "user", 5, at=DAY2)

    for params in ({}, {"actor": "5"}, {"action": "login.succeeded"}):
        _, html = _get(client, AUDIT, **params)
        response = client.get(f"{AUDIT}.csv", query_string=params, headers=EN)
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert [int(r["id"]) for r in table] == _ids(html)  # the export itself is not in it

    _, html = _get(client, AUDIT)
    assert "audit.exported" in html  # but it is logged
    response = client.get(f"{AUDIT}.csv", query_string={"actor": "5"})
    row = next(r for r in csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert int(row["id"]) > evil.id  # newest first
    rows = {int(r["id"]): r for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert rows[evil.id]["target_type"] == "'=cmd|' /C calc'!A0"
    assert rows[evil.id]["target_id"] == "'-2+3"
    assert rows[evil.id]["data"] == "kind=@SUM(1)"  # starts with the key: no formula
    assert rows[evil.id]["time_utc"] == "2025-03-01T12:00:00+00:00"
    admin_rows = [
        r
        for r in csv.DictReader(io.StringIO(client.get(f"{AUDIT}.csv").get_data(as_text=True)))
        if r["actor_id"] == str(admin.id)
    ]
    assert admin_rows
    assert {r["actor_role"] for r in admin_rows} == {"admin"}


# -- who may look ----------------------------------------------------------------------------


def _without_tokens(html: str) -> str:
    """A page without its CSRF token and the address it echoes for the language switch."""
    html = re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", html)
    return re.sub(r'name="next" value="[^"]*"', "", html)


@pytest.mark.usefixtures("admin")
def test_everyone_but_an_admin_gets_what_a_random_address_gets(
    app: Flask,
    make_user: Callable[..., User],
    make_company: Callable[..., Any],
    make_complaint: Callable[..., Complaint],
) -> None:
    from services.cases import membership as group_cases

    authority = Authority(slug="nfra", name_en="NFRA", name_zh="金融监管总局")
    db.session.add(authority)
    db.session.commit()
    make_user(email="member@example.org", locale="en")
    organizer = make_user(email="organizer@example.org", locale="en")
    company = make_company("walletpro", "WalletPro", "钱包宝")
    group_cases.start_case(
        db.session,
        organizer,
        make_complaint(organizer, company, "WalletPro froze my balance after a top-up."),
        title="Frozen",
        summary="",
    )
    db.session.commit()
    _regulator(make_user, authority, "regulator@example.org")

    for email in ("member@example.org", "organizer@example.org", "regulator@example.org"):
        client = logged_in(app, email)
        random = client.get("/admin/nothing-here-x7", headers=EN)
        assert random.status_code == 404
        for url in (AUDIT, f"{AUDIT}.csv", f"{AUDIT}?actor=abc"):
            response = client.get(url, headers=EN)
            assert response.status_code == 404, (email, url)
            assert _without_tokens(response.get_data(as_text=True)) == _without_tokens(
                random.get_data(as_text=True)
            ), (email, url)
        assert "Audit log" not in client.get("/me/", headers=EN).get_data(as_text=True)

    visitor = app.test_client()
    for url in (AUDIT, f"{AUDIT}.csv"):
        response = visitor.get(url)
        assert_redirects(response)
        assert response.headers["Location"].startswith("/account/login")

    client = _admin_client(app)
    home = client.get(AUDIT, headers=EN).get_data(as_text=True)
    assert f'href="{AUDIT}" aria-current="page">Audit log' in home


# -- bad filters -----------------------------------------------------------------------------

BAD_FILTERS = [
    ({"actor": "abc"}, "Enter an account id as a whole number, e.g. 42."),
    ({"actor": "-3"}, "Enter a positive account id."),
    ({"actor": "99999999999999999999"}, "Enter a positive account id."),
    ({"before": "0"}, "This page link is broken: start again from the newest events."),
    ({"before": "x"}, "This page link is broken: start again from the newest events."),
    ({"since": "2025-02-30"}, "Please enter the date as YYYY-MM-DD."),
    ({"until": "yesterday"}, "Please enter the date as YYYY-MM-DD."),
    ({"until": "9999-12-31"}, "Enter a date between 2000-01-01 and 2999-12-31."),
    (
        {"since": "2025-03-05", "until": "2025-03-01"},
        "The end of the date range is before its start.",
    ),
    ({"action": "no.such.action"}, "Choose a value from the list."),
    ({"target_type": "nothing"}, "Choose a value from the list."),
    ({"target_id": "a b<script>"}, "A target id has only letters, digits"),
    ({"target_id": "a\x00b"}, "A target id has only letters, digits"),
    ({"target_id": "x" * 41}, "A target id is at most 40 characters long."),
]


@pytest.mark.usefixtures("admin")
def test_bad_filter_values_are_refused_with_a_message(app: Flask) -> None:
    client = _admin_client(app)
    _record("login.failed", 101, "user", 101, at=DAY1)
    for params, message in BAD_FILTERS:
        status, html = _get(client, AUDIT, **params)
        assert status == 400, params
        assert message in html.replace("&#34;", '"'), params
        assert html.count('class="field-error"') == 1, params  # one message, not two
        assert "<table>" not in html
        response = client.get(f"{AUDIT}.csv", query_string=params)
        assert response.status_code == 400, params
        assert message in response.get_data(as_text=True), params
    assert _get(client, AUDIT, actor="101", since="2025-03-01")[0] == 200


# -- role changes from the command line ------------------------------------------------------


@pytest.mark.usefixtures("admin")
def test_role_changes_and_deactivation_from_the_command_line_are_audited(
    app: Flask, make_user: Callable[..., User]
) -> None:
    from flask.testing import FlaskCliRunner

    runner: FlaskCliRunner = app.test_cli_runner()
    db.session.add(Authority(slug="nfra", name_en="NFRA", name_zh="金融监管总局"))
    db.session.commit()
    user = make_user(email="wang@example.org", display_name="王芳", locale="en")
    before = app.test_client()
    assert_redirects(login(before, "wang@example.org", PASSWORD))

    result = runner.invoke(args=["users", "set-role", "Wang@example.org", "regulator"])
    assert result.exit_code == 1
    assert "A regulator must belong to exactly one authority." in result.output
    result = runner.invoke(
        args=["users", "set-role", "wang@example.org", "regulator", "--authority", "nfra"]
    )
    assert result.exit_code == 0, result.output
    assert f"Account {user.id} is now regulator." in result.output
    assert_redirects(before.get("/me/"))  # the old session ended with the old role
    result = runner.invoke(args=["users", "set-role", "wang@example.org", "admin"])
    assert result.exit_code == 0, result.output
    assert (
        "nothing changed"
        in runner.invoke(args=["users", "set-role", "wang@example.org", "admin"]).output
    )
    assert runner.invoke(args=["users", "set-role", "nobody@example.org", "admin"]).exit_code == 1

    changes = list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "role.changed").order_by(AuditEvent.id)
        )
    )
    assert [(e.actor_user_id, e.target_type, e.target_id, e.data) for e in changes] == [
        (
            None,
            "user",
            str(user.id),
            {"old_role": "member", "new_role": "regulator", "new_authority": "nfra"},
        ),
        (
            None,
            "user",
            str(user.id),
            {"old_role": "regulator", "new_role": "admin", "old_authority": "nfra"},
        ),
    ]
    db.session.refresh(user)
    assert user.role is UserRole.ADMIN
    assert user.authority_id is None

    assert runner.invoke(args=["users", "deactivate", "wang@example.org"]).exit_code == 0
    assert login(app.test_client(), "wang@example.org", PASSWORD).status_code == 401
    assert runner.invoke(args=["users", "activate", "wang@example.org"]).exit_code == 0

    client = _admin_client(app)
    _, html = _get(client, AUDIT, action="role.changed")
    rows = list(_cells(html).values())
    assert [r[1:] for r in rows] == [
        [
            "—",
            "role.changed",
            f"user {user.id}",
            "new_role=admin old_authority=nfra old_role=regulator",
        ],
        [
            "—",
            "role.changed",
            f"user {user.id}",
            "new_authority=nfra new_role=regulator old_role=member",
        ],
    ]
    assert "王芳" not in html
    assert "wang@example.org" not in html
    _, html = _get(client, AUDIT, target_type="user", target_id=str(user.id))
    # (the login helper enrols the new admin in two-step verification first, as on a first login)
    actions = [r[2] for r in _cells(html).values() if not r[2].startswith("two_factor.")]
    assert actions[:4] == [
        "account.activated",
        "login.failed",  # refused while deactivated
        "account.deactivated",
        "role.changed",
    ]


@pytest.mark.usefixtures("admin")
def test_any_query_string_answers_the_page_or_a_400_never_an_error(app: Flask) -> None:
    """Whatever is typed or pasted into the address bar: a list or a message (a NUL character,
    for one, is refused before it reaches PostgreSQL, which would reject it)."""
    client = _admin_client(app)
    _record("login.failed", 101, "user", 101, at=DAY1)
    names = ("action", "actor", "target_type", "target_id", "since", "until", "before")
    edges = st.sampled_from(
        ["", " ", "0", "-1", "a\x00b", "9999-12-31", "0001-01-01", "=1+1", "x" * 41]
    )
    values = st.one_of(
        edges,
        edges,  # as likely as everything else together: the edges are where errors hide
        st.text(max_size=50),
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
    )
    queries = st.fixed_dictionaries({}, optional=dict.fromkeys(names, values))

    @settings(max_examples=100, deadline=None)
    @given(queries)
    def check(params: dict[str, str]) -> None:
        for url in (AUDIT, f"{AUDIT}.csv"):
            response = client.get(url, query_string=params, headers=EN)
            assert response.status_code in (200, 400), (url, params)
            if response.status_code == 400:
                assert response.get_data(as_text=True).strip(), (url, params)
            response.close()

    check()
