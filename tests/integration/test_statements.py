"""Wallet statements as a member meets them: upload, the loss table, confirm, and refusals.

The statements are the fixtures of ``tests/data/statements`` (public layouts, invented data),
sent through the page's own form; what is checked is what the member sees and what the
database holds afterwards: the kept rows, redacted, and no order number, account or card.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from werkzeug.test import TestResponse

from extensions import db
from models import (
    Company,
    Complaint,
    GroupCase,
    StatementRow,
    StatementStatus,
    StatementTable,
    User,
)
from services import statements
from services.cases import membership as group_cases
from tests.support import statements as samples
from tests.support.forms import csrf_token, logged_in
from tests.support.web import EN

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
NARRATIVE = "云帆商城 charged my card twice for a yearly membership and refused the refund."


@pytest.fixture
def shop(make_company: Callable[..., Company]) -> Company:
    return make_company("yunfan", "Yunfan Mall", samples.MERCHANT, aliases=("Yunfan",))


@pytest.fixture
def people(
    make_user: Callable[..., User], make_complaint: Callable[..., Complaint], shop: Company
) -> dict[str, User]:
    """The organizer and a member (the holder of the Alipay fixture) of one case, and an
    outsider. The member claims exactly what the Alipay statement proves."""
    organizer = make_user(email="org@example.org", display_name="陈晓梅", locale="en")
    member = make_user(email="lin@example.org", display_name=samples.HOLDER, locale="en")
    outsider = make_user(email="out@example.org", display_name="王五", locale="en")
    case = group_cases.start_case(
        db.session,
        organizer,
        make_complaint(organizer, shop, NARRATIVE, amount=19900),
        title="Yunfan Mall charges twice",
        summary="",
    )
    db.session.flush()
    complaint = make_complaint(
        member, shop, NARRATIVE, incident_date=date(2026, 10, 5), amount=samples.ALIPAY_NET
    )
    group_cases.join_case(db.session, member, case, complaint)
    db.session.commit()
    return {"organizer": organizer, "member": member, "outsider": outsider}


@pytest.fixture
def case(people: dict[str, User]) -> GroupCase:  # noqa: ARG001 - needed for its side effect
    found = db.session.scalar(select(GroupCase))
    assert found is not None
    return found


def _member() -> User:
    found = db.session.scalar(select(User).where(User.email == "lin@example.org"))
    assert found is not None
    return found


def _draft() -> StatementTable:
    found = db.session.scalar(select(StatementTable))
    assert found is not None
    return found


def _page(client: FlaskClient, case: GroupCase, headers: dict[str, str] = EN) -> str:
    response = client.get(f"/cases/{case.public_id}/statements", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _upload(
    client: FlaskClient,
    case: GroupCase,
    data: bytes,
    name: str = "statement.csv",
    *,
    headers: dict[str, str] = EN,
    window: tuple[str, str] = ("2026-09-05", "2026-11-04"),
    counterparty: str = samples.MERCHANT,
) -> TestResponse:
    page = client.get(f"/cases/{case.public_id}/statements", headers=headers)
    token = csrf_token(page.get_data(as_text=True)) if page.status_code == 200 else ""
    return client.post(
        f"/cases/{case.public_id}/statements",
        data={
            "csrf_token": token,
            "statement": (io.BytesIO(data), name),
            "window_start": window[0],
            "window_end": window[1],
            "counterparty": counterparty,
        },
        headers=headers,
        content_type="multipart/form-data",
    )


def _confirm(
    client: FlaskClient, location: str, keep: list[int], own_account: bool = True
) -> TestResponse:
    page = client.get(location, headers=EN).get_data(as_text=True)
    data: dict[str, object] = {"csrf_token": csrf_token(page), "keep": [str(k) for k in keep]}
    if own_account:
        data["own_account"] = "y"
    return client.post(f"{location}/confirm", data=data, headers=EN)


def _all_text(app: Flask) -> str:
    """Every value of the statement tables, as one string, to search for what must be gone."""
    with app.app_context():
        values: list[str] = []
        for table in ("statement_tables", "statement_rows"):
            for row in db.session.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
                values.extend(str(v) for v in row)
        return "\n".join(values)


def test_the_form_proposes_the_company_and_a_window_around_the_incident(
    app: Flask, case: GroupCase
) -> None:
    client = logged_in(app, "lin@example.org")
    html = _page(client, case)
    assert 'value="2026-09-05"' in html
    assert 'value="2026-11-04"' in html
    assert samples.MERCHANT in html
    assert "Yunfan Mall" in html


def test_alipay_statement_becomes_a_table_the_member_checks_and_confirms(
    app: Flask, case: GroupCase
) -> None:
    client = logged_in(app, "lin@example.org")
    response = _upload(client, case, samples.alipay_app())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    html = client.get(location, headers=EN).get_data(as_text=True)
    # five rows: two payments of 199 (one refunded), 88.50, and the two refunds; not the
    # unpaid order Alipay closed, the lunch, or the transfer received
    assert html.count('name="keep"') == 5
    assert "CN¥237.50" in html
    assert "美味外卖" not in html
    assert "未付款订单" not in html
    assert "13812345678" in html  # the member sees their own row as it is until confirming

    first = _draft().rows[0]
    assert first.occurred_at.day == 3
    confirmed = _confirm(client, location, keep=[1, 2, 3, 4])  # drop the first payment
    assert confirmed.status_code == 302
    html = client.get(location, headers=EN).get_data(as_text=True)
    assert "CN¥38.50" in html  # 199 + 88.50 - 199 - 50
    assert 'id="claim-mismatch"' in html
    assert "CN¥237.50" in html  # the amount claimed, shown against the table's
    assert "[PHONE]" in html
    assert "13812345678" not in html

    stored = _all_text(app)
    for secret in (
        "13812345678",
        "2026100322001405511000115432",
        "YF2026100",
        "(1234)",
        "yunfan***@example.com",
        "lin***@example.com",
        samples.HOLDER,
    ):
        assert secret not in stored, secret
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(StatementRow)) == 4


def test_a_table_that_matches_the_claim_says_so(app: Flask, case: GroupCase) -> None:
    client = logged_in(app, "lin@example.org")
    location = _upload(client, case, samples.alipay_app()).headers["Location"]
    _confirm(client, location, keep=[0, 1, 2, 3, 4])
    html = client.get(location, headers=EN).get_data(as_text=True)
    assert 'id="claim-match"' in html
    assert 'id="claim-mismatch"' not in html
    backing = statements.backing_by_member(db.session, case)
    member = _member()
    assert backing[member.id].backed_minor == samples.ALIPAY_NET


@pytest.mark.parametrize(
    ("name", "make", "net"),
    [
        ("alipay-web.csv", samples.alipay_web, samples.ALIPAY_WEB_NET),
        ("wechat.csv", samples.wechat_csv, samples.WECHAT_NET),
        ("wechat.xlsx", samples.wechat_xlsx, samples.WECHAT_NET),
    ],
)
def test_every_chinese_layout_gives_its_net_loss(
    app: Flask, case: GroupCase, name: str, make: Callable[[], bytes], net: int
) -> None:
    client = logged_in(app, "lin@example.org")
    response = _upload(client, case, make(), name)
    assert response.status_code == 302
    assert statements.table_total(_draft().rows) == net


def test_the_same_order_claimed_by_two_members_is_flagged_to_the_organizer_only(
    app: Flask, case: GroupCase
) -> None:
    member = logged_in(app, "lin@example.org")
    organizer = logged_in(app, "org@example.org")
    for client in (member, organizer):
        location = _upload(client, case, samples.wechat_csv()).headers["Location"]
        assert _confirm(client, location, keep=[0, 1, 2, 3]).status_code == 302
    html = _page(organizer, case)
    assert "3 orders are claimed in the statements of more than one member" in html
    assert "陈晓梅" not in html.split("orders are claimed")[0][-400:]
    assert "orders are claimed" not in _page(member, case)
    backing = statements.backing_by_member(db.session, case)
    assert all(b.backed_minor == 0 for b in backing.values())  # counted for neither


def test_a_statement_naming_no_holder_counts_only_on_the_members_word(
    app: Flask, case: GroupCase
) -> None:
    client = logged_in(app, "lin@example.org")
    location = _upload(client, case, samples.wechat_csv()).headers["Location"]
    html = client.get(location, headers=EN).get_data(as_text=True)
    assert 'id="own-account"' in html  # WeChat Pay names a nickname only
    refused = _confirm(client, location, keep=[0, 1, 2, 3], own_account=False)
    assert refused.status_code == 302
    html = client.get(location, headers=EN).get_data(as_text=True)
    assert "does not name its account holder" in html
    assert _draft().status is StatementStatus.DRAFT  # nothing counted, the draft kept
    assert _confirm(client, location, keep=[0, 1, 2, 3]).status_code == 302
    html = client.get(location, headers=EN).get_data(as_text=True)
    assert "you stated that it is of your own account" in html
    table = db.session.scalar(select(StatementTable))
    assert table is not None
    assert table.status is StatementStatus.CONFIRMED
    assert table.own_account_stated_at is not None

    # Alipay's app export names the holder, checked on import: no question asked
    location = _upload(client, case, samples.alipay_app()).headers["Location"]
    assert 'id="own-account"' not in client.get(location, headers=EN).get_data(as_text=True)
    _confirm(client, location, keep=[0, 1, 2, 3, 4], own_account=False)
    html = client.get(location, headers=EN).get_data(as_text=True)
    assert "The statement names you as its account holder." in html


def test_confirming_the_same_statement_twice_counts_it_once(app: Flask, case: GroupCase) -> None:
    client = logged_in(app, "lin@example.org")
    for _round in range(2):
        location = _upload(client, case, samples.alipay_app()).headers["Location"]
        _confirm(client, location, keep=[0, 1, 2, 3, 4])
    html = client.get(location, headers=EN).get_data(as_text=True)
    assert "Keep at least one payment" in html  # every row of it was counted already
    assert html.count('name="keep"') == 5  # still a draft, to discard
    member = _member()
    backing = statements.backing_by_member(db.session, case)[member.id]
    assert backing.total_minor == samples.ALIPAY_NET


@pytest.mark.parametrize(
    ("data", "name", "status", "says"),
    [
        (b"date,amount,payee\n2026-10-01,12.00,Shop\n", "x.csv", 415, "PayPal activity download"),
        (samples.alipay_app(holder="周杰"), "a.csv", 403, "of the account of 周杰"),
        (samples.alipay_app(declared=9), "a.csv", 422, "says it has 9 rows but 8"),
        (samples.alipay_web(truncate=True), "a.csv", 422, "cut short"),
        (samples.wechat_xlsx(formula=True), "w.xlsx", 422, "F23"),
        (samples.wechat_csv().decode().encode("utf-16"), "w.csv", 422, "UTF-16"),
    ],
)
def test_bad_statements_are_refused_and_leave_nothing(
    app: Flask, case: GroupCase, data: bytes, name: str, status: int, says: str
) -> None:
    client = logged_in(app, "lin@example.org")
    response = _upload(client, case, data, name)
    assert response.status_code == status
    assert says in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(StatementTable)) == 0


def test_refusals_speak_the_members_language(app: Flask, case: GroupCase) -> None:
    member = _member()
    member.locale = "zh"
    db.session.commit()
    client = logged_in(app, "lin@example.org")
    response = _upload(client, case, b"date,amount\n1,2\n", headers=ZH)
    assert response.status_code == 415
    assert "支持的账单" in response.get_data(as_text=True)


def test_no_payment_in_the_window_is_a_clear_refusal(app: Flask, case: GroupCase) -> None:
    client = logged_in(app, "lin@example.org")
    response = _upload(client, case, samples.alipay_app(), window=("2025-01-01", "2025-02-01"))
    assert response.status_code == 422
    assert "No payment to" in response.get_data(as_text=True)


def test_only_the_member_reaches_their_table(app: Flask, case: GroupCase) -> None:
    member = logged_in(app, "lin@example.org")
    location = _upload(member, case, samples.alipay_app()).headers["Location"]
    organizer = logged_in(app, "org@example.org")
    mine = organizer.get(location, headers=EN)
    nothing = organizer.get("/statements/aaaaaaaaaaaa", headers=EN)
    assert mine.status_code == nothing.status_code == 404
    outsider = logged_in(app, "out@example.org")
    assert outsider.get(f"/cases/{case.public_id}/statements", headers=EN).status_code == 403
    assert _upload(outsider, case, samples.alipay_app()).status_code in (400, 403)


def test_discarding_a_draft_deletes_it(app: Flask, case: GroupCase) -> None:
    client = logged_in(app, "lin@example.org")
    location = _upload(client, case, samples.alipay_app()).headers["Location"]
    page = client.get(location, headers=EN).get_data(as_text=True)
    tokens = re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    response = client.post(f"{location}/discard", data={"csrf_token": tokens[-1]}, headers=EN)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(StatementRow)) == 0
    assert client.get(location, headers=EN).status_code == 404


def test_leaving_the_case_deletes_the_members_tables(app: Flask, case: GroupCase) -> None:
    client = logged_in(app, "lin@example.org")
    location = _upload(client, case, samples.alipay_app()).headers["Location"]
    _confirm(client, location, keep=[0, 1, 2, 3, 4])
    membership = group_cases.membership_in(db.session, _member(), case)
    assert membership is not None
    group_cases.leave_case(db.session, membership)
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(StatementTable)) == 0
    assert db.session.scalar(select(func.count()).select_from(StatementRow)) == 0
    assert statements.backing_by_member(db.session, case) == {}
