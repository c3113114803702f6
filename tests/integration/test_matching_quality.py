"""Matching quality on the labelled set: a regression in ranking fails here, on both databases."""

from __future__ import annotations

from bench.matching_quality import evaluate, load_companies, load_dataset
from extensions import db
from services.matching import DEFAULT_WEIGHTS


def test_true_case_is_in_the_top_three_for_nine_in_ten_queries(app: object) -> None:
    load_companies(db.session)
    db.session.commit()
    report = evaluate(db.session, load_dataset(), {"default": DEFAULT_WEIGHTS})["default"]
    assert report.queries >= 250
    assert report.precision_at_3 >= 0.9, report.misses
    assert report.precision_at_1 >= 0.85, report.misses
    twins, twins_first = report.twins
    assert twins >= 100
    assert twins_first / twins >= 0.8  # same company, category and weeks: only text decides
