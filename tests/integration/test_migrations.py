"""Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from extensions import db
from models import Base
from tests.conftest import app_config


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_app(request: pytest.FixtureRequest, tmp_path: Path) -> Flask:
    """An app on a database with no tables at all (PostgreSQL: a database of its own)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    else:
        server = request.getfixturevalue("postgres_url")
        name = f"migrate_{tmp_path.name.lower().replace('-', '_')}"[:60]
        engine = create_engine(server, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        url = server.rsplit("/", 1)[0] + f"/{name}"
    return create_app(app_config(tmp_path, url))


def test_upgrade_matches_models_and_downgrade_removes_everything(
    empty_database_app: Flask,
) -> None:
    with empty_database_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}),
                Base.metadata,
            )
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()
