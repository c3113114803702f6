"""Which stored bytes an evidence item holds, and deleting bytes nobody holds any more.

Storage is content-addressed and shared by every case: the same screenshot sent by two members
is one file. So a file is never deleted because *one* item lets go of it, only once no row
names its key (:data:`STORED_KEY_COLUMNS`: evidence files, pooled items, bundles). The check
runs inside the transaction that drops the references; the bytes go after it commits (a
rollback keeps them).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from functools import partial
from typing import Any

from flask import current_app
from sqlalchemy import select

from models import Base, Evidence, EvidenceFile, FileRole
from models.base import DbSession
from services.platform.after_commit import after_commit
from services.platform.storage.local import Storage, storage_for

log = logging.getLogger(__name__)


#: every column holding a key of the content store: a stored file is in use while one names it
STORED_KEY_COLUMNS = {
    "evidence": ("sha256",),
    "evidence_files": ("key",),
    "submissions": ("bundle_sha256",),
}


def current_storage() -> Storage:
    return storage_for(current_app.config)


def attach(
    session: DbSession,
    evidence: Evidence,
    role: FileRole,
    data: bytes,
    media_type: str,
    *,
    page: int = 0,
) -> EvidenceFile:
    """Store ``data`` and record it as ``evidence``'s file for (``role``, ``page``), letting
    go of whatever file held that place before."""
    stored = current_storage().put(data)
    existing = next((f for f in evidence.files if f.role is role and f.page == page), None)
    if existing is not None:
        old_key = existing.key
        existing.key, existing.size, existing.media_type = stored.key, stored.size, media_type
        session.flush()
        release(session, [old_key])
        return existing
    record = EvidenceFile(
        role=role, page=page, key=stored.key, size=stored.size, media_type=media_type
    )
    evidence.files.append(record)
    session.flush()
    return record


def attach_json(
    session: DbSession, evidence: Evidence, role: FileRole, value: Any, *, page: int = 0
) -> EvidenceFile:
    data = json.dumps(value, ensure_ascii=False, sort_keys=True).encode()
    return attach(session, evidence, role, data, "application/json", page=page)


def file_of(evidence: Evidence, role: FileRole, page: int = 0) -> EvidenceFile | None:
    return next((f for f in evidence.files if f.role is role and f.page == page), None)


def files_of(evidence: Evidence, role: FileRole) -> list[EvidenceFile]:
    return sorted((f for f in evidence.files if f.role is role), key=lambda f: f.page)


def read(key: str) -> bytes:
    with current_storage().open(key) as stream:
        return stream.read()


def read_json(record: EvidenceFile | None, default: Any = None) -> Any:
    if record is None:
        return default
    return json.loads(read(record.key))


def drop(session: DbSession, evidence: Evidence, roles: Iterable[FileRole]) -> None:
    """Forget ``evidence``'s files in ``roles``; their bytes go if nobody else holds them."""
    wanted = set(roles)
    leaving = [f for f in evidence.files if f.role in wanted]
    for record in leaving:
        evidence.files.remove(record)
    session.flush()
    release(session, [f.key for f in leaving])


def set_pooled_bytes(session: DbSession, evidence: Evidence, key: str | None) -> None:
    """Point the item at new anonymized bytes (or none), letting go of the old ones."""
    old = evidence.sha256
    evidence.sha256 = key
    session.flush()
    if old and old != key:
        release(session, [old])


def keys_of(evidence: Evidence) -> list[str]:
    keys = [f.key for f in evidence.files]
    if evidence.sha256:
        keys.append(evidence.sha256)
    return keys


def release(session: DbSession, keys: Iterable[str]) -> None:
    """Delete, after the commit, every key in ``keys`` no row refers to any more (call after
    the references were removed and flushed)."""
    candidates = set(keys)
    if not candidates:
        return
    unused = candidates - held_keys(session, candidates)
    if unused:
        after_commit(session, partial(_delete, sorted(unused)), what="delete unused stored files")


def held_keys(session: DbSession, keys: set[str]) -> set[str]:
    """Which of ``keys`` some row still names."""
    held: set[str] = set()
    for table_name, columns in STORED_KEY_COLUMNS.items():
        for name in columns:
            column = Base.metadata.tables[table_name].c[name]
            held |= set(session.scalars(select(column).where(column.in_(keys))))
    return held


def _delete(keys: list[str]) -> None:
    storage = current_storage()
    for key in keys:
        try:
            storage.delete(key)
        except OSError:  # the row is gone either way; the sweep finds the file later
            log.warning("could not delete stored file %s", key)
