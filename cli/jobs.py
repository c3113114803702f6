"""``flask jobs worker`` runs background jobs from the Redis queue (``JOBS_MODE = "rq"``, see
:mod:`services.platform.jobs.redis_queue`); ``flask jobs sweep`` hands stale jobs over again once,
for cron."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from extensions import db
from services import clocks
from services.cases import published as published_figures
from services.matching.warm import warm_up_job_worker
from services.platform.jobs.runner import sweep as sweep_stale


@click.group("jobs")
def jobs() -> None:
    """Background jobs: the queue worker and the sweep for stale jobs."""


@jobs.command("worker")
@click.option("--burst", is_flag=True, help="Quit once the queue is empty (after one sweep).")
@with_appcontext
def worker(burst: bool) -> None:
    """Run jobs from the Redis queue, sweeping for stale jobs on start and every minute.

    SIGTERM or Ctrl-C lets the job under way finish; a second one stops it (it is then
    retried, like a job whose worker was killed). Fails when REDIS_URL is not set."""
    from services.platform.jobs import (
        redis_queue as job_queue,  # RQ is imported by the commands that use it only
    )

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["JOBS_MODE"] != "rq" or not app.config.get("REDIS_URL"):
        raise click.ClickException(
            'The worker serves the Redis queue: set REDIS_URL (and leave JOBS_MODE unset or "rq").'
        )
    warm_up_job_worker()  # before RQ forks a horse per job: each inherits it
    job_queue.work(app, burst=burst)


@jobs.command("sweep")
@with_appcontext
def sweep() -> None:
    """Hand every stale job to a runner again, or fail it when it has no attempts left, and
    queue the case figures that are due for their next snapshot, move deadlines counted across
    a year whose official holiday schedule has since come out, and tell members about
    deadlines three days away or passed (each notice once).

    Workers hand stale jobs over every minute; run this from cron every few minutes in any
    case (JOBS_MODE "thread": the jobs then run in this command before it returns)."""
    revived = sweep_stale()
    click.echo(f"{revived} stale job(s) handed over again.")
    queued = published_figures.queue_due(db.session)
    db.session.commit()
    click.echo(f"{queued} case(s) queued for new published figures.")
    moved = clocks.refresh_due_dates(db.session)
    db.session.commit()
    click.echo(f"{moved} deadline(s) moved to a newly published holiday schedule.")
    # the notices' e-mails link to the case: build their addresses on the public URL
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        told = clocks.send_due(db.session)
        db.session.commit()
    click.echo(
        f"{told.due_soon} deadline(s) three days away and {told.overdue} passed: "
        f"{told.notifications} notification(s)."
    )
