"""``flask backup`` and ``flask restore``: a rich instance restored into a fresh one is the same
row for row and byte for byte, serves its cases and its bundle still verifies; a backup taken
while members sign through gunicorn restores to a consistent state; damaged archives, another
schema revision and non-empty targets are refused with a message and change nothing."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import stamp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import Engine, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app import create_app
from extensions import db
from models import (
    FROZEN_STATUSES,
    AuditEvent,
    Base,
    Evidence,
    EvidenceStatus,
    GroupCase,
    Membership,
    Notification,
    SignatureEntry,
    Submission,
    User,
)
from services import accounts, notify
from services.backup import BackupError, verify_archive
from services.bundle import keys
from services.bundle.job import enqueue_build
from services.bundle.verify import verify_bundle
from services.evidence_files import current_storage
from services.signing import verify_case_chain
from tests.conftest import app_config
from tests.integration.test_signing_concurrency import PASSWORD as SIGNING_PASSWORD
from tests.integration.test_signing_concurrency import _sign
from tests.support.forms import csrf_token, login, upload_evidence
from tests.support.server import ROOT, gunicorn_server, served_env
from tests.support.stored import stored_objects

EN = {"Accept-Language": "en"}


# -- instances ---------------------------------------------------------------------------------


@pytest.fixture
def revisioned(app: Flask, database_url: str) -> Iterator[None]:
    """The test database carries its schema revision, as a migrated one does (the fixtures
    create tables from the models, which the migration tests prove identical)."""
    stamp()
    yield
    db.session.remove()
    if not database_url.startswith("sqlite"):  # the server is shared by the whole session
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@contextmanager
def fresh_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the same kind: a new file, or a new database on the server."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    name = f"restore_{uuid.uuid4().hex[:12]}"
    server = create_engine(database_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with server.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        server.dispose()


@contextmanager
def fresh_app(database_url: str, tmp_path: Path, service_config: dict[str, Any]) -> Iterator[Flask]:
    """An app on a new instance folder, a new empty database and (S3) a new key prefix."""
    extra = dict(service_config)
    if "S3_PREFIX" in extra:
        extra["S3_PREFIX"] = f"{uuid.uuid4().hex[:12]}/"
    with fresh_database(database_url, tmp_path) as url:
        fresh = create_app(app_config(tmp_path / f"fresh-{uuid.uuid4().hex[:8]}", url, **extra))
        try:
            yield fresh
        finally:
            with fresh.app_context():
                db.session.remove()
                db.engine.dispose()


def all_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, every column, in primary-key order."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def files_of(app: Flask) -> dict[str, bytes]:
    with app.app_context():
        return stored_objects(current_storage())


def invoke(app: Flask, *args: str, input: str | None = None) -> Any:
    """Run a ``flask`` command of ``app`` (its context pushed: the command would otherwise
    run against whichever app's context is current)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args), input=input)


def backup(app: Flask, out: Path) -> Path:
    result = invoke(app, "backup", "--output", str(out))
    assert result.exit_code == 0, result.output
    path = Path(result.output.split("Wrote ", 1)[1].split(" (", 1)[0])
    assert path.parent == out and path.name.startswith("chorus-backup-")
    assert path.stat().st_mode & 0o777 == 0o600
    return path


def restore(app: Flask, archive: Path, *args: str, input: str | None = None) -> Any:
    return invoke(app, "restore", str(archive), *args, input=input)


# -- a rich instance, restored into a fresh one ------------------------------------------------


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def build_world(app: Flask) -> str:
    """On top of the demo: a member pools an anonymized text and leaves a screenshot in
    preview (its original and work files still stored); a submitted case gets its bundle.
    Returns the public id of the case with the bundle."""
    open_case = db.session.scalar(
        select(GroupCase)
        .where(GroupCase.status.not_in(FROZEN_STATUSES))
        .order_by(GroupCase.id)
        .limit(1)
    )
    member = db.session.scalar(
        select(User).join(Membership).where(Membership.case_id == open_case.id).limit(1)
    )
    client = app.test_client()
    assert login(client, member.email, app.config["DEMO_PASSWORD"], headers=EN).status_code == 302
    text_body = "我是张伟明，手机 13812345678，退款被拒。Refund refused.".encode()
    pooled = upload_evidence(client, open_case.public_id, "说明.txt", text_body, words="退款被拒")
    assert pooled.status_code == 201, pooled.get_data(as_text=True)
    item = pooled.get_json()
    page = client.get(item["url"], headers=EN).get_data(as_text=True)
    confirmed = client.post(
        f"/evidence/{item['id']}/confirm", data={"csrf_token": csrf_token(page)}, headers=EN
    )
    assert confirmed.status_code == 302
    preview = upload_evidence(client, open_case.public_id, "截图.png", _png())
    assert preview.status_code == 201, preview.get_data(as_text=True)

    submission = db.session.scalar(select(Submission).order_by(Submission.id).limit(1))
    notify.notify(db.session, member, notify.STATUS_CHANGED, submission.case, status="received")
    enqueue_build(submission, user_id=None)
    db.session.commit()  # eager jobs: the bundle is built and recorded now
    db.session.expire_all()
    assert submission.bundle_sha256
    return submission.case.public_id


def test_a_restored_instance_is_the_same_and_serves_and_its_bundle_verifies(
    app: Flask,
    demo: None,
    revisioned: None,
    database_url: str,
    service_config: dict[str, Any],
    tmp_path: Path,
) -> None:
    case_id = build_world(app)
    source_rows = all_rows(db.engine)
    for table in ("signature_entries", "evidence_files", "notifications", "audit_events", "jobs"):
        assert source_rows[table], f"the world has no {table}"
    preview = select(func.count()).where(Evidence.status == EvidenceStatus.PREVIEW)
    assert db.session.scalar(preview)
    source_files = files_of(app)
    public_key = keys.public_key_pem()
    archive = backup(app, tmp_path)

    with fresh_app(database_url, tmp_path, service_config) as fresh:
        result = restore(fresh, archive, "--yes")
        assert result.exit_code == 0, result.output
        assert "bundle-signing key (PRIVATE)" in result.output
        with fresh.app_context():
            restored_rows = all_rows(db.engine)
        for table in Base.metadata.sorted_tables:
            assert restored_rows[table.name] == source_rows[table.name], table.name
        assert files_of(fresh) == source_files

        with fresh.app_context():
            assert keys.public_key_pem() == public_key
            submission = db.session.scalar(
                select(Submission).where(Submission.bundle_sha256.is_not(None))
            )
            bundle = tmp_path / "restored-bundle.zip"
            with current_storage().open(submission.bundle_sha256) as stream:
                bundle.write_bytes(stream.read())
            report = verify_bundle(bundle, trusted_public_key=public_key)
            assert report.ok, report.problems

            client = fresh.test_client()
            page = client.get(f"/cases/{case_id}", headers=EN)
            assert page.status_code == 200
            assert submission.case.title in page.get_data(as_text=True)

            # the restored instance takes new rows (PostgreSQL: sequences moved past the ids)
            user = accounts.create_user(
                db.session, email="new@example.org", display_name="新人", password="x" * 12
            )
            db.session.commit()
            assert user.id > max(row[0] for row in source_rows["users"])
            assert login(client, "new@example.org", "x" * 12, headers=EN).status_code == 302
