"""Signing throughput through HTTP (gunicorn, 2 workers) beside a floor of raw inserts.

Members log in and open the signing page first (untimed); then all of them post their
signature at once from 16 client threads, and we count signatures per second. The floor is the
same number of plain one-row INSERT transactions into the same database in the same run: what
the database itself can commit, with no HTTP, no checks and no hash chain.
"""

from __future__ import annotations

import re
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine

from bench.signing_setup import build_signing_case
from extensions import db
from tests.support.browserless import HttpUser
from tests.support.forms import csrf_token
from tests.support.server import gunicorn_server

MEMBERS = 300
CLIENT_THREADS = 16
PASSWORD = "bench signing password"  # noqa: S105 - throwaway accounts
HASH = re.compile(r'name="version_sha256" type="hidden" value="([0-9a-f]{64})"')


def _prepared(base_url: str, case_id: str, email: str) -> tuple[HttpUser, dict[str, str]]:
    user = HttpUser(base_url)
    user.submit("/account/login", "/account/login", {"email": email, "password": PASSWORD})
    _status, page = user.get(f"/cases/{case_id}/petition")
    found = HASH.search(page)
    assert found, "signing form missing"
    return user, {
        "csrf_token": csrf_token(page),
        "version_sha256": found.group(1),
        "facts_confirmed": "y",
        "share_identity": "pseudonym",
    }


def _post_signature(case_id: str, prepared: tuple[HttpUser, dict[str, str]]) -> int:
    user, form = prepared
    return user.post(f"/cases/{case_id}/petition/sign", form)[0]


def _floor(url: str, rows: int) -> float:
    """Seconds for ``rows`` one-row INSERT transactions (a table like the signature log)."""
    engine = create_engine(url)
    table = Table(
        "floor_inserts",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("entry_hash", String(64)),
        Column("created_at", DateTime),
    )
    table.create(engine)
    start = time.perf_counter()
    for index in range(rows):
        with engine.begin() as connection:
            connection.execute(
                table.insert().values(entry_hash=f"{index:064x}", created_at=datetime.now(UTC))
            )
    elapsed = time.perf_counter() - start
    table.drop(engine)
    engine.dispose()
    return elapsed


def main(databases: list[str]) -> dict[str, Any]:
    from bench.harness import ROOT, bench_app, print_table, write_json

    results: dict[str, Any] = {}
    rows = []
    for database in databases:
        with bench_app(database, JOBS_MODE="held") as app, tempfile.TemporaryDirectory() as served:
            url = app.config["SQLALCHEMY_DATABASE_URI"]
            with app.test_request_context():
                case_id, emails = build_signing_case(db.session, MEMBERS, PASSWORD)
            db.session.remove()
            with (
                gunicorn_server(
                    url, Path(served), workers=2, RATELIMIT_ENABLED="false"
                ) as base_url,
                ThreadPoolExecutor(max_workers=CLIENT_THREADS) as pool,
            ):
                prepared = list(pool.map(partial(_prepared, base_url, case_id), emails))
                start = time.perf_counter()
                statuses = list(pool.map(partial(_post_signature, case_id), prepared))
                signing_seconds = time.perf_counter() - start
            floor_seconds = _floor(url, MEMBERS)
        assert statuses == [302] * MEMBERS, set(statuses)
        signing_rate = MEMBERS / signing_seconds
        floor_rate = MEMBERS / floor_seconds
        results[database] = {
            "signatures": MEMBERS,
            "signatures_per_s": round(signing_rate, 1),
            "floor_inserts_per_s": round(floor_rate, 1),
            "ratio_to_floor": round(signing_rate / floor_rate, 3),
        }
        rows.append(
            [
                database,
                MEMBERS,
                round(signing_rate, 1),
                round(floor_rate, 1),
                f"{signing_rate / floor_rate:.2f}",
            ]
        )
    print(
        "\nSigning throughput through gunicorn (2 workers, 16 client threads); floor = one-row "
        "INSERT transactions"
    )
    print_table(["database", "signatures", "signatures/s", "floor inserts/s", "ratio"], rows)
    path = write_json("signing_throughput", results)
    print(f"written to {path.relative_to(ROOT)}")
    return results
