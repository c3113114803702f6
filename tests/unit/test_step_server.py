"""Isolated steps are forked from a warm server that imported their module once
(services/platform/jobs/step_server.py): never from a process with a second thread, never left
running once their caller is gone, and started as a fresh interpreter when the server cannot
fork. Each test runs its caller as a process of its own, so that the server it starts (and
what that server imported) is its own too."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from services.platform.jobs import step_server

ROOT = Path(__file__).resolve().parents[2]
CEILING = 512 * 1024 * 1024
#: a caller: runs ``STEP`` in ``FOLDER`` and prints its result beside its own and its server's
#: process ids
CALLER = """
import json, os, sys
from pathlib import Path

from services.platform.jobs import step_server
from services.platform.jobs import isolation, step_server
server = step_server.start(preload=PRELOAD)
exec(AFTER_START)
result = isolation.run_isolated(STEP, Path(FOLDER), memory_bytes=CEILING, timeout=120)
print(json.dumps({"result": result, "caller": os.getpid(), "server": server.process.pid}))
"""


def _caller(step: str, folder: Path, preload: tuple[str, ...] = (), after_start: str = "") -> str:
    return (
        f"PRELOAD = {list(preload)!r}\nSTEP = {step!r}\nFOLDER = {str(folder)!r}\n"
        f"CEILING = {CEILING}\nAFTER_START = {after_start!r}\n{CALLER}"
    )


def _run(
    step: str, folder: Path, preload: tuple[str, ...] = (), after_start: str = ""
) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _caller(step, folder, preload, after_start)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    ran: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return ran


def test_the_evidence_steps_are_forked_from_a_single_threaded_server(tmp_path: Path) -> None:
    """The anonymizer and the check are loaded (with the libraries and the dictionary of
    given names their runs need) and the server still has one thread, so it may fork."""
    steps = ("services.anonymize.pipeline", "services.anonymize.checking")
    ran = _run("tests.support.steps:parent", tmp_path, preload=steps)
    assert ran["result"] == {"parent": ran["server"], "parent_threads": 1}
    assert ran["server"] != ran["caller"]


def test_a_forked_step_sees_its_callers_environment_of_the_moment(tmp_path: Path) -> None:
    ran = _run(
        "tests.support.steps:probe",
        tmp_path,
        after_start="os.environ['CHORUS_STEP_PROBE'] = 'set after the server started'",
    )
    assert ran["result"] == {"parent": ran["server"], "probe": "set after the server started"}


def test_a_changed_import_path_needs_a_fresh_interpreter(tmp_path: Path) -> None:
    ran = _run(
        "tests.support.steps:probe", tmp_path, after_start="os.environ['PYTHONPATH'] = '/nowhere'"
    )
    assert ran["result"] == {"parent": ran["caller"], "probe": None}


def test_a_module_that_starts_a_thread_runs_in_a_fresh_interpreter(tmp_path: Path) -> None:
    ran = _run("tests.support.threaded_steps:parent", tmp_path)
    assert ran["result"] == {"parent": ran["caller"]}


def test_a_step_ends_when_its_caller_is_killed(tmp_path: Path) -> None:
    caller = subprocess.Popen(
        [sys.executable, "-c", _caller("tests.support.steps:wait_forever", tmp_path)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pid_file = tmp_path / "pid"
    deadline = time.monotonic() + 120
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    step = int(pid_file.read_text())
    assert Path(f"/proc/{step}").exists()
    caller.send_signal(signal.SIGKILL)
    caller.wait()
    assert _ends_within(step, 10), "the step ran on after its caller was killed"


def _running(pid: int) -> bool:
    """Whether ``pid`` is a process that has not ended (a zombie has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _ends_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _running(pid)


def test_the_server_ends_with_the_process_that_started_it(tmp_path: Path) -> None:
    caller = subprocess.Popen(
        [sys.executable, "-c", _caller("tests.support.steps:parent", tmp_path) + "\ninput()"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert caller.stdout is not None
    assert caller.stdin is not None
    with caller.stdout, caller.stdin:  # its input stays open: it waits for a line
        server = int(json.loads(caller.stdout.readline())["server"])
        assert _running(server)
        caller.send_signal(signal.SIGKILL)
        caller.wait()
    assert _ends_within(server, 10), "the server outlived the process that started it"


def test_a_server_stopped_by_the_service_manager_removes_its_folder() -> None:
    """systemd (or ``docker stop``) sends SIGTERM to every process of the service: the
    server's private folder in the temporary directory must not be left behind."""
    server = step_server._launch([])
    assert server is not None
    folder = Path(server.address).parent
    try:
        assert folder.is_dir()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=10)
        assert not folder.exists()
    finally:
        step_server._stop(server)


#: lets go of a server twice, the second time after its pipe's descriptor number was reused
STOPPED_TWICE = """
import os
from services.platform.jobs import step_server
server = step_server.start()
step_server._stop(server)  # as after a failed connection
opened = [os.open(os.devnull, os.O_RDONLY) for _ in range(64)]
assert server.alive_fd in opened, "the number was not reused"
reused = server.alive_fd
step_server._stop(server)  # as at exit
os.fstat(reused)
print("still open")
"""


def test_letting_go_of_a_server_twice_closes_nothing_else() -> None:
    done = subprocess.run(
        [sys.executable, "-c", STOPPED_TWICE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "still open", done.stderr


def test_a_step_that_ends_before_its_caller_reads_the_answer_succeeds(tmp_path: Path) -> None:
    """A quick step's end can arrive in the same read as the answer with its process id (a
    check of a small picture under load): it was taken for a killed step, and the upload was
    refused as too large. Here the caller reads the answer half a second late."""
    late = (
        "import time\n"
        "read_line = step_server._read_line\n"
        "step_server._read_line = lambda connection: (time.sleep(0.5), read_line(connection))[1]"
    )
    ran = _run("tests.support.steps:parent", tmp_path, after_start=late)
    assert ran["result"] == {"parent": ran["server"], "parent_threads": 1}
