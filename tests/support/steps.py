"""Steps for :func:`services.platform.jobs.isolation.run_isolated` in tests: each does one thing
a real step can do (succeed, report progress, refuse, take too much memory, be killed, hang)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from flask_babel import lazy_gettext as _l

from services.errors import DomainError
from services.platform.jobs.isolation import report

UNREADABLE = (
    "This image could not be read: it may be damaged or incomplete. Take the screenshot or "
    "export the photo again and upload the new file."
)


def echo(folder: Path) -> dict[str, str]:
    report(folder, 50, "halfway")
    time.sleep(0.6)  # long enough for the parent to see the progress
    return {"read": (folder / "input.txt").read_text()}


def refuse(folder: Path) -> None:  # noqa: ARG001 - a step takes its folder
    raise DomainError(_l(UNREADABLE), "files")


def hog(folder: Path) -> int:  # noqa: ARG001 - a step takes its folder
    kept = [bytearray(64 * 1024 * 1024) for _ in range(64)]  # 4 GiB, past any test ceiling
    return len(kept)


def killed(folder: Path) -> None:  # noqa: ARG001 - a step takes its folder
    os.kill(os.getpid(), signal.SIGKILL)


def hang(folder: Path) -> None:  # noqa: ARG001 - a step takes its folder
    time.sleep(60)


def parent(folder: Path) -> dict[str, int]:  # noqa: ARG001 - a step takes its folder
    """Which process started this one, and how many threads it has."""
    started_by = os.getppid()
    return {"parent": started_by, "parent_threads": len(os.listdir(f"/proc/{started_by}/task"))}


def wait_forever(folder: Path) -> None:
    """Leave this process's id in the folder, then never end."""
    (folder / "pid").write_text(str(os.getpid()))
    time.sleep(600)


def probe(folder: Path) -> dict[str, int | str | None]:  # noqa: ARG001 - a step takes its folder
    """Which process started this one, and the variable ``CHORUS_STEP_PROBE`` it sees."""
    return {"parent": os.getppid(), "probe": os.environ.get("CHORUS_STEP_PROBE")}
