"""Content-addressed file storage: every stored file is named by the SHA-256 of its bytes.

Why content addressing:

- the same screenshot uploaded twice (by one member, or by two members of one group case) is
  stored once;
- a stored file cannot change without its key changing, so a key recorded in a case bundle or a
  signature keeps pointing at exactly the bytes that were checked;
- a key says nothing about who uploaded the file or what it was called: the cleaned original name
  lives in the database, never on disk.

Callers only see the small :class:`Storage` protocol, so the local disk (:class:`LocalStorage`)
and an S3-compatible object store (:class:`services.platform.storage.s3.S3Storage`, for several app
hosts)
are interchangeable; :func:`storage_for` picks one from ``STORAGE_BACKEND``. Keys are validated
before they go anywhere near a path or an object name, so a key taken from a URL or a form can
never name a file outside the storage root.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, Protocol, runtime_checkable

#: bytes read, hashed and written at a time: memory use does not grow with the file
CHUNK_SIZE = 1024 * 1024

#: where uploads are written before their key is known (inside the root: same file system)
STAGING_DIR = ".incoming"

#: files the unreferenced-file sweep has set aside in the staging folder, about to be deleted
SWEPT_PREFIX = "swept-"

#: what a key looks like: the SHA-256 of the bytes, in lower-case hex
KEY_PATTERN = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class StoredFile:
    """What :meth:`Storage.put` stored: the key to fetch it by and its size in bytes."""

    key: str
    size: int


@runtime_checkable
class Storage(Protocol):
    """Where evidence files live. Keys are SHA-256 hex digests of the content."""

    def put(self, data: bytes | IO[bytes]) -> StoredFile:
        """Store ``data`` (bytes or a binary file object, read in chunks); identical content is
        stored once and gets the same key."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The stored bytes as a readable *and seekable* stream (byte ranges of a download seek
        to their start); :class:`FileNotFoundError` if there are none."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the file; deleting a key that is not stored does nothing."""
        ...

    def size(self, key: str) -> int:
        """Size in bytes; :class:`FileNotFoundError` if the key is not stored."""
        ...

    def keys_older_than(self, seconds: float) -> Iterator[str]:
        """Keys of the files last stored (:meth:`put`, even of bytes already there) more than
        ``seconds`` ago."""
        ...

    def delete_if_older(self, key: str, seconds: float) -> bool:
        """Delete ``key`` unless it was stored (again) in the last ``seconds``; whether it was
        deleted."""
        ...


def validate_key(key: object) -> str:
    """``key`` if it is 64 lowercase hexadecimal characters, else :class:`ValueError`.

    Nothing but a SHA-256 hex digest is accepted (no separators, no dots, no upper case), so a key
    can never climb out of the storage root or name a second spelling of the same file. The key
    itself is not echoed in the message: it may come from anyone.
    """
    if not isinstance(key, str) or KEY_PATTERN.fullmatch(key) is None:
        raise ValueError("a storage key is 64 lowercase hexadecimal characters")
    return key


class LocalStorage:
    """Files on the local disk under ``root/ab/cd/<sha256>``.

    Two levels of two hex characters keep directories small (65,536 leaf directories share the
    files evenly). Directories are created as needed and never removed: removing an empty one
    could race with a concurrent :meth:`put` moving a file into it.

    A file appears under its final name only by an atomic :func:`os.replace` of a complete,
    fsynced temporary file, so a crash at any moment leaves either the whole file or no file under
    the final name. The key is only known once the last byte is read, so the temporary file is
    written in ``root/.incoming`` (same file system as its destination, which is what makes the
    rename atomic) rather than beside its destination. Files and directories are created readable
    by the owner only: they are evidence about people.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    @property
    def staging_dir(self) -> Path:
        """Where files are written before they are stored (created on demand)."""
        return self.root / STAGING_DIR

    def path_for(self, key: str) -> Path:
        """Where ``key`` lives (whether or not it is stored); :class:`ValueError` for a bad key."""
        key = validate_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes | IO[bytes]) -> StoredFile:
        staging = self.staging_dir
        staging.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=staging, prefix="put-", suffix=".part")
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks(data):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())  # the bytes are on disk before the name is
            key = digest.hexdigest()
            final = self.path_for(key)
            if final.is_file() and final.stat().st_size == size:  # same bytes, same key
                try:
                    # young again: the sweep for unreferenced files must not take it from a
                    # request about to record it (:meth:`delete_if_older`)
                    os.utime(final)
                except FileNotFoundError:
                    pass  # the sweep set it aside this instant: store these bytes anew
                else:
                    os.unlink(temp_name)
                    return StoredFile(key=key, size=size)
            final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.replace(temp_name, final)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        _fsync_directory(final.parent)
        return StoredFile(key=key, size=size)

    def open(self, key: str) -> BinaryIO:
        return self.path_for(key).open("rb")

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def delete(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)

    def size(self, key: str) -> int:
        return self.path_for(key).stat().st_size

    def keys_older_than(self, seconds: float) -> Iterator[str]:
        """Keys of the stored files last stored (:meth:`put`) more than ``seconds`` ago."""
        cutoff = time.time() - seconds
        for path in self.root.glob("??/??/*"):
            with suppress(FileNotFoundError):
                if KEY_PATTERN.fullmatch(path.name) and path.stat().st_mtime < cutoff:
                    yield path.name

    def delete_if_older(self, key: str, seconds: float) -> bool:
        """Delete ``key`` unless it was stored (again) in the last ``seconds``: a request may
        have stored the same bytes since the caller looked. Whether it was deleted.

        The file is first renamed out of its key's place, atomically, and its age read after:
        a :meth:`put` of the same bytes either touched it before (it is young, and goes back)
        or finds the place empty and stores the bytes anew; no put can lose its file."""
        aside = self._set_aside(self.path_for(key))
        if aside is None:
            return False
        if aside.stat().st_mtime < time.time() - seconds:
            aside.unlink()
            return True
        self._put_back(aside, key)
        return False

    def _set_aside(self, path: Path) -> Path | None:
        """Move ``path`` into the staging folder under a name of its own; None if it is gone."""
        self.staging_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        aside = self.staging_dir / f"{SWEPT_PREFIX}{path.name}-{uuid.uuid4().hex}"
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            return None
        return aside

    def _put_back(self, aside: Path, key: str) -> None:
        target = self.path_for(key)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with suppress(FileExistsError):  # stored anew meanwhile: the same bytes
            os.link(aside, target)
        aside.unlink()

    def remove_stale_uploads(self, older_than: float = 24 * 3600) -> int:
        """Delete temporary files left in the staging directory by a process that was killed
        mid-upload (a normal failure cleans up after itself); returns how many were removed."""
        staging = self.staging_dir
        if not staging.is_dir():
            return 0
        cutoff = time.time() - older_than
        removed = 0
        for path in staging.glob("put-*.part"):
            with suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        # a sweep killed between setting a file aside and deciding: the file goes back to its
        # place (a request may have recorded it meanwhile), for the next sweep to decide again
        for path in staging.glob(f"{SWEPT_PREFIX}*"):
            key = path.name.removeprefix(SWEPT_PREFIX)[:64]
            with suppress(FileNotFoundError, ValueError):
                self._put_back(path, key)
        return removed


def storage_for(config: Mapping[str, Any]) -> Storage:
    """The storage the app is configured for.

    ``STORAGE_BACKEND`` "local" (the default): files under ``STORAGE_DIR`` (``config.finalize``
    defaults it to ``instance/files``). "s3": objects in ``S3_BUCKET``, one storage object (and
    boto3 client) per process and settings; ``STORAGE_DIR/.incoming`` then only holds uploads
    being spooled. :class:`RuntimeError` for a missing setting or an unknown backend.
    """
    backend = str(config.get("STORAGE_BACKEND") or "local").strip().lower()
    if backend == "s3":
        from services.platform.storage.s3 import s3_storage_for  # boto3 is imported only when used

        return s3_storage_for(config)
    if backend != "local":
        raise RuntimeError(f"STORAGE_BACKEND must be 'local' or 's3', not {backend!r}")
    directory = config.get("STORAGE_DIR")
    if not directory:
        raise RuntimeError("STORAGE_DIR is not configured")
    return LocalStorage(Path(directory))


def chunks(data: bytes | IO[bytes]) -> Iterator[bytes | memoryview]:
    """``data`` in pieces of at most :data:`CHUNK_SIZE` bytes, never read whole."""
    if isinstance(data, bytes | bytearray | memoryview):
        view = memoryview(data).cast("B")
        for offset in range(0, len(view), CHUNK_SIZE):
            yield view[offset : offset + CHUNK_SIZE]
        return
    while True:
        chunk = data.read(CHUNK_SIZE)
        if chunk is None:  # a non-blocking raw stream with nothing ready: not a complete file
            raise ValueError("the stream returned no data without reaching its end")
        if not isinstance(chunk, bytes | bytearray):
            raise TypeError("put() needs bytes or a file opened in binary mode")
        if not chunk:
            return
        yield chunk


def _fsync_directory(path: Path) -> None:
    """Make a rename in ``path`` durable (POSIX only; elsewhere the rename is all there is)."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
