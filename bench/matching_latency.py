"""Matching latency at 10k / 100k / 1M complaints, beside the raw index lookup as a floor.

For each database and size: generate synthetic complaints (:mod:`bench.synthetic`), then time
:func:`services.matching.ranking.find_matches` for 200 complaints with no case, and, for the same
complaints, the floor: the bare index query that fetches the case-profile rows of the same
terms in the company's cases (one index range read, no join, no ranking). Also renders the
page of a case with 100,000 members (or a tenth of the complaints, whichever is smaller) and
counts its queries.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from extensions import db
from models import CaseTerm, Complaint
from services.matching.ranking import find_matches, weighted_terms
from tests.support.sql import statements_sent

WARMUP = 10


def _time_matching(ids: list[int]) -> tuple[list[float], list[float]]:
    matching, floor = [], []
    for position, complaint_id in enumerate(ids):
        complaint = db.session.get(Complaint, complaint_id)
        start = time.perf_counter()
        find_matches(db.session, complaint)
        elapsed = time.perf_counter() - start
        terms = list(weighted_terms(db.session, complaint_id))
        start = time.perf_counter()
        db.session.execute(
            select(CaseTerm.case_id, CaseTerm.members).where(
                CaseTerm.company_id == complaint.company_id, CaseTerm.term.in_(terms)
            )
        ).all()
        floor_elapsed = time.perf_counter() - start
        if position >= WARMUP:
            matching.append(elapsed)
            floor.append(floor_elapsed)
        db.session.rollback()
    return matching, floor


def _case_page(public_id: str) -> dict[str, Any]:
    """The case page as a visitor asks for it, once its figures are published (the job a
    member's change queues; timed too, as ``publish_ms``)."""
    from flask import current_app

    from models import GroupCase
    from services.cases import published

    case = db.session.scalar(select(GroupCase).where(GroupCase.public_id == public_id))
    start = time.perf_counter()
    published.publish(db.session, case)
    db.session.commit()
    publish_ms = round((time.perf_counter() - start) * 1000, 1)
    db.session.remove()  # a visitor's request starts from an empty session, not the generator's
    client = current_app.test_client()
    with statements_sent() as statements:
        start = time.perf_counter()
        status = client.get(f"/cases/{public_id}").status_code
        elapsed = time.perf_counter() - start
    return {
        "status": status,
        "queries": len(statements),
        "ms": round(elapsed * 1000, 1),
        "publish_ms": publish_ms,
    }


def main(databases: list[str], sizes: list[int]) -> dict[str, Any]:
    from bench.harness import (
        ROOT,
        bench_app,
        git_commit,
        previous_results,
        print_table,
        summary_ms,
        write_json,
    )
    from bench.synthetic import generate

    # a run of one database or size (the 1,000,000 builds take 10 and 25 minutes) keeps the
    # others' figures, each with the commit it was measured at
    results: dict[str, Any] = previous_results("matching_latency")
    commit = git_commit()
    rows = []
    for database in databases:
        for size in sizes:
            with bench_app(database):
                build_start = time.perf_counter()
                big = min(100_000, size // 10)
                generated = generate(db.session, size, big_case_members=big)
                build = time.perf_counter() - build_start
                matching, floor = _time_matching(generated.query_complaint_ids)
                page = _case_page(generated.big_case_public_id) if big else {}
            m, f = summary_ms(matching), summary_ms(floor)
            ratio = round(m["p95_ms"] / f["p95_ms"], 2) if f["p95_ms"] else None
            results.setdefault(database, {})[str(size)] = {
                "complaints": size,
                "commit": commit,
                "cases": generated.cases,
                "build_s": round(build, 1),
                "matching": m,
                "floor": f,
                "p95_ratio_to_floor": ratio,
                "big_case": {"members": big, **page},
            }
            rows.append(
                [
                    database,
                    f"{size:,}",
                    generated.cases,
                    m["p50_ms"],
                    m["p95_ms"],
                    f["p50_ms"],
                    f["p95_ms"],
                    ratio,
                    f"{big:,} members: {page.get('queries')} queries, {page.get('ms')} ms",
                ]
            )
            write_json("matching_latency", results)  # a run cut off later keeps this one
            print(f"  {database} {size:,}: built in {build:.0f} s", flush=True)
    print(
        "\nMatching latency (200 complaints with no case each; floor = bare index lookup "
        "of the same terms)"
    )
    print_table(
        [
            "database",
            "complaints",
            "cases",
            "p50 ms",
            "p95 ms",
            "floor p50",
            "floor p95",
            "p95/floor",
            "case page",
        ],
        rows,
    )
    path = write_json("matching_latency", results)
    print(f"written to {path.relative_to(ROOT)}")
    return results
