"""What the short-lived and hot paths import and compute, kept small on purpose."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from services.matching.meaning import embed

ROOT = Path(__file__).resolve().parents[2]


def test_the_pdf_child_does_not_load_the_database_layer() -> None:
    """Every bundle build starts ``python -m services.bundle.pdf``: importing SQLAlchemy and
    the models there cost 0.4 of its 1.2 s."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, services.bundle.pdf; "
            "print(sorted(m for m in ('sqlalchemy', 'flask', 'models') if m in sys.modules))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"


def test_the_same_story_is_embedded_once_and_shared_read_only() -> None:
    story = "My wallet was frozen after a top-up and support never answers."
    first = embed(story)
    assert embed(story) is first
    assert not first.flags.writeable
    assert embed(story + " Again.") is not first
