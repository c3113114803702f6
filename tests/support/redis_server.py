"""A real Redis for the test session: Debian's ``redis-server`` on a free loopback port, in a
throwaway directory, writing nothing to disk (no snapshots, no append-only file).

Use the fixture by importing it into a test module (or a conftest)::

    from tests.support.redis_server import redis_url  # noqa: F401 - a fixture

Tests sharing the server keep apart by key names: give each its own ``RQ_QUEUE``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

from tests.support.net import free_port


@contextmanager
def redis_server() -> Iterator[str]:
    """Start a server; yield its URL once it answers PING; stop it and delete its directory."""
    if shutil.which("redis-server") is None:
        raise RuntimeError("redis-server not found: install Debian's redis-server package.")
    base, port = tempfile.mkdtemp(prefix="chorus-redis-"), free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            base,
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.01)
        client.close()
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The URL of a Redis server shared by the whole session."""
    with redis_server() as url:
        yield url
