"""A step whose module starts a thread when imported, as ONNX Runtime does: a process that
imported it must not fork."""

from __future__ import annotations

import os
import threading
from pathlib import Path

_started = threading.Event()
threading.Thread(target=_started.wait, daemon=True).start()


def parent(folder: Path) -> dict[str, int]:  # noqa: ARG001 - a step takes its folder
    return {"parent": os.getppid()}
