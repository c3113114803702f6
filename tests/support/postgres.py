"""A real PostgreSQL server for the test session: Debian's binaries, a throwaway data dir."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.net import free_port


def postgres_bindir() -> str:
    """Newest installed server; ``make test`` installs Debian's ``postgresql`` when missing."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if not candidates:
        raise RuntimeError(
            "PostgreSQL server binaries not found: run `make test`, which "
            "installs Debian's postgresql package."
        )
    return os.path.dirname(candidates[-1])


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server on a free loopback port; yield its SQLAlchemy URL; stop and delete it.

    initdb and postgres refuse to run as root, so as root they run as the ``postgres`` user,
    in a directory under /tmp that user can enter (pytest's tmp_path is private to root).
    """
    bindir = postgres_bindir()
    base = tempfile.mkdtemp(prefix="chorus-pg-", dir="/tmp")
    data, sock, port = f"{base}/data", f"{base}/sock", free_port()
    os.mkdir(sock)
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        for path in (base, sock):
            os.chown(path, pw.pw_uid, pw.pw_gid)
        as_postgres = ["runuser", "-u", "postgres", "--"]

    def run(*args: str) -> None:
        subprocess.run([*as_postgres, *args], check=True, capture_output=True)

    run(
        f"{bindir}/initdb",
        "-D",
        data,
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
    )
    run(
        f"{bindir}/pg_ctl",
        "-D",
        data,
        "-l",
        f"{base}/log",
        "-w",
        "start",
        "-o",
        f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)
