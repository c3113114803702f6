"""Rendering the complaint PDF in a short-lived child process.

The CJK font is the largest thing a bundle build touches: fpdf2 parses the Noto CJK face into
about 65 MB of tables. Parsed in the building process, that memory would stay with the web or
worker process for good and push a build's peak past 200 MB; in a child it is returned to the
system the moment the PDF is written. The child gets the complaint as JSON on stdin and writes
the PDF to stdout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from typing import Any

#: a complaint renders in about a second; a stuck child must not hold a build forever
TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class PdfComplaint:
    title: str
    metadata: list[tuple[str, str]]  #: label, value lines under the title
    sections: list[tuple[str, str]]  #: heading, Markdown text


def render(complaint: PdfComplaint, footer: str) -> bytes:
    """The complaint as PDF bytes, rendered by ``python -m services.bundle.pdf``."""
    request = json.dumps({"complaint": asdict(complaint), "footer": footer}, ensure_ascii=False)
    result = subprocess.run(
        [sys.executable, "-m", "services.bundle.pdf"],
        input=request.encode(),
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0 or not result.stdout.startswith(b"%PDF-"):
        detail = result.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"rendering the complaint PDF failed: {detail[0]}")
    return result.stdout


def complaint_from_json(data: dict[str, Any]) -> PdfComplaint:
    return PdfComplaint(
        title=data["title"],
        metadata=[(label, value) for label, value in data["metadata"]],
        sections=[(heading, text) for heading, text in data["sections"]],
    )
