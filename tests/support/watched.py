"""What a test wrote on disk, observed cheaply enough to check after every hypothesis example.

Walking pytest's whole temporary base would see any stray file, but that base holds the folders
of every test run so far, so each walk grows with the suite (a fuzz test took 2 s alone and
130 s late in a full run). Instead the code under test works ``DEPTH`` levels below the test's
own folder: a path climbing up to ``DEPTH`` levels out of it still lands inside that folder,
which is walked in full; the two folders above it are listed, which catches a longer climb.
"""

from __future__ import annotations

import os
from pathlib import Path

DEPTH = 4


def deep_folder(tmp_path: Path) -> Path:
    """A folder ``DEPTH`` levels below ``tmp_path``, created."""
    folder = tmp_path.joinpath(*(f"level{n}" for n in range(DEPTH)))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def snapshot(tmp_path: Path, skip: Path | None = None) -> set[tuple[str, int]]:
    """Every path under ``tmp_path`` with its size (directories as -1), but what lies under
    ``skip`` and the size of SQLite files (a database grows; no upload wrote that), and the
    names in the two folders above ``tmp_path``."""
    found: set[tuple[str, int]] = set()
    for directory, subdirs, filenames in os.walk(tmp_path):
        here = Path(directory)
        subdirs[:] = [name for name in subdirs if here / name != skip]
        found.update((str(here / name), -1) for name in subdirs)
        for name in filenames:
            path = here / name
            found.add((str(path), -1 if name.startswith("test.sqlite3") else path.lstat().st_size))
    for above in (tmp_path.parent, tmp_path.parent.parent):
        found.update((str(above / name), -1) for name in os.listdir(above))
    return found
