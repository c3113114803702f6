"""``make bench BENCH_ARGS=load``: the production stack under a mixed load, per endpoint.

gunicorn (``gunicorn.conf.py``, several worker processes) serves the app on loopback against a
real PostgreSQL and Redis; locust drives visitors, members filing complaints, members signing
and regulators downloading bundles for a bounded time. The table gives each endpoint's
requests per second, p50/p95/p99 and errors, and its p50 as a multiple of the floor: ``/livez``,
the cheapest request the same server answers, measured in the same run under the same load.

Settings: ``BENCH_LOAD_USERS`` (simulated people, default 40), ``BENCH_LOAD_SECONDS`` (60),
``BENCH_LOAD_WORKERS`` (gunicorn processes, 4).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pyotp
from sqlalchemy import select

from app import create_app
from bench.harness import ROOT, print_table, write_json
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
from tests.support.server import SERVED_SECRET_KEY, gunicorn_server

PASSWORD = "load-bench-password"  # noqa: S105 - accounts of a throwaway database
FLOOR = "/livez (floor)"
#: settings of the served app for the run: logins from one address are not throttled (every
#: simulated person comes from 127.0.0.1), and jobs run in the web process (none is in the mix)
SERVED = {
    "LOGIN_RATE_LIMIT": "100000 per minute",
    "LOGIN_RATE_LIMIT_PER_ACCOUNT": "100000 per minute",
    "JOBS_MODE": "thread",
}


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


def main() -> None:
    users = int(os.environ.get("BENCH_LOAD_USERS", "40"))
    seconds = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
    workers = int(os.environ.get("BENCH_LOAD_WORKERS", "4"))
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chorus-load-")))
        database_url = stack.enter_context(postgres_server())
        redis_url = stack.enter_context(redis_server())
        seed = _seed(database_url, tmp / "instance", users)
        url = stack.enter_context(
            gunicorn_server(
                database_url, tmp / "instance", workers=workers, REDIS_URL=redis_url, **SERVED
            )
        )
        rows = _rows(_locust(url, seed, users, seconds, tmp))
    floor = next(row for row in rows if row["endpoint"].endswith(FLOOR))
    for row in rows:
        row["p50_vs_floor"] = round(row["p50_ms"] / floor["p50_ms"], 1) if floor["p50_ms"] else None
    rows.sort(key=lambda row: -row["requests"])
    print(
        f"\nLoad: {users} people for {seconds} s, gunicorn {workers} workers "
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
            for r in rows
        ],
    )
    total = sum(r["rps"] for r in rows)
    errors = sum(r["errors"] for r in rows)
    print(f"total {total:.1f} req/s, {errors} errors")
    path = write_json(
        "load",
        {
            "users": users,
            "seconds": seconds,
            "workers": workers,
            "total_rps": total,
            "errors": errors,
            "endpoints": rows,
        },
    )
    print(f"written to {path}")
    if errors:
        raise SystemExit(f"{errors} requests failed under load")
