"""What a storage backend holds, read behind the app's back: the tests' view of the disk or
the bucket, so one assertion works whichever backend the profile runs."""

from __future__ import annotations

from botocore.exceptions import ClientError

from services.platform.storage.local import STAGING_DIR, LocalStorage, Storage
from services.platform.storage.s3 import S3Storage


def stored_objects(storage: Storage) -> dict[str, bytes]:
    """Every stored file's bytes by key; uploads still being written are not files yet."""
    if isinstance(storage, S3Storage):
        found: dict[str, bytes] = {}
        pages = storage.client.get_paginator("list_objects_v2").paginate(
            Bucket=storage.bucket, Prefix=storage.prefix
        )
        try:
            for page in pages:
                for entry in page.get("Contents", []):
                    body = storage.client.get_object(Bucket=storage.bucket, Key=entry["Key"])
                    with body["Body"] as stream:
                        found[entry["Key"].rsplit("/", 1)[-1]] = stream.read()
        except ClientError as error:  # the bucket is made by the first put
            if error.response["Error"]["Code"] != "NoSuchBucket":
                raise
        return found
    assert isinstance(storage, LocalStorage)
    if not storage.root.exists():
        return {}
    return {
        path.name: path.read_bytes()
        for path in storage.root.rglob("*")
        if path.is_file() and STAGING_DIR not in path.relative_to(storage.root).parts
    }
