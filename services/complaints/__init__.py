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
    format_amount,
    import_file,
    map_cfpb_category,
    neutralize,
    strip_legal_suffixes,
    unneutralize,
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
    "format_amount",
    "import_file",
    "map_cfpb_category",
    "membership_of",
    "neutralize",
    "normalize_newlines",
    "owned_complaint",
    "redacted_narrative",
    "resolve_company",
    "strip_legal_suffixes",
    "unneutralize",
    "update_complaint",
]
