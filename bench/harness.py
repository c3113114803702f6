"""Apps on throwaway databases for benchmarks: SQLite in a temp dir, or a real PostgreSQL."""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from app import create_app
from extensions import db
from services.reference.categories import ensure_categories
from tests.support.postgres import postgres_server

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


@contextmanager
def bench_app(database: str, **config: Any) -> Iterator[Flask]:
    """An app context on an empty schema of ``database`` ("sqlite" or "postgresql");
    ``config`` overrides settings (a served app's secret key, for instance)."""
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chorus-bench-")))
        if database == "postgresql":
            url = stack.enter_context(postgres_server())
        else:
            url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        app = create_app(
            {
                "ENV": "testing",
                "SECRET_KEY": "bench",
                "INSTANCE_PATH": str(tmp),
                "SQLALCHEMY_DATABASE_URI": url,
                "RATELIMIT_ENABLED": False,
                **config,
            }
        )
        with app.app_context():
            db.create_all()
            ensure_categories(db.session)
            db.session.commit()
            yield app
            db.session.remove()
            db.engine.dispose()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(samples, 50) * 1000, 2),
        "p95_ms": round(percentile(samples, 95) * 1000, 2),
        "mean_ms": round(statistics.fmean(samples) * 1000, 2) if samples else 0.0,
    }


def print_table(headers: list[str], rows: list[list[Any]]) -> None:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def write_json(name: str, data: Any) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    return path


def previous_results(name: str) -> dict[str, Any]:
    """What the last run wrote to ``bench/results/<name>.json``: a run that measures only
    part (one database, one size) keeps the rest, with the commit each was measured at."""
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def git_commit() -> str:
    """The commit measured, so a kept figure says which code it belongs to."""
    git = shutil.which("git")
    if git is None:
        return "unknown"
    done = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
        [git, "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"
