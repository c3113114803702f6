"""How standard text classifiers rank the real complaints' cases, beside the app's ranking.

The real set's cases are the CFPB's own issue labels ("Charged fees or interest you didn't
expect", "Problem when making payments", "Struggling to pay your loan"), and one complaint
often fits several of them. To tell how much of the distance to the goals is the ranking and
how much the labels, the same queries are ranked by well-known methods: TF-IDF similarity to
each case's centroid or to its nearest members, a logistic regression per company trained on
the cases' members, and blends of TF-IDF, the app's meaning vectors and the category. Every
method ranks the cases of the query's company, as the app does. Only the English queries take
part (TF-IDF with English stop words cannot read the Chinese tellings); the app's figures on
the same queries come from the quality benchmark's last run
(``bench/results/matching_quality.json``, real set, English).

The blends' weights are the best of a small grid on these same queries, so their figures are
optimistic for the baselines, not for the app.

``python -m bench baselines`` prints the table and writes
``bench/results/matching_baselines.json`` (scikit-learn comes with the bench extra).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.matching_quality import REAL_DATASET

Scores = dict[str, float]
#: (query index, candidate case keys) -> a score per candidate
Scorer = Callable[[int, list[str]], Scores]
#: (tfidf, meaning, category) weights tried for the blends
BLEND_GRID = [
    (tfidf, meaning, category)
    for tfidf in (0.3, 0.45, 0.55)
    for meaning in (0.35, 0.45, 0.6)
    for category in (0.0, 0.1, 0.2)
    if abs(tfidf + meaning + category - 1) < 1e-9
]
CATEGORY_BONUS = 0.1


@dataclass(frozen=True)
class RealSet:
    complaints: list[dict[str, Any]]
    cases: dict[str, dict[str, Any]]
    seeds: list[int]  #: indexes of the complaints that build the cases
    queries: list[int]  #: indexes of the English held-out complaints
    members: dict[str, list[int]]  #: case key -> indexes of its seeds


def _load() -> RealSet:
    data = json.loads(REAL_DATASET.read_text(encoding="utf-8"))
    complaints = data["complaints"]
    seeds = [i for i, c in enumerate(complaints) if c["role"] == "seed"]
    queries = [
        i
        for i, c in enumerate(complaints)
        if c["role"] != "seed" and not any("\u4e00" <= ch <= "\u9fff" for ch in c["narrative"])
    ]
    members: dict[str, list[int]] = defaultdict(list)
    for index in seeds:
        members[complaints[index]["case"]].append(index)
    return RealSet(complaints, {c["key"]: c for c in data["cases"]}, seeds, queries, members)


def _rate(data: RealSet, score: Scorer) -> dict[str, Any]:
    at1 = at3 = 0
    reciprocal = 0.0
    for query in data.queries:
        truth = data.complaints[query]["case"]
        company = data.cases[truth]["company"]
        candidates = [key for key in data.members if data.cases[key]["company"] == company]
        scores = score(query, candidates)
        rank = sorted(candidates, key=lambda key: (-scores[key], key)).index(truth)
        at1 += rank == 0
        at3 += rank < 3
        reciprocal += 1 / (rank + 1)
    n = len(data.queries)
    return {
        "queries": n,
        "p_at_1": round(at1 / n, 3),
        "p_at_3": round(at3 / n, 3),
        "mrr": round(reciprocal / n, 3),
    }


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def main() -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from bench.harness import RESULTS, ROOT, print_table, write_json
    from services.matching.meaning import embed

    data = _load()
    texts = [c["narrative"] for c in data.complaints]
    category_of = {key: case["category"] for key, case in data.cases.items()}

    def tfidf(ngrams: tuple[int, int]) -> tuple[Any, dict[str, np.ndarray]]:
        vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=ngrams)
        vectorizer.fit([texts[i] for i in data.seeds])
        matrix = vectorizer.transform(texts)
        centroids = {
            key: _unit(np.asarray(matrix[rows].mean(axis=0)).ravel())
            for key, rows in data.members.items()
        }
        return matrix, centroids

    words, word_centroids = tfidf((1, 1))
    pairs, pair_centroids = tfidf((1, 2))
    vectors = np.stack([embed(text) for text in texts])
    profiles = {key: _unit(vectors[rows].sum(axis=0)) for key, rows in data.members.items()}

    def centroid(query: int, candidates: list[str]) -> Scores:
        row = words[query].toarray().ravel()
        return {key: float(row @ word_centroids[key]) for key in candidates}

    def nearest(count: int) -> Scorer:
        def score(query: int, candidates: list[str]) -> Scores:
            similarity = (words @ words[query].T).toarray().ravel()
            return {
                key: float(np.mean(sorted(similarity[data.members[key]], reverse=True)[:count]))
                for key in candidates
            }

        return score

    classifiers: dict[str, Any] = {}
    company_of = {key: case["company"] for key, case in data.cases.items()}
    for company in set(company_of.values()):
        rows = [i for i in data.seeds if company_of[data.complaints[i]["case"]] == company]
        labels = [data.complaints[i]["case"] for i in rows]
        classifiers[company] = LogisticRegression(C=10, max_iter=2000).fit(words[rows], labels)

    def regression(query: int, candidates: list[str]) -> Scores:
        model = classifiers[company_of[data.complaints[query]["case"]]]
        probability = dict(zip(model.classes_, model.predict_proba(words[query])[0], strict=True))
        return {key: float(probability.get(key, -1.0)) for key in candidates}

    def with_category(score: Scorer) -> Scorer:
        def scored(query: int, candidates: list[str]) -> Scores:
            chosen = data.complaints[query]["category"]
            base = score(query, candidates)
            return {k: base[k] + CATEGORY_BONUS * (category_of[k] == chosen) for k in candidates}

        return scored

    def blend(weights: tuple[float, float, float]) -> Scorer:
        tfidf_weight, meaning_weight, category_weight = weights

        def score(query: int, candidates: list[str]) -> Scores:
            row = pairs[query].toarray().ravel()
            chosen = data.complaints[query]["category"]
            return {
                key: tfidf_weight * float(row @ pair_centroids[key])
                + meaning_weight * max(float(vectors[query] @ profiles[key]), 0.0)
                + category_weight * (category_of[key] == chosen)
                for key in candidates
            }

        return score

    results: dict[str, Any] = {
        "TF-IDF centroid": _rate(data, centroid),
        "TF-IDF, nearest 3 members": _rate(data, nearest(3)),
        "TF-IDF, nearest member": _rate(data, nearest(1)),
        "logistic regression per company": _rate(data, regression),
        f"TF-IDF centroid + category ({CATEGORY_BONUS})": _rate(data, with_category(centroid)),
    }
    blends = {weights: _rate(data, blend(weights)) for weights in BLEND_GRID}
    for with_category_weight in (False, True):
        kept = {w: r for w, r in blends.items() if (w[2] > 0) == with_category_weight}
        best = max(kept, key=lambda w: (kept[w]["p_at_1"], kept[w]["mrr"]))
        label = "+ category " if with_category_weight else ""
        results[f"TF-IDF 1-2 grams + meaning {label}(best of grid {best})"] = kept[best]
    quality = json.loads((RESULTS / "matching_quality.json").read_text())["real"]["sqlite"]
    for variant, label in (("default", "Chorus"), ("text only", "Chorus, text only")):
        queries, at1, at3 = quality[variant]["by_language"]["en"]
        results[f"{label} (quality bench)"] = {
            "queries": queries,
            "p_at_1": round(at1 / queries, 3),
            "p_at_3": round(at3 / queries, 3),
        }
    print(f"\nRanking the real set's cases, {len(data.queries)} English queries")
    print_table(
        ["method", "P@1", "P@3", "MRR"],
        [[name, r["p_at_1"], r["p_at_3"], r.get("mrr", "")] for name, r in results.items()],
    )
    path = write_json("matching_baselines", results)
    print(f"written to {path.relative_to(ROOT)}")
    return results
