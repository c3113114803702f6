"""Content-addressed file storage: every file is named by the SHA-256 of its bytes.

- :mod:`.local`: the :class:`Storage` protocol, the local-disk store and :func:`storage_for`;
- :mod:`.s3`: the S3-compatible object store.
"""

from .local import LocalStorage, Storage, StoredFile, chunks, storage_for, validate_key
from .s3 import ObjectStoreError, S3Settings, S3Storage, s3_storage_for, shared_client

__all__ = [
    "LocalStorage",
    "ObjectStoreError",
    "S3Settings",
    "S3Storage",
    "Storage",
    "StoredFile",
    "chunks",
    "s3_storage_for",
    "shared_client",
    "storage_for",
    "validate_key",
]
