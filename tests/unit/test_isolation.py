"""A step run by :func:`run_isolated` lives in its own process under a memory ceiling: its
result comes back, its progress reaches the parent, a refusal keeps its message, and running
out of memory, being killed or hanging all end as a clear failure, never as a hung or bloated
parent."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from services.errors import DomainError
from services.platform.jobs.isolation import (
    OUT_OF_MEMORY,
    TOO_SLOW,
    OutOfMemory,
    remove_stale_folders,
    run_isolated,
)

CEILING = 512 * 1024 * 1024


def test_the_result_and_the_progress_come_back(tmp_path: Path) -> None:
    (tmp_path / "input.txt").write_text("证据 evidence")
    seen: list[tuple[int, str]] = []
    result = run_isolated(
        "tests.support.steps:echo",
        tmp_path,
        memory_bytes=CEILING,
        timeout=60,
        progress=lambda percent, step: seen.append((percent, step)),
    )
    assert result == {"read": "证据 evidence"}
    assert (50, "halfway") in seen


def test_a_refusal_crosses_with_its_message_and_field(tmp_path: Path) -> None:
    with pytest.raises(DomainError) as refused:
        run_isolated("tests.support.steps:refuse", tmp_path, memory_bytes=CEILING, timeout=60)
    assert not isinstance(refused.value, OutOfMemory)
    assert str(refused.value.message).startswith("This image could not be read")
    assert refused.value.field == "files"


def test_a_step_over_the_ceiling_fails_with_the_memory_message(tmp_path: Path) -> None:
    with pytest.raises(OutOfMemory) as failed:
        run_isolated("tests.support.steps:hog", tmp_path, memory_bytes=CEILING, timeout=60)
    assert failed.value.message == OUT_OF_MEMORY


def test_a_killed_step_fails_with_the_memory_message(tmp_path: Path) -> None:
    with pytest.raises(OutOfMemory) as failed:
        run_isolated("tests.support.steps:killed", tmp_path, memory_bytes=CEILING, timeout=60)
    assert failed.value.message == OUT_OF_MEMORY


def test_a_step_past_its_time_is_stopped(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(OutOfMemory) as failed:
        run_isolated("tests.support.steps:hang", tmp_path, memory_bytes=CEILING, timeout=2)
    assert failed.value.message == TOO_SLOW
    assert time.monotonic() - started < 10


def test_folders_left_by_killed_processes_are_removed_once_stale() -> None:
    stale = Path(tempfile.mkdtemp(prefix="chorus-test-stale-"))
    fresh = Path(tempfile.mkdtemp(prefix="chorus-test-stale-"))
    (stale / "original").write_bytes(b"personal data")
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    try:
        assert remove_stale_folders("chorus-test-stale-", older_than=1800) == 1
        assert not stale.exists()
        assert fresh.exists()
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.rmtree(stale, ignore_errors=True)
