"""Reading wallet statements of 100,000 rows: time and memory, by layout and through the page.

``python -m bench statements`` (``make bench BENCH_ARGS=statements``): for each layout, a
statement of ``BENCH_STATEMENT_ROWS`` rows (default 100,000, built from the fixtures' own
layout with invented rows, one in fifty to the counterparty) is read as the upload is: opened,
every row parsed, the matching rows kept. Measured: seconds, the file's size, and the peak of
Python's own allocations while reading (tracemalloc), which shows whether memory grows with
the file. Then through the page, on SQLite: a member uploads the Alipay file (status and
seconds), and a file one row over the limit (refused 413 while streaming, nothing stored).
Writes ``bench/results/statements.json``.
"""

from __future__ import annotations

import io
import os
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func, select

from bench.harness import bench_app, print_table, write_json
from extensions import db
from models import Category, StatementTable
from services.accounts import users as accounts
from services.cases import membership as group_cases
from services.complaints.filing import ComplaintInput, file_complaint
from services.reference.companies import create_company
from services.statements import tables
from services.statements.opening import open_statement
from services.statements.reading import MAX_ROWS, MAX_XLSX_ROWS, StatementError
from tests.support import statements as samples
from tests.support.client import FreshGlobalsClient
from tests.support.forms import csrf_token, logged_in
from tests.support.web import EN

PASSWORD = "bench statements password"  # noqa: S105 - a throwaway account on a temp database


def _alipay(count: int) -> bytes:
    base = samples.ALIPAY_ROWS[-1]
    rows = tuple(
        (
            f"2026-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:{i % 59:02d}",
            base[1],
            samples.MERCHANT if i % 50 == 0 else f"商户{i % 997}",
            *base[3:9],
            f"2026100322001405511{i:09d}",
            f"YF{i:011d}",
            base[11],
        )
        for i in range(count)
    )
    return samples.alipay_app(rows)


def _wechat_rows(count: int) -> tuple[tuple[str, ...], ...]:
    base = samples.WECHAT_ROWS[0]
    return tuple(
        (
            f"2026-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:{i % 59:02d}",
            base[1],
            samples.MERCHANT if i % 50 == 0 else f"商户{i % 997}",
            *base[3:8],
            f"4200002611{i:018d}",
            f"YF{i:011d}",
            base[10],
        )
        for i in range(count)
    )


def _paypal(count: int) -> bytes:
    base = samples.PAYPAL_ROWS[0]
    rows = tuple(
        (
            f"{1 + i % 12:02d}/{1 + i % 28:02d}/2026",
            base[1],
            base[2],
            "Sunny Gadgets Ltd" if i % 50 == 0 else f"Shop {i % 997}",
            *base[4:12],
            f"{i:017d}",
            *base[13:],
        )
        for i in range(count)
    )
    return samples.paypal_csv(rows)


LAYOUTS: dict[str, tuple[Callable[[int], bytes], str]] = {
    "alipay_app": (_alipay, samples.MERCHANT),
    "wechat_csv": (lambda n: samples.wechat_csv(_wechat_rows(n)), samples.MERCHANT),
    "wechat_xlsx": (
        lambda n: samples.wechat_xlsx(_wechat_rows(min(n, MAX_XLSX_ROWS))),
        samples.MERCHANT,
    ),
    "paypal": (_paypal, "Sunny Gadgets"),
}


def _read(data: bytes, counterparty: str) -> tuple[list[Any], int]:
    reader = open_statement(io.BytesIO(data))
    return tables._matching(
        reader.rows, [counterparty.casefold()], date(2026, 3, 1), date(2026, 3, 31)
    )


def read_once(data: bytes, counterparty: str) -> dict[str, Any]:
    """Timed on its own, then again under tracemalloc (which slows Python several times)."""
    started = time.perf_counter()
    kept, read = _read(data, counterparty)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    _read(data, counterparty)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "rows": read,
        "kept": len(kept),
        "seconds": round(seconds, 2),
        "file_mb": round(len(data) / 1e6, 1),
        "peak_python_mb": round(peak / 1e6, 1),
    }


def through_the_page(count: int) -> dict[str, Any]:
    """One member uploads the Alipay statement of ``count`` rows, then one over the limit."""
    result: dict[str, Any] = {}
    with bench_app("sqlite") as app:
        app.config["MAX_CONTENT_LENGTH"] = 200 * 1024 * 1024  # the 200,001 rows reach the view
        app.test_client_class = FreshGlobalsClient
        member = accounts.create_user(
            db.session, email="bench@example.org", display_name=samples.HOLDER, password=PASSWORD
        )
        create_company(db.session, slug="yunfan", name_en="Yunfan", name_zh=samples.MERCHANT)
        category = db.session.scalar(select(Category.id).where(Category.code == "refund"))
        assert category is not None
        complaint = file_complaint(
            db.session,
            member,
            ComplaintInput(
                company_text=samples.MERCHANT,
                propose_company=False,
                category_id=category,
                incident_date=date(2026, 3, 15),
                amount_minor=10000,
                currency="CNY",
                narrative="云帆商城 charged my card every month after I cancelled the membership.",
                demands=["refund"],
                demands_other=None,
            ),
            today=date(2026, 4, 1),
        )
        case = group_cases.start_case(db.session, member, complaint, title="Bench", summary="")
        db.session.commit()
        client = logged_in(app, "bench@example.org", PASSWORD)
        for label, data in (("accepted", _alipay(count)), ("over_limit", _alipay(MAX_ROWS + 1))):
            page = client.get(f"/cases/{case.public_id}/statements", headers=EN)
            token = csrf_token(page.get_data(as_text=True))
            started = time.perf_counter()
            response = client.post(
                f"/cases/{case.public_id}/statements",
                data={
                    "csrf_token": token,
                    "statement": (io.BytesIO(data), "alipay.csv"),
                    "window_start": "2026-03-01",
                    "window_end": "2026-03-31",
                    "counterparty": samples.MERCHANT,
                },
                headers=EN,
                content_type="multipart/form-data",
            )
            result[label] = {
                "rows": count if label == "accepted" else MAX_ROWS + 1,
                "file_mb": round(len(data) / 1e6, 1),
                "status": response.status_code,
                "seconds": round(time.perf_counter() - started, 2),
                "tables_stored": db.session.scalar(
                    select(func.count()).select_from(StatementTable)
                ),
            }
            db.session.rollback()
    return result


def main() -> None:
    count = int(os.environ.get("BENCH_STATEMENT_ROWS", "100000"))
    readings = {}
    for name, (make, counterparty) in LAYOUTS.items():
        data = make(count)
        readings[name] = read_once(data, counterparty)
    print_table(
        ["layout", "rows", "file MB", "seconds", "peak Python MB", "rows kept"],
        [
            [n, r["rows"], r["file_mb"], r["seconds"], r["peak_python_mb"], r["kept"]]
            for n, r in readings.items()
            if "kept" in r
        ],
    )
    big = samples.wechat_xlsx(_wechat_rows(count))
    started = time.perf_counter()
    try:
        open_statement(io.BytesIO(big))
        refused: dict[str, Any] = {"status": None}
    except StatementError as error:
        refused = {"status": error.status}
    refused.update(
        rows=count,
        file_mb=round(len(big) / 1e6, 1),
        seconds=round(time.perf_counter() - started, 2),
    )
    readings["wechat_xlsx_over_limit"] = refused
    print(f"xlsx of {count:,} rows: {refused['status']} in {refused['seconds']} s")
    page = through_the_page(count)
    print_table(
        ["upload", "rows", "file MB", "status", "seconds", "tables stored"],
        [
            [k, v["rows"], v["file_mb"], v["status"], v["seconds"], v["tables_stored"]]
            for k, v in page.items()
        ],
    )
    write_json("statements", {"rows": count, "reading": readings, "through_the_page": page})
