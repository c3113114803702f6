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
from sqlalchemy import Engine, create_engine, func, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app import create_app
from bench.signing_setup import build_signing_case
from extensions import db
from models import (
    FROZEN_STATUSES,
    AuditEvent,
    Base,
    CaseEvent,
    CaseEventKind,
    Evidence,
    EvidenceStatus,
    GroupCase,
    Membership,
    PetitionVersion,
    SignatureEntry,
    Submission,
    User,
    utcnow,
)
from services.accounts import users as accounts
from services.backup.archive import BackupError, verify_archive
from services.bundle import keys
from services.bundle.job import enqueue_build
from services.bundle.verify import verify_bundle
from services.evidence.files import current_storage
from services.notifications import delivery as notify
from services.petition.signing import verify_case_chain
from tests.conftest import app_config
from tests.integration.test_signing_concurrency import PASSWORD as SIGNING_PASSWORD
from tests.integration.test_signing_concurrency import _sign
from tests.support.forms import csrf_token, login, upload_evidence
from tests.support.server import ROOT, gunicorn_server, served_env
from tests.support.stored import stored_objects
from tests.support.web import EN, assert_redirects, is_redirect

# -- instances ---------------------------------------------------------------------------------


@pytest.fixture
def revisioned(app: Flask, database_url: str) -> Iterator[None]:  # noqa: ARG001 - needed for its side effect
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
    assert path.parent == out
    assert path.name.startswith("chorus-backup-")
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
    assert_redirects(login(client, member.email, app.config["DEMO_PASSWORD"], headers=EN))
    text_body = "我是张伟明，手机 13812345678，退款被拒。Refund refused.".encode()
    pooled = upload_evidence(client, open_case.public_id, "说明.txt", text_body, words="退款被拒")
    assert pooled.status_code == 201, pooled.get_data(as_text=True)
    item = pooled.get_json()
    page = client.get(item["url"], headers=EN).get_data(as_text=True)
    confirmed = client.post(
        f"/evidence/{item['id']}/confirm", data={"csrf_token": csrf_token(page)}, headers=EN
    )
    assert_redirects(confirmed)
    preview = upload_evidence(client, open_case.public_id, "截图.png", _png())
    assert preview.status_code == 201, preview.get_data(as_text=True)

    submission = db.session.scalar(select(Submission).order_by(Submission.id).limit(1))
    notify.notify(db.session, member, notify.STATUS_CHANGED, submission.case, status="received")
    enqueue_build(submission, user_id=None)
    db.session.commit()  # eager jobs: the bundle is built and recorded now
    db.session.expire_all()
    assert submission.bundle_sha256
    return submission.case.public_id


@pytest.mark.usefixtures("demo", "revisioned")
def test_a_restored_instance_is_the_same_and_serves_and_its_bundle_verifies(
    app: Flask,
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
            assert_redirects(login(client, "new@example.org", "x" * 12, headers=EN))


# -- consistency while serving -----------------------------------------------------------------


def _count(engine: Engine, model: type[Base]) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model)) or 0


HISTORY = 15_000
AFTER_BACKUP = 5


@pytest.mark.usefixtures("revisioned")
def test_a_backup_taken_while_members_sign_restores_consistent(
    app: Flask,
    database_url: str,
    service_config: dict[str, Any],
    tmp_path: Path,
) -> None:
    """Members keep signing through gunicorn while ``flask backup`` runs in its own process.
    The restored log must be exactly the first entries of the live one, chained and counted
    right: a copy torn between writes would break the chain or the counts."""
    with app.test_request_context():
        case_id, emails = build_signing_case(db.session, 100, SIGNING_PASSWORD)
        # a long history, read between the accounts and the signatures: a copy that is not one
        # snapshot would show signatures whose signer had not logged in yet
        case = db.session.scalar(select(GroupCase).where(GroupCase.public_id == case_id))
        history = {"case_id": case.id, "kind": CaseEventKind.VERSION_SAVED, "created_at": utcnow()}
        db.session.execute(
            insert(CaseEvent), [{**history, "data": {"n": n}} for n in range(HISTORY)]
        )
        db.session.commit()
    db.session.remove()
    live = create_engine(database_url, poolclass=NullPool)
    served = tmp_path / "served"
    # the last signers wait for the backup to end: however slow the backup, the live log then
    # certainly grows past the snapshot
    held_back = emails[-AFTER_BACKUP:]
    pending, stop, lock = iter(emails[:-AFTER_BACKUP]), threading.Event(), threading.Lock()

    def sign_until_stopped(base_url: str) -> list[int]:
        statuses = []
        while not stop.is_set():
            with lock:
                email = next(pending, None)
            if email is None:
                break
            statuses.append(_sign(base_url, case_id, email))
        return statuses

    with (
        gunicorn_server(
            database_url,
            served,
            workers=2,
            RATELIMIT_ENABLED="false",
            **service_config_env(service_config),
        ) as base_url,
        ThreadPoolExecutor(max_workers=4) as pool,
    ):
        signers = [pool.submit(sign_until_stopped, base_url) for _ in range(4)]
        deadline = time.monotonic() + 30
        while _count(live, SignatureEntry) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        done = subprocess.run(
            [
                str(Path(sys.executable).with_name("flask")),
                "--app",
                "app",
                "backup",
                "--output",
                str(tmp_path),
            ],
            cwd=ROOT,
            env=served_env(database_url, served, **service_config_env(service_config)),
            capture_output=True,
            text=True,
            timeout=120,
        )
        stop.set()
        statuses = [status for future in signers for status in future.result()]
        statuses += [_sign(base_url, case_id, email) for email in held_back]
    assert done.returncode == 0, done.stderr
    assert statuses
    assert all(is_redirect(status) for status in statuses), set(statuses)
    archive = Path(done.stdout.split("Wrote ", 1)[1].split(" (", 1)[0])
    live_rows = all_rows(live)
    live.dispose()

    with fresh_app(database_url, tmp_path, service_config) as fresh:
        result = restore(fresh, archive, "--yes")
        assert result.exit_code == 0, result.output
        with fresh.app_context():
            restored_rows = all_rows(db.engine)
            entries = restored_rows["signature_entries"]
            assert 5 <= len(entries) < len(live_rows["signature_entries"])
            assert entries == live_rows["signature_entries"][: len(entries)]
            for case in db.session.scalars(select(GroupCase)):
                report = verify_case_chain(db.session, case)
                assert report.ok, report.problem
                members = db.session.scalar(
                    select(func.count()).where(Membership.case_id == case.id)
                )
                assert case.member_count == members
            # each version's count is kept by each signature: the copy holds the two together
            for version in db.session.scalars(select(PetitionVersion)):
                signed = db.session.scalar(
                    select(func.count()).where(SignatureEntry.version_id == version.id)
                )
                assert version.signature_count == signed
            # tables read at different instants would hold signatures of members whose login,
            # just before, is missing: users and audit_events are read before the signatures
            signers = db.session.scalars(select(User).join(Membership).join(SignatureEntry)).all()
            assert len(signers) == len(entries)
            assert all(user.last_login_at is not None for user in signers)
            logged_in = set(
                db.session.scalars(
                    select(AuditEvent.actor_user_id).where(AuditEvent.action == "login.succeeded")
                )
            )
            assert {user.id for user in signers} <= logged_in
        # every table but the signatures is as it was: the load only logged in and signed
        grown = {"signature_entries", "audit_events", "users", "case_events", "login_sessions"}
        grown.add(PetitionVersion.__tablename__)  # its signature count
        for name, rows in restored_rows.items():
            if name not in grown:
                assert rows == live_rows[name], name


def service_config_env(service_config: dict[str, Any]) -> dict[str, str]:
    """The profile's shared services as the environment of served processes."""
    return {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in service_config.items()
        if key != "REDIS_URL"
    }


# -- refusals ----------------------------------------------------------------------------------


def _rewrite(archive: Path, out: Path, change: Any) -> Path:
    """A copy of ``archive`` whose manifest ``change`` edits, checksums made right again: a
    well-formed archive that says something else."""
    with (
        tarfile.open(archive) as source,
        tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as tar,
    ):
        members = {m.name: source.extractfile(m).read() for m in source.getmembers()}
        manifest = json.loads(members.pop("manifest.json"))
        members.pop("manifest.sha256")
        change(manifest)
        body = json.dumps(manifest).encode()
        members["manifest.json"] = body
        members["manifest.sha256"] = f"{hashlib.sha256(body).hexdigest()}\n".encode()
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def _untouched(app: Flask) -> dict[str, Any]:
    """What a refused restore must leave as it was: tables, rows, files, key."""
    with app.app_context():
        with db.engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
        rows = all_rows(db.engine) if "users" in tables else {}
        key = keys.key_path()
        return {
            "tables": tables,
            "rows": rows,
            "files": stored_objects(current_storage()),
            "key": key.read_bytes() if key.exists() else None,
        }


def _refused(result: Any, words: str) -> None:
    assert result.exit_code == 1, result.output
    assert words in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


@pytest.mark.usefixtures("demo", "revisioned")
def test_refusals_leave_the_target_as_it_was(
    app: Flask,
    database_url: str,
    service_config: dict[str, Any],
    tmp_path: Path,
) -> None:
    case_id = build_world(app)
    archive = backup(app, tmp_path)
    verify_archive(archive)

    # the source itself is not empty: refused, unless --force (which puts back the same)
    before = _untouched(app)
    _refused(restore(app, archive, "--yes"), "The target database is not empty")
    assert _untouched(app) == before

    data = archive.read_bytes()
    with fresh_app(database_url, tmp_path, service_config) as fresh:
        empty = _untouched(fresh)
        flipped = tmp_path / "flipped.tar"
        middle = bytearray(data)
        middle[len(data) // 2] ^= 0x20
        flipped.write_bytes(middle)
        _refused(restore(fresh, flipped, "--yes"), "is corrupted")
        assert _untouched(fresh) == empty

        other = _rewrite(archive, tmp_path / "other.tar", lambda m: m.update(revision="0009"))
        verify_archive(other)  # well formed: refused for its revision only
        _refused(restore(fresh, other, "--yes"), "The archive is at schema revision 0009")
        assert _untouched(fresh) == empty

        answered_no = restore(fresh, archive, input="n\n")
        assert answered_no.exit_code == 1
        assert "Aborted" in answered_no.output
        assert _untouched(fresh) == empty

    result = restore(app, archive, "--yes", "--force")
    assert result.exit_code == 0, result.output
    assert _untouched(app) == before
    assert app.test_client().get(f"/cases/{case_id}").status_code == 200


SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.mark.usefixtures("demo", "revisioned")
@SQLITE_ONLY
def test_any_flipped_byte_anywhere_is_found(app: Flask, tmp_path: Path) -> None:
    """Headers, data, padding, the manifest, its checksum, the end blocks: no byte escapes."""
    original = backup(app, tmp_path).read_bytes()
    damaged = tmp_path / "damaged.tar"

    def check(position: int, mask: int) -> None:
        changed = bytearray(original)
        changed[position] ^= mask
        damaged.write_bytes(changed)
        with pytest.raises(BackupError, match="corrupted"):
            verify_archive(damaged)

    with tarfile.open(fileobj=io.BytesIO(original)) as tar:
        members = tar.getmembers()
    padded = next(m for m in members if m.size % tarfile.BLOCKSIZE)
    for position in (
        0,  # the first name
        148,  # a header checksum
        members[0].offset_data,  # the first table's rows
        padded.offset_data + padded.size,  # the zeros padding a member to its block
        members[-1].offset_data,  # the manifest's checksum
        members[-2].offset_data + 10,  # the manifest
        len(original) - 1,  # the end-of-archive zeros
    ):
        check(position, 0x01)
    # bytes the member checksums do not cover: headers, padding, the end of the archive
    outside = (
        [st.integers(m.offset, m.offset_data - 1) for m in members]
        + [
            st.integers(m.offset_data + m.size, -(-(m.offset_data + m.size) // 512) * 512 - 1)
            for m in members
            if m.size % 512
        ]
        + [st.integers(members[-1].offset_data + members[-1].size, len(original) - 1)]
    )

    @settings(max_examples=100, deadline=None, database=None)
    @given(
        position=st.one_of(st.integers(0, len(original) - 1), *outside),
        mask=st.integers(1, 255),
    )
    def anywhere(position: int, mask: int) -> None:
        check(position, mask)

    anywhere()
