"""A member's own complaint (the joint complaint of a case is :mod:`services.petition`).

- :mod:`.filing`: filing, editing and deleting it, and resolving the company it names;
- :mod:`.csv_exchange`: complaints collected elsewhere, imported and exported as CSV.
"""

from .csv_exchange import (
    BadRow,
    CsvRefused,
    ImportResult,
    detect_layout,
    export_file,
    import_file,
    map_cfpb_category,
    strip_legal_suffixes,
)
from .filing import (
    ComplaintInput,
    delete_complaint,
    file_complaint,
    membership_of,
    normalize_newlines,
    owned_complaint,
    redacted_narrative,
    resolve_company,
    update_complaint,
)

__all__ = [
    "BadRow",
    "ComplaintInput",
    "CsvRefused",
    "ImportResult",
    "delete_complaint",
    "detect_layout",
    "export_file",
    "file_complaint",
    "import_file",
    "map_cfpb_category",
    "membership_of",
    "normalize_newlines",
    "owned_complaint",
    "redacted_narrative",
    "resolve_company",
    "strip_legal_suffixes",
    "update_complaint",
]
