"""A signed petition sent to its authority, and the authority reporting back.

- :mod:`.lifecycle`: readiness, submitting, and recording the authority's status;
- :mod:`.regulator_inbox`: the regulator's inbox, signatories and timeline.
"""

from .lifecycle import Readiness, readiness, record_status, submission_for_regulator, submit
from .regulator_inbox import InboxFilters, Signatory, filter_choices, inbox, signatories, timeline

__all__ = [
    "InboxFilters",
    "Readiness",
    "Signatory",
    "filter_choices",
    "inbox",
    "readiness",
    "record_status",
    "signatories",
    "submission_for_regulator",
    "submit",
    "timeline",
]
