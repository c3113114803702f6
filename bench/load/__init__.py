"""``make bench BENCH_ARGS=load``: the production stack under a mixed load, per endpoint.

gunicorn (``gunicorn.conf.py``, several worker processes) serves the app on loopback against a
real PostgreSQL and Redis; locust drives visitors, members filing complaints, members signing
and regulators downloading bundles for a bounded time. The table gives each endpoint's
requests per second, p50/p95/p99 and errors, and its p50 as a multiple of the floor: ``/livez``,
the cheapest request the same server answers, measured in the same run under the same load.

Settings: ``BENCH_LOAD_USERS`` (simulated people, default 40; a list such as ``60,120,240``
runs each on a fresh stack and reports the first that saturates), ``BENCH_LOAD_SECONDS`` (60),
``BENCH_LOAD_WORKERS`` (gunicorn processes, 4). Each run also says which processes used the
CPU: on two cores the load generator takes its share of what the server could have had.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pyotp
from sqlalchemy import select

from app import create_app
from bench.harness import ROOT, print_table, write_json
from bench.load.cpu import cpu_split
from bench.signing_setup import build_signing_case
from extensions import db
from models import Category, GroupCase, Submission, User, UserRole
from services.accounts import two_factor
from services.accounts.passwords import hash_password
from services.bundle.job import bundle_for, enqueue_build
from services.demo import load_demo
from services.reference.categories import ensure_categories
from tests.support.postgres import postgres_server
from tests.support.redis_server import redis_server
from tests.support.server import SERVED_SECRET_KEY, gunicorn_server, served_env

PASSWORD = "load-bench-password"  # noqa: S105 - accounts of a throwaway database
FLOOR = "/livez (floor)"
#: p95 of an endpoint from which the server counts as saturated
SATURATED_P95_MS = 500
#: checking a password (argon2) and a second step costs time on purpose; with every simulated
#: person logging in within the first seconds they queue far past the others, so they are
#: reported apart and do not decide saturation
PASSWORD_STEPS = {"POST /account/login [POST]", "POST /account/two-step [POST]"}
#: settings of the served app for the run: logins from one address are not throttled (every
#: simulated person comes from 127.0.0.1); jobs (a filed complaint's meaning, a case's
#: figures) go through Redis to a job worker process, as in production
SERVED = {
    "LOGIN_RATE_LIMIT": "100000 per minute",
    "LOGIN_RATE_LIMIT_PER_ACCOUNT": "100000 per minute",
    "JOBS_MODE": "rq",
}
FLASK = str(Path(sys.executable).with_name("flask"))


def _seed(database_url: str, instance: Path, people: int) -> dict[str, Any]:
    """The demo data, a case open for signing with one member per simulated signer, accounts
    for the filers, and the bundle of a submitted case built in advance."""
    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": SERVED_SECRET_KEY,  # the officers' authenticators are sealed with it
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": database_url,
            "JOBS_MODE": "eager",
        }
    )
    with app.app_context():
        db.create_all()
        ensure_categories(db.session)
        load_demo(db.session)
        db.session.commit()
        signing_case, signers = build_signing_case(db.session, people, PASSWORD)
        password_hash = hash_password(PASSWORD)
        filers = [f"filer{i}@bench.example" for i in range(people)]
        db.session.add_all(
            User(email=email, display_name=email, password_hash=password_hash) for email in filers
        )
        regulator = db.session.scalar(select(User).where(User.email == "regulator@example.org"))
        submission = db.session.scalar(
            select(Submission).where(Submission.authority_id == regulator.authority_id)
        )
        if bundle_for(submission) is None:
            enqueue_build(submission, user_id=None)
        regulators = _enrolled_regulators(regulator, people, password_hash)
        db.session.commit()
        seed = {
            "password": PASSWORD,
            "cases": list(db.session.scalars(select(GroupCase.public_id))),
            "signing_case": signing_case,
            "signers": signers,
            "filers": filers,
            "regulators": regulators,
            "submitted_case": submission.case.public_id,
            "category_id": db.session.scalar(
                select(Category.id).where(Category.code == "account_security")
            ),
        }
        db.session.remove()
        db.engine.dispose()
    return seed


def _enrolled_regulators(colleague: User, count: int, password_hash: str) -> list[list[str]]:
    """Officers of the demo regulator's authority with two-step verification on, one per
    simulated regulator (a code opens one session only): [[e-mail, authenticator secret]]."""
    officers = []
    for number in range(count):
        officer = User(
            email=f"officer{number}@bench.example",
            display_name=f"officer {number}",
            password_hash=password_hash,
            role=UserRole.REGULATOR,
            authority_id=colleague.authority_id,
        )
        db.session.add(officer)
        db.session.flush()
        secret = two_factor.new_secret()
        two_factor.enable(db.session, officer, secret, pyotp.TOTP(secret).now())
        officer.totp_last_step = None  # the enrolment's code may be the first login's too
        officers.append([officer.email, secret])
    return officers


@contextmanager
def _job_worker(database_url: str, instance: Path, settings: dict[str, str]) -> Iterator[None]:
    """``flask jobs worker`` on the run's Redis queue, stopped (SIGTERM) after the run."""
    instance.mkdir(parents=True, exist_ok=True)
    with (instance / "worker.log").open("wb") as log:
        worker = subprocess.Popen(  # noqa: S603 - our own venv's flask, arguments built here
            [FLASK, "--app", "app", "jobs", "worker"],
            env=served_env(database_url, instance, **settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield
        finally:
            worker.terminate()
            worker.wait(60)


def _locust(url: str, seed: dict[str, Any], users: int, seconds: int, out: Path) -> Path:
    prefix = out / "load"
    subprocess.run(  # noqa: S603 - our own venv's locust, arguments built here
        [
            str(Path(sys.executable).with_name("locust")),
            "-f",
            str(ROOT / "bench" / "load" / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 5)),
            "--run-time",
            f"{seconds}s",
            "--host",
            url,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "0",
        ],
        env={**os.environ, "CHORUS_LOAD_SEED": json.dumps(seed)},
        check=True,
    )
    return prefix.with_name("load_stats.csv")


def _rows(stats: Path) -> list[dict[str, Any]]:
    with stats.open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Name"] != "Aggregated"]
    return [
        {
            "endpoint": f"{row['Type']} {row['Name']}",
            "requests": int(row["Request Count"]),
            "errors": int(row["Failure Count"]),
            "rps": float(row["Requests/s"]),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "p99_ms": float(row["99%"]),
        }
        for row in rows
    ]


def _run(users: int, seconds: int, workers: int) -> dict[str, Any]:
    """One run on a fresh stack: seeded for ``users`` people, loaded for ``seconds``; each
    endpoint's figures and who used the CPU meanwhile."""
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chorus-load-")))
        database_url = stack.enter_context(postgres_server())
        redis_url = stack.enter_context(redis_server())
        seed = _seed(database_url, tmp / "instance", users)
        settings = {"REDIS_URL": redis_url, **SERVED}
        stack.enter_context(_job_worker(database_url, tmp / "instance", settings))
        url = stack.enter_context(
            gunicorn_server(database_url, tmp / "instance", workers=workers, **settings)
        )
        with cpu_split() as cpu:
            stats = _locust(url, seed, users, seconds, tmp)
        rows = _rows(stats)
    floor = next(row for row in rows if row["endpoint"].endswith(FLOOR))
    for row in rows:
        row["p50_vs_floor"] = round(row["p50_ms"] / floor["p50_ms"], 1) if floor["p50_ms"] else None
    rows.sort(key=lambda row: -row["requests"])
    judged = [row for row in rows if row["endpoint"] not in PASSWORD_STEPS]
    slowest = max(judged, key=lambda row: row["p95_ms"])
    return {
        "users": users,
        "seconds": seconds,
        "workers": workers,
        "total_rps": round(sum(r["rps"] for r in rows), 1),
        "errors": sum(r["errors"] for r in rows),
        "floor_p50_ms": floor["p50_ms"],
        "slowest_p95": {"endpoint": slowest["endpoint"], "p95_ms": slowest["p95_ms"]},
        "saturated": bool(sum(r["errors"] for r in rows)) or slowest["p95_ms"] > SATURATED_P95_MS,
        "cpu_seconds": cpu,
        "endpoints": rows,
    }


def _print_run(run: dict[str, Any]) -> None:
    print(
        f"\nLoad: {run['users']} people for {run['seconds']} s, gunicorn {run['workers']} workers "
        f"(gthread), PostgreSQL, Redis, on {os.cpu_count()} cores shared with the load generator"
    )
    print_table(
        ["endpoint", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "p50 ÷ floor"],
        [
            [
                r["endpoint"],
                r["requests"],
                f"{r['rps']:.1f}",
                f"{r['p50_ms']:.0f}",
                f"{r['p95_ms']:.0f}",
                f"{r['p99_ms']:.0f}",
                r["errors"],
                r["p50_vs_floor"],
            ]
            for r in run["endpoints"]
        ],
    )
    used = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in run["cpu_seconds"].items())
    print(f"total {run['total_rps']:.1f} req/s, {run['errors']} errors; CPU used: {used}")


def _print_sweep(runs: list[dict[str, Any]]) -> int | None:
    """The table of the sweep; returns the first number of people that saturated, if any."""
    print(f"\nSaturation: p95 of an endpoint over {SATURATED_P95_MS} ms, or errors")
    print("(the password and two-step checks are slow by design and judged apart)")
    print_table(
        ["people", "req/s", "errors", "floor p50", "slowest p95", "login p95", "CPU", "saturated"],
        [
            [
                run["users"],
                f"{run['total_rps']:.1f}",
                run["errors"],
                f"{run['floor_p50_ms']:.0f} ms",
                f"{run['slowest_p95']['p95_ms']:.0f} ms {run['slowest_p95']['endpoint']}",
                f"{_login_p95(run):.0f} ms",
                " ".join(f"{k} {v:.0f}" for k, v in run["cpu_seconds"].items()),
                "yes" if run["saturated"] else "no",
            ]
            for run in runs
        ],
    )
    return next((run["users"] for run in runs if run["saturated"]), None)


def _login_p95(run: dict[str, Any]) -> float:
    return max(
        (r["p95_ms"] for r in run["endpoints"] if r["endpoint"] in PASSWORD_STEPS), default=0.0
    )


def main() -> None:
    counts = [int(n) for n in os.environ.get("BENCH_LOAD_USERS", "40").split(",")]
    seconds = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
    workers = int(os.environ.get("BENCH_LOAD_WORKERS", "4"))
    runs = []
    for users in counts:
        run = _run(users, seconds, workers)
        _print_run(run)
        runs.append(run)
    saturated_at = _print_sweep(runs)
    path = write_json("load", {"runs": runs, "saturated_at_people": saturated_at})
    print(f"saturated at {saturated_at} people; written to {path}")
