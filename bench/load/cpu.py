"""CPU seconds used by each part of a load run: the app's workers, the database, Redis and the
load generator, read from the kernel's per-process counters while the run goes on."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psutil

#: process names (as the kernel shows them) → the part of the stack they belong to
PARTS = {
    "gunicorn": "app",
    "bin/flask": "jobs",
    "postgres": "postgresql",
    "redis-server": "redis",
    "locust": "locust",
}
SAMPLE_SECONDS = 0.5


def _part(process: psutil.Process) -> str | None:
    try:
        command = " ".join(process.cmdline()[:2]) or process.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    return next((part for name, part in PARTS.items() if name in command), None)


def _used(process: psutil.Process) -> float | None:
    try:
        times = process.cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    return float(times.user + times.system)


@contextmanager
def cpu_split() -> Iterator[dict[str, float]]:
    """Yields a dict filled, on exit, with CPU seconds per part used inside the block.

    Processes are sampled every half second, so a process that lives shorter than that (a
    PostgreSQL backend for one connection) may be missed: the app's pools keep theirs open."""
    first: dict[int, float] = {}
    last: dict[int, tuple[str, float]] = {}
    started = {p.pid: _used(p) for p in psutil.process_iter()}
    stop = threading.Event()

    def sample() -> None:
        while True:
            for process in psutil.process_iter():
                part, used = _part(process), _used(process)
                if part is None or used is None:
                    continue
                before = started.get(process.pid)
                first.setdefault(process.pid, before if before is not None else 0.0)
                last[process.pid] = (part, used)
            if stop.wait(SAMPLE_SECONDS):
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    split: dict[str, float] = {}
    try:
        yield split
    finally:
        stop.set()
        sampler.join()
        for pid, (part, used) in last.items():
            split[part] = round(split.get(part, 0.0) + used - first[pid], 1)
