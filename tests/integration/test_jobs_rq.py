"""Jobs through Redis (``JOBS_MODE = "rq"``) run by real ``flask jobs worker`` processes on the
test's own database and storage: an upload anonymized by a worker, a bundle build surviving the
SIGKILL of its worker without ever showing half a bundle, and a job created while Redis was
unreachable, kept in the database and run once a sweep hands it over.

To kill a worker in the middle of a bundle, with no hook in the app, one pooled evidence file is
replaced in storage by a named pipe: the build blocks when it reaches that file, after the files
before it are written and reported, until the test writes the file's bytes into the pipe.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from redis import Redis
from rq import Queue
from sqlalchemy import select, update

from extensions import db
from models import (
    Evidence,
    EvidenceStatus,
    Job,
    JobStatus,
    User,
    UserRole,
    utcnow,
)
from services.bundle.job import BUNDLE_JOB, bundle_for
from services.bundle.verify import verify_bundle
from services.evidence.files import current_storage
from services.platform.jobs import runner as jobs
from tests.support.forms import logged_in, submit, upload_evidence
from tests.support.net import free_port
from tests.support.one_case import case_id as case_id  # fixtures
from tests.support.one_case import organizer as organizer
from tests.support.web import assert_redirects

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")  # the venv running the tests
TEXT = "我是张伟明，手机 13812345678，退款被拒。Refund of 199.00 refused.".encode()

Start = Callable[..., subprocess.Popen[bytes]]


# -- worker processes ------------------------------------------------------------------------


@pytest.fixture
def rq_app(app: Flask, redis_url: str) -> Flask:
    """The test app enqueueing on Redis, on a queue of its own."""
    app.config.update(JOBS_MODE="rq", REDIS_URL=redis_url, RQ_QUEUE=f"test-{uuid.uuid4().hex}")
    return app


#: the test app's settings a worker must share: where files are (local or S3) and its queue
SHARED = (
    "STORAGE_BACKEND",
    "STORAGE_DIR",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_REGION",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_PREFIX",
    "RQ_QUEUE",
)


def worker_env(app: Flask, redis: str) -> dict[str, str]:
    """What a worker needs to share the test app's database, files and signing key."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CHORUS_", "FLASK_")) and name not in ("DATABASE_URL", "REDIS_URL")
    }
    settings = {"ENV": "testing", **{k: app.config[k] for k in SHARED if app.config.get(k)}}
    # CHORUS_* values are read as JSON when they parse: quoted, a string stays a string
    env.update({f"CHORUS_{key}": json.dumps(str(value)) for key, value in settings.items()})
    env.update(
        CHORUS_SECRET_KEY="test-secret",
        CHORUS_INSTANCE_PATH=app.instance_path,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=redis,
    )
    return env


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Start]:
    """``start(env, burst=False)``: a worker process, logging to a file; every one started is
    killed, with its work horse, when the test ends."""
    started: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str], *, burst: bool = False) -> subprocess.Popen[bytes]:
        with (tmp_path / f"worker-{len(started)}.log").open("wb") as log:
            process = subprocess.Popen(
                [FLASK, "--app", "app", "jobs", "worker", *(["--burst"] if burst else [])],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            kill_worker(process)


def _family(pid: int) -> list[int]:
    """``pid`` and its descendants: RQ's work horse leaves its parent's process group, so
    killing the group would not reach it."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    family, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        family += frontier
    return family


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kill_worker(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a worker and its horse, as the OOM killer or a lost machine would."""
    family = _family(process.pid) if process.poll() is None else []
    for pid in family:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(10)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in family[1:]):
        assert time.monotonic() < deadline, "a work horse survived SIGKILL"
        time.sleep(0.02)


#: seconds a burst worker may take to start and run one anonymization under a full suite
BURST_TIMEOUT = 120


def _logs(tmp_path: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("worker-*.log")))


def wait_for(condition: Callable[[], bool], what: str, tmp_path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n{_logs(tmp_path)}"
        time.sleep(0.05)


def _job(job_id: int) -> Job:
    db.session.rollback()  # a fresh look at what the workers committed, holding no lock
    job = db.session.get(Job, job_id)
    assert job is not None
    return job


# -- an upload anonymized by a worker --------------------------------------------------------


def _upload(client: FlaskClient, case_public_id: str) -> dict[str, Any]:
    response = upload_evidence(client, case_public_id, "说明.txt", TEXT, words="退款被拒")
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def _evidence(public_id: str) -> Evidence:
    db.session.rollback()
    item = db.session.scalar(select(Evidence).where(Evidence.public_id == public_id))
    assert item is not None
    return item


def test_a_worker_process_anonymizes_an_upload(
    rq_app: Flask,
    redis_url: str,
    organizer: User,
    case_id: str,
    workers: Start,
    tmp_path: Path,
) -> None:
    workers(worker_env(rq_app, redis_url))
    client = logged_in(rq_app, organizer.email)
    body = _upload(client, case_id)

    wait_for(
        lambda: _evidence(body["id"]).status is EvidenceStatus.PREVIEW, "the preview", tmp_path
    )
    item = _evidence(body["id"])
    assert item.removed == {"NAME_OR_TERM": 2, "PHONE": 1}
    assert item.job is not None
    assert item.job.status is JobStatus.DONE
    assert item.job.attempts == 1
    status = client.get(body["job"]).get_json()
    assert status["done"]
    assert status["status"] == "done"
    preview = client.get(f"/evidence/{item.public_id}/file")
    assert (
        preview.get_data()
        == "我是[REDACTED]，手机 [PHONE]，[REDACTED]。Refund of 199.00 refused.".encode()
    )
    preview.close()


# -- a worker killed in the middle of a bundle -----------------------------------------------


def test_a_bundle_survives_the_sigkill_of_its_worker(
    rq_app: Flask,
    redis_url: str,
    make_user: Callable[..., User],
    workers: Start,
    tmp_path: Path,
) -> None:
    from bench.bundle_build import seed_case

    if not hasattr(current_storage(), "path_for"):
        pytest.skip("a named pipe stands in for a stored file: local storage only")
    submission = seed_case(db.session, signers=30, files=3, total_bytes=30_000, seed=11)
    db.session.commit()
    case_id = submission.case.public_id
    regulator = make_user(
        email="reg@example.org", role=UserRole.REGULATOR, authority=submission.authority
    )
    first = db.session.scalars(
        select(Evidence).where(Evidence.case_id == submission.case_id).order_by(Evidence.id)
    ).first()
    assert first is not None
    assert first.sha256
    path = current_storage().path_for(first.sha256)  # type: ignore[attr-defined]
    data = path.read_bytes()
    path.unlink()
    os.mkfifo(path, 0o600)  # the build stops here until the bytes are written into the pipe

    env = worker_env(rq_app, redis_url)
    first_worker = workers(env)
    client = logged_in(rq_app, regulator.email)
    page = f"/regulator/cases/{case_id}"
    assert_redirects(submit(client, page, f"{page}/bundle"))
    job_id = db.session.scalar(select(Job.id).where(Job.kind == BUNDLE_JOB))
    assert job_id is not None
    wait_for(
        lambda: _job(job_id).status is JobStatus.RUNNING and _job(job_id).progress > 0,
        "the build to reach the evidence",
        tmp_path,
    )

    kill_worker(first_worker)
    job = _job(job_id)
    assert job.status is JobStatus.RUNNING
    assert job.attempts == 1
    assert bundle_for(submission) is None
    assert client.get(f"{page}/bundle.zip").status_code == 404
    # ten minutes without a heartbeat pass
    db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(heartbeat_at=utcnow() - jobs.STALE_AFTER - timedelta(seconds=1))
    )
    db.session.commit()

    workers(env)  # sweeps on start: the job is queued again and claimed
    wait_for(lambda: _job(job_id).attempts == 2, "the second attempt", tmp_path)
    _feed(path, data, tmp_path)
    wait_for(lambda: _job(job_id).status is JobStatus.DONE, "the bundle", tmp_path)
    job = _job(job_id)
    assert job.attempts == 2
    assert job.progress == 100
    download = client.get(f"{page}/bundle.zip")
    assert download.status_code == 200
    report = verify_bundle(io.BytesIO(download.get_data()))
    download.close()
    assert report.ok, report.problems
    assert report.checked["payload_files"] == 10 + 3  # data files (statements too) + evidence


def _feed(fifo: Path, data: bytes, tmp_path: Path) -> None:
    """Write ``data`` into the pipe once a reader has opened it."""
    deadline = time.monotonic() + 30
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError:  # ENXIO: nobody reads yet
            assert time.monotonic() < deadline, f"nobody read the pipe\n{_logs(tmp_path)}"
            time.sleep(0.05)
    os.set_blocking(fd, True)
    with os.fdopen(fd, "wb") as pipe:
        pipe.write(data)


# -- Redis unreachable when the job is created -----------------------------------------------


def test_a_job_created_while_redis_is_down_runs_after_a_sweep(
    rq_app: Flask,
    redis_url: str,
    organizer: User,
    case_id: str,
    runner: FlaskCliRunner,
    workers: Start,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    waiting = Queue(rq_app.config["RQ_QUEUE"], connection=Redis.from_url(redis_url))
    already = waiting.count  # filing the organizer's complaint enqueued its meaning job
    rq_app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens
    rq_app.extensions.pop("chorus.redis", None)
    client = logged_in(rq_app, organizer.email)
    started = time.monotonic()
    body = _upload(client, case_id)  # the request succeeds
    assert time.monotonic() - started < 10
    assert "Redis is unreachable" in caplog.text
    item = _evidence(body["id"])
    assert item.status is EvidenceStatus.PROCESSING
    assert item.job is not None
    job_id = item.job.id
    assert item.job.status is JobStatus.QUEUED
    assert jobs.is_stale(item.job)  # for the next sweep to hand it over
    assert client.get(body["job"]).get_json()["status"] == "queued"  # watching still works

    rq_app.config["REDIS_URL"] = redis_url  # Redis is back
    rq_app.extensions.pop("chorus.redis")
    result = runner.invoke(args=["jobs", "sweep"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "1 stale job(s) handed over again."
    assert waiting.count == already + 1

    worker = workers(worker_env(rq_app, redis_url), burst=True)
    # a cold worker process loads the app and the OCR models, then anonymizes the upload: on
    # two cores busy with the rest of the suite this took over 30 s (it passed alone in 6 s)
    try:
        code = worker.wait(BURST_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the burst worker ran over {BURST_TIMEOUT} s\n{_logs(tmp_path)}")
    assert code == 0, _logs(tmp_path)
    assert _evidence(body["id"]).status is EvidenceStatus.PREVIEW
    job = _job(job_id)
    assert job.status is JobStatus.DONE
    assert job.attempts == 1
