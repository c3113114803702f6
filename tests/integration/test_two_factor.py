"""Two-step verification: setting it up, logging in with it, recovery codes, and regulators and
admins who may not work without it."""

from __future__ import annotations

import base64
import re
import time
import zlib
from collections.abc import Callable

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from extensions import db
from models import AuditEvent, Authority, LoginSession, User, UserRole
from services.accounts import two_factor
from tests.conftest import PASSWORD
from tests.support.forms import csrf_token, submit
from tests.support.web import EN, assert_redirects

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
SECRET_IN_PAGE = re.compile(r"data-totp-secret>([A-Z2-7 ]+)<")
CODE_IN_PAGE = re.compile(r"<code>([A-Z2-9]{5}-[A-Z2-9]{5})</code>")


def _password_step(client: FlaskClient, email: str, **data: str) -> object:
    return submit(
        client, "/account/login", data={"email": email, "password": PASSWORD, **data}, headers=EN
    )


def _set_up_through_the_page(client: FlaskClient) -> tuple[str, list[str]]:
    """What a person does: read the key off the page, type the app's code; returns the secret
    and the recovery codes shown."""
    page = client.get("/account/two-step/setup", headers=EN).get_data(as_text=True)
    assert "<svg" in page  # the QR code, inline
    secret = SECRET_IN_PAGE.search(page).group(1).replace(" ", "")
    shown = submit(
        client,
        "/account/two-step/setup",
        data={"code": pyotp.TOTP(secret).now()},
        headers=EN,
    )
    assert shown.status_code == 200
    codes = CODE_IN_PAGE.findall(shown.get_data(as_text=True))
    assert len(codes) == two_factor.RECOVERY_CODE_COUNT
    return secret, codes


def _log_in(client: FlaskClient, make_user: Callable[..., User], email: str) -> User:
    user = make_user(email=email)
    assert_redirects(_password_step(client, email))
    return user


def _forget_last_code(user: User) -> None:
    """Codes are good for one login each: the next login in the same half minute needs the next
    code, which the app has not shown yet. Tests about something else start afresh."""
    user.totp_last_step = None
    db.session.commit()


@pytest.fixture
def enrolled(client: FlaskClient, make_user: Callable[..., User]) -> tuple[User, str, list[str]]:
    """A member who turned verification on through the page, then logged out."""
    user = _log_in(client, make_user, "careful@example.org")
    secret, codes = _set_up_through_the_page(client)
    submit(client, "/account/", "/account/logout")
    _forget_last_code(user)
    return user, secret, codes


def test_setting_up_needs_one_right_code_and_shows_recovery_codes_once(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = _log_in(client, make_user, "li.na@example.org")
    account = client.get("/account/", headers=EN).get_data(as_text=True)
    assert "Set up two-step verification" in account

    page = client.get("/account/two-step/setup", headers=ZH).get_data(as_text=True)
    secret = SECRET_IN_PAGE.search(page).group(1).replace(" ", "")
    wrong = submit(client, "/account/two-step/setup", data={"code": "000000"}, headers=ZH)
    assert wrong.status_code == 422
    assert "验证码不对" in wrong.get_data(as_text=True)
    assert not db.session.get(User, user.id).two_factor_enabled

    # a reload keeps the same key, so a phone that already scanned it still works
    again = client.get("/account/two-step/setup", headers=EN).get_data(as_text=True)
    assert SECRET_IN_PAGE.search(again).group(1).replace(" ", "") == secret
    right = submit(
        client, "/account/two-step/setup", data={"code": pyotp.TOTP(secret).now()}, headers=EN
    )
    assert right.status_code == 200
    assert len(CODE_IN_PAGE.findall(right.get_data(as_text=True))) == 10
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.two_factor_enabled
    # stored sealed: the database alone does not give the secret
    assert secret not in user.totp_secret
    assert two_factor.secret_of(user) == secret
    # the codes are never shown again
    after = client.get("/account/", headers=EN).get_data(as_text=True)
    assert "10 unused recovery codes left." in after
    assert not CODE_IN_PAGE.search(after)
    assert client.get("/account/two-step/setup").headers["Location"] == "/account/"
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "two_factor.enabled" in actions


def test_login_waits_for_the_code_and_honours_next(
    client: FlaskClient, enrolled: tuple[User, str, list[str]]
) -> None:
    user, secret, _codes = enrolled
    halfway = _password_step(client, user.email, next="/account/")
    assert halfway.headers["Location"] == "/account/two-step"
    # nobody is logged in yet
    assert client.get("/me/").headers["Location"].startswith("/account/login")

    wrong = submit(client, "/account/two-step", data={"code": "123456"}, headers=EN)
    assert wrong.status_code == 401
    assert "That code is not right." in wrong.get_data(as_text=True)
    right = submit(client, "/account/two-step", data={"code": pyotp.TOTP(secret).now()}, headers=EN)
    assert right.headers["Location"] == "/account/"
    assert client.get("/me/").status_code == 200
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-4:] == [
        "login.password_accepted",
        "two_factor.failed",
        "two_factor.passed",
        "login.succeeded",
    ]


def test_a_code_opens_one_session_only(app: Flask, enrolled: tuple[User, str, list[str]]) -> None:
    user, secret, _codes = enrolled
    code = pyotp.TOTP(secret).now()
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        assert_redirects(_password_step(client, user.email))
    assert_redirects(submit(first, "/account/two-step", data={"code": code}))
    replayed = submit(second, "/account/two-step", data={"code": code}, headers=EN)
    assert replayed.status_code == 401
    assert_redirects(second.get("/me/"))


@pytest.mark.usefixtures("app")
def test_codes_from_a_clock_half_a_minute_off_work_but_not_older(
    enrolled: tuple[User, str, list[str]],
) -> None:
    user, secret, _codes = enrolled
    totp, now = pyotp.TOTP(secret), time.time()  # one instant: no step boundary in between
    assert two_factor.verify(db.session, user, totp.at(now - 30), now=now).ok
    assert not two_factor.verify(db.session, user, totp.at(now - 95), now=now).ok
    assert not two_factor.verify(db.session, user, totp.at(now + 95), now=now).ok


def test_a_recovery_code_works_once_and_says_how_many_are_left(
    client: FlaskClient, enrolled: tuple[User, str, list[str]]
) -> None:
    user, _secret, codes = enrolled
    _password_step(client, user.email)
    # typed the way people do: lower case, a space instead of the dash
    typed = codes[0].lower().replace("-", " ")
    response = submit(
        client, "/account/two-step", data={"code": typed}, headers=EN, follow_redirects=True
    )
    assert "You used a recovery code; 9 are left." in response.get_data(as_text=True)
    submit(client, "/account/", "/account/logout")
    _password_step(client, user.email)
    spent = submit(client, "/account/two-step", data={"code": codes[0]}, headers=EN)
    assert spent.status_code == 401


def test_the_second_step_expires(
    client: FlaskClient, enrolled: tuple[User, str, list[str]]
) -> None:
    user, secret, _codes = enrolled
    _password_step(client, user.email)
    token = csrf_token(client.get("/account/two-step").get_data(as_text=True))
    with client.session_transaction() as session:
        pending = session["two_step_pending"]
        session["two_step_pending"] = {**pending, "since": pending["since"] - 301}
    late = client.post(
        "/account/two-step",
        data={"csrf_token": token, "code": pyotp.TOTP(secret).now()},
        headers=EN,
        follow_redirects=True,
    )
    assert "Please log in again" in late.get_data(as_text=True)
    assert_redirects(client.get("/me/"))


def test_guessing_codes_is_throttled_per_account(
    client: FlaskClient, enrolled: tuple[User, str, list[str]]
) -> None:
    user, secret, _codes = enrolled
    _password_step(client, user.email)
    page = client.get("/account/two-step").get_data(as_text=True)
    token = csrf_token(page)
    statuses = [
        client.post("/account/two-step", data={"csrf_token": token, "code": f"{n:06d}"}).status_code
        for n in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    right = client.post(
        "/account/two-step", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()}
    )
    assert right.status_code == 429


def test_new_recovery_codes_need_the_password_and_replace_the_old(
    client: FlaskClient, enrolled: tuple[User, str, list[str]]
) -> None:
    user, secret, old_codes = enrolled
    _password_step(client, user.email)
    submit(client, "/account/two-step", data={"code": pyotp.TOTP(secret).now()})
    refused = submit(
        client, "/account/", "/account/two-step/recovery-codes", data={"password": "wrong"}
    )
    assert refused.status_code == 422
    assert "The password is not correct." in refused.get_data(as_text=True)
    renewed = submit(
        client, "/account/", "/account/two-step/recovery-codes", data={"password": PASSWORD}
    )
    new_codes = CODE_IN_PAGE.findall(renewed.get_data(as_text=True))
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert not two_factor.verify(db.session, user, old_codes[1]).ok
    assert two_factor.verify(db.session, user, new_codes[1]).ok


def test_a_member_can_turn_it_off_with_the_password(
    client: FlaskClient, enrolled: tuple[User, str, list[str]]
) -> None:
    user, secret, _codes = enrolled
    _password_step(client, user.email)
    submit(client, "/account/two-step", data={"code": pyotp.TOTP(secret).now()})
    wrong = submit(client, "/account/", "/account/two-step/disable", data={"password": "nope"})
    assert wrong.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, user.id).two_factor_enabled
    off = submit(client, "/account/", "/account/two-step/disable", data={"password": PASSWORD})
    assert off.headers["Location"] == "/account/"
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert not user.two_factor_enabled
    assert user.totp_secret is None
    assert user.recovery_codes == []
    submit(client, "/account/", "/account/logout")
    assert _password_step(client, user.email).headers["Location"] == "/me/"


@pytest.mark.parametrize("role", [UserRole.REGULATOR, UserRole.ADMIN])
def test_regulators_and_admins_must_enrol_before_anything_else(
    client: FlaskClient, make_user: Callable[..., User], role: UserRole
) -> None:
    authority = None
    if role is UserRole.REGULATOR:
        authority = Authority(slug="nfra", name_en="NFRA", name_zh="金融监管总局")
        db.session.add(authority)
        db.session.commit()
    user = make_user(email="officer@example.org", role=role, authority=authority)
    _password_step(client, user.email)
    for path in ("/regulator/", "/me/", "/cases/", "/account/", "/notifications/"):
        response = client.get(path, headers=ZH)
        assert_redirects(response, to="/account/two-step/setup")
    page = client.get("/account/two-step/setup", headers=ZH).get_data(as_text=True)
    assert "现在设置才能继续" in page
    # they can still leave
    assert_redirects(submit(client, "/account/two-step/setup", "/account/logout"))
    assert client.get("/me/").headers["Location"].startswith("/account/login")

    _password_step(client, user.email)
    _set_up_through_the_page(client)
    assert client.get("/account/").status_code == 200
    refused = submit(
        client, "/account/", "/account/two-step/disable", data={"password": PASSWORD}, headers=EN
    )
    assert refused.status_code == 422
    assert "Your role requires two-step verification" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).two_factor_enabled


def test_a_new_secret_key_turns_the_app_off_but_recovery_codes_still_work(
    app: Flask, enrolled: tuple[User, str, list[str]]
) -> None:
    user, _secret, codes = enrolled
    app.config["SECRET_KEY"] = "rotated"
    assert two_factor.secret_of(user) is None
    assert two_factor.verify(db.session, user, codes[2]).ok


def test_an_operator_resets_a_lost_second_step_and_the_owner_enrols_again(
    app: Flask, client: FlaskClient, enrolled: tuple[User, str, list[str]]
) -> None:
    user, secret, _codes = enrolled
    _password_step(client, user.email)
    submit(client, "/account/two-step", data={"code": pyotp.TOTP(secret).now()})
    assert client.get("/me/").status_code == 200

    result = app.test_cli_runner().invoke(args=["users", "reset-two-factor", user.email])
    assert result.exit_code == 0, result.output
    assert "sets it up again at next login" in result.output
    # the open session ends with it; the password alone logs in now, and the account page
    # offers to set it up again
    assert client.get("/me/").headers["Location"].startswith("/account/login")
    assert _password_step(client, user.email).headers["Location"] == "/me/"
    assert "Set up two-step verification" in client.get("/account/", headers=EN).get_data(
        as_text=True
    )
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.actor_user_id) == ("login.succeeded", user.id)
    assert db.session.scalar(
        select(AuditEvent.target_id).where(AuditEvent.action == "two_factor.reset")
    ) == str(user.id)
    again = app.test_cli_runner().invoke(args=["users", "reset-two-factor", user.email])
    assert "nothing changed" in again.output


def test_the_key_being_set_up_stays_on_the_server_never_in_the_cookie(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    """The session cookie is signed, not encrypted: anyone who sees it can read it. The key of
    an authenticator being set up is kept sealed on the server, on this login only."""
    _log_in(client, make_user, "private.key@example.org")
    page = client.get("/account/two-step/setup", headers=EN).get_data(as_text=True)
    secret = SECRET_IN_PAGE.search(page).group(1).replace(" ", "")
    cookie = client.get_cookie("session").value
    payload = cookie.lstrip(".").split(".")[0]  # "[.]payload.timestamp.signature"
    readable = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if cookie.startswith("."):  # compressed
        readable = zlib.decompress(readable)
    assert secret.encode() not in readable
    with client.session_transaction() as cookie_session:
        assert secret not in str(dict(cookie_session))
    stored = db.session.scalars(select(LoginSession.totp_pending_secret)).all()
    assert [two_factor.secret_of(User(totp_secret=sealed)) for sealed in stored if sealed] == [
        secret
    ]
    assert all(secret not in (sealed or "") for sealed in stored)
    # another browser of the same account gets a key of its own
    other = app.test_client()
    assert_redirects(_password_step(other, "private.key@example.org"))
    elsewhere = other.get("/account/two-step/setup", headers=EN).get_data(as_text=True)
    assert SECRET_IN_PAGE.search(elsewhere).group(1).replace(" ", "") != secret
    # enrolled: the pending key is gone from the login
    submit(client, "/account/two-step/setup", data={"code": pyotp.TOTP(secret).now()})
    db.session.expire_all()
    assert db.session.get(User, _user_id(client)).two_factor_enabled
    assert (
        sum(1 for sealed in db.session.scalars(select(LoginSession.totp_pending_secret)) if sealed)
        == 1
    )  # the other browser's, unconfirmed


def _user_id(client: FlaskClient) -> int:
    with client.session_transaction() as cookie_session:
        return int(cookie_session["_user_id"].partition(":")[0])
