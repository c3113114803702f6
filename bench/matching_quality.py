"""Matching quality on the labelled set in ``tests/data/matching_set.json``.

Protocol: every case is built from its "seed" complaints through the app's own services
(company typed as people type it, resolved through aliases); then each "query" complaint is
filed, matched, and deleted again, and we record where its true case ranked. Reported:
precision@1 (true case first), precision@3 (in the top three) and mean reciprocal rank.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Category, User
from services.cases import membership as group_cases
from services.complaints.filing import ComplaintInput, delete_complaint, file_complaint
from services.matching.ranking import DEFAULT_WEIGHTS, SignalWeights, find_matches
from services.reference.companies import create_company

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "tests" / "data" / "matching_set.json"
COMPANIES = ROOT / "services" / "demo" / "content.json"
TODAY = date(2026, 11, 24)
NO_LOGIN = "!"


@dataclass
class QualityReport:
    queries: int = 0
    at1: int = 0
    at3: int = 0
    reciprocal_rank_sum: float = 0.0
    by_language: dict[str, list[int]] = field(default_factory=dict)  #: lang -> [n, @1, @3]
    twins: list[int] = field(default_factory=lambda: [0, 0])  #: queries of twin cases: [n, @1]
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def precision_at_1(self) -> float:
        return self.at1 / self.queries if self.queries else 0.0

    @property
    def precision_at_3(self) -> float:
        return self.at3 / self.queries if self.queries else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal_rank_sum / self.queries if self.queries else 0.0

    def record(self, item: dict[str, Any], ranked: list[str], twin: bool) -> None:
        rank = ranked.index(item["case"]) + 1 if item["case"] in ranked else None
        self.queries += 1
        stats = self.by_language.setdefault(item.get("lang", "?"), [0, 0, 0])
        stats[0] += 1
        self.twins[0] += twin
        if rank == 1:
            self.at1 += 1
            stats[1] += 1
            self.twins[1] += twin
        if rank is not None and rank <= 3:
            self.at3 += 1
            stats[2] += 1
        if rank is not None:
            self.reciprocal_rank_sum += 1 / rank
        if rank != 1:
            self.misses.append(
                {"id": item["id"], "case": item["case"], "rank": rank, "top": ranked[:3]}
            )

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "precision_at_1": round(self.precision_at_1, 4),
            "precision_at_3": round(self.precision_at_3, 4),
            "mrr": round(self.mrr, 4),
        }


def load_dataset(path: Path = DATASET) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def load_companies(session: Session) -> None:
    for item in json.loads(COMPANIES.read_text(encoding="utf-8"))["companies"]:
        create_company(
            session,
            slug=item["slug"],
            name_en=item["name_en"],
            name_zh=item["name_zh"],
            aliases=item["aliases"],
        )
    session.flush()


def _input(item: dict[str, Any], categories: dict[str, int]) -> ComplaintInput:
    return ComplaintInput(
        company_text=item["company_text"],
        propose_company=False,
        category_id=categories[item["category"]],
        incident_date=date.fromisoformat(item["incident_date"]),
        amount_minor=max(round(item["amount"] * 100), 1),
        currency=item["currency"],
        narrative=item["narrative"],
        demands=[],
        demands_other=None,
    )


#: the app's weights, and ablations that show what each signal is worth
VARIANTS = {
    "default": DEFAULT_WEIGHTS,
    "text only": SignalWeights(category=0.0, text=1.0, time=0.0),
    "without text": SignalWeights(category=0.75, text=0.0, time=0.25),
}


def evaluate(
    session: Session, dataset: dict[str, Any], variants: dict[str, SignalWeights] | None = None
) -> dict[str, QualityReport]:
    """Build the cases, run every query under each weighting, return a report per weighting.
    Commits as it goes."""
    variants = variants or VARIANTS
    categories = dict(session.execute(select(Category.code, Category.id)).all())
    people: dict[str, User] = {}

    def person(item: dict[str, Any]) -> User:
        if item["id"] not in people:
            user = User(
                email=f"{item['id']}@bench.example", display_name=item["id"], password_hash=NO_LOGIN
            )
            session.add(user)
            people[item["id"]] = user
        return people[item["id"]]

    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in dataset["complaints"]:
        by_case[item["case"]].append(item)
    case_ids: dict[str, int] = {}
    for key, items in by_case.items():
        seeds = [i for i in items if i["role"] == "seed"]
        complaints = [
            file_complaint(session, person(i), _input(i, categories), TODAY) for i in seeds
        ]
        case = group_cases.start_case(
            session, person(seeds[0]), complaints[0], title=key, summary="", invite_similar=False
        )
        for item, complaint in zip(seeds[1:], complaints[1:], strict=True):
            group_cases.join_case(session, person(item), case, complaint)
        case_ids[key] = case.id
    session.commit()

    reports = {name: QualityReport() for name in variants}
    titles = {case_id: key for key, case_id in case_ids.items()}
    twin_cases = {key for group in dataset.get("twin_groups", []) for key in group}
    for item in (i for i in dataset["complaints"] if i["role"] == "query"):
        complaint = file_complaint(session, person(item), _input(item, categories), TODAY)
        for name, signals in variants.items():
            matches = find_matches(session, complaint, signals=signals).matches
            reports[name].record(
                item, [titles[m.case.id] for m in matches], item["case"] in twin_cases
            )
        delete_complaint(session, complaint)
        session.commit()
    return reports


def main(databases: list[str]) -> dict[str, Any]:
    """Run on each database; print a table; write ``bench/results/matching_quality.json``."""
    from bench.harness import bench_app, print_table, write_json
    from extensions import db

    dataset = load_dataset()
    results: dict[str, Any] = {}
    rows = []
    for database in databases:
        with bench_app(database):
            load_companies(db.session)
            db.session.commit()
            reports = evaluate(db.session, dataset)
        results[database] = {name: r.as_dict() for name, r in reports.items()}
        for name, r in reports.items():
            twins = f"{r.twins[1]}/{r.twins[0]}" if r.twins[0] else "-"
            rows.append(
                [
                    database,
                    name,
                    r.queries,
                    f"{r.precision_at_1:.3f}",
                    f"{r.precision_at_3:.3f}",
                    f"{r.mrr:.3f}",
                    twins,
                ]
            )
    print(
        f"\nMatching quality on {len(dataset['complaints'])} labelled complaints, "
        f"{len(dataset['cases'])} cases"
    )
    print_table(["database", "weights", "queries", "p@1", "p@3", "MRR", "twins @1"], rows)
    path = write_json("matching_quality", results)
    print(f"written to {path.relative_to(ROOT)}")
    return results
