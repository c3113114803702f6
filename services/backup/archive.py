"""``flask backup`` and ``flask restore``: one archive holding a consistent snapshot of the
database, every stored file it names, and the bundle-signing key.

Why the database travels as JSON lines rather than a database file or a ``pg_dump``:

- one format for both databases: a SQLite instance restores into PostgreSQL (the way to move a
  pilot to production) and back, and one restore path is tested on both;
- rows are read and written through the models' own column types
  (:mod:`services.backup.rows`),
  so aware datetimes, dates, decimals, bytes and JSON come back exactly, and a restore can check
  the archive's tables and columns against the code's before writing anything;
- the archive names its Alembic revision; a restore refuses any other, since rows of another
  schema would not fit (upgrade the old instance first, then back it up).

Consistency while the app serves. PostgreSQL: every table is read inside ONE transaction,
``REPEATABLE READ, READ ONLY`` (what ``pg_dump`` does), so the rows are the database as it was
at one instant, whatever commits meanwhile. SQLite: the online backup API copies the live
database, in one step under one read lock (WAL: writers go on), into a temporary file the
tables are then read from; the database file itself is never copied (a copy taken during a
write, or without its WAL, can be torn).

Stored files are content-addressed and never change under their key, so reading them after the
snapshot gives exactly the bytes the snapshot named; they are read through the
:class:`~services.platform.storage.local.Storage` protocol (local disk or S3) as streams, never
whole. A file
deleted between the snapshot and its copy (an upload's original, dropped when the item was
pooled) cannot be had any more: it is listed as missing, and both commands say so.

The bundle-signing key is included: without it a restored instance would sign new bundles with
a new key, and regulators who pinned the published one would refuse them. That makes the
archive a secret: it is created readable by its owner only (0600), and the output says so.

Integrity: the manifest holds the SHA-256 of every member, ``manifest.sha256`` the manifest's;
tar headers carry their own checksum, and the padding between and after members must be zeros.
So one flipped byte anywhere in the archive is found by :func:`verify_archive` before a restore
writes anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, delete, func, inspect, select
from sqlalchemy.pool import NullPool

from models import Base
from services.backup import rows as backup_rows
from services.platform.storage.local import CHUNK_SIZE, Storage, validate_key

if TYPE_CHECKING:
    from _typeshed import SupportsRead

FORMAT = "chorus-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
KEY_MEMBER = "keys/bundle-signing-key.pem"
BLOCK = tarfile.BLOCKSIZE

_TABLE_MEMBER = re.compile(r"db/([a-z_][a-z0-9_]*)\.jsonl")
_OBJECT_MEMBER = re.compile(r"objects/([0-9a-f]{64})")


class BackupError(Exception):
    """A backup or a restore refused, with the reason in words an operator can act on."""


@dataclass(frozen=True)
class Target:
    """Where a backup is read from or a restore written to: the app's database, storage and
    signing-key file, and the migrations that define the schema the code expects."""

    engine: Engine
    storage: Storage
    key_path: Path
    migrations: Path

    def code_revision(self) -> str | None:
        return ScriptDirectory(str(self.migrations)).get_current_head()


@dataclass
class Summary:
    """What an archive holds (after a backup, or once a restore verified it)."""

    revision: str
    rows: dict[str, int]
    objects: int
    object_bytes: int
    signing_key: bool
    missing: list[str] = field(default_factory=list)
    path: Path | None = None
    size: int = 0

    @classmethod
    def of(cls, manifest: dict[str, Any], path: Path) -> Summary:
        return cls(
            revision=manifest["revision"],
            rows={t["name"]: t["rows"] for t in manifest["tables"]},
            objects=len(manifest["objects"]),
            object_bytes=sum(o["size"] for o in manifest["objects"]),
            signing_key=manifest["signing_key"] is not None,
            missing=list(manifest["missing"]),
            path=path,
            size=path.stat().st_size,
        )


def default_name(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"chorus-backup-{moment}.tar"


# -- backup ------------------------------------------------------------------------------------


def create_backup(target: Target, output: Path) -> Summary:
    """Write the archive to ``output`` (a directory gets :func:`default_name` inside it), never
    over an existing file. Refused with :class:`BackupError` when the database carries no
    schema revision, when a stored file does not match its key, or when ``output`` exists."""
    if output.is_dir():
        output = output / default_name()
    if output.exists():
        raise BackupError(f"{output} already exists; choose another --output.")
    part = output.with_name(output.name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # a secret from byte one
    try:
        with os.fdopen(fd, "wb") as out:
            manifest = _write_archive(target, out, scratch=output.parent)
            out.flush()
            os.fsync(out.fileno())
        os.link(part, output)  # fails rather than replace a file that appeared meanwhile
    except FileExistsError as error:
        raise BackupError(f"{output} already exists; choose another --output.") from error
    finally:
        with suppress(FileNotFoundError):
            os.unlink(part)
    return Summary.of(manifest, output)


def _write_archive(target: Target, out: BinaryIO, scratch: Path) -> dict[str, Any]:
    tables: list[dict[str, Any]] = []
    keys: set[str] = set()
    with (
        tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar,
        tempfile.TemporaryDirectory(prefix=".chorus-backup-", dir=scratch) as work,
        _snapshot(target.engine, Path(work)) as connection,
    ):
        revision = MigrationContext.configure(connection).get_current_revision()
        if revision is None:
            raise BackupError(
                "The database carries no schema revision (alembic_version): run "
                "`flask db upgrade` first."
            )
        for table in Base.metadata.sorted_tables:
            spool = Path(work) / f"{table.name}.jsonl"
            with spool.open("wb") as stream:
                entry = backup_rows.export_table(connection, table, stream, keys)
            with spool.open("rb") as stream:
                _add(tar, f"db/{table.name}.jsonl", stream, spool.stat().st_size)
            spool.unlink()
            tables.append(entry)
        connection.rollback()  # the snapshot ends here; files are immutable, read them after
        objects, missing = _add_objects(tar, target.storage, sorted(keys))
        signing_key = None
        if target.key_path.is_file():
            pem = target.key_path.read_bytes()
            _add_bytes(tar, KEY_MEMBER, pem)
            signing_key = {"member": KEY_MEMBER, "sha256": hashlib.sha256(pem).hexdigest()}
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "dialect": target.engine.dialect.name,
            "revision": revision,
            "tables": tables,
            "objects": objects,
            "missing": missing,
            "signing_key": signing_key,
        }
        body = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode()
        _add_bytes(tar, MANIFEST, body)
        _add_bytes(tar, MANIFEST_SUM, f"{hashlib.sha256(body).hexdigest()}\n".encode())
    return manifest


@contextmanager
def _snapshot(engine: Engine, work: Path) -> Iterator[Connection]:
    """A connection that sees the whole database as of one instant, for reading only."""
    if engine.dialect.name == "sqlite":
        copy = work / "snapshot.sqlite3"
        raw = engine.raw_connection()
        try:
            source = raw.driver_connection
            assert isinstance(source, sqlite3.Connection)
            destination = sqlite3.connect(copy)
            try:
                source.backup(destination)  # pages=-1: every page in one step, one read lock
            finally:
                destination.close()
        finally:
            raw.close()
        frozen = create_engine(f"sqlite:///{copy}", poolclass=NullPool)
        try:
            with frozen.connect() as connection:
                yield connection
        finally:
            frozen.dispose()
        return
    with engine.connect() as connection:
        connection.begin()
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        try:
            yield connection
        finally:
            connection.rollback()


def _add_objects(
    tar: tarfile.TarFile, storage: Storage, keys: list[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    objects, missing = [], []
    for key in keys:
        try:
            size = storage.size(key)
            stream = storage.open(key)
        except FileNotFoundError:
            missing.append(key)  # deleted after the snapshot: it is gone for good
            continue
        with stream:
            reader = _HashingReader(stream)
            _add(tar, f"objects/{key}", reader, size)
        if reader.hexdigest() != key:
            raise BackupError(f"Stored file {key} does not match its key: the storage is damaged.")
        objects.append({"key": key, "size": size, "sha256": key})
    return objects, missing


def _add(tar: tarfile.TarFile, name: str, stream: SupportsRead[bytes], size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(datetime.now(UTC).timestamp())
    tar.addfile(info, stream)  # copies exactly ``size`` bytes, in chunks


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    _add(tar, name, io.BytesIO(data), len(data))


class _HashingReader:
    """A stream that hashes what is read through it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream, self.digest = stream, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        return data

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


# -- verify ------------------------------------------------------------------------------------


def verify_archive(path: Path) -> dict[str, Any]:
    """The archive's manifest once every byte of the archive checked out; otherwise
    :class:`BackupError` saying the archive is corrupted, and where."""
    try:
        return _verify(path)
    except (tarfile.TarError, OSError, ValueError, KeyError, TypeError) as error:
        raise BackupError(
            f"The archive {path} is corrupted or not a Chorus backup: {error}"
        ) from error


def _verify(path: Path) -> dict[str, Any]:
    digests: dict[str, str] = {}
    manifest_body, manifest_sum, expected_offset = b"", b"", 0
    with tarfile.open(path, mode="r:") as tar, path.open("rb") as raw:
        for member in tar:
            if member.offset != expected_offset or not member.isfile() or member.name in digests:
                raise ValueError(f"unexpected member {member.name!r}")
            expected_offset = _check_padding(raw, member.offset_data + member.size)
            stream = tar.extractfile(member)
            assert stream is not None
            digest = hashlib.sha256()
            kept = bytearray()
            while chunk := stream.read(CHUNK_SIZE):
                digest.update(chunk)
                if member.name in (MANIFEST, MANIFEST_SUM):
                    kept += chunk
            digests[member.name] = digest.hexdigest()
            if member.name == MANIFEST:
                manifest_body = bytes(kept)
            elif member.name == MANIFEST_SUM:
                manifest_sum = bytes(kept)
        raw.seek(expected_offset)
        while tail := raw.read(CHUNK_SIZE):  # the end-of-archive blocks: zeros only
            if tail.strip(b"\0"):
                raise ValueError("bytes after the end of the archive")
    if not manifest_body or manifest_sum != f"{digests[MANIFEST]}\n".encode():
        raise ValueError("the manifest does not match its checksum")
    manifest: dict[str, Any] = json.loads(manifest_body)
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise ValueError("not a Chorus backup of a known format version")
    expected = {MANIFEST: digests[MANIFEST], MANIFEST_SUM: digests[MANIFEST_SUM]}
    for table in manifest["tables"]:
        expected[f"db/{table['name']}.jsonl"] = table["sha256"]
    for item in manifest["objects"]:
        if item["sha256"] != validate_key(item["key"]):
            raise ValueError(f"object {item['key']} is listed with another checksum")
        expected[f"objects/{item['key']}"] = item["sha256"]
    if manifest["signing_key"] is not None:
        expected[KEY_MEMBER] = manifest["signing_key"]["sha256"]
    if set(expected) != set(digests):
        raise ValueError("the members do not match the manifest")
    for name, sha256 in expected.items():
        if digests[name] != sha256:
            raise ValueError(f"checksum mismatch in {name}")
    return manifest


def _check_padding(raw: BinaryIO, end: int) -> int:
    """Where the next header must start; :class:`ValueError` unless the padding is zeros."""
    padded = -(-end // BLOCK) * BLOCK
    raw.seek(end)
    if raw.read(padded - end).strip(b"\0"):
        raise ValueError("damaged padding")
    return padded


# -- restore -----------------------------------------------------------------------------------


def check_target(target: Target, manifest: dict[str, Any], *, force: bool) -> None:
    """Refuse (:class:`BackupError`) a restore that would not fit or would overwrite data:
    another schema revision in the archive or in the target, a target database that holds
    rows, or a different signing key in the target (the last two unless ``force``)."""
    code = target.code_revision()
    if manifest["revision"] != code:
        raise BackupError(
            f"The archive is at schema revision {manifest['revision']}, this code at {code}: "
            "restore it with the release that made it, upgrade, then back up again."
        )
    wanted = {t.name: [c.name for c in t.columns] for t in Base.metadata.sorted_tables}
    if {t["name"]: t["columns"] for t in manifest["tables"]} != wanted:
        raise BackupError("The archive's tables and columns do not match this code's schema.")
    tables = Base.metadata.tables
    with target.engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
        existing = set(inspect(connection).get_table_names()) & set(wanted)
        if existing and revision != code:
            raise BackupError(
                f"The target database is at schema revision {revision}, this code at {code}: "
                "run `flask db upgrade` on it first, or restore into an empty database."
            )
        filled = {
            name: count
            for name in sorted(existing)
            if (count := connection.scalar(select(func.count()).select_from(tables[name])))
        }
    if filled and not force:
        rows = ", ".join(f"{name} {count}" for name, count in filled.items())
        raise BackupError(
            f"The target database is not empty (rows: {rows}). Restore into an empty database, "
            "or pass --force to replace everything in it."
        )
    key = manifest["signing_key"]
    if key and not force and target.key_path.is_file():
        held = hashlib.sha256(target.key_path.read_bytes()).hexdigest()
        if held != key["sha256"]:
            raise BackupError(
                f"{target.key_path} holds another bundle-signing key; pass --force to replace it."
            )


def restore_archive(
    target: Target,
    path: Path,
    *,
    force: bool,
    upgrade: Callable[[], None],
    manifest: dict[str, Any] | None = None,
) -> Summary:
    """Verify ``path`` (unless its ``manifest`` was just verified: rows and files are checked
    again as they are read), check the target, create the schema when the database has none (with
    ``upgrade``: the migrations), then write rows, stored files and the signing key. Rows go in
    one transaction committed last, so a failure leaves the database as it was."""
    if manifest is None:
        manifest = verify_archive(path)
    check_target(target, manifest, force=force)
    with target.engine.connect() as connection:
        if not inspect(connection).has_table(Base.metadata.sorted_tables[0].name):
            upgrade()
    columns = {t["name"]: t["columns"] for t in manifest["tables"]}
    sums = {f"db/{t['name']}.jsonl": t["sha256"] for t in manifest["tables"]}
    with target.engine.begin() as connection, tarfile.open(path, mode="r:") as tar:
        if force:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(delete(table))
        for member in tar:
            stream = tar.extractfile(member)
            assert stream is not None
            if match := _TABLE_MEMBER.fullmatch(member.name):
                table = Base.metadata.tables[match.group(1)]
                read = backup_rows.import_table(connection, table, columns[table.name], stream)
                if read != sums[member.name]:
                    raise BackupError(f"The archive changed while it was read ({member.name}).")
            elif match := _OBJECT_MEMBER.fullmatch(member.name):
                if target.storage.put(stream).key != match.group(1):
                    raise BackupError(f"The archive changed while it was read ({member.name}).")
            elif member.name == KEY_MEMBER:
                _write_key(target.key_path, stream.read())
        backup_rows.reset_sequences(connection)
    return Summary.of(manifest, path)


def _write_key(path: Path, pem: bytes) -> None:
    """Put the key in place readable by the owner only, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".bundle-key-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(temp)
