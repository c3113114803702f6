"""Requests per second through gunicorn, measured with ``wrk``, as ratios against ``/livez``.

Every figure is a ratio against floors measured through the same server in the same run: the
cheapest request the app answers (``/livez``) and a static file. Two runs per database:

* **pages**: what visitors open when a case goes viral: the home page, the case list, a
  5-member case and a 100,000-member case (figures published by the job, as in production);
* **signing**: thousands of members of one case sign, each request a different member who
  logged in beforehand. Their logins are made by the app's own login code (a server-side login
  record and a session cookie sealed with the served app's key), so the run measures signing,
  not password hashing. After the run every answered signature must be in the log exactly once
  and the case's chain must verify.

The server runs with the project's gunicorn configuration (workers and threads as
``gunicorn.conf.py`` sets them for this machine) and ``wrk`` on the same cores, as the issue's
measurements were taken, with one change: workers are not recycled after ``max_requests``.
Recycling closes kept-alive connections, and a request wrk had just written on one is lost
(a browser would send it again; wrk waits for it for ever), while a floor run of ``/livez``
alone passes 5,000 requests in a few seconds.

The members and cases are prepared with background jobs held (``JOBS_MODE=held``): filing
thousands of complaints queues as many meaning vectors, and computing them beside the served
app would measure the machine's spare time, not the app.

Environment: ``BENCH_DATABASES``, ``BENCH_SIGNERS`` (default 20,000), ``BENCH_BIG_CASE``
(default 100,000 members), ``BENCH_WRK_SECONDS`` (default 10), ``BENCH_REPEATS`` (default 3;
medians are reported), ``BENCH_HTTP_PARTS`` (default ``pages,signing``).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, g, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, select, text

from bench.harness import (
    ROOT,
    bench_app,
    git_commit,
    previous_results,
    print_table,
    write_json,
)
from bench.signing_setup import build_signing_case
from bench.synthetic import generate
from blueprints.auth.views import start_session
from extensions import db
from models import GroupCase, Membership, PetitionVersion, SignatureEntry, User
from services.cases.published import publish
from services.petition.signing import verify_case_chain
from tests.support.server import SERVED_SECRET_KEY, gunicorn_server

WRK_DIR = ROOT / "bench" / "wrk"
THREADS = 2
CONNECTIONS = 16
SIGNING_PASSWORD = "bench signing password"  # noqa: S105 - throwaway accounts
USER_AGENT = "chorus-bench"  # what the wrk scripts send: the logins are bound to it


# gunicorn's max_requests recycling closes kept-alive connections and loses
# a request wrk just wrote; a browser would resend, wrk waits for ever.
NO_RECYCLING = ("--max-requests", "0")


@contextmanager
def _serve(url: str, served: Path) -> Iterator[str]:
    """The app under gunicorn's production configuration, workers never recycled."""
    with gunicorn_server(
        url, served, workers=_workers(), gunicorn_args=NO_RECYCLING, RATELIMIT_ENABLED="false"
    ) as base:
        yield base


def _workers() -> int:
    """The worker count ``gunicorn.conf.py`` picks on this machine."""
    return int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) * 2 + 1))


def _wrk_command(base_url: str, path: str, script: str, seconds: float) -> list[str]:
    return [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{round(seconds)}s",
        "--timeout",
        "30s",
        "-s",
        str(WRK_DIR / script),
        base_url + path,
    ]


def _wrk_env(path: str, **env: str) -> dict[str, str]:
    return {
        **os.environ,
        "CHORUS_WRK_DIR": str(WRK_DIR),
        "CHORUS_WRK_THREADS": str(THREADS),
        "CHORUS_WRK_PATH": path,
        **env,
    }


def _report(stdout: str) -> dict[str, Any]:
    """What ``bench/wrk/report.lua`` printed."""
    line = next(ln for ln in stdout.splitlines() if ln.startswith("CHORUS-WRK "))
    return dict(json.loads(line.removeprefix("CHORUS-WRK ")))


def wrk(base_url: str, path: str, script: str, seconds: float, **env: str) -> dict[str, Any]:
    """One wrk run of ``seconds``."""
    done = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
        _wrk_command(base_url, path, script, seconds),
        env=_wrk_env(path, **env),
        capture_output=True,
        text=True,
        timeout=seconds + 300,
    )
    if done.returncode:
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    return _report(done.stdout)


def wrk_until_done(base_url: str, path: str, script: str, limit: float, **env: str) -> dict:
    """A wrk run that ends once every thread says it is done (a file each in a directory the
    script is given), or after ``limit`` seconds: wrk runs for its whole ``-d`` otherwise."""
    with tempfile.TemporaryDirectory() as done_dir:
        process = subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell
            _wrk_command(base_url, path, script, limit),
            env=_wrk_env(path, CHORUS_WRK_DONE_DIR=done_dir, **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        while process.poll() is None and len(os.listdir(done_dir)) < THREADS:
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)  # wrk prints its report and the script's done()
        stdout, stderr = process.communicate(timeout=120)
    if process.returncode:
        raise RuntimeError(f"wrk failed: {stdout}\n{stderr}")
    return _report(stdout)


def _assert_answers_200(base_url: str, path: str) -> None:
    """wrk counts a redirect as an answer: a page measured must be the page itself."""
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=60)
    connection.request("GET", path, headers={"User-Agent": USER_AGENT})
    status = connection.getresponse().status
    connection.close()
    assert status == 200, f"{path} answered {status}"


@dataclass
class Target:
    label: str
    path: str


def _median_runs(base_url: str, target: Target, seconds: float, repeats: int) -> dict[str, Any]:
    """Medians of ``repeats`` runs (after one short warm-up), of a page that answers 200."""
    _assert_answers_200(base_url, target.path)
    wrk(base_url, target.path, "page.lua", 2)
    runs = [wrk(base_url, target.path, "page.lua", seconds) for _ in range(repeats)]
    assert all(r["status_errors"] == 0 and r["socket_errors"] == 0 for r in runs), runs
    return {
        key: round(statistics.median(r[key] for r in runs), 2)
        for key in ("rate", "p50_us", "p95_us", "p99_us")
    }


def _page_targets(small_case: str, big_case: str) -> list[Target]:
    return [
        Target("GET /livez (floor)", "/livez"),
        Target("GET static file (floor)", "/static/css/app.css"),
        Target("GET / (home)", "/"),
        Target("GET /cases/ (list)", "/cases/"),
        Target("GET /cases/<id> (5 members)", f"/cases/{small_case}"),
        Target("GET /cases/<id> (100,000 members)", f"/cases/{big_case}"),
    ]


def _build_pages_data(app: Flask, big_case_members: int) -> tuple[str, str]:
    """A 5-member case (filed through the services) and a case of ``big_case_members``
    (rows in bulk), each with its figures published; returns their public ids."""
    with app.test_request_context():
        made = generate(db.session, big_case_members + 10_000, big_case_members=big_case_members)
        assert made.big_case_public_id
        _advance_sequences()
        small_case, _emails = build_signing_case(db.session, 5, SIGNING_PASSWORD)
        for public_id in (small_case, made.big_case_public_id):
            case = db.session.scalar(select(GroupCase).where(GroupCase.public_id == public_id))
            assert case is not None
            publish(db.session, case)
        db.session.commit()
    db.session.remove()
    return small_case, made.big_case_public_id


def _advance_sequences() -> None:
    """Bulk rows were written with their ids: PostgreSQL's sequences must move past them before
    the services insert more (SQLite takes the next id from the table itself)."""
    if db.engine.dialect.name != "postgresql":
        return
    for statement in (
        "SELECT setval(pg_get_serial_sequence('group_cases', 'id'), max(id)) FROM group_cases",
        "SELECT setval(pg_get_serial_sequence('complaints', 'id'), max(id)) FROM complaints",
    ):
        db.session.execute(text(statement))


def run_pages(database: str, big_case_members: int, seconds: float, repeats: int) -> dict:
    with (
        bench_app(database, SECRET_KEY=SERVED_SECRET_KEY, JOBS_MODE="held") as app,
        _served_dir() as served,
    ):
        started = time.perf_counter()
        small_case, big_case = _build_pages_data(app, big_case_members)
        print(f"[{database}] pages data built in {time.perf_counter() - started:.0f} s")
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        with _serve(url, served) as base:
            measured = {
                target.label: _median_runs(base, target, seconds, repeats)
                for target in _page_targets(small_case, big_case)
            }
    floor = measured["GET /livez (floor)"]
    for row in measured.values():
        row["rate_ratio"] = round(row["rate"] / floor["rate"], 3)
        row["p95_ratio"] = round(row["p95_us"] / floor["p95_us"], 2)
    return measured


def _prepare_signers(app: Flask, members: int, lines: Path) -> str:
    """A case of ``members`` members with a version open for signing, each member logged in as
    the login view does; writes one line per member (cookie, CSRF token, version hash) for
    ``bench/wrk/sign.lua`` and returns the signing path."""
    with app.test_request_context():
        case_id, emails = build_signing_case(db.session, members, SIGNING_PASSWORD)
        case = db.session.scalar(select(GroupCase).where(GroupCase.public_id == case_id))
        assert case is not None
        version = db.session.scalar(
            select(PetitionVersion)
            .where(PetitionVersion.case_id == case.id)
            .order_by(PetitionVersion.number.desc())
        )
        assert version is not None
        assert version.content_sha256
        version_hash = version.content_sha256
        user_ids = db.session.scalars(select(User.id).where(User.email.in_(emails))).all()
    db.session.remove()
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    sealer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    with lines.open("w") as out:
        for user_id in user_ids:
            with app.test_request_context(
                "/account/login",
                environ_base={"REMOTE_ADDR": "127.0.0.1"},
                headers={"User-Agent": USER_AGENT},
            ):
                user = db.session.get(User, user_id)
                assert user is not None
                start_session(user, remember=False)
                token = generate_csrf()
                g.pop("csrf_token", None)
                out.write(f"{cookie_name}={sealer.dumps(dict(session))}\t{token}\t{version_hash}\n")
    db.session.remove()
    return f"/cases/{case_id}/petition/sign"


def _check_signatures(app: Flask, signed: int) -> dict[str, Any]:
    """Every answered signature is in the log once, and the chain verifies."""
    with app.app_context():
        entries = db.session.scalar(select(func.count()).select_from(SignatureEntry)) or 0
        distinct = (
            db.session.scalar(select(func.count(func.distinct(SignatureEntry.membership_id)))) or 0
        )
        case = db.session.scalar(
            select(GroupCase).join(Membership).group_by(GroupCase.id).order_by(func.count().desc())
        )
        assert case is not None
        report = verify_case_chain(db.session, case)
        counted = db.session.scalar(select(func.sum(PetitionVersion.signature_count))) or 0
        db.session.remove()
    assert entries == signed == distinct == counted, (entries, signed, distinct, counted)
    assert report.ok, report.problem
    return {"entries": entries, "chain_valid": report.ok}


def run_signing(database: str, members: int, seconds: float) -> dict:
    with (
        bench_app(database, SECRET_KEY=SERVED_SECRET_KEY, JOBS_MODE="held") as app,
        _served_dir() as served,
        tempfile.TemporaryDirectory() as scratch,
    ):
        lines = Path(scratch) / "signers.tsv"
        started = time.perf_counter()
        path = _prepare_signers(app, members, lines)
        print(f"[{database}] {members} signers prepared in {time.perf_counter() - started:.0f} s")
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        with _serve(url, served) as base:
            floor = _median_runs(base, Target("/livez", "/livez"), seconds, 1)
            signing = wrk_until_done(base, path, "sign.lua", 3600, CHORUS_WRK_MEMBERS=str(lines))
            after = _median_runs(base, Target("/livez", "/livez"), seconds, 1)
        checked = _check_signatures(app, int(signing["signed"]))
    assert signing["refused"] == 0, signing
    floor_rate = statistics.fmean([floor["rate"], after["rate"]])
    rate = signing["signed"] / signing["signing_seconds"]
    return {
        "members": members,
        "signatures_per_s": round(rate, 1),
        "livez_per_s": round(floor_rate, 1),
        "rate_ratio": round(rate / floor_rate, 3),
        "p50_ms": round(signing["p50_us"] / 1000, 1),
        "p99_ms": round(signing["p99_us"] / 1000, 1),
        "lost_with_connection": members - int(signing["signed"]),
        **checked,
    }


@contextmanager
def _served_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="chorus-served-") as served:
        yield Path(served)


def main(databases: list[str]) -> dict[str, Any]:
    """``BENCH_HTTP_PARTS`` (default ``pages,signing``) picks what to measure; a part not
    measured keeps its figures (and the commit they were measured at) from the last run."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: `make bench` installs it (Debian package wrk)")
    seconds = float(os.environ.get("BENCH_WRK_SECONDS", "10"))
    repeats = int(os.environ.get("BENCH_REPEATS", "3"))
    big = int(os.environ.get("BENCH_BIG_CASE", "100000"))
    signers = int(os.environ.get("BENCH_SIGNERS", "20000"))
    parts = os.environ.get("BENCH_HTTP_PARTS", "pages,signing").split(",")
    commit = git_commit()
    results: dict[str, Any] = {
        **previous_results("http_rates"),
        "server": {"workers": _workers(), "threads": 4, "cpus": os.cpu_count()},
        "wrk": {"threads": THREADS, "connections": CONNECTIONS, "seconds": seconds},
    }
    for database in databases:
        measured = dict(results.get(database, {}))
        if "pages" in parts:
            measured["pages"] = run_pages(database, big, seconds, repeats)
            measured["pages_commit"] = commit
        if "signing" in parts:
            measured["signing"] = run_signing(database, signers, seconds)
            measured["signing_commit"] = commit
        results[database] = measured
        # written after each database: a run cut off later keeps what it measured
        write_json("http_rates", results)
        print(f"\nThrough gunicorn with wrk, {database}: medians of {repeats} runs of {seconds} s")
        if "pages" in measured:
            print_table(
                ["request", "per s", "× /livez rate", "p95 ms", "× /livez p95"],
                [
                    [label, row["rate"], row["rate_ratio"], row["p95_us"] / 1000, row["p95_ratio"]]
                    for label, row in measured["pages"].items()
                ],
            )
        if "signing" in measured:
            signing = measured["signing"]
            print(
                f"signing, {signing['members']} members: {signing['signatures_per_s']}/s "
                f"({signing['rate_ratio']} × /livez), p50 {signing['p50_ms']} ms, "
                f"p99 {signing['p99_ms']} ms, {signing['entries']} entries, chain valid"
            )
    path = write_json("http_rates", results)
    print(f"written to {path.relative_to(ROOT)}")
    return results
