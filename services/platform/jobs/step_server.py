"""A warm parent that forks each isolated step (:mod:`services.platform.jobs.isolation`).

Why: a step started as a fresh interpreter paid its start-up on every upload, twice (the
check on the upload's request, then the anonymization): importing the anonymizer and its
libraries took about 1 s, the dictionary of given names 1.5 s, and under the test suite these
children took 39 % of both cores. This server is itself a fresh interpreter (never a fork of
the threaded web process). It imports a step's module once, with what the module's
``preload()`` loads, then forks one child per step, which starts with all of that in memory.

Only a single-threaded process may fork safely (a thread holding a lock at the fork leaves it
held forever in the child). ONNX Runtime starts threads as soon as it is imported, so the OCR
and name models are loaded in each child, never here; and the server checks its own threads
before every fork: when an import started one, it refuses, and the caller starts a fresh
interpreter as before.

The protocol, over a Unix socket in a private folder: the caller sends one JSON line
``{"step", "folder", "memory_bytes", "environment"}``; the child answers ``{"pid": n}`` at once and
``{"exit": 0}`` when its step is done; a connection that closes without it means the child
was killed. The child watches its connection: when the caller goes (a worker killed mid-job,
a timeout), the child kills its own process group, so no step runs on for a caller that is
gone. The server lives while any process holds its "alive" pipe: the process that started it
and those forked from it (the job worker's horses, gunicorn's workers).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import select
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: the step's standard error, kept in its folder for the caller's crash report
STDERR = "stderr"
READY = b"ready\n"
#: how long the caller waits for the server to start (it imports the preloaded steps first)
START_SECONDS = 120.0
#: how long the caller waits for a fork's answer
ANSWER_SECONDS = 30.0
#: how long a killed child may take to close its connection
KILL_SECONDS = 5.0


# -- the caller's side ---------------------------------------------------------------------------


@dataclass
class StepServer:
    """A started server: where to reach it, and the pipe whose write end keeps it alive."""

    process: subprocess.Popen[bytes]
    address: str
    alive_fd: int
    #: the environment it was started with
    environment: dict[str, str]
    #: let go of by this process (its pipe's end closed, so the number may be reused)
    stopped: bool = False


class ForkedStep:
    """A step running in a child of the server, seen through its connection."""

    def __init__(self, connection: socket.socket, pid: int, folder: Path, received: bytes) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._connection = connection
        self._folder = folder
        #: what came after the pid's line: a quick step's end can arrive in the same read
        self._received = received

    def ended_within(self, seconds: float) -> bool:
        """Whether the step ended within ``seconds``; returns as soon as it does."""
        if self.returncode is None and b"\n" not in self._received:
            readable, _, _ = select.select([self._connection], [], [], max(seconds, 0.0))
            if not readable:
                return False
            try:
                data = self._connection.recv(4096)
            except OSError:
                data = b""
            self._received += data
            if not data and b"\n" not in self._received:  # closed without its end: killed
                self.returncode = -signal.SIGKILL
        if self.returncode is None and b"\n" in self._received:
            self.returncode = int(json.loads(self._received.partition(b"\n")[0])["exit"])
        if self.returncode is not None:
            self._connection.close()
        return self.returncode is not None

    def kill(self) -> None:
        """Kill the step and what it started, and wait until it is gone."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        self._connection.settimeout(KILL_SECONDS)
        with contextlib.suppress(OSError):
            while self._connection.recv(4096):
                pass
        self._connection.close()
        if self.returncode is None:
            self.returncode = -signal.SIGKILL

    def stderr(self) -> str:
        try:
            return (self._folder / STDERR).read_text(errors="replace")
        except OSError:
            return ""


_server: StepServer | None = None
_lock = threading.Lock()


def start(preload: Iterable[str] = ()) -> StepServer | None:
    """The server of this process (and of those forked from it), started if need be with
    ``preload``'s step modules imported; None when it cannot start."""
    global _server  # one server per process tree, started on first use
    with _lock:
        if _server is None:
            _server = _launch(list(preload))
        return _server


def running() -> bool:
    """Whether this process has a server (started by it or by the parent it was forked from)."""
    return _server is not None


def start_step(step: str, folder: Path, memory_bytes: int) -> ForkedStep | None:
    """Fork ``step`` on ``folder`` from the server; None when the server cannot (it refused
    to fork, or could not be started) or when this process changed what shapes an
    interpreter at its start since it started the server (:data:`STARTUP_PREFIXES`), and the
    caller starts a fresh interpreter. The child takes the caller's environment."""
    from services.platform.jobs.isolation import child_environment

    global _server
    environment = child_environment()
    for _attempt in range(2):
        server = start()
        if server is None or _start_shaping(server.environment) != _start_shaping(environment):
            return None
        request = {
            "step": step,
            "folder": str(folder),
            "memory_bytes": int(memory_bytes),
            "environment": environment,
        }
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.settimeout(ANSWER_SECONDS)
            connection.connect(server.address)
            connection.sendall(json.dumps(request).encode() + b"\n")
            line, rest = _read_line(connection)
            answer = json.loads(line)
        except (OSError, ValueError):  # gone (killed, or its starter's pipe closed): again
            connection.close()
            with _lock:
                if _server is server:
                    _stop(server)
                    _server = None
            continue
        if "pid" not in answer:
            connection.close()
            return None
        connection.settimeout(None)
        return ForkedStep(connection, int(answer["pid"]), folder, rest)
    return None


#: variables read when an interpreter or its native libraries start (the import path, thread
#: pools, the dynamic linker): a change to one needs a fresh interpreter
STARTUP_PREFIXES = ("PYTHON", "LD_", "OMP_", "OPENBLAS_", "MKL_")


def _start_shaping(environment: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in environment.items() if k.startswith(STARTUP_PREFIXES)}


def _launch(preload: list[str]) -> StepServer | None:
    from services.platform.jobs.isolation import child_environment

    address = str(Path(tempfile.mkdtemp(prefix="chorus-steps-")) / "socket")
    alive_read, alive_write = os.pipe()
    environment = child_environment()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and file, no shell
        [sys.executable, "-P", __file__, address, *preload],
        stdin=alive_read,
        stdout=subprocess.PIPE,
        start_new_session=True,  # Ctrl-C reaches its owner; it ends when the owner's pipe closes
        env=environment,
    )
    os.close(alive_read)
    server = StepServer(process, address, alive_write, environment)
    assert process.stdout is not None
    readable, _, _ = select.select([process.stdout], [], [], START_SECONDS)
    if not readable or process.stdout.readline() != READY:
        _stop(server)
        return None
    process.stdout.close()
    atexit.register(_stop, server)  # at a clean exit; a killed owner closes the pipe anyway
    return server


def _stop(server: StepServer) -> None:
    """Let go of the server: close this process's end of its pipe, and end it if this is the
    process that started it (forked processes leave it to their parent). Once only: the
    number of a closed descriptor goes to the next file opened."""
    if server.stopped:
        return
    server.stopped = True
    with contextlib.suppress(OSError):
        os.close(server.alive_fd)
    if server.process.stdout is not None:
        server.process.stdout.close()
    if _is_own_child(server.process):
        server.process.kill()
        server.process.wait()
        shutil.rmtree(Path(server.address).parent, ignore_errors=True)


def _is_own_child(process: subprocess.Popen[bytes]) -> bool:
    """Whether this process started ``process`` (a forked horse cannot wait for it)."""
    try:
        return process.poll() is None
    except ChildProcessError:
        return False


def _read_line(connection: socket.socket) -> tuple[bytes, bytes]:
    """The first line from ``connection``, and what was read after it."""
    received = b""
    while b"\n" not in received:
        data = connection.recv(4096)
        if not data:
            raise OSError("closed before its answer")
        received += data
    line, _, rest = received.partition(b"\n")
    return line, rest


# -- the server ----------------------------------------------------------------------------------


def _serve(address: str, preload: list[str]) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children
    try:
        # a service manager stops every process of the service with SIGTERM: leave through
        # the ``finally`` below, so the private folder goes too (from here on: a SIGTERM
        # right after the server said it was ready once left it behind)
        signal.signal(signal.SIGTERM, _leave)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(address)
        listener.listen(64)
        for module in preload:
            _load(module)
        os.write(1, READY)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        selector = selectors.DefaultSelector()
        selector.register(listener, selectors.EVENT_READ)
        selector.register(0, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                if key.fileobj == 0:
                    if not os.read(0, 1):
                        return  # every holder of the alive pipe is gone
                    continue
                connection, _ = listener.accept()
                with connection:
                    _answer(connection, listener)
    finally:
        shutil.rmtree(Path(address).parent, ignore_errors=True)


def _leave(*_signal: object) -> None:
    raise SystemExit(0)


_loaded: set[str] = set()


def _load(module: str) -> None:
    """Import a step's module and what its ``preload()`` loads, once; a failure is left for
    the child, which imports it again and reports the error like any other."""
    if module in _loaded:
        return
    _loaded.add(module)
    with contextlib.suppress(Exception):
        loaded = importlib.import_module(module)
        preload = getattr(loaded, "preload", None)
        if callable(preload):
            preload()


def threads() -> int:
    """Threads of this process, those of native libraries included."""
    return len(os.listdir("/proc/self/task"))


def _answer(connection: socket.socket, listener: socket.socket) -> None:
    try:
        connection.settimeout(ANSWER_SECONDS)
        request = json.loads(_read_line(connection)[0])
        _load(request["step"].partition(":")[0])
    except (OSError, ValueError, KeyError):
        return
    if threads() > 1:
        with contextlib.suppress(OSError):
            connection.sendall(b'{"refused": "threads"}\n')
        return
    if os.fork() == 0:
        try:
            listener.close()
            _child(connection, request)
        finally:
            os._exit(1)


def _child(connection: socket.socket, request: dict[str, Any]) -> None:
    from services.platform.jobs.isolation import run_step

    os.close(0)  # the alive pipe is the callers', not the steps'
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the step waits for its own children
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a step stopped is a step killed
    os.setsid()  # a kill reaches its own children (tesseract) too
    os.environ.clear()
    os.environ.update(request["environment"])
    folder = Path(request["folder"])
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.dup2(os.open(folder / STDERR, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
    connection.settimeout(None)
    connection.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
    threading.Thread(target=_end_with_caller, args=(connection,), daemon=True).start()
    run_step(request["step"], folder, int(request["memory_bytes"]))
    connection.sendall(b'{"exit": 0}\n')
    os._exit(0)


def _end_with_caller(connection: socket.socket) -> None:
    """Kill this step and its children once its caller is gone (the connection closes)."""
    with contextlib.suppress(OSError):
        connection.recv(1)
    os.killpg(0, signal.SIGKILL)


if __name__ == "__main__":
    _serve(sys.argv[1], sys.argv[2:])
