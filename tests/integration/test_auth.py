"""Register, log in, log out, change password: the pages and the rules behind them."""

from __future__ import annotations

import re
from collections.abc import Callable

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from extensions import db
from models import AuditEvent, LoginSession, User
from tests.conftest import PASSWORD
from tests.support import two_step
from tests.support.accounts import register_and_confirm
from tests.support.forms import login, submit
from tests.support.smtp import link_in, mailbox
from tests.support.web import EN, assert_redirects

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}


def _register(client: FlaskClient, **overrides: str) -> object:
    data = {
        "email": "li.na@example.org",
        "display_name": "李娜",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "locale": "zh",
    }
    return submit(client, "/account/register", data={**data, **overrides})


def test_register_creates_account_logs_in_and_hashes_with_argon2(
    app: Flask, client: FlaskClient
) -> None:
    register_and_confirm(
        app,
        client,
        email="  Li.Na@Example.org ",
        display_name="李娜",
        password=PASSWORD,
        locale="zh",
    )
    user = db.session.scalar(select(User).where(User.email == "li.na@example.org"))
    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    page = client.get("/me/").get_data(as_text=True)
    assert "李娜" in page


def test_register_shows_field_errors_in_chinese_and_saves_nothing(client: FlaskClient) -> None:
    client.environ_base.update({"HTTP_ACCEPT_LANGUAGE": ZH["Accept-Language"]})
    response = _register(
        client, email="not-an-email", display_name="", password="short", confirm="other"
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "电子邮箱" in page  # the label, in Chinese
    assert 'id="email-error"' in page
    assert 'id="display_name-error"' in page
    assert 'id="password-error"' in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_register_error_messages_in_english(client: FlaskClient) -> None:
    client.environ_base.update({"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"})
    response = _register(client, display_name="x" * 81)
    assert response.status_code == 422
    assert "The name must be at most 80 characters long." in response.get_data(as_text=True)


def test_register_twice_with_same_email_changes_nothing(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user(email="li.na@example.org")
    before = user.password_hash, user.display_name
    other = "another passphrase"
    response = _register(client, email="LI.NA@example.org", password=other, confirm=other)
    assert_redirects(response, to="/account/check-your-mail")
    assert db.session.scalar(select(func.count(User.id))) == 1
    db.session.refresh(user)
    assert (user.password_hash, user.display_name) == before


def test_login_wrong_email_and_wrong_password_look_the_same(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    make_user(email="known@example.org")
    wrong_password = login(client, "known@example.org", "not the password")
    wrong_email = login(client, "unknown@example.org", PASSWORD)
    assert wrong_password.status_code == wrong_email.status_code == 401

    def message(response: object) -> str:
        html = response.get_data(as_text=True)  # type: ignore[attr-defined]
        start = html.index('class="form-errors"')
        return html[start : html.index("</div>", start)]

    assert message(wrong_password) == message(wrong_email)
    assert "The e-mail address or the password is not correct." in message(wrong_email)


def test_login_redirects_to_safe_next_only(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    make_user(email="a@example.org")
    response = submit(
        client,
        "/account/login?next=//evil.example/",
        data={"email": "a@example.org", "password": PASSWORD, "next": "//evil.example/"},
    )
    assert_redirects(response, to="/me/")
    client.post("/account/logout")  # no token: refused, stays logged in
    assert client.get("/me/").status_code == 200


def test_login_follows_local_next(client: FlaskClient, make_user: Callable[..., User]) -> None:
    make_user(email="a@example.org")
    protected = client.get("/account/")
    assert_redirects(protected)
    assert protected.headers["Location"].startswith("/account/login?next=")
    response = submit(
        client,
        "/account/login",
        data={"email": "a@example.org", "password": PASSWORD, "next": "/account/"},
    )
    assert response.headers["Location"] == "/account/"


def test_login_is_throttled_per_account(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    make_user(email="victim@example.org")
    statuses = [login(client, "victim@example.org", f"guess-{i}").status_code for i in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    blocked = login(client, "victim@example.org", PASSWORD)
    assert blocked.status_code == 429  # even the right password waits
    assert "Please wait a minute before trying again." in blocked.get_data(as_text=True)


def test_login_throttle_per_address_spans_accounts(client: FlaskClient) -> None:
    statuses = [login(client, f"u{i}@example.org", "whatever-pass").status_code for i in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


def test_successful_logins_do_not_count_against_the_limit(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    make_user(email="busy@example.org")
    for _ in range(7):
        assert_redirects(login(client, "busy@example.org", PASSWORD))
        submit(client, "/me/", action="/account/logout")


def _redirects_answer_303(app: Flask) -> None:
    """Make ``redirect()`` answer 303 ("See Other"), as a later Flask release may."""
    plain = app.redirect
    app.redirect = lambda location, code=302: plain(location, 303 if code == 302 else code)  # type: ignore[method-assign]


def test_successful_logins_are_not_throttled_when_redirects_answer_303(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    make_user(email="busy@example.org")
    _redirects_answer_303(app)
    for _ in range(7):  # more than the 5 a minute an account may fail
        response = login(client, "busy@example.org", PASSWORD)
        assert response.status_code == 303  # the app really answers as the next Flask may
        assert_redirects(response, to="/me/")
        assert_redirects(submit(client, "/me/", action="/account/logout"), to="/")


def test_logout_needs_post_with_csrf(client: FlaskClient, make_user: Callable[..., User]) -> None:
    make_user(email="a@example.org")
    login(client, "a@example.org", PASSWORD)
    assert client.get("/account/logout").status_code == 405
    assert client.post("/account/logout").status_code == 400  # no CSRF token
    assert client.get("/me/").status_code == 200
    response = submit(client, "/me/", action="/account/logout")
    assert_redirects(response)
    assert_redirects(client.get("/me/"))


def test_post_without_csrf_token_is_refused_with_explanation(client: FlaskClient) -> None:
    response = client.post("/account/register", data={"email": "x@example.org"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_change_password_checks_current_and_logs_out_other_sessions(
    app: object, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    make_user(email="a@example.org")
    other_device = app.test_client()  # type: ignore[attr-defined]
    login(other_device, "a@example.org", PASSWORD)
    login(client, "a@example.org", PASSWORD)

    refused = submit(
        client,
        "/account/",
        action="/account/password",
        data={
            "current_password": "wrong one!",
            "new_password": "a new passphrase",
            "confirm": "a new passphrase",
        },
    )
    assert refused.status_code == 422
    assert "The current password is not correct." in refused.get_data(as_text=True)

    changed = submit(
        client,
        "/account/",
        action="/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a new passphrase",
            "confirm": "a new passphrase",
        },
        follow_redirects=True,
    )
    assert changed.status_code == 200
    assert "Your password was changed." in changed.get_data(as_text=True)
    assert client.get("/me/").status_code == 200  # this session continues
    assert_redirects(other_device.get("/me/"))  # the other one is logged out
    submit(client, "/me/", action="/account/logout")
    assert login(client, "a@example.org", PASSWORD).status_code == 401
    assert_redirects(login(client, "a@example.org", "a new passphrase"))


def test_audit_log_records_logins_without_personal_data(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user(email="audited@example.org")
    login(client, "audited@example.org", "wrong password")
    login(client, "audited@example.org", PASSWORD)
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    actions = [e.action for e in events]
    assert actions == ["account.created", "login.failed", "login.succeeded"]
    assert all(e.actor_user_id == user.id for e in events)
    assert not any("audited@example.org" in str(e.data) for e in events)


def test_session_cookie_is_httponly_and_samesite(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    make_user(email="a@example.org")
    response = login(client, "a@example.org", PASSWORD)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_preferences_save_language_on_account(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user(email="a@example.org", locale="en")
    login(client, "a@example.org", PASSWORD)
    response = submit(
        client,
        "/account/",
        action="/account/preferences",
        data={"locale": "zh"},
        follow_redirects=True,
    )
    assert '<html lang="zh-CN">' in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.locale == "zh"
    bad = submit(client, "/account/", action="/account/preferences", data={"locale": "fr"})
    assert bad.status_code == 422


def test_nothing_planted_in_a_session_before_login_survives_it(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    """Session fixation: whatever a session held before login (a planted cookie, an
    attacker's CSRF token) is gone after it, and the cookie is a new one."""
    user = make_user(email="fixed@example.org")
    client.get("/account/login")
    with client.session_transaction() as planted:
        planted["planted"] = "by someone else"
        planted["_user_id"] = "999:forged"
        token_before = planted.get("csrf_token")
    cookie_before = client.get_cookie("session").value
    assert_redirects(login(client, user.email, PASSWORD))
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after.get("csrf_token") != token_before
        assert after["_user_id"].startswith(f"{user.id}:")
    assert client.get_cookie("session").value != cookie_before


def test_logging_out_everywhere_ends_every_session_and_copied_cookies(
    app: Flask, make_user: Callable[..., User]
) -> None:
    make_user(email="lost.phone@example.org")
    desk, phone = app.test_client(), app.test_client()
    for client in (desk, phone):
        login(client, "lost.phone@example.org", PASSWORD)
    stolen = phone.get_cookie("session").value
    ended = submit(desk, "/account/", "/account/sessions/end", headers=ZH, follow_redirects=True)
    assert "您已在所有设备上退出登录" in ended.get_data(as_text=True)
    for client in (desk, phone):
        assert client.get("/me/").headers["Location"].startswith("/account/login")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/me/").headers["Location"].startswith("/account/login")
    assert "sessions.ended" in db.session.scalars(select(AuditEvent.action)).all()


def _copy_of(client: FlaskClient, name: str) -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    return cookie.value


def _browser_with(app: Flask, **cookies: str) -> FlaskClient:
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser


def test_logging_out_ends_the_remembered_login_and_every_copy_of_its_cookies(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    """With "keep me logged in" ticked: after logging out, neither the same browser nor a copy of
    its session or remember cookie made before the logout gets back in."""
    make_user(email="regulated@example.org")
    response = submit(
        client,
        "/account/login",
        data={"email": "regulated@example.org", "password": PASSWORD, "remember": "y"},
    )
    assert_redirects(response, to="/me/")
    session_copy = _copy_of(client, "session")
    remember_copy = _copy_of(client, "remember_token")
    assert _browser_with(app, remember_token=remember_copy).get("/me/").status_code == 200

    assert_redirects(submit(client, "/me/", action="/account/logout"), to="/")
    assert client.get_cookie("remember_token") is None  # the browser is told to drop it
    assert_redirects(client.get("/me/"))
    for copy in (
        {"remember_token": remember_copy},
        {"session": session_copy},
        {"session": session_copy, "remember_token": remember_copy},
    ):
        thief = _browser_with(app, **copy)
        assert thief.get("/me/").headers["Location"].startswith("/account/login"), copy
    assert_redirects(login(client, "regulated@example.org", PASSWORD), to="/me/")


def test_logging_out_ends_a_plain_login_for_a_copy_of_its_session_cookie(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    make_user(email="plain@example.org")
    assert_redirects(login(client, "plain@example.org", PASSWORD), to="/me/")
    other_device = app.test_client()
    assert_redirects(login(other_device, "plain@example.org", PASSWORD), to="/me/")
    copied = _copy_of(client, "session")
    assert_redirects(submit(client, "/me/", action="/account/logout"), to="/")
    thief = _browser_with(app, session=copied)
    assert thief.get("/me/").headers["Location"].startswith("/account/login")
    assert other_device.get("/me/").status_code == 200  # only that login ended


def test_the_cookies_carry_no_reusable_secret_of_the_account(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    """A login is a random token whose hash alone is stored: the database does not hold it."""
    user = make_user(email="hashed@example.org")
    login(client, "hashed@example.org", PASSWORD)
    with client.session_transaction() as cookie_session:
        login_id = cookie_session["_user_id"]
    _user_id, _, token = login_id.partition(":")
    stored = db.session.scalars(select(LoginSession.token_sha256)).all()
    assert len(token) >= 40
    assert token not in stored
    assert user.session_nonce not in login_id


def _without_token(response: object) -> str:
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    return re.sub(r'name="csrf_token"[^>]*', "", html)


def _from(app: Flask, address: str) -> FlaskClient:
    """A browser on another network (its own client address)."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def test_a_guesser_is_throttled_but_the_owner_logs_in_from_elsewhere(
    app: Flask, make_user: Callable[..., User]
) -> None:
    make_user(email="regulator.target@example.org")
    attacker = _from(app, "203.0.113.66")
    statuses = [
        login(attacker, "regulator.target@example.org", f"guess-{i}").status_code for i in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    owner = _from(app, "198.51.100.7")
    assert_redirects(login(owner, "regulator.target@example.org", PASSWORD), to="/me/")


def test_under_attack_from_many_clients_the_owner_gets_in_with_password_and_mailed_link(
    app: Flask, make_user: Callable[..., User]
) -> None:
    """Guesses from 25 addresses put the account under attack: from then on every attempt
    gets the same answer; the right password mails a link, which finishes the login."""
    make_user(email="target@example.org", locale="en")
    for i in range(25):
        guess = login(_from(app, f"203.0.113.{i + 1}"), "target@example.org", f"guess-{i}")
        assert guess.status_code in (200, 401)
    with mailbox(app) as inbox:
        wrong = login(_from(app, "192.0.2.1"), "target@example.org", "not it", headers=EN)
        right = login(_from(app, "192.0.2.2"), "target@example.org", PASSWORD, headers=EN)
    assert wrong.status_code == right.status_code == 200
    assert _without_token(wrong) == _without_token(right)  # the same page
    assert "we have e-mailed you a link" in right.get_data(as_text=True)
    (message,) = [m for m in inbox.messages if m["To"] == "target@example.org"]
    link = link_in(message, "/account/login/link/")
    owner = _from(app, "192.0.2.2")
    assert owner.get(link).status_code == 200
    assert_redirects(owner.get("/me/"))  # opening the link spends nothing, logs in nobody
    assert_redirects(submit(owner, link), to="/me/")
    assert owner.get("/me/").status_code == 200
    assert _from(app, "192.0.2.3").get(link).status_code == 409  # once only
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "login.link_sent" in actions


def test_under_attack_an_account_with_a_second_step_still_needs_it(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user(email="careful.target@example.org")
    secret = two_step.enrol(user)
    two_step.ready_for_login("careful.target@example.org")
    for i in range(25):
        login(_from(app, f"203.0.113.{i + 1}"), "careful.target@example.org", f"guess-{i}")
    with mailbox(app) as inbox:
        login(_from(app, "192.0.2.2"), "careful.target@example.org", PASSWORD)
    (message,) = [m for m in inbox.messages if m["To"] == "careful.target@example.org"]
    owner = _from(app, "192.0.2.2")
    halfway = submit(owner, link_in(message, "/account/login/link/"))
    assert halfway.headers["Location"] == "/account/two-step"
    assert_redirects(owner.get("/me/"))
    code = pyotp.TOTP(secret).now()
    assert_redirects(submit(owner, "/account/two-step", data={"code": code}), to="/me/")
