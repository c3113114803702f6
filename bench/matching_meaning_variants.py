"""Which way of comparing a complaint's meaning with a case's members ranks the real set best.

The app compares a complaint's vector with the case's profile, the normalised sum of its
members' vectors (one row per case, kept as members join and leave). Alternatives read every
member's vector: the closest member (max), the mean of the two or three closest, the mean
cosine; or they first subtract what all complaints against the company (or all complaints)
share, so that only what tells issues apart is compared. Each is measured on the real CFPB set
(``tests/data/matching_real_set.json``) alone and beside a same-category bonus, with every
case of the query's company as a candidate (the set is small enough for that), so only the
meaning signal differs between rows.

``python -m bench meaning-variants`` prints the table and writes
``bench/results/matching_meaning_variants.json``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bench.matching_quality import REAL_DATASET, ROOT
from services.matching.meaning import embed

RESULT = ROOT / "bench" / "results" / "matching_meaning_variants.json"
CATEGORY_BONUSES = (0.0, 0.1, 0.15, 0.2)
Matrix = NDArray[np.float32]


def _unit(vector: Matrix) -> Matrix:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def _variants(centre: Matrix | None) -> dict[str, Callable[[Matrix, Matrix], float]]:
    """Scores of a case (its members' vectors) for a query vector."""

    def centred(members: Matrix, query: Matrix) -> tuple[Matrix, Matrix]:
        if centre is None:
            return members, query
        return members - centre, _unit(query - centre)

    def profile(members: Matrix, query: Matrix) -> float:
        members, query = centred(members, query)
        return float(_unit(members.sum(axis=0)) @ query)

    def closest(k: int) -> Callable[[Matrix, Matrix], float]:
        return lambda members, query: float(np.sort(members @ query)[::-1][:k].mean())

    return {
        "profile": profile,
        "closest member": closest(1),
        "closest two": closest(2),
        "closest three": closest(3),
        "mean cosine": lambda members, query: float((members @ query).mean()),
    }


def main() -> dict[str, Any]:
    data = json.loads(REAL_DATASET.read_text(encoding="utf-8"))
    cases = {c["key"]: c for c in data["cases"]}
    vectors = {c["id"]: np.asarray(embed(c["narrative"])) for c in data["complaints"]}
    members: dict[str, list[Matrix]] = defaultdict(list)
    for complaint in data["complaints"]:
        if complaint["role"] == "seed":
            members[complaint["case"]].append(vectors[complaint["id"]])
    seeds = {key: np.stack(found) for key, found in members.items()}
    by_company: dict[str, list[str]] = defaultdict(list)
    for key in seeds:
        by_company[cases[key]["company"]].append(key)
    queries = [c for c in data["complaints"] if c["role"] == "query"]
    company_centre = {
        company: np.concatenate([seeds[k] for k in keys]).mean(axis=0)
        for company, keys in by_company.items()
    }
    overall_centre = np.concatenate(list(seeds.values())).mean(axis=0)

    def measure(score: Callable[[Matrix, Matrix], float], bonus: float) -> dict[str, float]:
        at1 = at3 = 0
        reciprocal = 0.0
        differs = [0, 0]  #: queries whose category differs from the case's: [n, @3]
        for query in queries:
            company = cases[query["case"]]["company"]
            scores = {
                key: score(seeds[key], vectors[query["id"]])
                + bonus * (cases[key]["category"] == query["category"])
                for key in by_company[company]
            }
            ranked = sorted(scores, key=lambda key: -scores[key])
            rank = ranked.index(query["case"]) + 1
            at1 += rank == 1
            at3 += rank <= 3
            reciprocal += 1 / rank
            if cases[query["case"]]["category"] != query["category"]:
                differs[0] += 1
                differs[1] += rank <= 3
        n = len(queries)
        return {
            "p_at_1": round(at1 / n, 3),
            "p_at_3": round(at3 / n, 3),
            "mrr": round(reciprocal / n, 3),
            "category_differs_p_at_3": round(differs[1] / differs[0], 3),
        }

    def company_centred(members: Matrix, query: Matrix) -> float:
        # every candidate is a case of the query's company: find which from its members
        company = next(
            c for c, keys in by_company.items() if any(seeds[k] is members for k in keys)
        )
        return _variants(company_centre[company])["profile"](members, query)

    variants = {
        **_variants(None),
        "profile, minus the company's mean": company_centred,
        "profile, minus the mean of all": _variants(overall_centre)["profile"],
    }
    rows: list[dict[str, Any]] = []
    for name, score in variants.items():
        for bonus in CATEGORY_BONUSES:
            rows.append({"variant": name, "category_bonus": bonus, **measure(score, bonus)})
    print(f"{'variant':36} {'cat':>5} {'P@1':>6} {'P@3':>6} {'MRR':>6} {'cat≠ P@3':>9}")
    for row in rows:
        print(
            f"{row['variant']:36} {row['category_bonus']:5.2f} {row['p_at_1']:6.3f} "
            f"{row['p_at_3']:6.3f} {row['mrr']:6.3f} {row['category_differs_p_at_3']:9.3f}"
        )
    result = {"queries": len(queries), "cases": len(seeds), "rows": rows}
    RESULT.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result
