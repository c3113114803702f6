"""Running slow work (OCR, PDF rebuilds, bundles) off the request, with progress users can watch.

Everything about a job lives in its database row, so whoever runs it and whoever reports on it
need not be the same process. How a job is run is a setting, ``JOBS_MODE``:

- ``thread`` (the default): a small thread pool inside the web process. Good for one machine.
- ``eager``: at once, in the process that enqueued it, right after the commit. Tests use it
  because the outcome is there when the request returns.
- ``rq`` (the default when ``REDIS_URL`` is set): a Redis queue served by ``flask jobs worker``
  processes (:mod:`services.platform.jobs.redis_queue`). Redis carries only the job's id; its row
  stays the one
  truth, so a Redis that is flushed or unreachable delays jobs but loses none.
- ``held``: recorded and handed to nobody until ``flask jobs sweep`` (or a queue worker's
  sweep) finds them stale. For bulk loads that must not compete with what is served (the
  HTTP and signing benchmarks prepare thousands of members this way: their complaints' meaning
  vectors would otherwise be computed during the measurement).

A job is only handed to a runner after the transaction that created it commits (a runner must
never see a job whose evidence row does not exist yet), which is why :func:`enqueue` defers the
hand-over to the outermost commit (:mod:`services.platform.after_commit`).

A runner *claims* a job with one conditional UPDATE, so two runners never work on one job; a
job whose runner died (no heartbeat for :data:`STALE_AFTER`) can be claimed again, up to
:data:`MAX_ATTEMPTS` times. A handler raising :class:`DomainError` fails the job at once with its
message (retrying would not help); any other exception is retried.

Stale jobs are handed over again by :func:`revive_if_stale` when someone watches one, and by
:func:`sweep`, which queue workers run on start and every minute, so nobody has to be watching.
Handlers report progress (and so a heartbeat) between steps that take seconds, far below
:data:`STALE_AFTER` (bench/results: reading a screenshot about 3 s, the slowest file of a bundle
of 100,000 signatures 4.5 s), so a job still at work is never taken for a dead one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from flask import Flask, current_app
from sqlalchemy import ColumnElement, and_, or_, select, update

from extensions import db
from models import Job, JobStatus, utcnow
from models.base import rows_changed
from services.errors import DomainError
from services.platform.after_commit import after_commit

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
STALE_AFTER = timedelta(minutes=10)
#: shown when a job failed for a reason that is not the user's (its details go to the log)
GENERIC_FAILURE = "Something went wrong while processing this. Please try again."

Report = Callable[[int, str], None]


@dataclass(frozen=True)
class Handler:
    run: Callable[[Job, Report], None]
    #: called (in a fresh transaction) when the job has failed for good, with the reason
    on_failure: Callable[[Job, str], None] | None = None


_HANDLERS: dict[str, Handler] = {}


def register(
    kind: str,
    run: Callable[[Job, Report], None],
    *,
    on_failure: Callable[[Job, str], None] | None = None,
) -> None:
    """Make ``run`` the function that runs jobs of ``kind``. The app factory registers every
    kind (``app.py``), so the list of background jobs is in one place and no import has to
    happen first for a kind to exist; registering a kind again replaces its handler."""
    _HANDLERS[kind] = Handler(run, on_failure)


def enqueue(kind: str, payload: dict[str, Any], *, user_id: int | None) -> Job:
    """A new job, run once the current transaction commits."""
    if kind not in _HANDLERS:
        raise ValueError(f"no handler for job kind {kind!r}")
    job = Job(kind=kind, payload=payload, user_id=user_id)
    db.session.add(job)
    db.session.flush()
    after_commit(db.session, partial(_hand_over, job.id), what=f"hand job {job.id} to its runner")
    return job


def _hand_over(job_id: int) -> None:
    dispatch(current_app._get_current_object(), job_id)  # type: ignore[attr-defined]


def dispatch(app: Flask, job_id: int) -> None:
    """Hand a committed job to the configured runner."""
    mode = app.config.get("JOBS_MODE", "thread")
    if mode == "eager":
        run_in_app(app, job_id)
    elif mode == "thread":
        _executor(app).submit(run_in_app, app, job_id)
    elif mode == "rq":
        from services.platform.jobs import (
            redis_queue as job_queue,  # Redis and RQ are imported where they are used
        )

        if not job_queue.enqueue(app, job_id):
            _mark_undelivered(job_id)
    elif mode != "held":
        raise RuntimeError(f"unknown JOBS_MODE {mode!r}")


def _mark_undelivered(job_id: int) -> None:
    """Make a queued job the queue refused stale at once, so the next sweep hands it over."""
    # its own connection: this may run in an after_commit hook, where the session cannot
    with db.engine.begin() as connection:
        connection.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
            .values(heartbeat_at=utcnow() - STALE_AFTER)
        )


def _executor(app: Flask) -> ThreadPoolExecutor:
    executor = app.extensions.get("chorus.jobs")
    if executor is None:
        workers = int(app.config.get("JOB_THREADS", 2))
        executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="chorus-job")
        app.extensions["chorus.jobs"] = executor
    return executor


def run_in_app(app: Flask, job_id: int) -> None:
    """:func:`run` in a fresh application context, so a fresh database session: the caller's
    is never touched. Never raises: a crash is logged, and the job's row says what happens."""
    with app.app_context():
        try:
            run(job_id)
        except Exception:
            log.exception("job %s crashed outside its handler", job_id)
        finally:
            db.session.remove()


def run(job_id: int) -> bool:
    """Claim and run one job; False when someone else holds it or it is finished."""
    if not _claim(job_id):
        return False
    job = db.session.get_one(Job, job_id)
    entry = _HANDLERS[job.kind]

    def report(percent: int, step: str) -> None:
        job.progress = max(0, min(100, percent))
        job.step = step
        job.heartbeat_at = utcnow()
        db.session.commit()

    try:
        entry.run(job, report)
    except DomainError as error:
        db.session.rollback()
        _fail(job_id, str(error.message), entry)
        return True
    except Exception:
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, job.kind)
        job = db.session.get_one(Job, job_id)
        if job.attempts >= MAX_ATTEMPTS:
            _fail(job_id, GENERIC_FAILURE, entry)
        else:
            job.status = JobStatus.QUEUED
            db.session.commit()
            dispatch(current_app._get_current_object(), job_id)  # type: ignore[attr-defined]
        return True
    job.status = JobStatus.DONE
    job.progress = 100
    job.finished_at = utcnow()
    db.session.commit()
    return True


def _claim(job_id: int) -> bool:
    now = utcnow()
    claimed = rows_changed(
        db.session,
        update(Job)
        .where(
            Job.id == job_id,
            Job.attempts < MAX_ATTEMPTS,
            or_(
                Job.status == JobStatus.QUEUED,
                (Job.status == JobStatus.RUNNING) & (Job.heartbeat_at < now - STALE_AFTER),
            ),
        )
        .values(
            status=JobStatus.RUNNING,
            attempts=Job.attempts + 1,
            started_at=now,
            heartbeat_at=now,
        )
        .execution_options(synchronize_session=False),
    )
    db.session.commit()
    return claimed == 1


def _fail(job_id: int, message: str, entry: Handler | None) -> None:
    job = db.session.get(Job, job_id)
    assert job is not None
    job.status = JobStatus.FAILED
    job.error = message
    job.finished_at = utcnow()
    if entry is not None and entry.on_failure is not None:
        entry.on_failure(job, message)
    db.session.commit()


def is_stale(job: Job, now: datetime | None = None) -> bool:
    """A queued or running job nobody has touched for :data:`STALE_AFTER`: its runner is gone
    (a restarted web process loses its thread pool's queue, a killed worker its job, a flushed
    Redis its queue)."""
    if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return False
    last = job.heartbeat_at or job.created_at
    return last < (now or utcnow()) - STALE_AFTER


def _stale(now: datetime) -> ColumnElement[bool]:
    """:func:`is_stale` as SQL."""
    cutoff = now - STALE_AFTER
    return and_(
        Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
        or_(
            Job.heartbeat_at < cutoff,
            and_(Job.heartbeat_at.is_(None), Job.created_at < cutoff),
        ),
    )


def revive_if_stale(job: Job) -> bool:
    """Dispatch ``job`` again if its runner is gone, or fail it if it has no attempts left, so
    nobody watches a progress bar that will never move."""
    if not is_stale(job):
        return False
    return _revive(job.id)


def sweep(limit: int = 1000) -> int:
    """Revive every stale job (at most ``limit``, oldest first), as :func:`revive_if_stale`
    does for one; the number revived or failed."""
    job_ids = list(
        db.session.scalars(select(Job.id).where(_stale(utcnow())).order_by(Job.id).limit(limit))
    )
    db.session.commit()
    return sum(_revive(job_id) for job_id in job_ids)


def _revive(job_id: int) -> bool:
    """Take the revival of a stale job with one conditional UPDATE (queued again, heartbeat
    now), so of several sweeps and pollers one hands it over, once per stale period."""
    now = utcnow()
    revived = rows_changed(
        db.session,
        update(Job)
        .where(Job.id == job_id, _stale(now))
        .values(status=JobStatus.QUEUED, heartbeat_at=now)
        .execution_options(synchronize_session=False),
    )
    db.session.commit()
    if revived != 1:
        return False  # revived by someone else meanwhile
    job = db.session.get(Job, job_id)
    assert job is not None
    if job.attempts >= MAX_ATTEMPTS:
        _fail(job_id, GENERIC_FAILURE, _HANDLERS.get(job.kind))
    else:
        dispatch(current_app._get_current_object(), job_id)  # type: ignore[attr-defined]
    return True
