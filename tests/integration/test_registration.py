"""Registering tells nobody who has an account: the same answer, in the same time, and a mail
(through a real SMTP server) that only the address's owner reads."""

from __future__ import annotations

import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from email.header import decode_header, make_header
from email.message import Message

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from extensions import db
from models import AccountToken, User
from tests.conftest import PASSWORD
from tests.support.forms import csrf_token, login, submit
from tests.support.smtp import Inbox, link_in, mailbox, wait_for_account_mail
from tests.support.web import EN, assert_redirects

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
CHECK_MAIL = "/account/check-your-mail"
PAIRS = 40


@pytest.fixture
def inbox(app: Flask) -> Iterator[Inbox]:
    with mailbox(app) as received:
        yield received


def _form(email: str, **overrides: str) -> dict[str, str]:
    return {
        "email": email,
        "display_name": "李娜",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "locale": "zh",
        **overrides,
    }


def _register(client: FlaskClient, email: str, **overrides: str) -> object:
    return submit(client, "/account/register", data=_form(email, **overrides), headers=EN)


def _to(inbox: Inbox, address: str) -> list[Message]:
    return [m for m in inbox.messages if m["To"] == address]


def _only_mail_to(inbox: Inbox, address: str) -> tuple[str, str, Message]:
    wait_for_account_mail()
    (message,) = _to(inbox, address)
    subject = str(make_header(decode_header(message["Subject"])))
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    return subject, body, message


def test_a_new_account_opens_with_the_mailed_link_and_its_password(
    client: FlaskClient, inbox: Inbox
) -> None:
    assert_redirects(_register(client, "  Li.Na@Example.org "), to=CHECK_MAIL)
    page = client.get(CHECK_MAIL, headers=ZH).get_data(as_text=True)
    assert "请查收电子邮件" in page
    assert_redirects(client.get("/me/"))  # nobody is logged in yet
    user = db.session.scalar(select(User).where(User.email == "li.na@example.org"))
    assert user is not None
    assert user.email_verified_at is None
    assert user.password_hash.startswith("$argon2id$")

    subject, body, message = _only_mail_to(inbox, "li.na@example.org")
    assert subject == "确认您在 Chorus 的电子邮箱"  # the language chosen on the form
    assert "李娜" in body
    link = link_in(message, "/account/confirm/")
    token = link.rsplit("/", 1)[1]
    assert token not in {row.token_sha256 for row in db.session.scalars(select(AccountToken))}

    # the password alone does not open it: a new link is mailed instead
    early = login(client, "li.na@example.org", PASSWORD, headers=EN)
    assert early.status_code == 403
    assert "Please confirm your e-mail address first" in early.get_data(as_text=True)
    wait_for_account_mail()
    assert len(inbox.to("li.na@example.org")) == 2

    # the link asks for the password chosen at registration
    wrong = submit(client, link, data={"password": "not the password"}, headers=EN)
    assert wrong.status_code == 401  # as a wrong login
    assert "The password is not correct." in wrong.get_data(as_text=True)
    assert_redirects(submit(client, link, data={"password": PASSWORD}, headers=EN), to="/me/")
    assert "李娜" in client.get("/me/").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).email_verified_at is not None

    # a link works once; the other link mailed meanwhile is spent with it
    again = app_client(client).get(link, headers=EN)
    assert again.status_code == 409
    assert "This link has expired or was already used." in again.get_data(as_text=True)
    second = link_in(inbox.to("li.na@example.org")[1], "/account/confirm/")
    assert app_client(client).get(second, headers=EN).status_code == 409


def app_client(client: FlaskClient) -> FlaskClient:
    """Another browser of the same app."""
    return client.application.test_client()


def test_a_known_address_gets_the_same_answer_and_a_mail_saying_so(
    app: Flask, inbox: Inbox, make_user: Callable[..., User]
) -> None:
    known = make_user(email="known@example.org", locale="en", display_name="Ann")
    password_before = known.password_hash
    answers = []
    for email in ("known@example.org", "unknown@example.org"):
        browser = app.test_client()
        response = _register(browser, email, locale="en")
        answers.append(
            (
                response.status_code,
                response.headers.get("Location"),
                response.get_data(),
                sorted(c.split("=")[0] for c in response.headers.getlist("Set-Cookie")),
                browser.get(CHECK_MAIL, headers=EN).get_data(as_text=True),
            )
        )
    assert answers[0][:4] == answers[1][:4]
    assert _without_csrf(answers[0][4]) == _without_csrf(answers[1][4])
    assert db.session.scalar(select(func.count(User.id))) == 2  # the known one, the new one
    db.session.refresh(known)
    assert known.password_hash == password_before  # nothing changed on the account

    subject, body, message = _only_mail_to(inbox, "known@example.org")
    assert subject == "You already have a Chorus account"
    assert "Hello Ann," in body
    assert "/account/login" in body
    reset = link_in(message, "/account/password/reset/")
    assert app.test_client().get(reset, headers=EN).status_code == 200
    new_subject, _body, _message = _only_mail_to(inbox, "unknown@example.org")
    assert new_subject == "Confirm your e-mail address for Chorus"


def _without_csrf(html: str) -> str:
    return html.replace(csrf_token(html), "") if 'name="csrf_token"' in html else html


def test_registering_an_address_again_replaces_a_registration_still_unconfirmed(
    app: Flask, inbox: Inbox
) -> None:
    """Whoever registered someone else's address first cannot keep it: the owner registers
    again, and the first password no longer confirms anything."""
    squat = "squatter pass"
    _register(app.test_client(), "owner@example.org", password=squat, confirm=squat)
    _register(app.test_client(), "owner@example.org")
    wait_for_account_mail()
    first, second = (link_in(m, "/account/confirm/") for m in inbox.to("owner@example.org"))
    squatter = submit(app.test_client(), first, data={"password": squat}, headers=EN)
    assert squatter.status_code == 401
    owner = app.test_client()
    assert_redirects(submit(owner, second, data={"password": PASSWORD}, headers=EN), to="/me/")
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_registration_is_limited_per_address_known_or_not(
    app: Flask, make_user: Callable[..., User]
) -> None:
    app.config["REGISTER_RATE_LIMIT"] = "1000 per hour"  # the client's limit is tried below
    app.config["REGISTER_ANSWER_SECONDS"] = 0  # limits, not timing, are tried here
    make_user(email="known@example.org")
    for email in ("known@example.org", "unknown@example.org"):
        # a fresh browser each time: only the address is shared
        statuses = [_register(app.test_client(), email).status_code for _ in range(4)]
        assert statuses == [302, 302, 302, 429], email


def test_registration_is_limited_per_client(app: Flask, client: FlaskClient) -> None:
    app.config["REGISTER_ANSWER_SECONDS"] = 0
    statuses = [_register(client, f"n{i}@example.org").status_code for i in range(21)]
    assert statuses[:20] == [302] * 20
    assert statuses[20] == 429
    page = _register(client, "other@example.org")
    assert "Please wait a minute before trying again." in page.get_data(as_text=True)


def test_registration_takes_the_same_time_for_known_and_unknown_addresses(
    app: Flask, inbox: Inbox, make_user: Callable[..., User]
) -> None:
    """Many interleaved pairs, in random order within each pair, with the production-like
    cost of hashing and the answer's floor (REGISTER_ANSWER_SECONDS); the medians differ by a
    few percent at most. (Before, an address with an account answered in 9 ms and a new one
    in 202 ms. The same work in both branches alone brings both to about 130 ms, medians
    0.5 to 0.7 % apart on an idle machine, but 7 to 10 % apart on one loaded by other tests:
    the floor hides that too.)"""
    app.config.update(
        ARGON2_TIME_COST=2,
        ARGON2_MEMORY_COST=19 * 1024,
        ARGON2_PARALLELISM=1,
        REGISTER_RATE_LIMIT="10000 per hour",
        REGISTER_RATE_LIMIT_PER_ADDRESS="10000 per hour",
    )
    make_user(email="known@example.org")
    client = app.test_client()
    token = csrf_token(client.get("/account/register", headers=EN).get_data(as_text=True))
    times: dict[str, list[float]] = {"known": [], "unknown": []}

    def timed(kind: str) -> None:
        email = "known@example.org" if kind == "known" else f"{uuid.uuid4().hex[:12]}@example.org"
        data = {"csrf_token": token, **_form(email)}
        started = time.perf_counter()
        response = client.post("/account/register", data=data, headers=EN)
        times[kind].append(time.perf_counter() - started)
        assert response.headers["Location"] == CHECK_MAIL
        wait_for_account_mail()  # the mail leaves off the request; let it go before the next

    for _ in range(3):  # warm up both branches
        timed("known")
        timed("unknown")
    times = {"known": [], "unknown": []}
    rng = random.Random(2026)
    for _ in range(PAIRS):
        pair = ["known", "unknown"]
        rng.shuffle(pair)
        for kind in pair:
            timed(kind)
    known, unknown = statistics.median(times["known"]), statistics.median(times["unknown"])
    assert abs(known - unknown) / max(known, unknown) < 0.05, (known, unknown)
    # each pair ran back to back, so a load that comes and goes touches both alike
    ratio = statistics.median(k / u for k, u in zip(times["known"], times["unknown"], strict=True))
    assert abs(ratio - 1) < 0.05, ratio
    assert len(_to(inbox, "known@example.org")) == PAIRS + 3
