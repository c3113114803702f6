"""The check of an upload before anything is stored, run in a child process like the cleaning.

A picture is decoded in full (a truncated file must be refused at once, not fail later) and a
PDF opened and its pages counted: both are what let a refusal leave nothing behind. Decoding a
40-megapixel picture takes more memory than a web process should ever hold, so the check runs
under the same ceiling as the job (:func:`services.platform.jobs.isolation.run_isolated`), and
this module imports only what the check needs, so the child starts in about half a second.

``task.json`` holds ``kind`` (image or pdf), ``max_pixels``, ``work_pixels`` and
``max_pages``; the upload is the file ``original``.
"""

from __future__ import annotations

import json
from pathlib import Path

from services.anonymize import image, pdf

TASK = "task.json"
ORIGINAL = "original"


def check(folder: Path) -> dict[str, int]:
    """``{"page_count": n}`` for an upload the job will be able to read; raises
    :class:`~services.anonymize.sniff.UnreadableFile` for any other."""
    task = json.loads((folder / TASK).read_text())
    data = (folder / ORIGINAL).read_bytes()
    if task["kind"] == "image":
        image.load_image(
            data, max_pixels=int(task["max_pixels"]), work_pixels=int(task["work_pixels"])
        ).close()
        return {"page_count": 1}
    return {"page_count": pdf.page_count(data, max_pages=int(task["max_pages"]))}
