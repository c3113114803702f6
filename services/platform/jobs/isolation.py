"""Running one memory-hungry step in a child process with a hard memory ceiling.

Why a child process: decoding a 40-megapixel PNG of 400 KB takes well over 100 MB, and a
Python process rarely gives freed memory back to the system, so a web process that decoded
one kept 1.2 GB. A child's memory all goes back when it exits, whatever Pillow, PDFium or the
OCR engine did with it; and its address space is capped with ``RLIMIT_AS`` before anything is
imported, so a file that needs more fails that one step (``MemoryError``, or a library that
gives up) instead of pushing the server into swap or the kernel's OOM killer.

The child is never a fork of the caller: a fork of a threaded web process can inherit locks
held by other threads, and would start with the parent's memory. It is forked from a warm,
single-threaded server that has imported the step's module once
(:mod:`services.platform.jobs.step_server`), or, when that server cannot fork, a fresh
interpreter running this file (``python -P``). Everything crosses through files in a private
temporary folder: the caller writes the
inputs there, the step writes its outputs and a ``result.json``; failures come back as
``error.json`` (a refusal with its message id, or what crashed). The step may write its
progress to ``progress`` ("percent step"), which :func:`run_isolated` hands to a callback, so
the job's heartbeat and progress bar go on while the child works.

A step is named as ``"package.module:function"``; it takes the folder and returns a JSON-able
value. A refusal (:class:`services.errors.DomainError`) crosses as its untranslated message and
parameters and is raised again here, translated like any other.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from services.errors import DomainError
from services.platform.jobs import step_server

RESULT = "result.json"
ERROR = "error.json"
PROGRESS = "progress"
#: how often the parent looks at the child's progress (seconds)
POLL_SECONDS = 0.25
#: a failure with the address space this close to the ceiling is taken for lack of memory
NEAR_CEILING = 0.9
PR_SET_PDEATHSIG = 1  #: prctl(2)

OUT_OF_MEMORY = _l(
    "This file needs more memory to anonymize than the server allows for one file, so nothing "
    "from it was kept. Upload a smaller version: a screenshot instead of a full-size photo, "
    "or only the pages of the PDF that matter."
)
TOO_SLOW = _l(
    "This file took too long to anonymize, so nothing from it was kept. Upload a smaller "
    "version: a screenshot instead of a full-size photo, or only the pages of the PDF that "
    "matter."
)


class OutOfMemory(DomainError):
    """The step needed more memory than its ceiling (or was killed): retrying cannot help."""


class StepCrashed(RuntimeError):
    """The step raised something unexpected; the text is the child's traceback."""


Progress = Callable[[int, str], None]


def run_isolated(
    step: str,
    folder: Path,
    *,
    memory_bytes: int,
    timeout: float,
    progress: Progress | None = None,
) -> Any:
    """Run ``step`` on ``folder`` in a child process limited to ``memory_bytes`` of address
    space and ``timeout`` seconds; its return value.

    Raises :class:`OutOfMemory` when it ran out of memory or was killed, a :class:`DomainError`
    when it refused its input (with the child's message), :class:`OutOfMemory` with
    :data:`TOO_SLOW` on timeout, and :class:`StepCrashed` for anything else."""
    for name in (RESULT, ERROR, PROGRESS):
        (folder / name).unlink(missing_ok=True)
    child: RunningStep | None = step_server.start_step(step, folder, memory_bytes)
    if child is None:
        child = FreshStep(step, folder, memory_bytes)
    deadline = time.monotonic() + timeout
    seen = ""
    try:
        while not child.ended_within(min(POLL_SECONDS, deadline - time.monotonic())):
            if time.monotonic() > deadline:
                child.kill()
                raise OutOfMemory(TOO_SLOW)
            seen = _report_progress(folder, seen, progress)
    finally:
        if child.returncode is None:
            child.kill()
    _report_progress(folder, seen, progress)
    return _outcome(folder, child.returncode, child.stderr())


class RunningStep(Protocol):
    """A step at work in its own process, forked by the server or a fresh interpreter."""

    returncode: int | None

    def ended_within(self, seconds: float) -> bool:
        """Whether it ended within ``seconds``: returns as soon as it does, so a step of 50 ms
        is not made to wait for the next progress poll."""

    def kill(self) -> None:
        """Kill it and what it started, and wait until it is gone."""

    def stderr(self) -> str:
        """What it wrote to its standard error."""


class FreshStep:
    """A step in a fresh interpreter running this file: when the server cannot fork."""

    def __init__(self, step: str, folder: Path, memory_bytes: int) -> None:
        command = [sys.executable, "-P", __file__, step, str(folder), str(int(memory_bytes))]
        command.append(str(os.getpid()))
        self._child = subprocess.Popen(  # noqa: S603 - our own interpreter and file, no shell
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # a kill reaches its own children (tesseract) too
            env=child_environment(),
        )
        self.returncode: int | None = None

    def ended_within(self, seconds: float) -> bool:
        try:
            self.returncode = self._child.wait(timeout=max(seconds, 0.0))
        except subprocess.TimeoutExpired:
            return False
        return True

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._child.pid, signal.SIGKILL)
        self.returncode = self._child.wait()

    def stderr(self) -> str:
        if not self._child.stderr:
            return ""
        with self._child.stderr:
            return self._child.stderr.read().decode(errors="replace")


def child_environment() -> dict[str, str]:
    """The parent's environment, with this project importable even when it is not installed,
    and one OpenMP thread (ONNX Runtime and OpenCV otherwise reserve a stack per core)."""
    root = str(Path(__file__).resolve().parents[3])
    path = os.environ.get("PYTHONPATH", "")
    return {
        **os.environ,
        "PYTHONPATH": root + (os.pathsep + path if path else ""),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
    }


def _report_progress(folder: Path, seen: str, progress: Progress | None) -> str:
    try:
        text = (folder / PROGRESS).read_text()
    except OSError:
        return seen
    if progress is not None and text != seen:
        percent, _, step = text.partition(" ")
        if percent.isdigit():
            progress(int(percent), step.strip())
    return text


def _outcome(folder: Path, returncode: int | None, stderr: str) -> Any:
    error_file = folder / ERROR
    if error_file.exists():
        error = json.loads(error_file.read_text())
        if error["kind"] == "memory":
            raise OutOfMemory(OUT_OF_MEMORY)
        if error["kind"] == "refused":
            message = _l(error["message"], **error.get("params", {}))
            raise DomainError(message, error.get("field"))
        raise StepCrashed(error.get("traceback", "") or stderr)
    if returncode != 0:  # killed (the OOM killer, a library aborting on a failed allocation)
        raise OutOfMemory(OUT_OF_MEMORY)
    result_file = folder / RESULT
    if not result_file.exists():
        raise StepCrashed(f"the step ended without a result\n{stderr}")
    return json.loads(result_file.read_text())


# -- in the child --------------------------------------------------------------------------------


def report(folder: Path, percent: int, step: str) -> None:
    """From inside a step: tell the parent how far it is (written atomically)."""
    temporary = folder / f"{PROGRESS}.tmp"
    temporary.write_text(f"{max(0, min(100, percent))} {step}")
    temporary.replace(folder / PROGRESS)


def _peak_bytes() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _message_parts(message: object) -> tuple[str, dict[str, Any]]:
    """A refusal's message id and parameters, so the parent translates it for its reader."""
    if isinstance(message, LazyString):
        args = getattr(message, "_args", ())
        params = getattr(message, "_kwargs", {})
        if args and isinstance(args[0], str):
            return args[0], {k: v for k, v in params.items() if isinstance(v, str | int | float)}
    return str(message), {}


def _write(folder: Path, name: str, value: Any) -> None:
    temporary = folder / f"{name}.tmp"
    temporary.write_text(json.dumps(value, ensure_ascii=False))
    temporary.replace(folder / name)


def remove_stale_folders(prefix: str, older_than: float) -> int:
    """Delete the temporary folders named ``prefix*`` left for longer than ``older_than``
    seconds (longer than any step may run): a process killed while its step ran never
    removed its folder, which holds the file being worked on. Returns how many went."""
    removed = 0
    cutoff = time.time() - older_than
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder)
                removed += 1
        except OSError:  # another process removed it first
            continue
    return removed


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this process when the thread that started it dies (a worker
    killed mid-job must not leave its step running on), and leave at once if it already
    has."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def run_step(step: str, folder: Path, memory_bytes: int) -> None:
    """In the child: cap its address space, run ``step`` and leave its result or error in
    ``folder``."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        import importlib

        module_name, _, function_name = step.partition(":")
        function = getattr(importlib.import_module(module_name), function_name)
        result = function(folder)
    except MemoryError:
        _write(folder, ERROR, {"kind": "memory"})
        return
    except DomainError as error:
        message, params = _message_parts(error.message)
        _write(
            folder,
            ERROR,
            {"kind": "refused", "message": message, "params": params, "field": error.field},
        )
        return
    except Exception:
        kind = "memory" if _peak_bytes() >= NEAR_CEILING * memory_bytes else "crash"
        _write(folder, ERROR, {"kind": kind, "traceback": traceback.format_exc()})
        return
    _write(folder, RESULT, result)


def _fresh_main(step: str, folder: Path, memory_bytes: int, parent: int) -> int:
    _die_with_parent(parent)
    run_step(step, folder, memory_bytes)
    return 0


if __name__ == "__main__":
    sys.exit(_fresh_main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
