"""The security audit log: who did what to which account, case or bundle, and when.

- :mod:`.writing`: appending an event (ids only, never an e-mail, name or address);
- :mod:`.reading`: the admin's filtered pages of it and its CSV export.
"""

from .reading import (
    AuditFilters,
    AuditPage,
    AuditRow,
    export_csv,
    export_rows,
    known_actions,
    known_target_types,
    page,
    render_data,
    start_export,
)
from .writing import record

__all__ = [
    "AuditFilters",
    "AuditPage",
    "AuditRow",
    "export_csv",
    "export_rows",
    "known_actions",
    "known_target_types",
    "page",
    "record",
    "render_data",
    "start_export",
]
