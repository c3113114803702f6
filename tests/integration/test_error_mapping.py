"""A service's refusal becomes its HTTP answer in one place (blueprints/errors.py), and its
command-line error in another (cli/errors.py): the right status, the message the user sees, the
page in the user's language or the API's JSON, and nothing of the refused request saved."""

from __future__ import annotations

from collections.abc import Callable

import click
import pytest
from flask import Flask, abort, request
from flask.cli import with_appcontext
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from cli.errors import exit_on_refusal
from extensions import db, limiter
from models import Authority, User, UserRole
from services.accounts import api_tokens
from services.backup.archive import BackupError
from services.errors import Conflict, DomainError, NotAllowed, NotFound
from tests.support.web import EN

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}

#: what the test views raise, by the name in their address
REFUSALS: dict[str, DomainError] = {
    "not-found": NotFound("No such thing."),
    "not-allowed": NotAllowed("Only organizers may do this.", field="role"),
    "conflict": Conflict("This was done already.", field="status"),
    "refused": DomainError("The note is too long.", field="note"),
}


def _write_then_refuse(kind: str) -> str:
    """A view whose service wrote a row before refusing: the row must not be saved."""
    db.session.add(Authority(slug="half-saved", name_en="Half saved", name_zh="半存"))
    db.session.flush()
    raise REFUSALS[kind]


def _half_saved() -> Authority | None:
    return db.session.scalar(select(Authority).where(Authority.slug == "half-saved"))


@pytest.fixture
def refusing_app(app: Flask) -> Flask:
    """The app with a page and an API address that write, then refuse."""
    app.add_url_rule("/test-refusal/<kind>", "test_refusal", _write_then_refuse)
    app.add_url_rule("/api/v1/test-refusal/<kind>", "api.test_refusal", _write_then_refuse)
    return app


@pytest.fixture
def token(app: Flask, make_user: Callable[..., User]) -> str:  # noqa: ARG001 - app first
    authority = Authority(slug="nfra", name_en="NFRA", name_zh="金融监管总局")
    db.session.add(authority)
    db.session.commit()
    regulator = make_user(role=UserRole.REGULATOR, authority=authority, locale="en")
    secret = api_tokens.create_token(db.session, regulator, "case system").secret
    db.session.commit()
    return f"Bearer {secret}"


@pytest.mark.parametrize(
    ("headers", "lang", "title"),
    [(ZH, "zh-CN", "找不到该页面"), (EN, "en", "Page not found")],
)
def test_a_case_the_service_cannot_find_is_the_404_page_in_the_users_language(
    client: FlaskClient, headers: dict[str, str], lang: str, title: str
) -> None:
    response = client.get("/cases/no-such-case", headers=headers)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    assert f"<h1>{title}</h1>" in page


@pytest.mark.parametrize(
    ("kind", "code", "zh_title", "detail"),
    [
        ("not-found", 404, "找不到该页面", None),  # the generic page: it reveals nothing
        ("not-allowed", 403, "无权访问", "Only organizers may do this."),
        ("conflict", 409, "无权访问", "This was done already."),
        ("refused", 422, "请检查表单", "The note is too long."),
    ],
)
def test_a_refusal_on_a_page_is_its_error_page_and_nothing_is_saved(
    refusing_app: Flask, kind: str, code: int, zh_title: str, detail: str | None
) -> None:
    response = refusing_app.test_client().get(f"/test-refusal/{kind}", headers=ZH)
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert f"<h1>{zh_title}</h1>" in page
    if detail is None:
        assert "No such thing." not in page
    else:
        assert f"<p>{detail}</p>" in page
    assert _half_saved() is None


@pytest.mark.parametrize(
    ("kind", "code", "body"),
    [
        ("not-found", 404, {"error": "Not Found"}),
        ("not-allowed", 403, {"error": "Only organizers may do this.", "field": "role"}),
        ("conflict", 409, {"error": "This was done already.", "field": "status"}),
        ("refused", 422, {"error": "The note is too long.", "field": "note"}),
    ],
)
def test_a_refusal_in_the_api_is_json_and_nothing_is_saved(
    refusing_app: Flask, token: str, kind: str, code: int, body: dict[str, str]
) -> None:
    response = refusing_app.test_client().get(
        f"/api/v1/test-refusal/{kind}", headers={"Authorization": token, **ZH}
    )
    assert response.status_code == code
    assert response.get_json() == body
    assert _half_saved() is None


def test_a_case_the_api_cannot_find_answers_the_json_404(app: Flask, token: str) -> None:
    response = app.test_client().get("/api/v1/cases/no-such-case", headers={"Authorization": token})
    assert response.status_code == 404
    assert response.get_json() == {"error": "Not Found"}


def _forbidden() -> str:
    abort(403)


def _crash() -> str:
    raise RuntimeError("kaboom")


def _limited() -> str:
    return "{}"


def _read_body() -> str:
    """Reads the JSON body, as the status report does."""
    return str(request.get_json(silent=True))


@pytest.fixture
def failing_api(app: Flask) -> Flask:
    """The app with API addresses that answer 403, crash, allow one request a minute, or read
    a body of at most 100 bytes."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is answered, as in production
    app.config["MAX_CONTENT_LENGTH"] = 100
    app.add_url_rule("/api/v1/test-forbidden", "api.test_forbidden", _forbidden)
    app.add_url_rule("/api/v1/test-crash", "api.test_crash", _crash)
    app.add_url_rule(
        "/api/v1/test-limited", "api.test_limited", limiter.limit("1 per minute")(_limited)
    )
    app.add_url_rule("/api/v1/test-body", "api.test_body", _read_body, methods=["POST"])
    return app


def test_every_error_under_the_api_is_json_with_its_headers(failing_api: Flask, token: str) -> None:
    """An API client reads JSON whatever went wrong: no HTML page, no stack trace, and the
    headers that say what to do (Allow, Retry-After, WWW-Authenticate)."""
    client = failing_api.test_client()
    auth = {"Authorization": token, **ZH}
    client.get("/api/v1/test-limited", headers=auth)
    answers = {
        401: client.get("/api/v1/cases", headers=ZH),
        403: client.get("/api/v1/test-forbidden", headers=auth),
        404: client.get("/api/v1/no-such-address", headers=auth),
        405: client.delete("/api/v1/cases", headers=auth),
        413: client.post("/api/v1/test-body", json={"note": "x" * 200}, headers=auth),
        429: client.get("/api/v1/test-limited", headers=auth),
        500: client.get("/api/v1/test-crash", headers=auth),
    }
    for code, response in answers.items():
        assert response.status_code == code
        assert response.mimetype == "application/json", code
        assert isinstance(response.get_json()["error"], str), code
        assert "kaboom" not in response.get_data(as_text=True)
    assert answers[401].headers["WWW-Authenticate"] == 'Bearer realm="chorus"'
    assert answers[404].get_json() == {"error": "Not Found"}
    assert answers[405].get_json() == {"error": "Method Not Allowed"}
    assert set(answers[405].headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert int(answers[429].headers["Retry-After"]) > 0
    # an address under /api/ that is no API view, and a method it lacks, answer JSON too
    assert client.post("/api/v2/cases").get_json() == {"error": "Not Found"}
    openapi = client.put("/api/v1/openapi.json")
    assert openapi.status_code == 405
    assert openapi.mimetype == "application/json"
    assert "GET" in openapi.headers["Allow"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/account/logout", {"POST", "OPTIONS"}),
        ("DELETE", "/", {"GET", "HEAD", "OPTIONS"}),  # a form check comes after the method's
        ("POST", "/cases/", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_a_method_an_address_does_not_take_is_a_405_page_with_allow(
    client: FlaskClient, method: str, path: str, allowed: set[str]
) -> None:
    response = client.open(path, method=method, headers=ZH)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == allowed
    assert '<html lang="zh-CN">' in response.get_data(as_text=True)


def _command(error: Exception) -> click.Command:
    @click.command("refusing")
    @with_appcontext
    @exit_on_refusal
    def refusing() -> None:
        db.session.add(Authority(slug="half-saved", name_en="Half saved", name_zh="半存"))
        db.session.flush()
        click.echo("working")
        raise error

    return refusing


@pytest.mark.parametrize(
    "error",
    [
        Conflict("An authority with this short name already exists.", field="slug"),
        BackupError("An authority with this short name already exists."),
    ],
)
def test_a_refused_command_rolls_back_and_exits_with_the_message(
    runner: FlaskCliRunner, error: Exception
) -> None:
    result = runner.invoke(_command(error))
    assert result.exit_code == 1
    assert result.output == ("working\nError: An authority with this short name already exists.\n")
    assert _half_saved() is None


def test_a_command_that_fails_otherwise_still_saves_nothing(runner: FlaskCliRunner) -> None:
    result = runner.invoke(_command(RuntimeError("disk full")))
    assert isinstance(result.exception, RuntimeError)
    assert _half_saved() is None
