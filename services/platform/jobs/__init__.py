"""Background jobs: a row per job is the one truth; Redis only carries ids.

- :mod:`.runner`: registering handlers, enqueueing, running, retrying and sweeping jobs;
- :mod:`.redis_queue`: the Redis queue and ``flask jobs worker`` (``JOBS_MODE = "rq"``);
- :mod:`.isolation`: a step run in a child process under a memory ceiling.

The runner's names are loaded on first use, not on import: the evidence anonymizer's child
process imports :mod:`.isolation` (to report progress), and the runner would bring Flask's
extensions, SQLAlchemy and the models along, 0.6 s of every upload's start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .runner import (
        Handler,
        dispatch,
        enqueue,
        is_stale,
        register,
        revive_if_stale,
        run,
        run_in_app,
        sweep,
    )

__all__ = [
    "Handler",
    "dispatch",
    "enqueue",
    "is_stale",
    "register",
    "revive_if_stale",
    "run",
    "run_in_app",
    "sweep",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module(".runner", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
