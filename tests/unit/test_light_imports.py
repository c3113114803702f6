"""What the short-lived and hot paths import and compute, kept small on purpose."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from models import CaseTerm, ComplaintTerm
from services.matching import text_terms
from services.matching.meaning import embed

ROOT = Path(__file__).resolve().parents[2]


def _loaded_after_importing(module: str, watched: tuple[str, ...]) -> list[str]:
    """Which of ``watched`` a fresh interpreter has loaded once it imported ``module``."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys, {module}; print(','.join(m for m in {watched!r} if m in sys.modules))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [name for name in result.stdout.strip().split(",") if name]


def test_the_pdf_child_does_not_load_the_database_layer() -> None:
    """Every bundle build starts ``python -m services.bundle.pdf``: importing SQLAlchemy and
    the models there cost 0.4 of its 1.2 s."""
    assert _loaded_after_importing("services.bundle.pdf", ("sqlalchemy", "flask", "models")) == []


@pytest.mark.parametrize(
    "step_module", ["services.anonymize.pipeline", "services.anonymize.checking"]
)
def test_the_evidence_child_does_not_load_the_database_layer(step_module: str) -> None:
    """Every upload starts a child for its check and one for its anonymization: the matching,
    reference and jobs packages brought SQLAlchemy, the models and Flask's extensions along,
    1.4 of the anonymizer's 2.0 s of start-up."""
    watched = ("sqlalchemy", "models", "extensions", "numpy")
    assert _loaded_after_importing(step_module, watched) == []


def test_terms_are_cut_to_the_length_of_their_columns() -> None:
    assert ComplaintTerm.__table__.c.term.type.length == text_terms.TERM_MAX
    assert CaseTerm.__table__.c.term.type.length == text_terms.TERM_MAX
    assert max(len(t) for t in text_terms.extract_terms("x" * 80 + " 支付" * 3)) <= 40


def test_the_same_story_is_embedded_once_and_shared_read_only() -> None:
    story = "My wallet was frozen after a top-up and support never answers."
    first = embed(story)
    assert embed(story) is first
    assert not first.flags.writeable
    assert embed(story + " Again.") is not first
