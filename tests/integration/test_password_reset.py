"""A forgotten password: a link mailed through a real SMTP server, used once, within the hour;
every login of the account ends; regulators and admins still need their second step."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from email.message import Message

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from extensions import db
from models import AccountToken, Authority, User, UserRole, utcnow
from tests.conftest import PASSWORD
from tests.support import two_step
from tests.support.forms import csrf_token, login, submit
from tests.support.smtp import Inbox, link_in, mailbox, wait_for_account_mail
from tests.support.web import EN, assert_redirects

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
NEW = "a brand new passphrase"
FORGOT = "/account/password/forgot"
RESET = "/account/password/reset/"


@pytest.fixture
def inbox(app: Flask) -> Iterator[Inbox]:
    with mailbox(app) as received:
        yield received


def _ask(client: FlaskClient, email: str, headers: dict[str, str] = EN) -> tuple[str, str]:
    response = submit(client, FORGOT, data={"email": email}, headers=headers)
    with client.session_transaction() as cookie_session:
        flashed = [message for _category, message in cookie_session.pop("_flashes", [])]
    return response.headers.get("Location", str(response.status_code)), " ".join(flashed)


def _mails_to(inbox: Inbox, address: str) -> list[Message]:
    wait_for_account_mail()
    return [m for m in inbox.messages if m["To"] == address]


def _subject(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _new_password(client: FlaskClient, link: str, **extra: str) -> object:
    return submit(client, link, data={"new_password": NEW, "confirm": NEW, **extra}, headers=EN)


def test_a_forgotten_password_is_set_again_by_the_mailed_link_and_every_login_ends(
    app: Flask, inbox: Inbox, make_user: Callable[..., User]
) -> None:
    make_user(email="forgetful@example.org", locale="zh", display_name="王芳")
    phone = app.test_client()
    assert_redirects(
        submit(
            phone,
            "/account/login",
            data={"email": "forgetful@example.org", "password": PASSWORD, "remember": "y"},
        ),
        to="/me/",
    )
    copied_remember = phone.get_cookie("remember_token").value

    known = _ask(app.test_client(), "Forgetful@example.org", headers=ZH)
    unknown = _ask(app.test_client(), "nobody@example.org", headers=ZH)
    assert known == unknown  # the same page, the same message
    assert known[0] == FORGOT
    assert "如果有账户使用此邮箱" in known[1]
    assert _mails_to(inbox, "nobody@example.org") == []
    (message,) = _mails_to(inbox, "forgetful@example.org")
    assert _subject(message) == "设置新的 Chorus 密码"  # the account's language
    assert "王芳" in message.get_payload(decode=True).decode("utf-8")
    link = link_in(message, RESET)

    browser = app.test_client()
    assert "Set a new password" in browser.get(link, headers=EN).get_data(as_text=True)
    mismatch = submit(
        browser, link, data={"new_password": NEW, "confirm": "not the same"}, headers=EN
    )
    assert mismatch.status_code == 422
    assert_redirects(_new_password(browser, link), to="/me/")
    assert browser.get("/me/").status_code == 200  # this browser is logged in afresh

    # every other login ended, the remembered one and its copied cookie included
    assert_redirects(phone.get("/me/"))
    thief = app.test_client()
    thief.set_cookie("remember_token", copied_remember)
    assert_redirects(thief.get("/me/"))
    later = app.test_client()
    assert login(later, "forgetful@example.org", PASSWORD, headers=EN).status_code == 401
    assert_redirects(login(later, "forgetful@example.org", NEW, headers=EN), to="/me/")
    # the link worked once
    used = app.test_client().get(link, headers=EN)
    assert used.status_code == 409
    assert "This link has expired or was already used." in used.get_data(as_text=True)


def test_a_reset_link_lasts_one_hour(
    app: Flask, inbox: Inbox, make_user: Callable[..., User]
) -> None:
    make_user(email="slow@example.org", locale="en")
    _ask(app.test_client(), "slow@example.org")
    (message,) = _mails_to(inbox, "slow@example.org")
    assert _subject(message) == "Set a new Chorus password"
    link = link_in(message, RESET)
    browser = app.test_client()
    token = csrf_token(browser.get(link, headers=EN).get_data(as_text=True))  # opened in time
    db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    late = browser.post(
        link, data={"csrf_token": token, "new_password": NEW, "confirm": NEW}, headers=EN
    )
    assert late.status_code == 409
    expired = app.test_client().get(link, headers=EN)
    assert expired.status_code == 409
    assert "This link has expired or was already used." in expired.get_data(as_text=True)


def test_a_regulators_reset_needs_the_second_step_or_a_recovery_code(
    app: Flask, inbox: Inbox, make_user: Callable[..., User]
) -> None:
    authority = Authority(slug="fcp", name_en="Office", name_zh="办公室")
    db.session.add(authority)
    db.session.commit()
    regulator = make_user(
        email="reg@example.org", role=UserRole.REGULATOR, authority=authority, locale="en"
    )
    secret = two_step.enrol(regulator)
    two_step.ready_for_login("reg@example.org")  # the enrolment code may be used again
    _ask(app.test_client(), "reg@example.org")
    (message,) = _mails_to(inbox, "reg@example.org")
    link = link_in(message, RESET)
    browser = app.test_client()
    page = browser.get(link, headers=EN).get_data(as_text=True)
    assert "Your account uses two-step verification" in page

    for code in ("", "000000"):
        refused = _new_password(browser, link, code=code)
        assert refused.status_code == 422
        assert "Enter a code from your authenticator app" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(AccountToken.used_at)) is None  # still usable

    code = pyotp.TOTP(secret).now()
    assert_redirects(_new_password(browser, link, code=code), to="/regulator/")
    db.session.expire_all()
    assert db.session.scalar(select(AccountToken.used_at)) is not None
