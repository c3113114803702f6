"""Content-addressed storage in an S3-compatible object store (AWS S3, MinIO, SeaweedFS, Ceph).

Several app hosts share one bucket, so evidence and bundles stored by one are read by all. The
object for key ``abcd…`` is ``S3_PREFIX + "ab/cd/abcd…"``, the layout of :class:`LocalStorage`,
so a bucket can be filled from a local store with a plain recursive copy.

How :meth:`S3Storage.put` keeps memory flat: the key is only known after the last byte, so the
data is first hashed into a spool that stays in memory up to :data:`SPOOL_BYTES` and moves to
a temporary file after that. Nothing is uploaded when the object already exists (same bytes,
same key). A spooled file is uploaded by name: s3transfer then reads each part lazily from
disk, several parts at once. Given an open file object instead, it would copy every part into
memory first (``UploadSeekableInputManager``), up to ten 8 MiB parts per upload.

Reading: :meth:`S3Storage.open` returns a seekable stream. Seeking costs nothing until the next
read, which asks for the rest of the object from there (``Range: bytes=N-``); that is how a
resumed bundle download starts at its offset instead of reading and dropping what came before.
Objects never change under their key, so parts fetched by separate requests always fit.

Errors: a missing object (or bucket) is :class:`FileNotFoundError`, anything else the store or
the network gets wrong is :class:`ObjectStoreError`, an :class:`OSError`, so callers handle both
backends alike.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from services.platform.storage.local import (
    CHUNK_SIZE,
    KEY_PATTERN,
    STAGING_DIR,
    StoredFile,
    chunks,
    validate_key,
)

#: a put's data stays in memory up to this size, then moves to a temporary file
SPOOL_BYTES = 2 * CHUNK_SIZE

#: multipart above this size, in parts of this size (S3 wants at least 5 MiB but the last)
PART_BYTES = 8 * 1024 * 1024

#: parts sent at once by one upload
UPLOAD_THREADS = 4

#: read-ahead buffer of an open stream
READ_BUFFER = 64 * 1024

_MISSING = frozenset({"404", "NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NotFound"})
_ALREADY_OURS = frozenset({"BucketAlreadyOwnedByYou", "BucketAlreadyExists"})


class ObjectStoreError(OSError):
    """The object store refused a request or could not be reached."""


@dataclass(frozen=True, slots=True)
class S3Settings:
    """Where and as whom to connect; read from the app's ``S3_*`` settings."""

    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> S3Settings:
        """:class:`RuntimeError` when the bucket is missing or only half a key pair is set."""
        bucket = config.get("S3_BUCKET")
        if not bucket:
            raise RuntimeError("STORAGE_BACKEND is 's3' but S3_BUCKET is not configured")
        key_id, secret = config.get("S3_ACCESS_KEY_ID"), config.get("S3_SECRET_ACCESS_KEY")
        if bool(key_id) != bool(secret):
            raise RuntimeError("set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither")
        return cls(
            bucket=str(bucket),
            prefix=str(config.get("S3_PREFIX") or ""),
            endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            region=config.get("S3_REGION") or None,
            access_key_id=key_id or None,
            secret_access_key=secret or None,
        )


class S3Storage:
    """Files as objects ``prefix + ab/cd/<sha256>`` in one bucket.

    The boto3 client is :func:`shared_client`'s for the connection settings unless one is
    given. Without ``access_key_id`` boto3's default chain applies (environment, shared files,
    instance or task role). The bucket is created by the first :meth:`put` if it does not
    exist yet; reads never create it.
    """

    def __init__(
        self,
        settings: S3Settings,
        *,
        staging_dir: Path | str | None = None,
        client: Any | None = None,
    ) -> None:
        self.settings = settings
        self.bucket = settings.bucket
        self.prefix = settings.prefix
        #: where spooled uploads are written (None: the system's temporary folder)
        self.staging_dir = Path(staging_dir) if staging_dir is not None else None
        self.client = client if client is not None else shared_client(settings)
        self.transfer = TransferConfig(
            multipart_threshold=PART_BYTES,
            multipart_chunksize=PART_BYTES,
            max_concurrency=UPLOAD_THREADS,
        )
        self._bucket_ready = False
        self._bucket_lock = threading.Lock()

    def object_name(self, key: str) -> str:
        """The object holding ``key``; :class:`ValueError` for a bad key (before any request)."""
        key = validate_key(key)
        return f"{self.prefix}{key[:2]}/{key[2:4]}/{key}"

    def put(self, data: bytes | IO[bytes]) -> StoredFile:
        with _Spool(self.staging_dir) as spool:
            digest = hashlib.sha256()
            for chunk in chunks(data):
                digest.update(chunk)
                spool.write(chunk)
            key = digest.hexdigest()
            name = self.object_name(key)
            if self._stored_size(name) == spool.size:  # already stored: same bytes
                self._touch(name, key)
                return StoredFile(key=key, size=spool.size)
            self.ensure_bucket()
            with _requests(f"upload {key}"):
                if spool.path is not None:
                    self.client.upload_file(
                        str(spool.path), self.bucket, name, Config=self.transfer
                    )
                else:
                    self.client.upload_fileobj(
                        spool.memory(), self.bucket, name, Config=self.transfer
                    )
        return StoredFile(key=key, size=spool.size)

    def open(self, key: str) -> BinaryIO:
        name = self.object_name(key)
        with _requests(key):
            response = self.client.get_object(Bucket=self.bucket, Key=name)
        raw = _ObjectStream(self, name, response["Body"], int(response["ContentLength"]))
        return io.BufferedReader(raw, buffer_size=READ_BUFFER)

    def exists(self, key: str) -> bool:
        return self._stored_size(self.object_name(key)) is not None

    def delete(self, key: str) -> None:
        name = self.object_name(key)
        with suppress(FileNotFoundError), _requests(key):  # no bucket: nothing to delete
            self.client.delete_object(Bucket=self.bucket, Key=name)

    def size(self, key: str) -> int:
        size = self._stored_size(self.object_name(key))
        if size is None:
            raise FileNotFoundError(errno.ENOENT, "not stored", key)
        return size

    def ensure_bucket(self) -> None:
        """Create the bucket unless it exists; safe when several hosts race to create it."""
        if self._bucket_ready:
            return
        with self._bucket_lock:
            if self._bucket_ready:
                return
            try:
                with _requests(f"bucket {self.bucket}"):
                    self.client.head_bucket(Bucket=self.bucket)
            except FileNotFoundError:
                self._create_bucket()
            self._bucket_ready = True

    def remove_stale_uploads(self, older_than: float = 24 * 3600) -> int:
        """Delete spool files and abort multipart uploads left by a process killed mid-put (a
        failing put cleans up after itself); returns how many were removed. Parts of an
        unfinished multipart upload are invisible but kept, and billed, until aborted. Every
        upload under the prefix counts as Chorus's: the whole bucket when the prefix is
        empty."""
        cutoff = time.time() - older_than
        removed = 0
        if self.staging_dir is not None and self.staging_dir.is_dir():
            for path in self.staging_dir.glob("put-*.part"):
                with suppress(FileNotFoundError):
                    if path.stat().st_mtime < cutoff:
                        path.unlink()
                        removed += 1
        pages = self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        stale = []
        with suppress(FileNotFoundError), _requests(f"bucket {self.bucket}"):  # no bucket
            for page in pages:
                stale += [u for u in page.get("Uploads", []) if u["Initiated"].timestamp() < cutoff]
        for upload in stale:
            # another host's sweep may have aborted it first: NoSuchUpload, a 404
            with suppress(FileNotFoundError), _requests(upload["Key"]):
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                )
                removed += 1
        return removed

    def keys_older_than(self, seconds: float) -> Iterator[str]:
        """Keys of the objects under the prefix last stored (:meth:`put`) more than
        ``seconds`` ago. Objects not named like a key are not Chorus's and are left alone."""
        cutoff = time.time() - seconds
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        with suppress(FileNotFoundError), _requests(f"bucket {self.bucket}"):  # no bucket
            for page in pages:
                for item in page.get("Contents", []):
                    key = item["Key"][len(self.prefix) :].rpartition("/")[2]
                    if (
                        KEY_PATTERN.fullmatch(key)
                        and item["Key"] == self.object_name(key)
                        and item["LastModified"].timestamp() < cutoff
                    ):
                        yield key

    def delete_if_older(self, key: str, seconds: float) -> bool:
        """Delete ``key`` unless it was stored (again) in the last ``seconds``: a request may
        have stored the same bytes since the caller listed it. Whether it was deleted."""
        name = self.object_name(key)
        try:
            with _requests(key):
                head = self.client.head_object(Bucket=self.bucket, Key=name)
        except FileNotFoundError:
            return False
        if head["LastModified"].timestamp() >= time.time() - seconds:
            return False
        self.delete(key)
        return True

    def _touch(self, name: str, key: str) -> None:
        """Make a stored object young again, as a local put does with ``os.utime``: the sweep
        for unreferenced files must not take it from a request about to record it. S3 has no
        utime; copying an object onto itself with new metadata sets its LastModified."""
        with _requests(f"refresh {key}"):
            self.client.copy_object(
                Bucket=self.bucket,
                Key=name,
                CopySource={"Bucket": self.bucket, "Key": name},
                MetadataDirective="REPLACE",
            )

    def _stored_size(self, name: str) -> int | None:
        try:
            with _requests(name):
                head = self.client.head_object(Bucket=self.bucket, Key=name)
        except FileNotFoundError:
            return None
        return int(head["ContentLength"])

    def _create_bucket(self) -> None:
        region = self.settings.region
        extra: dict[str, Any] = {}
        if region and region != "us-east-1":  # us-east-1 is the one region S3 refuses to name
            extra["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self.client.create_bucket(Bucket=self.bucket, **extra)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in _ALREADY_OURS:
                raise ObjectStoreError(f"could not create bucket {self.bucket}") from error
            # another host won the race, or the name is someone else's: only ours answers this
            with _requests(f"bucket {self.bucket}"):
                self.client.head_bucket(Bucket=self.bucket)


_lock = threading.Lock()
_session: boto3.session.Session | None = None
_clients: dict[tuple[str | int | None, ...], Any] = {}
_storages: dict[tuple[S3Settings, str | None, int], S3Storage] = {}


def shared_client(settings: S3Settings) -> Any:
    """The process's S3 client for ``settings``' endpoint, region and credentials.

    Clients are thread-safe and pool their connections, so every storage (every bucket and
    prefix) on one endpoint shares one. They are made under a lock from one boto3 session
    (sessions are not thread-safe), which also shares the parsed API description: a session
    per client costs each about 0.3 s and 12 MB. Keyed by process id too, so a forked worker
    never uses its parent's connections.
    """
    global _session
    key = (
        settings.endpoint_url,
        settings.region,
        settings.access_key_id,
        settings.secret_access_key,
        os.getpid(),
    )
    with _lock:
        client = _clients.get(key)
        if client is None:
            if _session is None:
                _session = boto3.session.Session()
            client = _clients[key] = _session.client(
                "s3",
                endpoint_url=settings.endpoint_url,
                region_name=settings.region,
                aws_access_key_id=settings.access_key_id,
                aws_secret_access_key=settings.secret_access_key,
                config=_client_config(settings),
            )
        return client


def s3_storage_for(config: Mapping[str, Any]) -> S3Storage:
    """The app's :class:`S3Storage`, one per process and settings (it remembers that its
    bucket exists)."""
    settings = S3Settings.from_config(config)
    directory = config.get("STORAGE_DIR")
    staging = str(Path(directory) / STAGING_DIR) if directory else None
    key = (settings, staging, os.getpid())
    with _lock:
        storage = _storages.get(key)
    if storage is None:
        storage = S3Storage(settings, staging_dir=staging)  # takes the lock for its client
        with _lock:
            storage = _storages.setdefault(key, storage)
    return storage


def _client_config(settings: S3Settings) -> Config:
    options: dict[str, Any] = {
        "signature_version": "s3v4",
        "retries": {"mode": "standard", "max_attempts": 5},
        "connect_timeout": 10,
        "read_timeout": 60,
        "max_pool_connections": 20,
    }
    if settings.endpoint_url:
        # S3-compatible stores: bucket in the path (no wildcard DNS needed), and checksums only
        # where S3 requires them (not every store speaks the newer CRC checksum headers)
        options["s3"] = {"addressing_style": "path"}
        options["request_checksum_calculation"] = "when_required"
        options["response_checksum_validation"] = "when_required"
    return Config(**options)


@contextmanager
def _requests(what: str) -> Iterator[None]:
    """Turn boto3's errors into :class:`FileNotFoundError` or :class:`ObjectStoreError`."""
    try:
        yield
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _MISSING or status == 404:
            raise FileNotFoundError(errno.ENOENT, "not stored", what) from error
        raise ObjectStoreError(f"object store refused {what}: {code or status}") from error
    except (BotoCoreError, Boto3Error) as error:
        raise ObjectStoreError(f"object store failed on {what}: {error}") from error


class _Spool:
    """Bytes kept in memory up to :data:`SPOOL_BYTES`, then in a named temporary file (deleted
    on exit, whatever happens)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.size = 0
        self.path: Path | None = None
        self._memory: bytearray | None = bytearray()
        self._file: BinaryIO | None = None

    def __enter__(self) -> _Spool:
        return self

    def write(self, chunk: bytes | memoryview) -> None:
        if self._memory is not None and len(self._memory) + len(chunk) > SPOOL_BYTES:
            self._to_disk()
        if self._memory is not None:
            self._memory += chunk
        else:
            assert self._file is not None
            self._file.write(chunk)
        self.size += len(chunk)

    def memory(self) -> io.BytesIO:
        assert self._memory is not None
        return io.BytesIO(self._memory)

    def _to_disk(self) -> None:
        if self.directory is not None:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.directory, prefix="put-", suffix=".part")
        self.path = Path(name)
        self._file = os.fdopen(fd, "wb")
        assert self._memory is not None
        self._file.write(self._memory)
        self._memory = None

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()  # flushed before it is uploaded: put reads it by name after
        if self.path is not None:
            self.path.unlink(missing_ok=True)
        self._memory = None


class _ObjectStream(io.RawIOBase):
    """One stored object as a seekable, read-only raw stream.

    It holds the body of one GET at a time; seeking elsewhere drops it, and the next read asks
    for the rest of the object from the new position.
    """

    def __init__(self, storage: S3Storage, name: str, body: Any, size: int) -> None:
        self._storage, self._name, self._body, self._size = storage, name, body, size
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        target = base + offset
        if target < 0:
            raise OSError(errno.EINVAL, "negative seek position")
        if target != self._position:
            self._drop_body()
            self._position = target
        return target

    def readinto(self, buffer: Any) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        wanted = min(len(buffer), self._size - self._position)
        if wanted <= 0:
            return 0
        if self._body is None:
            with _requests(self._name):
                response = self._storage.client.get_object(
                    Bucket=self._storage.bucket, Key=self._name, Range=f"bytes={self._position}-"
                )
            self._body = response["Body"]
        with _requests(self._name):
            data = self._body.read(wanted)
        if not data:
            raise ObjectStoreError(f"{self._name} ended early at byte {self._position}")
        count = len(data)
        buffer[:count] = data
        self._position += count
        return count

    def readall(self) -> bytes:
        parts = []
        while part := self.read(CHUNK_SIZE):
            parts.append(part)
        return b"".join(parts)

    def close(self) -> None:
        self._drop_body()
        super().close()

    def _drop_body(self) -> None:
        if self._body is not None:
            body, self._body = self._body, None
            body.close()
