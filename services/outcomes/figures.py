"""Money recovered against money claimed, and the share of members satisfied, as published.

These figures are made of what happened to each member, so the rules of every published
figure (``services.cases.published``: batches of at least five changed members, at most daily)
are not enough on their own. Two snapshots weeks apart can differ by one member's outcome
alone (the others who changed in between changed back, or joined without an outcome), and
then any exact or merely rounded figure says what that member got: a satisfied share that
steps from 40 % to 50 % says she rated "satisfied"; a recovered total that appears says she
was refunded.

So each figure is rounded to steps of 10 % and then moved by a random number of steps drawn
from a two-sided geometric distribution (P(k) ∝ α^|k|, α = 1/2): every published value can
come from any state, and one member's change makes a value at most twice as likely as it was
(ε = ln 2, differential privacy). The draw is keyed by the server's secret and the exact state
of the case: publishing the same state again gives the same figures, so repeating snapshots
averages nothing away, and nobody can redraw the noise without the key.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from models import OutcomeRating, OutcomeState
from services.platform.noise import STEP, noisy_percent, two_sided_geometric

__all__ = ["MemberRow", "outcome_figures"]

#: the satisfied share is shown only when about this many members rated (noisy count)
MIN_RATED = 5


@dataclass(frozen=True)
class MemberRow:
    """One member as the figures see them."""

    currency: str
    claimed_minor: int
    state: OutcomeState | None
    refunded_minor: int
    rating: OutcomeRating | None


def outcome_figures(
    rows: list[MemberRow], shown_currencies: list[str], rng: random.Random
) -> dict[str, object]:
    """The published outcome figures of a case: per shown currency the share of the money
    claimed that members say came back, and the share of raters satisfied (or None when too
    few rated). The draws are made in a fixed order so the same state gives the same values."""
    recovered: list[list[object]] = []
    for currency in shown_currencies:
        in_currency = [r for r in rows if r.currency == currency]
        claimed = sum(r.claimed_minor for r in in_currency)
        back = sum(r.refunded_minor for r in in_currency if r.state is not None)
        share = min(1.0, back / claimed) if claimed else 0.0
        recovered.append([currency, noisy_percent(share, rng)])
    rated = sum(1 for r in rows if r.rating is not None)
    satisfied = sum(1 for r in rows if r.rating is OutcomeRating.SATISFIED)
    noisy_rated = rated + two_sided_geometric(rng)
    noisy_satisfied = satisfied + two_sided_geometric(rng)
    share_satisfied: int | None = None
    if noisy_rated >= MIN_RATED:
        value = max(0.0, min(1.0, noisy_satisfied / noisy_rated))
        share_satisfied = round(value * (100 // STEP)) * STEP
    return {"recovered": recovered, "satisfied": share_satisfied}
