"""Keyed noise for published shares: rounded to steps of 10 %, then moved by a random number
of steps from a two-sided geometric distribution (P(k) ∝ α^|k|, α = 1/2), so that one
member's change makes any published value at most twice as likely as it was (ε = ln 2).

The draw is keyed by the server's secret and the exact state it describes: publishing the
same state again gives the same value, so repeating snapshots averages nothing away, and
nobody can redraw the noise without the key. ``services.outcomes`` and
``services.statements`` publish their shares through it.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Iterable

#: the noise's ratio between neighbouring steps: ε = ln(1 / ALPHA)
ALPHA = 0.5
#: figures are given in steps of this many percent
STEP = 10


def noise_source(
    secret: str, subject_id: int, facts: Iterable[str], purpose: str = "outcomes"
) -> random.Random:
    """A generator seeded by the server's secret and the exact state of what is published
    (``subject_id``, e.g. a case, and every member's facts digest, in any order), so that the
    same state always draws the same noise; each ``purpose`` (a kind of figure) draws its own."""
    digest = hashlib.sha256("\n".join(sorted(facts)).encode()).hexdigest()
    seed = hmac.new(secret.encode(), f"{purpose}:{subject_id}:{digest}".encode(), hashlib.sha256)
    return random.Random(seed.digest())  # keyed noise: not a secret itself


def two_sided_geometric(rng: random.Random, alpha: float = ALPHA) -> int:
    """P(k) ∝ alpha^|k|: the difference of two geometric draws."""

    def geometric() -> int:
        count = 0
        while rng.random() < alpha:
            count += 1
        return count

    return geometric() - geometric()


def noisy_percent(value: float, rng: random.Random) -> int:
    """``value`` in [0, 1] as a published percentage: rounded to STEP, moved by noise,
    clamped to 0-100."""
    steps = 100 // STEP
    noisy = round(value * steps) + two_sided_geometric(rng)
    return max(0, min(steps, noisy)) * STEP
