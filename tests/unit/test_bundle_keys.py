"""The platform's bundle key: created once, private to its owner, the same for every process."""

from __future__ import annotations

import hashlib
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Flask

from services.bundle import keys


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[Path]:
    app = Flask("bundle-keys", instance_path=str(tmp_path / "instance"))
    with app.app_context():
        yield tmp_path / "instance"
    keys._cache.clear()


def test_key_is_created_once_private_and_reused(instance: Path) -> None:
    path = instance / keys.KEY_FILE
    assert not path.exists()
    first = keys.public_key_pem()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS8
    stamp = path.stat().st_mtime_ns
    keys._cache.clear()  # as a new process would: read from disk, not made again
    assert keys.public_key_pem() == first
    assert path.stat().st_mtime_ns == stamp
    assert first.startswith(b"-----BEGIN PUBLIC KEY-----")


@pytest.mark.usefixtures("instance")
def test_signature_verifies_and_key_id_names_the_raw_key() -> None:
    signature = keys.sign(b"tag manifest bytes")
    public = keys.load_public_key(keys.public_key_pem())
    public.verify(signature, b"tag manifest bytes")  # raises if wrong
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert keys.current_key_id() == hashlib.sha256(raw).hexdigest()[:16]


def test_racing_creators_end_with_one_key(instance: Path) -> None:
    """Eight creators at once (each as if in its own process: no shared cache) all end up
    with the key that won, and no temporary file is left behind."""
    path = instance / keys.KEY_FILE
    start = threading.Barrier(8)
    found: list[bytes] = []

    def create() -> None:
        start.wait()
        found.append(keys.pem_of(keys._load_or_create(path).public_key()))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8
    assert len(set(found)) == 1
    assert sorted(p.name for p in instance.iterdir()) == [keys.KEY_FILE]


def test_configured_key_file_wins(tmp_path: Path) -> None:
    app = Flask("bundle-keys", instance_path=str(tmp_path / "instance"))
    app.config["BUNDLE_SIGNING_KEY_FILE"] = str(tmp_path / "shared" / "key.pem")
    with app.app_context():
        try:
            keys.public_key_pem()
        finally:
            keys._cache.clear()
    assert (tmp_path / "shared" / "key.pem").is_file()
    assert not (tmp_path / "instance" / keys.KEY_FILE).exists()
