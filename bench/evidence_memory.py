"""Memory of the web process across large uploads, and the size of rebuilt files.

``python -m bench evidence`` (``make bench BENCH_ARGS=evidence``): on SQLite, a member uploads
``BENCH_EVIDENCE_UPLOADS`` (default 50) copies of an 8000 x 5000 PNG of about 400 KB through the
pages, with the inline job runner, and each is anonymized (Tesseract, which this machine has)
and discarded. Measured: the resident memory (VmRSS) of this process, which plays the web
process, before and after; the peak resident memory of the largest child process (a check or
a job); then, for comparison, what this process keeps after decoding and re-encoding the same
picture itself three times, as the web process did before the child processes. Last, the sizes
of real PDFs and photos after rebuilding. Writes ``bench/results/evidence_memory.json``.
"""

from __future__ import annotations

import gc
import io
import json
import os
import random
import resource
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

from flask import Flask
from PIL import Image, ImageDraw
from sqlalchemy import select

from app import create_app
from bench.harness import ROOT, print_table, write_json
from extensions import db
from models import Category, Evidence, EvidenceStatus
from services.accounts import users as accounts
from services.anonymize import image, pipeline
from services.cases import membership as group_cases
from services.complaints.filing import ComplaintInput, file_complaint
from services.platform.jobs import step_server
from services.reference.categories import ensure_categories
from services.reference.companies import create_company
from tests.support.client import FreshGlobalsClient
from tests.support.forms import logged_in, submit, upload_evidence
from tests.support.web import EN

PASSWORD = "bench evidence password"  # noqa: S105 - a throwaway account on a temp database
REAL = ROOT / "tests" / "data" / "real"
CORPUS = ROOT / "tests" / "data" / "evidence"


def forty_megapixels() -> bytes:
    picture = Image.new("RGB", (8000, 5000), "white")
    draw = ImageDraw.Draw(picture)
    rng = random.Random(7)
    for _ in range(1500):
        x, y = rng.randrange(8000), rng.randrange(5000)
        draw.rectangle((x, y, x + rng.randrange(4, 60), y + rng.randrange(4, 30)), fill="#336")
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def resident_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _member_and_case() -> str:
    session = db.session
    create_company(session, slug="bench-wallet", name_en="BenchWallet", name_zh="测试钱包")
    user = accounts.create_user(
        session, email="member@bench.example", display_name="测试用户", password=PASSWORD
    )
    category_id = session.scalar(select(Category.id).where(Category.code == "account_frozen"))
    assert category_id is not None
    complaint = file_complaint(
        session,
        user,
        ComplaintInput(
            company_text="BenchWallet",
            propose_company=False,
            category_id=category_id,
            incident_date=date(2026, 10, 1),
            amount_minor=10_000,
            currency="CNY",
            narrative="BenchWallet froze my balance without a reason and never answered.",
            demands=["refund"],
            demands_other=None,
        ),
        date(2026, 11, 24),
    )
    case = group_cases.start_case(
        session, user, complaint, title="Bench case", summary="", invite_similar=False
    )
    session.commit()
    return case.public_id


@contextmanager
def _web_app() -> Iterator[Flask]:
    """An app on a throwaway SQLite database, configured as served (rate limits on: the login
    page expects its limiter), in an app context."""
    with tempfile.TemporaryDirectory(prefix="chorus-bench-") as name:
        app = create_app(
            {
                "ENV": "testing",
                "SECRET_KEY": "bench",
                "INSTANCE_PATH": name,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{name}/bench.sqlite3",
            }
        )
        with app.app_context():
            db.create_all()
            ensure_categories(db.session)
            db.session.commit()
            yield app
            db.session.remove()
            db.engine.dispose()


def uploads(count: int) -> dict[str, Any]:
    # every step in a fresh interpreter, whose peak memory this process sees when it reaps it
    # (the children of the step server are reaped by the server)
    fresh_steps = mock.patch.object(step_server, "start_step", return_value=None)
    with _web_app() as app, fresh_steps:
        # the whole picture is decoded in the child; OCR reads a 2 MP copy to keep this quick
        app.config.update(JOBS_MODE="eager", OCR_ENGINE="tesseract", EVIDENCE_WORK_PIXELS=2_000_000)
        app.test_client_class = FreshGlobalsClient
        case_id = _member_and_case()
        client = logged_in(app, "member@bench.example", PASSWORD)
        picture = forty_megapixels()
        timings: list[float] = []

        def one(number: int) -> None:
            started = time.monotonic()
            body = upload_evidence(client, case_id, f"long-{number}.png", picture).get_json()
            db.session.expire_all()
            item = db.session.scalar(select(Evidence).where(Evidence.public_id == body["id"]))
            assert item is not None
            assert item.status is EvidenceStatus.PREVIEW, item.error
            submit(client, body["url"], f"/evidence/{body['id']}/discard", headers=EN)
            timings.append(time.monotonic() - started)

        one(0)  # warm up: imports, templates, connection pool
        gc.collect()
        before = resident_mib()
        for number in range(1, count + 1):
            one(number)
        gc.collect()
        after = resident_mib()
        child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

        # what the web process kept when it decoded pictures itself
        kept_before = resident_mib()
        for _ in range(3):
            decoded = image.load_image(picture)
            image.encode_image(decoded, photo=False)
            del decoded
        gc.collect()
        in_process = resident_mib() - kept_before
    return {
        "picture": {"width": 8000, "height": 5000, "bytes": len(picture)},
        "uploads": count,
        "work_pixels": 2_000_000,
        "memory_ceiling_bytes": int(app.config["EVIDENCE_JOB_MEMORY_BYTES"]),
        "web_rss_before_mib": round(before, 1),
        "web_rss_after_mib": round(after, 1),
        "web_rss_growth_mib": round(after - before, 1),
        "largest_child_peak_rss_mib": round(child_peak, 1),
        "seconds_per_upload_mean": round(sum(timings) / len(timings), 2),
        "same_picture_decoded_in_process_3x_kept_mib": round(in_process, 1),
    }


def rebuilt_sizes() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    files = [
        (REAL / "tracemonkey.pdf", "pdf"),
        (CORPUS / "statement.pdf", "pdf"),
        (REAL / "iphone_arrow.heic", "image"),
        (CORPUS / "photo_exif_gps.jpg", "image"),
        (CORPUS / "xmp.webp", "image"),
        (CORPUS / "screenshot_zh.png", "image"),
    ]
    for path, kind in files:
        with tempfile.TemporaryDirectory(prefix="chorus-bench-") as name:
            folder = Path(name)
            shutil.copy(path, folder / pipeline.ORIGINAL)
            task = {
                "kind": kind,
                "terms": [],
                "boxes": None,
                "max_pixels": 40_000_000,
                "work_pixels": 16_000_000,
                "max_pages": 50,
                "dpi": 150,
                "ocr_engines": ["tesseract"],
                "kept_pages": 0,
            }
            (folder / pipeline.TASK).write_text(json.dumps(task))
            started = time.monotonic()
            result = pipeline.clean(folder)
            seconds = time.monotonic() - started
            size = (folder / pipeline.OUT / result["output"]).stat().st_size
        original = path.stat().st_size
        rows.append(
            {
                "file": path.name,
                "original_bytes": original,
                "pooled_bytes": size,
                "pooled_type": result["media_type"],
                "ratio": round(size / original, 2),
                "pages": result["page_count"],
                "seconds": round(seconds, 1),
                "hidden_removed": {k: v for k, v in result["counts"].items() if k != "AREA"},
            }
        )
    return rows


def main() -> None:
    count = int(os.environ.get("BENCH_EVIDENCE_UPLOADS", "50"))
    memory = uploads(count)
    print_table(["measure", "value"], [[k, v] for k, v in memory.items()])
    sizes = rebuilt_sizes()
    print()
    print_table(
        ["file", "original", "pooled", "type", "ratio", "pages", "s"],
        [
            [
                r["file"],
                r["original_bytes"],
                r["pooled_bytes"],
                r["pooled_type"],
                r["ratio"],
                r["pages"],
                r["seconds"],
            ]
            for r in sizes
        ],
    )
    path = write_json("evidence_memory", {"memory": memory, "rebuilt": sizes})
    print(f"\nwritten to {path.relative_to(ROOT)}")
