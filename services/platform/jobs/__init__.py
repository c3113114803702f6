"""Background jobs: a row per job is the one truth; Redis only carries ids.

- :mod:`.runner`: registering handlers, enqueueing, running, retrying and sweeping jobs;
- :mod:`.redis_queue`: the Redis queue and ``flask jobs worker`` (``JOBS_MODE = "rq"``).
"""

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
