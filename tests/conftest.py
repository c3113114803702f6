"""Fixtures: an app per test on SQLite and on a real PostgreSQL, clients, users, demo data.

Every test that takes ``app`` (or anything built on it) runs twice: ``[sqlite]`` and
``[postgresql]``. The PostgreSQL server starts once per session; tables are emptied between
tests. SQLite gets a fresh file per test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from redis import Redis
from sqlalchemy import create_engine, select, text

from app import create_app
from extensions import db
from models import Base, Category, Company, Complaint, User, UserRole
from services.accounts import users as accounts
from services.complaints.filing import ComplaintInput, file_complaint
from services.reference.categories import ensure_categories
from services.reference.companies import create_company
from tests.support.client import FreshGlobalsClient
from tests.support.postgres import postgres_server
from tests.support.redis_server import redis_url as redis_url  # fixture, started on first use
from tests.support.seaweedfs import seaweedfs as seaweedfs  # fixture, started on first use

PASSWORD = "correct horse battery"

#: argon2 at its cheapest: tests check behaviour, not hashing cost
FAST_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 256, "ARGON2_PARALLELISM": 1}


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_schema(postgres_url: str) -> str:
    """The schema, created once per session on the PostgreSQL server."""
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        Base.metadata.create_all(connection)
    engine.dispose()
    return postgres_url


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def app_config(tmp_path: Path, database_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "JOBS_MODE": "eager",  # a job's outcome is there when the request returns
        # a case's figures republish after every batch of changed members, not once a day:
        # tests see as many snapshots as an observer ever could
        "CASE_FIGURES_REPUBLISH_AFTER": 0,
        # and every page is rendered for its request (tests/integration/test_visitor_cache.py
        # turns the visitors' shared pages on)
        "VISITOR_PAGE_SECONDS": 0,
        **FAST_HASHING,
        **extra,
    }


#: ``make test-prod``: the integration suite on the production services, each started for real
#: on loopback: PostgreSQL only, stored files in S3 (SeaweedFS), rate limits in Redis
PROD_PROFILE = os.environ.get("CHORUS_TEST_PROFILE") == "prod"


@pytest.fixture
def service_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings for the shared services of the profile; none in the default profile.

    The servers live for the whole session; each test gets its own key prefix in the bucket
    and an empty Redis (rate-limit counters would otherwise carry over from test to test)."""
    if not PROD_PROFILE:
        return {}
    s3 = request.getfixturevalue("seaweedfs")
    redis_url = request.getfixturevalue("redis_url")
    with Redis.from_url(redis_url) as redis:
        redis.flushdb()
    return {
        **s3.config("chorus-test", S3_PREFIX=f"{uuid.uuid4().hex[:12]}/"),
        "REDIS_URL": redis_url,
    }


#: the databases the integration tests run on: SQLite in ``make test``, PostgreSQL in ``make
#: test-prod`` (with the other production services), so CI runs each test on both once;
#: CHORUS_TEST_DATABASES=sqlite,postgresql runs both in one session
TEST_DATABASES = os.environ.get(
    "CHORUS_TEST_DATABASES", "postgresql" if PROD_PROFILE else "sqlite"
).split(",")


@pytest.fixture(params=TEST_DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    url = request.getfixturevalue("postgres_schema")
    try:
        yield url
    finally:
        _empty_postgres(url)


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file holding the schema, made once per session: each test's database starts
    as a copy of it (creating the tables took 0.13 s a test)."""
    path = tmp_path_factory.mktemp("schema") / "schema.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    return path


@pytest.fixture
def app(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    database_url: str,
    service_config: dict[str, Any],
) -> Iterator[Flask]:
    if database_url.startswith("sqlite"):
        schema = request.getfixturevalue("sqlite_schema")
        shutil.copyfile(schema, database_url.removeprefix("sqlite:///"))
    app = create_app(app_config(tmp_path, database_url, **service_config))
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        ensure_categories(db.session)
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:  # noqa: ARG001 - needed for its side effect
    """``make_user(email=..., role=..., authority=...)``: a committed account with PASSWORD."""
    counter = iter(range(1, 10_000))

    def factory(email: str | None = None, **kwargs: Any) -> User:
        user = accounts.create_user(
            db.session,
            email=email or f"user{next(counter)}@example.org",
            display_name=kwargs.pop("display_name", "测试用户"),
            password=kwargs.pop("password", PASSWORD),
            role=kwargs.pop("role", UserRole.MEMBER),
            **kwargs,
        )
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_company(app: Flask) -> Callable[..., Company]:  # noqa: ARG001 - needed for its side effect
    """``make_company("alipay", "Alipay", "支付宝", aliases=[...])``, committed."""

    def factory(slug: str, name_en: str, name_zh: str, aliases: tuple[str, ...] = ()) -> Company:
        company = create_company(
            db.session, slug=slug, name_en=name_en, name_zh=name_zh, aliases=aliases
        )
        db.session.commit()
        return company

    return factory


@pytest.fixture
def make_complaint(app: Flask) -> Callable[..., Complaint]:  # noqa: ARG001 - needed for its side effect
    """``make_complaint(owner, company, narrative, category="refund", ...)``: filed through the
    service (so it is indexed), committed."""

    def factory(
        owner: User,
        company: Company,
        narrative: str,
        category: str = "refund",
        incident_date: date = date(2026, 10, 1),
        amount: int = 10000,
        currency: str = "CNY",
    ) -> Complaint:
        category_id = db.session.scalar(select(Category.id).where(Category.code == category))
        complaint = file_complaint(
            db.session,
            owner,
            ComplaintInput(
                company_text=company.name_en or company.name_zh,
                propose_company=False,
                category_id=category_id,
                incident_date=incident_date,
                amount_minor=amount,
                currency=currency,
                narrative=narrative,
                demands=["refund"],
                demands_other=None,
            ),
            today=date(2026, 11, 24),
        )
        db.session.commit()
        return complaint

    return factory


@pytest.fixture
def demo(app: Flask) -> None:  # noqa: ARG001 - needed for its side effect
    from services.demo import load_demo

    load_demo(db.session)
    db.session.commit()
