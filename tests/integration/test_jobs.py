"""Background jobs: run after commit only, retried when they crash, failed with a reason when
they cannot succeed, and picked up again when their runner disappeared."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask import Flask

from extensions import db
from models import Job, JobStatus, utcnow
from services.errors import DomainError
from services.platform.jobs import runner as jobs

CALLS: dict[str, int] = {}
FAILED: list[str] = []


def _flaky(job: Job, report: jobs.Report) -> None:
    CALLS[job.public_id] = CALLS.get(job.public_id, 0) + 1
    report(50, "halfway")
    if CALLS[job.public_id] < job.payload["succeed_on"]:
        raise RuntimeError("crash")


def _refused(_job: Job, _report: jobs.Report) -> None:
    raise DomainError("This file could not be read.")


jobs.register("test.flaky", _flaky)
jobs.register("test.refused", _refused, on_failure=lambda _job, message: FAILED.append(message))


@pytest.fixture(autouse=True)
def _reset() -> None:
    CALLS.clear()
    FAILED.clear()


def _job(public_id: str) -> Job:
    db.session.expire_all()
    return db.session.scalar(db.select(Job).where(Job.public_id == public_id))


@pytest.mark.usefixtures("app")
def test_a_crashing_job_is_retried_until_it_succeeds() -> None:
    job = jobs.enqueue("test.flaky", {"succeed_on": 3}, user_id=None)
    db.session.commit()
    done = _job(job.public_id)
    assert done.status is JobStatus.DONE
    assert done.progress == 100
    assert done.attempts == 3


@pytest.mark.usefixtures("app")
def test_a_job_that_keeps_crashing_fails_with_a_generic_reason() -> None:
    job = jobs.enqueue("test.flaky", {"succeed_on": 99}, user_id=None)
    db.session.commit()
    failed = _job(job.public_id)
    assert failed.status is JobStatus.FAILED
    assert failed.attempts == jobs.MAX_ATTEMPTS
    assert failed.error == jobs.GENERIC_FAILURE


@pytest.mark.usefixtures("app")
def test_a_refused_job_fails_at_once_with_its_message() -> None:
    job = jobs.enqueue("test.refused", {}, user_id=None)
    db.session.commit()
    failed = _job(job.public_id)
    assert failed.status is JobStatus.FAILED
    assert failed.attempts == 1
    assert failed.error == "This file could not be read."
    assert FAILED == ["This file could not be read."]


@pytest.mark.usefixtures("app")
def test_a_rolled_back_job_never_runs() -> None:
    jobs.enqueue("test.flaky", {"succeed_on": 1}, user_id=None)
    db.session.rollback()
    db.session.commit()
    assert CALLS == {}
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 0


@pytest.mark.usefixtures("app")
def test_a_job_enqueued_in_a_savepoint_runs_once_the_whole_transaction_commits() -> None:
    with db.session.begin_nested():
        job = jobs.enqueue("test.flaky", {"succeed_on": 1}, user_id=None)
    assert CALLS == {}  # the savepoint is released, but nobody else can see the job yet

    db.session.commit()

    assert {job.public_id: 1} == CALLS
    assert _job(job.public_id).status is JobStatus.DONE


def _enqueue_in_a_refused_savepoint() -> None:
    with db.session.begin_nested():
        jobs.enqueue("test.flaky", {"succeed_on": 1}, user_id=None)
        raise RuntimeError("this row is refused")


@pytest.mark.usefixtures("app")
def test_a_failed_savepoint_drops_its_own_jobs_and_keeps_the_ones_before_it() -> None:
    before = jobs.enqueue("test.flaky", {"succeed_on": 1}, user_id=None)
    with pytest.raises(RuntimeError, match="refused"):
        _enqueue_in_a_refused_savepoint()
    with db.session.begin_nested():
        after = jobs.enqueue("test.flaky", {"succeed_on": 1}, user_id=None)
    assert CALLS == {}

    db.session.commit()

    assert {before.public_id: 1, after.public_id: 1} == CALLS


@pytest.mark.usefixtures("app")
def test_jobs_of_a_released_savepoint_never_run_when_the_transaction_rolls_back() -> None:
    with db.session.begin_nested():
        jobs.enqueue("test.flaky", {"succeed_on": 1}, user_id=None)
    db.session.rollback()
    db.session.commit()
    assert CALLS == {}


@pytest.mark.usefixtures("app")
def test_a_job_whose_runner_vanished_is_picked_up_again() -> None:
    job = Job(kind="test.flaky", payload={"succeed_on": 1}, status=JobStatus.RUNNING, attempts=1)
    job.heartbeat_at = utcnow() - timedelta(minutes=11)
    db.session.add(job)
    db.session.commit()
    assert jobs.revive_if_stale(job)
    assert _job(job.public_id).status is JobStatus.DONE

    fresh = Job(kind="test.flaky", payload={"succeed_on": 1}, status=JobStatus.RUNNING)
    fresh.heartbeat_at = utcnow()
    db.session.add(fresh)
    db.session.commit()
    assert not jobs.revive_if_stale(fresh)  # still being worked on: left alone
    assert not jobs.run(fresh.id)  # and nobody else can claim it


@pytest.mark.usefixtures("app")
def test_a_stale_job_without_attempts_left_is_failed() -> None:
    job = Job(kind="test.flaky", payload={"succeed_on": 1}, status=JobStatus.RUNNING)
    job.attempts = jobs.MAX_ATTEMPTS
    job.heartbeat_at = utcnow() - timedelta(hours=1)
    db.session.add(job)
    db.session.commit()
    assert jobs.revive_if_stale(job)
    assert _job(job.public_id).status is JobStatus.FAILED


def test_the_thread_runner_works_off_the_request(app: Flask) -> None:
    app.config["JOBS_MODE"] = "thread"
    job = jobs.enqueue("test.flaky", {"succeed_on": 1}, user_id=None)
    db.session.commit()
    deadline = time.monotonic() + 10
    while _job(job.public_id).status is not JobStatus.DONE:
        assert time.monotonic() < deadline, "the thread pool did not run the job"
        time.sleep(0.05)
    app.extensions["chorus.jobs"].shutdown(wait=True)


def test_held_jobs_wait_for_the_sweep(app: Flask) -> None:
    # a bulk load holds its jobs: nothing runs beside what is served until the sweep
    app.config["JOBS_MODE"] = "held"
    job = jobs.enqueue("test.flaky", {"succeed_on": 1}, user_id=None)
    db.session.commit()
    assert _job(job.public_id).status is JobStatus.QUEUED
    assert CALLS == {}

    app.config["JOBS_MODE"] = "eager"
    held = _job(job.public_id)
    held.created_at = utcnow() - jobs.STALE_AFTER - timedelta(minutes=1)
    db.session.commit()
    assert jobs.sweep() == 1
    assert _job(job.public_id).status is JobStatus.DONE
