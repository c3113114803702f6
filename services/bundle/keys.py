"""The platform's Ed25519 key, which signs every bundle's tag manifest.

One key per deployment, kept in the instance folder (or at ``BUNDLE_SIGNING_KEY_FILE`` when
several servers must share it) and created on first use. Creation is race-safe: the key is
written to a private temporary file and then hard-linked to its final name, which fails if the
name exists, so two processes starting at once never end up signing with two different keys;
the loser reads the winner's key.

Authorities fetch the public half from ``/.well-known/chorus-bundle-key.pem`` and pass it to
``flask bundle verify --public-key``: a bundle signed by any other key is then refused.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from contextlib import suppress
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)
from flask import current_app

KEY_FILE = "bundle-signing-key.pem"

_cache: dict[Path, Ed25519PrivateKey] = {}
_lock = threading.Lock()


def key_path() -> Path:
    """Where the current app's private key lives."""
    configured = current_app.config.get("BUNDLE_SIGNING_KEY_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / KEY_FILE


def private_key() -> Ed25519PrivateKey:
    """The platform key, loaded once per process (created on first use)."""
    path = key_path()
    with _lock:
        key = _cache.get(path)
        if key is None:
            key = _cache[path] = _load_or_create(path)
        return key


def public_key_pem() -> bytes:
    """The public key as SubjectPublicKeyInfo PEM: what the bundle and the well-known URL carry."""
    return pem_of(private_key().public_key())


def sign(data: bytes) -> bytes:
    """The raw 64-byte Ed25519 signature of ``data``."""
    return private_key().sign(data)


def pem_of(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """A public key from PEM; :class:`ValueError` if it is not an Ed25519 public key."""
    key = load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short name for a key: the first 16 hex digits of SHA-256 of its 32 raw bytes."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def current_key_id() -> str:
    return key_id(private_key().public_key())


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        _create(path)
    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{path} does not hold an Ed25519 private key")
    return key


def _create(path: Path) -> None:
    """Write a new key under ``path`` unless another process got there first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".bundle-key-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)  # mkstemp already makes it 0600; say so anyway
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        with suppress(FileExistsError):  # someone else's key won: use theirs
            os.link(temp, path)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(temp)
