"""The Redis queue behind ``JOBS_MODE = "rq"``: web processes put job ids on it, ``flask jobs
worker`` processes take them off and run them.

Redis carries nothing but the id of a job row. The row stays the one truth about a job
(:mod:`services.platform.jobs.runner`): a runner claims it with a conditional UPDATE and retries it
by the same
rules whatever runs it, so RQ's own retries are not used and its records of a run are kept only
briefly. Losing Redis (flushed, restarted without persistence, unreachable when a job was
created) delays jobs but loses none: every worker sweeps the table on start and then every
:data:`SWEEP_EVERY` seconds, and hands stale jobs over again.

Workers fork a work horse per job (RQ's default), so a job that crashes the interpreter or is
killed takes only its horse down. A horse inherits the worker's app, built once, and lets go of
the database connections it inherited: they belong to its parent.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask
from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from rq import Queue, Worker
from rq.logutils import setup_loghandlers

from extensions import db
from services.platform.jobs import runner as jobs

log = logging.getLogger(__name__)

#: the longest one run may take before RQ kills its horse: the job row then raises like a
#: crash and is retried (:data:`services.platform.jobs.runner.MAX_ATTEMPTS`). Bundles of
#: 100,000 signatures take 15 s.
JOB_TIMEOUT = 2 * 3600
#: seconds RQ keeps its record of a run; the app never reads them (they help when debugging)
RESULT_TTL = 60
FAILURE_TTL = 3600
#: seconds between two sweeps of a worker for stale jobs (while idle, and between jobs)
SWEEP_EVERY = 60
#: a web request enqueueing while Redis is down waits at most about this long (seconds)
CONNECT_TIMEOUT = 2


def connection(app: Flask) -> Redis:
    """The app's Redis client for enqueueing: quick to give up, since a job Redis refuses
    waits in the database instead (one per app; redis-py is thread- and fork-safe)."""
    client: Redis | None = app.extensions.get("chorus.redis")
    if client is None:
        url = app.config.get("REDIS_URL")
        if not url:
            raise RuntimeError('JOBS_MODE "rq" needs REDIS_URL')
        client = Redis.from_url(
            url,
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=5,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 1),
        )
        app.extensions["chorus.redis"] = client
    return client


def queue(app: Flask, redis: Redis | None = None) -> Queue:
    """The app's queue (``RQ_QUEUE``), on ``redis`` or the app's client for enqueueing."""
    return Queue(app.config["RQ_QUEUE"], connection=redis or connection(app))


def enqueue(app: Flask, job_id: int) -> bool:
    """Put job ``job_id`` on the queue; False, with a warning, when Redis cannot be reached
    (the job then stays queued in the database until a sweep hands it over)."""
    try:
        queue(app).enqueue(
            perform,
            job_id,
            job_timeout=JOB_TIMEOUT,
            result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL,
            description=f"chorus job {job_id}",
        )
    except (RedisError, OSError) as error:
        log.warning("job %s waits in the database: Redis is unreachable (%s)", job_id, error)
        return False
    return True


def perform(job_id: int) -> None:
    """The function RQ runs: job row ``job_id``, in this process's app."""
    app = worker_app()
    jobs.run_in_app(app, job_id)
    if os.getpid() != _Process.owner:  # a horse about to exit: close its connections cleanly
        with app.app_context():
            db.engine.dispose()


class _Process:
    """The app of this process, the process it was made in, and the last process that used
    its database connections (a forked horse inherits all three)."""

    app: Flask | None = None
    owner = 0
    user = 0


def use_app(app: Flask) -> None:
    """Make ``app`` the one :func:`perform` runs jobs in, here and in the horses forked later."""
    _Process.app, _Process.owner, _Process.user = app, os.getpid(), os.getpid()


def worker_app() -> Flask:
    """The app jobs run in: built once per process (``create_app`` from the environment) unless
    :func:`use_app` gave one. In a forked horse, the pool inherited from its parent is dropped
    unclosed (those connections are the parent's)."""
    app = _Process.app
    if app is None:
        from app import create_app

        app = create_app()
        use_app(app)
    elif _Process.user != os.getpid():
        with app.app_context():
            db.engine.dispose(close=False)
        _Process.user = os.getpid()
    return app


def sweep(app: Flask) -> int:
    """One :func:`services.platform.jobs.runner.sweep` in a fresh app context. A failure is
    logged, never raised: a worker outlives a database that is briefly away."""
    with app.app_context():
        try:
            revived = jobs.sweep()
        except Exception:
            log.exception("sweeping stale jobs failed")
            return 0
        finally:
            db.session.remove()
    if revived:
        log.info("handed %d stale job(s) over again", revived)
    return revived


class SweepingWorker(Worker):
    """RQ's forking worker, sweeping for stale jobs whenever it does its own maintenance."""

    def __init__(self, app: Flask, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.flask_app = app

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()  # type: ignore[no-untyped-call]  # unannotated in rq
        sweep(self.flask_app)


def work(app: Flask, *, burst: bool = False) -> bool:
    """Serve the app's queue: sweep, then run jobs, sweeping again every :data:`SWEEP_EVERY`
    seconds, until stopped (``burst``: until the queue is empty). True if any job ran."""
    use_app(app)
    setup_loghandlers("INFO", name=__name__.rpartition(".")[0])  # services.*, like RQ's own
    redis = Redis.from_url(app.config["REDIS_URL"])  # RQ sets the timeouts a worker needs
    worker = SweepingWorker(
        app,
        [queue(app, redis)],
        connection=redis,
        # RQ looks at maintenance each time it stops waiting for a job: every worker_ttl - 15 s
        worker_ttl=SWEEP_EVERY + 15,
        maintenance_interval=SWEEP_EVERY - 5,
    )
    return worker.work(burst=burst)
