"""A service's refusal becomes its HTTP answer in one place (blueprints/errors.py), and its
command-line error in another (cli/errors.py): the right status, the message the user sees, the
page in the user's language or the API's JSON, and nothing of the refused request saved."""

from __future__ import annotations

from collections.abc import Callable

import click
import pytest
from flask import Flask
from flask.cli import with_appcontext
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from cli.errors import exit_on_refusal
from extensions import db
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
