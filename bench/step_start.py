"""What an upload's steps cost when forked warm from the step server, against a fresh
interpreter each.

``python -m bench steps`` (``make bench BENCH_ARGS=steps``): the check (run on the upload's
own request) and the anonymization of files of the evidence corpus (two real-looking
screenshots, a statement PDF with a text layer, a text file) and of real public files
(``tests/data/real``: an iPhone's 12-megapixel HEIC photo, a 14-page paper's PDF), each
``BENCH_STEP_RUNS`` times (default 5) in each way, through
:func:`services.platform.jobs.isolation.run_isolated` as the app calls it. The fresh
interpreter is the floor's opposite: what every step cost before the server. Writes
``bench/results/step_start.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

from bench.harness import ROOT, git_commit, print_table, write_json
from config import Defaults
from services.anonymize import checking, pipeline
from services.evidence.contributions import CHECK_STEP
from services.evidence.processing import CLEAN_STEP
from services.platform.jobs import isolation, step_server

DATA = ROOT / "tests" / "data"
#: (file under tests/data, kind) of each anonymization measured; the check times the first
FILES = (
    ("evidence/screenshot_zh.png", "image"),
    ("evidence/screenshot_wechat.png", "image"),
    ("evidence/statement.pdf", "pdf"),
    ("evidence/statement.txt", "text"),
    ("real/iphone_arrow.heic", "image"),
    ("real/tracemonkey.pdf", "pdf"),
)


def _check_task(folder: Path, name: str, kind: str) -> None:
    (folder / checking.ORIGINAL).write_bytes((DATA / name).read_bytes())
    task = {
        "kind": kind,
        "max_pixels": Defaults.EVIDENCE_MAX_PIXELS,
        "work_pixels": Defaults.EVIDENCE_WORK_PIXELS,
        "max_pages": Defaults.EVIDENCE_MAX_PDF_PAGES,
    }
    (folder / checking.TASK).write_text(json.dumps(task))


def _clean_task(folder: Path, name: str, kind: str) -> None:
    (folder / pipeline.ORIGINAL).write_bytes((DATA / name).read_bytes())
    task = {
        "kind": kind,
        "terms": ["Wang Fang", "王芳"],
        "boxes": None,
        "max_pixels": Defaults.EVIDENCE_MAX_PIXELS,
        "work_pixels": Defaults.EVIDENCE_WORK_PIXELS,
        "max_pages": Defaults.EVIDENCE_MAX_PDF_PAGES,
        "dpi": Defaults.EVIDENCE_PDF_DPI,
        "ocr_engines": ["rapidocr", "tesseract"],
        "kept_pages": 0,
    }
    (folder / pipeline.TASK).write_text(json.dumps(task))


def _median_seconds(
    step: str, write_task: Callable[[Path, str, str], None], name: str, kind: str, runs: int
) -> float:
    samples: list[float] = []
    for _ in range(runs):
        folder = Path(tempfile.mkdtemp(prefix="chorus-bench-step-"))
        try:
            write_task(folder, name, kind)
            started = time.perf_counter()
            isolation.run_isolated(step, folder, memory_bytes=3 << 30, timeout=300)
            samples.append(time.perf_counter() - started)
        finally:
            shutil.rmtree(folder)
    return statistics.median(samples)


def _both_ways(
    step: str, write_task: Callable[[Path, str, str], None], name: str, kind: str, runs: int
) -> dict[str, float]:
    with mock.patch.object(step_server, "start_step", return_value=None):
        fresh = _median_seconds(step, write_task, name, kind, runs)
    forked = _median_seconds(step, write_task, name, kind, runs)
    return {"fresh_s": round(fresh, 3), "forked_s": round(forked, 3)}


def main() -> dict[str, Any]:
    runs = int(os.environ.get("BENCH_STEP_RUNS", "5"))
    started = time.perf_counter()
    step_server.start(preload=[step.partition(":")[0] for step in (CHECK_STEP, CLEAN_STEP)])
    server_start_s = time.perf_counter() - started
    rows: list[dict[str, Any]] = []
    for name, kind in FILES[:1]:
        rows.append(
            {"step": "check", "file": name, **_both_ways(CHECK_STEP, _check_task, name, kind, runs)}
        )
    for name, kind in FILES:
        rows.append(
            {
                "step": "anonymize",
                "file": name,
                **_both_ways(CLEAN_STEP, _clean_task, name, kind, runs),
            }
        )
    print_table(
        ["step", "file", "fresh interpreter (s)", "forked warm (s)", "saved"],
        [
            [
                r["step"],
                r["file"],
                r["fresh_s"],
                r["forked_s"],
                f"{1 - r['forked_s'] / r['fresh_s']:.0%}",
            ]
            for r in rows
        ],
    )
    result = {
        "commit": git_commit(),
        "runs_each": runs,
        "server_start_s": round(server_start_s, 2),
        "steps": rows,
    }
    write_json("step_start", result)
    return result
