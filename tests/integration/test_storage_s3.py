"""The S3 storage backend against a real S3 server (SeaweedFS on loopback): the protocol, one
object per content, flat memory for a large stream, refused keys, the bucket made on first use,
and the app end to end with ``STORAGE_BACKEND="s3"``: evidence uploaded, anonymized, previewed
with byte ranges and confirmed, a case bundle built and downloaded, nothing on the local disk."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import threading
import time
import tracemalloc
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from extensions import db
from models import (
    Company,
    Complaint,
    Evidence,
    EvidenceStatus,
    Job,
    JobStatus,
    Submission,
    User,
    UserRole,
)
from services.bundle.job import enqueue_build
from services.bundle.verify import verify_bundle
from services.cases import membership as group_cases
from services.evidence.files import current_storage
from services.platform.storage import s3 as storage_s3
from services.platform.storage.local import CHUNK_SIZE, StoredFile, storage_for
from services.platform.storage.s3 import ObjectStoreError, S3Settings, S3Storage
from tests.support.forms import logged_in, submit, upload_evidence
from tests.support.seaweedfs import SeaweedS3  # its fixture ``seaweedfs``: see tests/conftest.py
from tests.support.web import EN, assert_redirects

EVIDENCE = "转账记录截图 / transfer screenshot".encode() * 1000


#: the bucket every test shares, each under a prefix of its own: each bucket holding data
#: takes a SeaweedFS volume (see tests/support/seaweedfs.py)
BUCKET = "chorus-storage-tests"


def _bucket() -> str:
    """A bucket nobody made yet (for tests of the bucket itself)."""
    return f"chorus-{uuid.uuid4().hex[:16]}"


def _prefix() -> str:
    return f"t-{uuid.uuid4().hex[:12]}/"


def _name(key: str, prefix: str) -> str:
    return f"{prefix}{key[:2]}/{key[2:4]}/{key}"


@pytest.fixture
def s3(seaweedfs: SeaweedS3) -> Iterator[Any]:
    """A plain boto3 client, to look into the bucket behind the storage's back."""
    client = seaweedfs.client()
    yield client
    client.close()


@pytest.fixture
def make_store(seaweedfs: SeaweedS3, tmp_path: Path) -> Callable[..., S3Storage]:
    """``make_store(bucket=BUCKET, prefix=None)``: an :class:`S3Storage`, by default under a
    new prefix."""

    def factory(bucket: str = BUCKET, prefix: str | None = None) -> S3Storage:
        store = S3Storage(
            S3Settings(
                bucket=bucket,
                prefix=prefix or _prefix(),
                endpoint_url=seaweedfs.endpoint_url,
                region=seaweedfs.region,
                access_key_id=seaweedfs.access_key_id,
                secret_access_key=seaweedfs.secret_access_key,
            ),
            staging_dir=tmp_path / "staging",
        )
        return store

    return factory


@pytest.fixture
def store(make_store: Callable[..., S3Storage]) -> S3Storage:
    return make_store()


def _objects(s3: Any, bucket: str, prefix: str) -> dict[str, int]:
    """Object name -> size, for every object in ``bucket`` under ``prefix``."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {item["Key"]: item["Size"] for page in pages for item in page.get("Contents", [])}


def _count_requests(store: S3Storage) -> list[Any]:
    """Every HTTP request ``store`` sends from now on (method, url, headers) is appended."""
    sent: list[Any] = []
    store.client.meta.events.register("before-send.s3", lambda request, **_: sent.append(request))
    return sent


# -- the protocol ----------------------------------------------------------------------------


def test_a_stored_object_reads_back_with_its_key_and_size(store: S3Storage, s3: Any) -> None:
    stored = store.put(EVIDENCE)
    key = hashlib.sha256(EVIDENCE).hexdigest()
    assert stored == StoredFile(key=key, size=len(EVIDENCE))
    assert store.exists(key)
    assert store.size(key) == len(EVIDENCE)
    assert _objects(s3, store.bucket, store.prefix) == {_name(key, store.prefix): len(EVIDENCE)}
    with store.open(key) as stream:
        assert stream.read() == EVIDENCE
    store.delete(key)
    assert not store.exists(key)
    assert _objects(s3, store.bucket, store.prefix) == {}
    store.delete(key)  # deleting what is not stored does nothing


def test_open_streams_seek_with_ranged_requests(store: S3Storage) -> None:
    data = b"".join(_blocks(1024 * 1024))
    key = store.put(data).key
    with store.open(key) as stream:
        sent = _count_requests(store)
        assert stream.seekable()
        assert stream.read(10) == data[:10]  # from the body of open()'s own request
        stream.seek(20)  # inside what was read ahead: no request
        assert stream.read(10) == data[20:30]
        assert sent == []
        stream.seek(500_000)
        assert stream.tell() == 500_000
        assert stream.read(100) == data[500_000:500_100]
        assert [r.headers["Range"] for r in sent] == [b"bytes=500000-"]
        assert stream.seek(-5, io.SEEK_END) == len(data) - 5
        assert stream.read() == data[-5:]
        assert stream.read() == b""
        assert len(sent) == 2
        stream.seek(len(data) + 10)  # past the end: nothing to read, nothing asked
        assert stream.read(10) == b""
        assert len(sent) == 2
    assert stream.closed


def test_identical_content_is_stored_once_and_uploaded_once(store: S3Storage, s3: Any) -> None:
    first = store.put(EVIDENCE)
    sent = _count_requests(store)
    again = store.put(io.BytesIO(EVIDENCE))  # a stream of the same bytes: the same key
    assert again == first
    # found it, uploaded nothing: only a copy onto itself, which makes it young again
    assert [r.method for r in sent] == ["HEAD", "PUT"]
    copied_from = sent[1].headers["x-amz-copy-source"]
    assert copied_from == f"{store.bucket}/{_name(first.key, store.prefix)}".encode()
    assert not sent[1].body
    assert _objects(s3, store.bucket, store.prefix) == {
        _name(first.key, store.prefix): len(EVIDENCE)
    }


def test_missing_keys_are_file_not_found(
    store: S3Storage, make_store: Callable[..., S3Storage]
) -> None:
    key = hashlib.sha256(b"never stored").hexdigest()
    nowhere = make_store(_bucket())  # reads never create the bucket
    assert not nowhere.exists(key)
    with pytest.raises(FileNotFoundError):
        nowhere.open(key)
    with pytest.raises(FileNotFoundError):
        nowhere.size(key)
    nowhere.delete(key)
    store.put(EVIDENCE)
    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.open(key)
    with pytest.raises(FileNotFoundError):
        store.size(key)
    store.delete(key)


@pytest.mark.parametrize(
    "key",
    ["../x", "../" + "a" * 61, "A" * 64, "a" * 63, "a" * 65, "a" * 62 + "/b", "", None, 42],
)
def test_bad_keys_are_refused_before_any_request(store: S3Storage, key: Any) -> None:
    sent = _count_requests(store)
    for operation in (store.open, store.exists, store.delete, store.size, store.object_name):
        with pytest.raises(ValueError, match="64 lowercase hexadecimal"):
            operation(key)
    assert sent == []


def test_a_large_stream_is_stored_with_flat_memory(store: S3Storage) -> None:
    """30 MB through put() in multipart: the traced peak stays a fraction of the size, and the
    staging folder is left empty. What is traced: the spool's in-memory start and a chunk
    read, then, per part being sent, the chunk botocore reads to sign the payload (plain
    HTTP is signed in full; over HTTPS it is not). Seen: 5-7 MiB."""
    total = 30 * 1024 * 1024
    digest = hashlib.sha256()
    for block in _blocks(total):
        digest.update(block)
    tracemalloc.start()
    try:
        stored = store.put(_GeneratedStream(_blocks(total)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored == StoredFile(key=digest.hexdigest(), size=total)
    assert peak < total / 3, f"peak {peak / 2**20:.1f} MiB"
    assert store.size(stored.key) == total
    check = hashlib.sha256()
    with store.open(stored.key) as stream:
        while chunk := stream.read(CHUNK_SIZE):
            check.update(chunk)
    assert check.hexdigest() == stored.key
    assert store.staging_dir is not None
    assert list(store.staging_dir.iterdir()) == []


def test_hosts_racing_to_create_the_bucket_all_store(
    make_store: Callable[..., S3Storage],
) -> None:
    bucket, prefix = _bucket(), _prefix()
    stores = [make_store(bucket, prefix) for _ in range(4)]
    start = threading.Barrier(len(stores))
    results: list[StoredFile | Exception] = []

    def put(store: S3Storage, n: int) -> None:
        start.wait()
        try:
            results.append(store.put(f"file {n}".encode()))
        except Exception as error:  # reported by the assertion below
            results.append(error)

    threads = [threading.Thread(target=put, args=(s, n)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(r, StoredFile) for r in results), results
    assert all(stores[0].exists(r.key) for r in results if isinstance(r, StoredFile))


def test_stale_uploads_are_swept(store: S3Storage, s3: Any) -> None:
    store.put(EVIDENCE)
    upload = s3.create_multipart_upload(Bucket=store.bucket, Key=_name("ab" * 32, store.prefix))
    assert store.staging_dir is not None
    store.staging_dir.mkdir()
    leftover = store.staging_dir / "put-killed.part"
    leftover.write_bytes(b"half")
    assert store.remove_stale_uploads() == 0  # both younger than a day
    assert store.remove_stale_uploads(older_than=-60) == 2  # a cutoff ahead: all are stale
    assert not leftover.exists()
    left = s3.list_multipart_uploads(Bucket=store.bucket, Prefix=store.prefix)
    assert left.get("Uploads", []) == []
    assert upload["UploadId"]


def test_unreferenced_objects_are_swept_once_old_unless_stored_again(
    store: S3Storage, s3: Any
) -> None:
    forgotten = store.put(b"an original stored by a request killed before it committed").key
    again = store.put(b"bytes a request is storing once more").key
    foreign = f"{store.prefix}notes/readme.txt"
    s3.put_object(Bucket=store.bucket, Key=foreign, Body=b"not named like a key")
    time.sleep(1.5)  # LastModified counts whole seconds
    assert store.put(b"bytes a request is storing once more").key == again  # young again

    def stored_at(key: str) -> float:
        name = _name(key, store.prefix)
        return s3.head_object(Bucket=store.bucket, Key=name)["LastModified"].timestamp()

    assert stored_at(again) > stored_at(forgotten)
    midway = (stored_at(again) + stored_at(forgotten)) / 2

    def age_of_midway() -> float:
        """An age that falls between the two objects however long the calls below take."""
        return time.time() - midway

    assert set(store.keys_older_than(age_of_midway())) == {forgotten}
    assert store.delete_if_older(again, age_of_midway()) is False
    assert store.delete_if_older(forgotten, age_of_midway()) is True
    # gone already: another host's sweep was first
    assert store.delete_if_older(forgotten, age_of_midway()) is False
    assert not store.exists(forgotten)
    assert store.exists(again)
    assert s3.get_object(Bucket=store.bucket, Key=foreign)["Body"].read()
    no_bucket = S3Storage(dataclasses.replace(store.settings, bucket=_bucket()))
    assert list(no_bucket.keys_older_than(0)) == []


def test_credentials_come_from_the_default_chain_when_not_configured(
    seaweedfs: SeaweedS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seaweedfs.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seaweedfs.secret_access_key)
    settings = S3Settings(bucket=BUCKET, prefix=_prefix(), endpoint_url=seaweedfs.endpoint_url)
    store = S3Storage(settings, client=_fresh_client(settings))
    assert store.exists(store.put(b"signed with the environment's key").key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    store = S3Storage(settings, client=_fresh_client(settings))
    with pytest.raises(ObjectStoreError):
        store.put(b"refused")
    wrong = S3Settings(
        bucket=settings.bucket,
        endpoint_url=seaweedfs.endpoint_url,
        access_key_id=seaweedfs.access_key_id,
        secret_access_key="wrong",
    )
    with pytest.raises(ObjectStoreError):
        S3Storage(wrong).put(b"refused")


def _fresh_client(settings: S3Settings) -> Any:
    """A client made the way :func:`shared_client` makes one, from a new boto3 session, so it
    reads the credentials of the environment as it is now."""
    with patch.object(storage_s3, "_session", None), patch.dict(storage_s3._clients, clear=True):
        return storage_s3.shared_client(settings)


def test_storage_for_picks_the_backend_and_keeps_one_client(
    seaweedfs: SeaweedS3, tmp_path: Path
) -> None:
    config = {"STORAGE_DIR": str(tmp_path / "files"), **seaweedfs.config(BUCKET)}
    store = storage_for(config)
    assert isinstance(store, S3Storage)
    assert storage_for(dict(config)) is store  # one per settings: it knows its bucket exists
    assert store.staging_dir == tmp_path / "files" / ".incoming"
    with pytest.raises(RuntimeError, match="S3_BUCKET"):
        storage_for({**config, "S3_BUCKET": None})
    with pytest.raises(RuntimeError, match="S3_SECRET_ACCESS_KEY"):
        storage_for({**config, "S3_SECRET_ACCESS_KEY": None})
    with pytest.raises(RuntimeError, match="STORAGE_BACKEND"):
        storage_for({**config, "STORAGE_BACKEND": "ftp"})


# -- the app on S3 ---------------------------------------------------------------------------


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """This module runs on SQLite only: the backend, not the database, is under test."""
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def service_config(seaweedfs: SeaweedS3) -> dict[str, Any]:
    """Conftest's ``app`` with its files in the S3 bucket, under a prefix of the test's own."""
    return seaweedfs.config(BUCKET, S3_PREFIX=_prefix())


def _local_files(app: Flask) -> list[Path]:
    root = Path(app.config["STORAGE_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _get(client: FlaskClient, url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    response = client.get(url, headers=headers)
    data = response.get_data()
    response.close()
    return response.status_code, dict(response.headers), data


def test_evidence_lives_in_the_bucket_only(
    app: Flask,
    s3: Any,
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> None:
    wallet = make_company("walletpro", "WalletPro", "钱包宝")
    organizer = make_user(email="org@example.org", display_name="张伟明", locale="en")
    member = make_user(email="member@example.org", display_name="李四", locale="en")
    narrative = "WalletPro froze my balance after a top-up and support never answers."
    case = group_cases.start_case(
        db.session,
        organizer,
        make_complaint(organizer, wallet, narrative),
        title="WalletPro freezes balances",
        summary="",
    )
    db.session.flush()
    group_cases.join_case(db.session, member, case, make_complaint(member, wallet, narrative))
    db.session.commit()
    bucket, prefix = app.config["S3_BUCKET"], app.config["S3_PREFIX"]

    client = logged_in(app, member.email)
    text = ("我是李四，手机 13812345678，退款被拒。Refund of 199.00 refused.\n" * 40).encode()
    response = upload_evidence(
        client, case.public_id, "说明 13812345678.txt", text, words="退款被拒"
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    item = db.session.scalar(select(Evidence).where(Evidence.public_id == body["id"]))
    assert item.status is EvidenceStatus.PREVIEW
    assert item.removed["PHONE"] == 40
    assert item.sha256
    stored = s3.get_object(Bucket=bucket, Key=_name(item.sha256, prefix))["Body"].read()
    assert b"13812345678" not in stored
    assert b"[PHONE]" in stored
    assert hashlib.sha256(stored).hexdigest() == item.sha256
    original = hashlib.sha256(text).hexdigest()
    assert _name(original, prefix) in _objects(s3, bucket, prefix)  # kept until confirmed
    assert _local_files(app) == []

    url = f"/evidence/{item.public_id}/file"
    status, headers, served = _get(client, url)
    assert (status, served) == (200, stored)
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["ETag"] == f'"{item.sha256}"'
    status, headers, part = _get(client, url, Range="bytes=100-299")
    assert (status, part) == (206, stored[100:300])
    assert headers["Content-Range"] == f"bytes 100-299/{len(stored)}"
    status, _, tail = _get(client, url, Range=f"bytes={len(stored) - 10}-")
    assert (status, tail) == (206, stored[-10:])
    assert _get(client, url, Range=f"bytes={len(stored)}-")[0] == 416
    assert _get(client, url, **{"If-None-Match": f'"{item.sha256}"'})[0] == 304

    response = submit(client, body["url"], f"/evidence/{item.public_id}/confirm", headers=EN)
    assert_redirects(response)
    db.session.expire_all()
    item = db.session.scalar(select(Evidence).where(Evidence.public_id == body["id"]))
    assert item.status is EvidenceStatus.POOLED
    # the original and the words to remove are gone, from the bucket too
    assert set(_objects(s3, bucket, prefix)) == {_name(item.sha256, prefix)}
    status, _, pooled = _get(logged_in(app, organizer.email), url)
    assert (status, pooled) == (200, stored)
    assert _local_files(app) == []
    purge = app.test_cli_runner().invoke(args=["evidence", "purge"])
    assert purge.output.splitlines() == [
        "Deleted 0 abandoned uploads and 0 interrupted partial files.",
        "Deleted 0 stored files no item refers to.",
    ]


@pytest.mark.usefixtures("demo")
def test_a_case_bundle_is_built_into_and_downloaded_from_the_bucket(
    app: Flask, s3: Any, make_user: Callable[..., User]
) -> None:
    submission = db.session.scalars(
        select(Submission).where(Submission.bundle_sha256.is_(None)).order_by(Submission.id)
    ).first()
    assert submission is not None
    assert current_storage().exists(
        db.session.scalar(
            select(Evidence.sha256).where(
                Evidence.case_id == submission.case_id, Evidence.sha256.is_not(None)
            )
        )
    )  # the demo's evidence went to the bucket too
    job_id = enqueue_build(submission, user_id=None).id
    db.session.commit()  # eager jobs: built now
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job is not None
    assert job.status is JobStatus.DONE, job.error
    submission = db.session.get(Submission, submission.id)
    assert submission is not None
    assert submission.bundle_sha256
    key = submission.bundle_sha256
    bucket, prefix = app.config["S3_BUCKET"], app.config["S3_PREFIX"]
    size = s3.head_object(Bucket=bucket, Key=_name(key, prefix))["ContentLength"]

    regulator = make_user(
        email="reg@example.org", role=UserRole.REGULATOR, authority=submission.authority
    )
    client = logged_in(app, regulator.email)
    url = f"/regulator/cases/{submission.case.public_id}/bundle.zip"
    status, headers, data = _get(client, url)
    assert status == 200
    assert len(data) == size == int(headers["Content-Length"])
    assert hashlib.sha256(data).hexdigest() == key
    report = verify_bundle(io.BytesIO(data))
    assert report.ok, report.problems
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert any("/data/evidence/" in name for name in archive.namelist())
    # a resumed download asks S3 for the rest only, not for everything before it as well
    half = len(data) // 2
    ranges: list[str | bytes | None] = []

    def record(request: Any, **_: Any) -> None:
        ranges.append(request.headers.get("Range"))

    events = current_storage().client.meta.events  # type: ignore[attr-defined]
    events.register("before-send.s3", record)
    try:
        status, _, tail = _get(client, url, Range=f"bytes={half}-")
    finally:
        events.unregister("before-send.s3", record)
    assert (status, tail) == (206, data[half:])
    assert f"bytes={half}-".encode() in ranges
    assert _local_files(app) == []  # built in the staging folder, stored, then removed


# -- helpers ---------------------------------------------------------------------------------


def _blocks(total: int, block: int = 64 * 1024) -> Iterator[bytes]:
    """Deterministic, non-repeating content: each block carries its own number."""
    for number in range(total // block):
        yield number.to_bytes(4, "big") * (block // 4)


class _GeneratedStream(io.RawIOBase):
    """A read-only binary stream over generated blocks: the content never exists whole."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._pending:
            self._pending = next(self._blocks, b"")
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count
