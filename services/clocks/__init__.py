"""Deadlines after submission: each authority's named rule set, the clocks of each submission,
and the notices members get before and after a deadline.

- :mod:`.rules`: the rule sets (periods, units, extensions, holiday calendar, source);
- :mod:`.calendar`: counting calendar, working and business days, China's 调休 included;
- :mod:`.running`: starting, stopping and extending a submission's clocks, and moving them
  when a year's official holiday schedule comes out;
- :mod:`.reading`: due dates, days left, overdue flags; the inbox's sort and filters;
- :mod:`.reminders`: the sweep's notices, each sent at most once.
"""

from .reading import ClockView, SubmissionClocks, clocks_of_cases, next_due, views_by_submission
from .reminders import SweepResult, send_due
from .rules import RULE_SETS, RuleSet, rule_set
from .running import extend, on_status, refresh_due_dates, start

__all__ = [
    "RULE_SETS",
    "ClockView",
    "RuleSet",
    "SubmissionClocks",
    "SweepResult",
    "clocks_of_cases",
    "extend",
    "next_due",
    "on_status",
    "refresh_due_dates",
    "rule_set",
    "send_due",
    "start",
    "views_by_submission",
]
