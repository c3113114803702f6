"""The fuzz tests' "nothing written outside" check sees a file wherever a climbing path puts it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.watched import DEPTH, deep_folder, snapshot


@pytest.mark.parametrize("climb", range(DEPTH + 3))
def test_a_file_written_by_climbing_out_of_the_deep_folder_is_seen(
    tmp_path: Path, climb: int
) -> None:
    work = deep_folder(tmp_path)
    before = snapshot(tmp_path)
    escaped = work.joinpath(*[".."] * climb, f"escaped-{climb}.txt").resolve()
    escaped.write_bytes(b"x")
    try:
        assert snapshot(tmp_path) != before
    finally:
        escaped.unlink()
    assert snapshot(tmp_path) == before


def test_what_grows_under_the_skipped_folder_and_in_the_database_is_not_a_change(
    tmp_path: Path,
) -> None:
    root = deep_folder(tmp_path) / "storage"
    root.mkdir()
    database = tmp_path / "test.sqlite3"
    database.write_bytes(b"a")
    before = snapshot(tmp_path, skip=root)
    (root / "kept.bin").write_bytes(b"x")
    database.write_bytes(b"ab")
    assert snapshot(tmp_path, skip=root) == before
    (tmp_path / "test.sqlite3.bak").write_bytes(b"x")
    assert snapshot(tmp_path, skip=root) != before
