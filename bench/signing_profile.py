"""Where one signature's time goes: a signing request profiled in-process, one at a time.

The HTTP bench (``bench/http_rates.py``) measures signatures per second through gunicorn; this
one says why a signature costs what it costs. Members of one case are logged in as the login
view does (server-side login row, sealed session cookie, CSRF token), then each signs through
the Flask test client while cProfile records, so the figures are CPU per request without
contention. This machine's speed moves between runs (the same signature cost 3.1 ms one day
and 13 ms another), so the floor is measured in the same run: ``GET /livez`` through the same
client, as many times as signatures are timed; the signature's cost is given in those. It
prints the mean time per request, the share of the request in each layer of
the stack (this app's code, SQLAlchemy, the database driver, Jinja, Werkzeug and Flask) and the
functions of this app and its libraries that cost most, and writes
``bench/results/signing_profile.json``.

``python -m bench signing-profile`` (env ``BENCH_PROFILE_MEMBERS``, default 2000; the first
quarter warm up, the second is timed without the profiler, the rest profiled).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.harness import bench_app, print_table, write_json
from bench.http_rates import _prepare_signers
from tests.support.server import SERVED_SECRET_KEY

#: which layer a function belongs to, by the path of its file
LAYERS = (
    ("sqlite3", "database driver"),
    ("psycopg", "database driver"),
    ("sqlalchemy", "SQLAlchemy"),
    ("jinja2", "Jinja"),
    ("werkzeug", "Werkzeug"),
    ("flask_wtf", "Flask extensions"),
    ("flask_login", "Flask extensions"),
    ("flask_babel", "Flask extensions"),
    ("flask_limiter", "Flask extensions"),
    ("flask_caching", "Flask extensions"),
    ("babel", "Babel"),
    ("itsdangerous", "Flask"),
    ("/flask/", "Flask"),
    ("wtforms", "WTForms"),
)


def _layer(filename: str) -> str:
    if filename == "~":
        return "built-in functions (the SQLite driver's calls among them)"
    if "werkzeug/test.py" in filename or "flask/testing.py" in filename or "/bench/" in filename:
        return CLIENT
    for marker, layer in LAYERS:
        if marker in filename:
            return layer
    if "site-packages" in filename or "/lib/python" in filename:
        return "Python and other libraries"
    return "Chorus"


#: the test client's and this bench's own frames: left out of the shares (gunicorn has none)
CLIENT = "test client"


def _sign_all(app: Any, lines: list[str], path: str) -> None:
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    for line in lines:
        cookie, token, version_hash = line.rstrip("\n").split("\t")
        client = app.test_client()
        client.set_cookie(cookie_name, cookie.split("=", 1)[1], domain="localhost")
        response = client.post(
            path,
            data={
                "csrf_token": token,
                "version_sha256": version_hash,
                "facts_confirmed": "y",
                "share_identity": "pseudonym",
            },
            headers={"User-Agent": "chorus-bench"},
        )
        assert response.status_code == 302, response.status_code
        assert "/login" not in response.headers["Location"], "the login did not hold"


def _livez_seconds(app: Any, requests: int) -> float:
    """The floor: seconds per ``GET /livez`` through the same test client, a fresh one each
    time as for the signers (the better of two passes is kept by the caller)."""
    started = time.perf_counter()
    for _ in range(requests):
        assert app.test_client().get("/livez").status_code == 200
    return (time.perf_counter() - started) / requests


def run(database: str, members: int) -> dict[str, Any]:
    with (
        bench_app(database, SECRET_KEY=SERVED_SECRET_KEY, JOBS_MODE="held") as app,
        tempfile.TemporaryDirectory() as scratch,
    ):
        signers = Path(scratch) / "signers.tsv"
        path = _prepare_signers(app, members, signers)
        lines = signers.read_text().splitlines()
        quarter = members // 4
        warm, timed = lines[:quarter], lines[quarter : 2 * quarter]
        measured = lines[2 * quarter :]
        _sign_all(app, warm, path)
        floor = _livez_seconds(app, len(timed))
        started = time.perf_counter()
        _sign_all(app, timed, path)
        unprofiled = (time.perf_counter() - started) / len(timed)
        floor = min(floor, _livez_seconds(app, len(timed)))
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        _sign_all(app, measured, path)
        profile.disable()
        wall = time.perf_counter() - started
    stats = pstats.Stats(profile)
    by_layer: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), row in stats.stats.items():  # type: ignore[attr-defined]
        by_layer[_layer(filename)] += row[2]  # own time
    by_layer.pop(CLIENT, None)
    total = sum(by_layer.values())
    top = sorted(
        (
            (row[3], f"{Path(filename).name}:{line} {name}")
            for (filename, line, name), row in stats.stats.items()  # type: ignore[attr-defined]
            if _layer(filename) == "Chorus"
        ),
        reverse=True,
    )[:15]
    count = len(measured)
    return {
        "database": database,
        "members": members,
        "profiled_requests": count,
        "ms_per_request_unprofiled": round(unprofiled * 1000, 2),
        "livez_ms_per_request": round(floor * 1000, 3),
        "livez_requests_per_signature": round(unprofiled / floor, 1),
        "ms_per_request_profiled": round(wall / count * 1000, 2),
        "ms_per_request_served": round(total / count * 1000, 2),
        "share_by_layer": {
            layer: round(seconds / total, 3)
            for layer, seconds in sorted(by_layer.items(), key=lambda kv: -kv[1])
        },
        "chorus_functions_cumulative_ms": [
            {"function": where, "ms_per_request": round(seconds / count * 1000, 2)}
            for seconds, where in top
        ],
    }


def main(databases: list[str]) -> dict[str, Any]:
    members = int(os.environ.get("BENCH_PROFILE_MEMBERS", "2000"))
    results = [run(database, members) for database in databases]
    for result in results:
        print(
            f"[{result['database']}] {result['ms_per_request_unprofiled']} ms per signature "
            f"({result['livez_requests_per_signature']} × GET /livez's "
            f"{result['livez_ms_per_request']} ms), {result['ms_per_request_profiled']} under "
            "the profiler "
            f"({result['profiled_requests']} requests)"
        )
        print_table(
            ["layer", "share of own time"],
            [[layer, f"{share:.1%}"] for layer, share in result["share_by_layer"].items()],
        )
        print_table(
            ["function of this app (cumulative)", "ms per request"],
            [
                [r["function"], r["ms_per_request"]]
                for r in result["chorus_functions_cumulative_ms"]
            ],
        )
    data = {"runs": results}
    write_json("signing_profile", data)
    return data
