"""What each member got after submission, and what the case shows of it.

- :mod:`.records`: a member's own outcome (nothing yet, partly or fully refunded, refused),
  its rating and a dispute that reaches the authority;
- :mod:`.figures`: money recovered against money claimed and the share of members satisfied,
  published with keyed noise so that no snapshot, nor any pair of them, tells one member's
  outcome;
- :mod:`.report`: the signed outcome report, an addendum naming the frozen bundle's hash.
"""

from .figures import MemberRow, outcome_figures
from .records import dispute, dispute_counts, my_outcome, outcomes_of_case, record_outcome

__all__ = [
    "MemberRow",
    "dispute",
    "dispute_counts",
    "my_outcome",
    "outcome_figures",
    "outcomes_of_case",
    "record_outcome",
]
