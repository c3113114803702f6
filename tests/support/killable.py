"""Real server processes a test can SIGKILL, as the OOM killer or a lost machine would, and start
again on the same database and files.

gunicorn is started in a session of its own, so one ``killpg`` reaches its master and every
worker at the same instant: nothing gets the chance to finish a request, flush a buffer or run
a ``finally``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.net import free_port
from tests.support.server import STARTUP_SECONDS, served_env

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv running the tests


class Server:
    """One gunicorn (master and workers) on loopback, logging to ``log``."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def kill(self) -> None:
        """SIGKILL the whole process group and wait until none of it runs any more."""
        group = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        self.process.wait(10)
        deadline = time.monotonic() + 10
        while _group_alive(group):
            assert time.monotonic() < deadline, "a gunicorn worker survived SIGKILL"
            time.sleep(0.02)

    def worker_pids(self) -> list[int]:
        return [pid for pid in _group_members(self.process.pid) if pid != self.process.pid]


def _group_members(group: int) -> list[int]:
    """Running (not zombie) processes of process group ``group``."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == group:
            members.append(int(stat.parent.name))
    return members


def _group_alive(group: int) -> bool:
    return bool(_group_members(group))


def start_gunicorn(
    database_url: str,
    instance_path: Path,
    *,
    workers: int = 2,
    env: dict[str, str] | None = None,
    **settings: str,
) -> Server:
    """gunicorn with the production settings, ``settings`` (``CHORUS_*``) and ``env`` (other
    variables), answering ``/healthz``; its log is ``instance_path/gunicorn-<port>.log``."""
    port = free_port()
    instance_path.mkdir(parents=True, exist_ok=True)
    log = instance_path / f"gunicorn-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env={**served_env(database_url, instance_path, **settings), **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=1):  # noqa: S310
                return server
        except OSError:
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.05)
