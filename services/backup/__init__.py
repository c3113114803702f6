"""``flask backup`` and ``flask restore``: a consistent snapshot while serving.

- :mod:`.archive`: making, verifying and restoring an archive;
- :mod:`.rows`: table rows as JSON lines, through the models' own column types.
"""

from .archive import (
    BackupError,
    Summary,
    Target,
    check_target,
    create_backup,
    default_name,
    restore_archive,
    verify_archive,
)
from .rows import export_table, import_table, kind_of, reset_sequences

__all__ = [
    "BackupError",
    "Summary",
    "Target",
    "check_target",
    "create_backup",
    "default_name",
    "export_table",
    "import_table",
    "kind_of",
    "reset_sequences",
    "restore_archive",
    "verify_archive",
]
