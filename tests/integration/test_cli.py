"""The admin's command line: authorities, regulator accounts, demo data, setup."""

from __future__ import annotations

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from extensions import db
from models import Authority, CaseStatus, Category, Complaint, GroupCase, User, UserRole
from tests.support.forms import login


def test_create_authority_and_regulator_who_can_log_in(
    runner: FlaskCliRunner, client: FlaskClient
) -> None:
    result = runner.invoke(
        args=[
            "authorities",
            "create",
            "--slug",
            "sz-fcp",
            "--name-en",
            "Shenzhen FCP Office",
            "--name-zh",
            "深圳金融消费者保护办公室",
            "--category",
            "refund",
            "--category",
            "account_frozen",
            "--min-signatures",
            "5",
        ]
    )
    assert result.exit_code == 0, result.output
    authority = db.session.scalar(select(Authority).where(Authority.slug == "sz-fcp"))
    assert authority.min_signatures == 5
    assert {c.code for c in authority.categories} == {"refund", "account_frozen"}

    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Wang.Fang@Regulator.example",
            "--name",
            "王芳",
            "--role",
            "regulator",
            "--authority",
            "sz-fcp",
            "--password",
            "a long passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    regulator = db.session.scalar(select(User).where(User.email == "wang.fang@regulator.example"))
    assert regulator.role is UserRole.REGULATOR
    assert regulator.authority_id == authority.id
    response = login(client, "wang.fang@regulator.example", "a long passphrase")
    assert response.headers["Location"] == "/regulator/"


def test_cli_refuses_bad_input_with_a_message(runner: FlaskCliRunner) -> None:
    bad_slug = runner.invoke(
        args=["authorities", "create", "--slug", "Bad Slug!", "--name-en", "x", "--name-zh", "x"]
    )
    assert bad_slug.exit_code == 1
    assert "a-z, 0-9 and dashes" in bad_slug.output
    unknown_category = runner.invoke(
        args=[
            "authorities",
            "create",
            "--slug",
            "ok-slug",
            "--name-en",
            "x",
            "--name-zh",
            "x",
            "--category",
            "nonsense",
        ]
    )
    assert "Unknown categories: nonsense" in unknown_category.output
    no_authority = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "r@example.org",
            "--name",
            "R",
            "--role",
            "regulator",
            "--password",
            "a long passphrase",
        ]
    )
    assert no_authority.exit_code == 1
    assert "exactly one authority" in no_authority.output
    missing_authority = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "r@example.org",
            "--name",
            "R",
            "--role",
            "regulator",
            "--authority",
            "nope",
            "--password",
            "a long passphrase",
        ]
    )
    assert "No authority with the short name nope." in missing_authority.output
    short = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "a@example.org",
            "--name",
            "A",
            "--role",
            "admin",
            "--password",
            "short",
        ]
    )
    assert short.exit_code == 1
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert db.session.scalar(select(func.count(Authority.id))) == 0


def test_demo_load_fills_an_empty_database_once(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "8 cases" in result.output
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 1
    assert "already has accounts" in again.output
    assert db.session.scalar(select(func.count(GroupCase.id))) == 8


def test_demo_data_looks_real(runner: FlaskCliRunner) -> None:
    runner.invoke(args=["demo", "load"])
    from models import Company

    assert db.session.scalar(select(func.count(Company.id))) >= 12
    members = db.session.scalar(select(func.count(User.id)).where(User.role == UserRole.MEMBER))
    assert members == 40
    statuses = set(db.session.scalars(select(GroupCase.status)))
    assert statuses == set(CaseStatus)
    narratives = db.session.scalars(select(Complaint.narrative)).all()
    chinese = [n for n in narratives if any("\u4e00" <= ch <= "\u9fff" for ch in n)]
    english = [n for n in narratives if n.isascii()]
    assert len(chinese) >= 20
    assert len(english) >= 10
    assert db.session.scalar(select(func.count(Category.id))) == 11
