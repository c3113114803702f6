"""Matching quality on two labelled sets: the team's (``tests/data/matching_set.json``, written
for Chorus in Chinese and English) and real public complaints (``matching_real_set.json``, built
by :mod:`bench.matching_real_set` from the CFPB's database and grouped by its own labels).

Protocol: every case is built from its "seed" complaints through the app's own services
(company typed as people type it, resolved through aliases); then each "query" complaint is
filed, matched, and deleted again, and we record where its true case ranked. Reported:
precision@1 (true case first), precision@3 (in the top three) and mean reciprocal rank, over
all queries and over three harder subsets: the member picked a category other than the case's,
the query is told in another language than the case's members used, and twin cases (same
company, category and weeks, where only the text tells them apart).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from models import Category, User
from models.base import DbSession
from services.cases import membership as group_cases
from services.complaints.filing import ComplaintInput, delete_complaint, file_complaint
from services.matching.ranking import DEFAULT_WEIGHTS, SignalWeights, find_matches
from services.reference.companies import create_company

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "tests" / "data" / "matching_set.json"
REAL_DATASET = ROOT / "tests" / "data" / "matching_real_set.json"
SETS = {"team": DATASET, "real": REAL_DATASET}
SUBSETS = ("all", "category differs", "cross-language", "twins")
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
    #: subset -> [queries, @1, @3, sum of reciprocal ranks]
    subsets: dict[str, list[float]] = field(default_factory=dict)
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

    def record(
        self, item: dict[str, Any], ranked: list[str], twin: bool, tags: tuple[str, ...] = ()
    ) -> None:
        rank = ranked.index(item["case"]) + 1 if item["case"] in ranked else None
        for tag in ("all", *tags, *(["twins"] if twin else [])):
            counts = self.subsets.setdefault(tag, [0, 0, 0, 0.0])
            counts[0] += 1
            counts[1] += rank == 1
            counts[2] += rank is not None and rank <= 3
            counts[3] += 1 / rank if rank else 0.0
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

    def subset(self, name: str) -> dict[str, float]:
        """P@1, P@3 and MRR over one subset of the queries (zeros when it is empty)."""
        n, at1, at3, rr = self.subsets.get(name, [0, 0, 0, 0.0])
        return {
            "queries": int(n),
            "p_at_1": round(at1 / n, 4) if n else 0.0,
            "p_at_3": round(at3 / n, 4) if n else 0.0,
            "mrr": round(rr / n, 4) if n else 0.0,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "precision_at_1": round(self.precision_at_1, 4),
            "precision_at_3": round(self.precision_at_3, 4),
            "mrr": round(self.mrr, 4),
            "by_subset": {name: self.subset(name) for name in self.subsets},
        }


def load_dataset(path: Path = DATASET) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def load_companies(session: DbSession, dataset: dict[str, Any] | None = None) -> None:
    """The companies a set's complaints name: its own list, or the demo's wallets."""
    items = (dataset or {}).get("companies") or json.loads(COMPANIES.read_text(encoding="utf-8"))[
        "companies"
    ]
    for item in items:
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


def _main_language(items: list[dict[str, Any]]) -> str:
    """The language most of a case's members wrote in."""
    languages = [i.get("lang", "?") for i in items if i["role"] == "seed"]
    return max(sorted(set(languages)), key=languages.count)


#: the app's weights, and ablations that show what each signal is worth
VARIANTS = {
    "default": DEFAULT_WEIGHTS,
    "text only": SignalWeights(category=0.0, text=0.35, time=0.0, meaning=0.65),
    "terms only": SignalWeights(category=0.0, text=1.0, time=0.0, meaning=0.0),
    "without text": SignalWeights(category=0.75, text=0.0, time=0.25, meaning=0.0),
}


def evaluate(
    session: DbSession,
    dataset: dict[str, Any],
    variants: dict[str, SignalWeights] | None = None,
    features: list[dict[str, Any]] | None = None,
) -> dict[str, QualityReport]:
    """Build the cases, run every query under each weighting, return a report per weighting.
    Commits as it goes (so that each complaint's meaning job has run before it is matched).
    ``features``, when given, receives every query's candidates with their four signals, for
    fitting the weights (:mod:`bench.matching_fit`)."""
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
    case_category = {case["key"]: case["category"] for case in dataset["cases"]}
    case_language = {key: _main_language(items) for key, items in by_case.items()}
    for item in (i for i in dataset["complaints"] if i["role"] == "query"):
        tags = []
        if item["category"] != case_category[item["case"]]:
            tags.append("category differs")
        if {item.get("lang"), case_language[item["case"]]} == {"en", "zh"}:
            tags.append("cross-language")
        complaint = file_complaint(session, person(item), _input(item, categories), TODAY)
        session.commit()
        if features is not None:
            candidates = find_matches(session, complaint, limit=1000).matches
            features.append(
                {
                    "case": item["case"],
                    "tags": tags,
                    "candidates": [
                        [titles[m.case.id], m.same_category, m.text_score, m.in_period, m.meaning]
                        for m in candidates
                    ],
                }
            )
        for name, signals in variants.items():
            matches = find_matches(session, complaint, signals=signals).matches
            reports[name].record(
                item, [titles[m.case.id] for m in matches], item["case"] in twin_cases, tuple(tags)
            )
        delete_complaint(session, complaint)
        session.commit()
    return reports


def main(databases: list[str]) -> dict[str, Any]:
    """Run each set on each database; print a table; write the JSON results."""
    from bench.harness import bench_app, print_table, write_json
    from extensions import db

    results: dict[str, Any] = {}
    rows = []
    for set_name, path in SETS.items():
        dataset = load_dataset(path)
        for database in databases:
            with bench_app(database, JOBS_MODE="eager"):
                load_companies(db.session, dataset)
                db.session.commit()
                reports = evaluate(db.session, dataset)
            results.setdefault(set_name, {})[database] = {
                name: r.as_dict() for name, r in reports.items()
            }
            for name, r in reports.items():
                for subset in SUBSETS:
                    figures = r.subset(subset)
                    if figures["queries"]:
                        rows.append(
                            [
                                set_name,
                                database,
                                name,
                                subset,
                                figures["queries"],
                                f"{figures['p_at_1']:.3f}",
                                f"{figures['p_at_3']:.3f}",
                                f"{figures['mrr']:.3f}",
                            ]
                        )
    print("\nMatching quality (team: written for Chorus; real: CFPB complaints, their own labels)")
    print_table(
        ["set", "database", "weights", "queries", "n", "p@1", "p@3", "MRR"],
        rows,
    )
    path = write_json("matching_quality", results)
    print(f"written to {path.relative_to(ROOT)}")
    return results
