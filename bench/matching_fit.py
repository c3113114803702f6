"""Fit the weights of the four matching signals on both labelled sets.

Every query of the team's set and of the real CFPB set is matched once on SQLite, keeping each
candidate case's signals (same category, text, in period, meaning). Then every weighting on a
0.05 grid whose weights add up to 1 re-ranks those candidates, and the one with the best mean
of P@1 and MRR, averaged over the two sets, wins; ties go to the weighting nearest the middle
of the tied ones. The same search with category and time off gives the "text only" weights
(terms against meaning). To show how much the fit flatters itself, it is also run two-fold:
fitted on the even-numbered queries and measured on the odd ones, and the other way round.

``python -m bench fit`` prints the result and writes ``bench/results/matching_fit.json``.
"""

from __future__ import annotations

from itertools import product
from typing import Any

from bench.matching_quality import SETS, evaluate, load_companies, load_dataset

STEP = 0.05


def _grid(free: tuple[bool, bool, bool, bool]) -> list[tuple[float, ...]]:
    steps = round(1 / STEP)
    grid = []
    for parts in product(range(steps + 1), repeat=4):
        if sum(parts) == steps and all(p == 0 or on for p, on in zip(parts, free, strict=True)):
            grid.append(tuple(p * STEP for p in parts))
    return grid


def _figures(queries: list[dict[str, Any]], weights: tuple[float, ...]) -> tuple[float, float]:
    """(P@1, MRR) of ``queries`` ranked under ``weights``."""
    at1 = rr = 0.0
    for query in queries:
        scored = sorted(
            query["candidates"],
            key=lambda c: -sum(w * float(s) for w, s in zip(weights, c[1:], strict=True)),
        )
        ranked = [c[0] for c in scored]
        if query["case"] in ranked:
            rank = ranked.index(query["case"]) + 1
            at1 += rank == 1
            rr += 1 / rank
    return at1 / len(queries), rr / len(queries)


def _objective(sets: dict[str, list[dict[str, Any]]], weights: tuple[float, ...]) -> float:
    return sum(sum(_figures(queries, weights)) / 2 for queries in sets.values()) / len(sets)


def fit(
    sets: dict[str, list[dict[str, Any]]], free: tuple[bool, bool, bool, bool]
) -> tuple[float, ...]:
    grid = _grid(free)
    scores = {weights: _objective(sets, weights) for weights in grid}
    best = max(scores.values())
    tied = [w for w, s in scores.items() if s >= best - 1e-9]
    middle = [sum(w[i] for w in tied) / len(tied) for i in range(4)]
    return min(tied, key=lambda w: sum((a - b) ** 2 for a, b in zip(w, middle, strict=True)))


def collect(database: str = "sqlite") -> dict[str, list[dict[str, Any]]]:
    """Every query's candidates and their signals, per set."""
    from bench.harness import bench_app
    from extensions import db

    sets: dict[str, list[dict[str, Any]]] = {}
    for name, path in SETS.items():
        dataset = load_dataset(path)
        with bench_app(database, JOBS_MODE="eager"):
            load_companies(db.session, dataset)
            db.session.commit()
            features: list[dict[str, Any]] = []
            evaluate(db.session, dataset, {}, features)
        sets[name] = features
    return sets


def main() -> dict[str, Any]:
    from bench.harness import write_json

    sets = collect()
    names = ("category", "text", "time", "meaning")
    full = fit(sets, (True, True, True, True))
    text_only = fit(sets, (False, True, False, True))
    folds = []
    for keep in (0, 1):
        train = {n: q[keep::2] for n, q in sets.items()}
        test = {n: q[1 - keep :: 2] for n, q in sets.items()}
        weights = fit(train, (True, True, True, True))
        folds.append(
            {
                "weights": dict(zip(names, weights, strict=True)),
                "held_out": {
                    n: dict(zip(("p_at_1", "mrr"), _figures(q, weights), strict=True))
                    for n, q in test.items()
                },
            }
        )
    result = {
        "weights": dict(zip(names, full, strict=True)),
        "text_only_weights": dict(zip(names, text_only, strict=True)),
        "fitted": {
            n: dict(zip(("p_at_1", "mrr"), _figures(q, full), strict=True)) for n, q in sets.items()
        },
        "two_fold": folds,
    }
    print(result)
    write_json("matching_fit", result)
    return result
