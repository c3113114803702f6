"""Wallet statements as evidence: a member's loss table, read from their wallet's own export.

- :mod:`.reading`, :mod:`.opening`, :mod:`.alipay`, :mod:`.wechat`, :mod:`.paypal`: the export
  layouts, read as streams, refused with a clear message when they are none of them;
- :mod:`.tables`: the draft table (matching payments and refunds), confirming it (redacted,
  order numbers as per-case keyed hashes), discarding it;
- :mod:`.figures`: how much of each member's claim a statement backs, the orders claimed
  by more than one member, and the share of the case's claims backed, as published.
"""

from .figures import Backing, backed_shares, backing_by_member, claimed_twice, confirmed_rows
from .reading import LAYOUT_NAMES, Layout, StatementError
from .tables import (
    MAX_TABLE_ROWS,
    Proposal,
    confirm,
    discard,
    import_statement,
    my_tables,
    proposal,
    purge_drafts,
    table_total,
    visible_table,
)

__all__ = [
    "LAYOUT_NAMES",
    "MAX_TABLE_ROWS",
    "Backing",
    "Layout",
    "Proposal",
    "StatementError",
    "backed_shares",
    "backing_by_member",
    "claimed_twice",
    "confirm",
    "confirmed_rows",
    "discard",
    "import_statement",
    "my_tables",
    "proposal",
    "purge_drafts",
    "table_total",
    "visible_table",
]
