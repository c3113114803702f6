"""Content-addressed local storage: keys, dedupe, atomic writes, refused keys, streaming."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.platform.storage import local as storage_module
from services.platform.storage.local import (
    CHUNK_SIZE,
    LocalStorage,
    Storage,
    StoredFile,
    storage_for,
)

EVIDENCE = "转账记录截图 / transfer screenshot".encode() * 1000


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


class GeneratorFile(io.RawIOBase):
    """A read-only binary file whose bytes come from a generator, so the whole content never
    exists in memory at once; it refuses to be read whole and records the largest read."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""
        self.largest_request = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        self.largest_request = max(self.largest_request, len(buffer))
        if not self._pending:
            self._pending = next(self._chunks, b"")
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def readall(self) -> bytes:
        raise AssertionError("the whole input was requested at once")


def _blocks(total: int, block: int = 64 * 1024) -> Iterator[bytes]:
    """Deterministic, non-repeating content: each block carries its own number."""
    for number in range(total // block):
        yield number.to_bytes(4, "big") * (block // 4)


def test_round_trip_of_bytes(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "files")
    stored = store.put(EVIDENCE)
    assert stored == StoredFile(key=hashlib.sha256(EVIDENCE).hexdigest(), size=len(EVIDENCE))
    assert store.exists(stored.key)
    assert store.size(stored.key) == len(EVIDENCE)
    with store.open(stored.key) as stream:
        assert stream.read() == EVIDENCE


def test_file_object_gets_the_same_key_as_its_bytes(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    assert store.put(io.BytesIO(EVIDENCE)) == store.put(EVIDENCE)


def test_files_live_under_two_levels_of_their_key(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    key = store.put(b"x").key
    assert _files(tmp_path) == [tmp_path / key[:2] / key[2:4] / key]


def test_empty_content_is_a_file_too(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    stored = store.put(b"")
    assert stored == StoredFile(key=hashlib.sha256(b"").hexdigest(), size=0)
    assert store.exists(stored.key)


def test_identical_content_is_stored_once(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    first = store.put(EVIDENCE)
    inode = os.stat(store.path_for(first.key)).st_ino
    second = store.put(io.BytesIO(EVIDENCE))
    assert second == first
    assert len(_files(tmp_path)) == 1  # and no temporary file left behind
    assert os.stat(store.path_for(first.key)).st_ino == inode  # not even rewritten


def test_different_content_gets_different_files(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    assert store.put(b"one").key != store.put(b"two").key
    assert len(_files(tmp_path)) == 2


def test_a_truncated_copy_under_the_final_name_is_replaced(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    key = store.put(EVIDENCE).key
    store.path_for(key).write_bytes(EVIDENCE[:10])  # damaged outside the app
    store.put(EVIDENCE)
    assert store.path_for(key).read_bytes() == EVIDENCE


def test_failure_mid_write_leaves_no_final_file_and_no_temporary_file(tmp_path: Path) -> None:
    class Broken(io.RawIOBase):
        reads = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
            self.reads += 1
            if self.reads > 3:
                raise OSError("connection reset")
            buffer[: len(buffer)] = b"a" * len(buffer)
            return len(buffer)

    store = LocalStorage(tmp_path)
    with pytest.raises(OSError, match="connection reset"):
        store.put(Broken())
    assert _files(tmp_path) == []
    # what was read before the failure is not stored under its own key either
    assert not store.exists(hashlib.sha256(b"a" * 3 * CHUNK_SIZE).hexdigest())


def test_failure_of_the_rename_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(_src: object, _dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(storage_module.os, "replace", refuse)
    store = LocalStorage(tmp_path)
    with pytest.raises(OSError, match="disk full"):
        store.put(EVIDENCE)
    assert _files(tmp_path) == []


def test_the_final_name_appears_only_by_renaming_a_complete_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[object, ...]] = []
    real_replace, real_fsync = os.replace, os.fsync

    def replace(src: str, dst: Path) -> None:
        same_device = os.stat(src).st_dev == os.stat(Path(dst).parent).st_dev
        events.append(("replace", Path(dst).exists(), os.path.getsize(src), Path(src).parent))
        assert same_device
        real_replace(src, dst)

    def fsync(fd: int) -> None:
        events.append(("fsync", "directory" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"))
        real_fsync(fd)

    monkeypatch.setattr(storage_module.os, "replace", replace)
    monkeypatch.setattr(storage_module.os, "fsync", fsync)
    store = LocalStorage(tmp_path)
    store.put(io.BytesIO(EVIDENCE))
    # the bytes reach the disk before the name does; the destination did not exist before the
    # rename; what was renamed was already whole, and it was written where a killed upload is
    # swept from; then the rename itself is made durable
    assert events == [
        ("fsync", "file"),
        ("replace", False, len(EVIDENCE), tmp_path / storage_module.STAGING_DIR),
        ("fsync", "directory"),
    ]
    assert len(_files(tmp_path)) == 1


@pytest.mark.parametrize(
    "key",
    [
        "../x",
        "ab/../..",
        "../" * 21 + "a",
        "/etc/passwd",
        "A" * 64,
        "ABCDEF" + "0" * 58,
        "a" * 63,
        "a" * 65,
        "a" * 64 + "\n",
        "g" * 64,
        "",
        "ab/cd/" + "a" * 58,
    ],
)
def test_anything_but_64_lowercase_hex_is_refused(tmp_path: Path, key: str) -> None:
    store = LocalStorage(tmp_path / "files")
    for operation in (store.open, store.exists, store.delete, store.size, store.path_for):
        with pytest.raises(ValueError, match="64 lowercase hexadecimal"):
            operation(key)
    assert not (tmp_path / "files").exists()  # nothing was touched


def test_a_key_that_is_not_a_string_is_refused(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    with pytest.raises(ValueError, match="64 lowercase hexadecimal"):
        store.exists(b"a" * 64)  # type: ignore[arg-type]


def test_thirty_megabytes_are_streamed_in_chunks(tmp_path: Path) -> None:
    total = 30 * 1024 * 1024
    expected = hashlib.sha256()
    for block in _blocks(total):
        expected.update(block)
    source = GeneratorFile(_blocks(total))
    store = LocalStorage(tmp_path)

    tracemalloc.start()
    try:
        stored = store.put(source)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert stored == StoredFile(key=expected.hexdigest(), size=total)
    assert source.largest_request <= CHUNK_SIZE
    assert peak < 8 * 1024 * 1024  # a whole read would need more than 30 MB
    assert store.size(stored.key) == total


def test_text_mode_files_are_refused(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    with pytest.raises(TypeError, match="binary mode"):
        store.put(io.StringIO("text"))  # type: ignore[arg-type]
    assert _files(tmp_path) == []


def test_delete_removes_the_file_and_tolerates_a_missing_key(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    key = store.put(EVIDENCE).key
    store.delete(key)
    assert not store.exists(key)
    assert _files(tmp_path) == []
    with pytest.raises(FileNotFoundError):
        store.open(key)
    with pytest.raises(FileNotFoundError):
        store.size(key)
    store.delete(key)  # again: nothing happens
    store.delete("0" * 64)  # never stored: nothing happens


def test_stale_temporary_files_are_swept(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    staging = tmp_path / storage_module.STAGING_DIR
    staging.mkdir()
    old, fresh = staging / "put-old.part", staging / "put-new.part"
    old.write_bytes(b"half")
    fresh.write_bytes(b"half")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert store.remove_stale_uploads(older_than=600) == 1
    assert not old.exists()
    assert fresh.exists()


def _read(store: LocalStorage, key: str) -> bytes:
    with store.open(key) as stored:
        return stored.read()


def _holds_only_evidence(store: LocalStorage, key: str) -> None:
    """EVIDENCE is stored under ``key``, and nothing else is on disk (nothing left aside)."""
    assert _read(store, key) == EVIDENCE
    assert _files(store.root) == [store.path_for(key)]


def _age(store: LocalStorage, key: str, seconds: float = 3600) -> None:
    then = time.time() - seconds
    os.utime(store.path_for(key), (then, then))


@pytest.fixture
def aged(tmp_path: Path) -> tuple[LocalStorage, str]:
    """A store under ``tmp_path`` holding EVIDENCE, last stored an hour ago; and its key."""
    store = LocalStorage(tmp_path)
    key = store.put(EVIDENCE).key
    _age(store, key)
    return store, key


def test_the_sweep_deletes_only_files_older_than_asked(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    old, young = store.put(EVIDENCE).key, store.put(b"stored a moment ago").key
    _age(store, old)
    assert set(store.keys_older_than(600)) == {old}
    assert store.delete_if_older(young, 600) is False
    assert store.delete_if_older(old, 600) is True
    assert store.delete_if_older(old, 600) is False  # gone already
    assert _files(tmp_path) == [store.path_for(young)]  # nothing left aside


def test_bytes_stored_again_are_young_and_stay(aged: tuple[LocalStorage, str]) -> None:
    store, key = aged
    assert store.put(EVIDENCE).key == key  # a request stores the same bytes once more
    assert list(store.keys_older_than(600)) == []
    assert store.delete_if_older(key, 600) is False
    _holds_only_evidence(store, key)


def test_a_put_while_the_sweep_holds_the_file_aside_keeps_its_file(
    aged: tuple[LocalStorage, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, key = aged
    set_aside = LocalStorage._set_aside

    def a_request_stores_the_same_bytes_meanwhile(self: LocalStorage, path: Path) -> Path | None:
        aside = set_aside(self, path)
        assert self.put(EVIDENCE).key == key
        return aside

    monkeypatch.setattr(LocalStorage, "_set_aside", a_request_stores_the_same_bytes_meanwhile)
    assert store.delete_if_older(key, 600) is True  # the old copy went
    _holds_only_evidence(store, key)  # the request's copy


def test_a_put_touching_the_file_as_the_sweep_sets_it_aside_stores_it_anew(
    aged: tuple[LocalStorage, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, key = aged
    utime = os.utime

    def the_sweep_takes_it_first(path: Path, *args: object) -> None:
        if Path(path) == store.path_for(key):
            store.delete_if_older(key, 600)
        utime(path, *args)

    monkeypatch.setattr(storage_module.os, "utime", the_sweep_takes_it_first)
    assert store.put(EVIDENCE).key == key
    _holds_only_evidence(store, key)


def test_a_file_left_aside_by_a_killed_sweep_goes_back(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    key = store.put(EVIDENCE).key
    aside = store._set_aside(store.path_for(key))  # the sweep is killed right after
    assert aside is not None
    assert not store.exists(key)
    store.remove_stale_uploads()
    _holds_only_evidence(store, key)


def test_storage_for_reads_storage_dir(tmp_path: Path) -> None:
    store = storage_for({"STORAGE_DIR": str(tmp_path / "files")})
    assert isinstance(store, LocalStorage)
    assert isinstance(store, Storage)
    assert store.root == tmp_path / "files"
    key = store.put(b"evidence").key
    assert (tmp_path / "files" / key[:2] / key[2:4] / key).is_file()


def test_storage_for_refuses_a_missing_directory() -> None:
    with pytest.raises(RuntimeError, match="STORAGE_DIR"):
        storage_for({"STORAGE_DIR": None})
    with pytest.raises(RuntimeError, match="STORAGE_DIR"):
        storage_for({})
