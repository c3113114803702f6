"""The app served by gunicorn with several worker processes, as in production, on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.support.net import free_port

ROOT = Path(__file__).resolve().parents[2]
#: how long gunicorn may take to answer: its master loads the app's modules and the word
#: segmenter before forking (services/matching/warm.py), a few seconds on a busy machine
STARTUP_SECONDS = 60


#: the served app's secret key: what a process preparing its database seals secrets with too
SERVED_SECRET_KEY = "gunicorn-test-secret"


def served_env(database_url: str, instance_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a served app's processes (web, job worker, ``flask`` commands):
    configured only through variables, as a deployment is."""
    return {
        **os.environ,
        "CHORUS_ENV": "testing",
        "CHORUS_SECRET_KEY": SERVED_SECRET_KEY,
        "DATABASE_URL": database_url,
        "CHORUS_INSTANCE_PATH": str(instance_path),
        "CHORUS_ARGON2_TIME_COST": "1",
        "CHORUS_ARGON2_MEMORY_COST": "256",
        "CHORUS_ARGON2_PARALLELISM": "1",
        **{f"CHORUS_{key}": value for key, value in settings.items()},
    }


@contextmanager
def gunicorn_server(
    database_url: str,
    instance_path: Path,
    workers: int = 4,
    gunicorn_args: Sequence[str] = (),
    **settings: str,
) -> Iterator[str]:
    """Start gunicorn on a free port; yield its base URL; stop it.

    ``gunicorn_args`` come after the production configuration, so a caller can
    override one of its settings (a benchmark turns off worker recycling).
    """
    port = free_port()
    env = served_env(database_url, instance_path, **settings)
    instance_path.mkdir(parents=True, exist_ok=True)
    log = instance_path / "gunicorn.log"
    log_file = log.open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--config",
            str(ROOT / "gunicorn.conf.py"),  # the production settings, with these overrides:
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            *gunicorn_args,
        ],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1):  # noqa: S310
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(15)
        log_file.close()
