"""The pooled evidence of a case, as bundle files: the bytes straight from storage, in chunks.

Items are read by keyset pagination (a few hundred rows at a time, by id) rather than through one
open cursor, because the job reports progress, and so commits, between evidence files. The same
order numbers the files, so ``data/evidence.csv`` and the files always agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from models import Evidence, EvidenceStatus
from models.base import DbSession
from services.bundle.bag import evidence_name
from services.bundle.tables import csv_chunks, iso
from services.platform.storage.local import CHUNK_SIZE, Storage

PAGE = 200
#: media types already compressed: stored in the zip as they are (deflating them wastes time)
COMPRESSED_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/webp", "image/gif", "application/pdf", "application/zip"}
)
EVIDENCE_HEADER = ("file", "kind", "contributor", "pooled_at", "sha256", "size_bytes", "removed")


@dataclass(frozen=True)
class EvidenceItem:
    path: str  #: inside the bag, ``data/evidence/...``
    key: str  #: storage key, which is also the SHA-256 of the bytes
    kind: str
    media_type: str
    contributor: str
    pooled_at: datetime | None
    size: int
    removed: dict[str, Any]

    @property
    def compress(self) -> bool:
        return self.media_type not in COMPRESSED_TYPES


def _pooled(case_id: int) -> Any:
    return (
        Evidence.case_id == case_id,
        Evidence.status == EvidenceStatus.POOLED,
        Evidence.sha256.is_not(None),
    )


def count(session: DbSession, case_id: int) -> int:
    return session.scalar(select(func.count(Evidence.id)).where(*_pooled(case_id))) or 0


def items(session: DbSession, case_id: int) -> Iterator[EvidenceItem]:
    """Every pooled item with its bag path, oldest first."""
    last_id, number = 0, 0
    while True:
        page = session.execute(
            select(
                Evidence.id,
                Evidence.contributor_pseudonym,
                Evidence.display_name,
                Evidence.kind,
                Evidence.media_type,
                Evidence.sha256,
                Evidence.size_bytes,
                Evidence.pooled_at,
                Evidence.removed,
            )
            .where(*_pooled(case_id), Evidence.id > last_id)
            .order_by(Evidence.id)
            .limit(PAGE)
        ).all()
        if not page:
            return
        for row in page:
            number += 1
            yield EvidenceItem(
                path=evidence_name(row.contributor_pseudonym, number, row.display_name),
                key=row.sha256,
                kind=row.kind.value,
                media_type=row.media_type,
                contributor=row.contributor_pseudonym,
                pooled_at=row.pooled_at,
                size=row.size_bytes,
                removed=dict(row.removed or {}),
            )
        last_id = page[-1].id


def read(storage: Storage, key: str) -> Iterator[bytes]:
    """The stored bytes in chunks of :data:`services.platform.storage.local.CHUNK_SIZE`."""
    with storage.open(key) as stream:
        while chunk := stream.read(CHUNK_SIZE):
            yield chunk


def listing(session: DbSession, case_id: int) -> Iterator[bytes]:
    """``data/evidence.csv``: one row per file: what it is, who pooled it, what was removed."""
    rows = (
        (
            item.path,
            item.kind,
            item.contributor,
            iso(item.pooled_at),
            item.key,
            str(item.size),
            json.dumps(item.removed, sort_keys=True),
        )
        for item in items(session, case_id)
    )
    return csv_chunks(EVIDENCE_HEADER, rows)
