"""The hash chain of a case's signature log.

Each entry's hash covers its own fields and the previous entry's hash, starting from
:data:`GENESIS`. Deleting, reordering or editing any entry changes every hash after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from models import PetitionVersion, SignatureAction, SignatureEntry
from services.platform.hashing import content_hash

GENESIS = "0" * 64
#: the columns of an entry the chain covers: read as rows, they are all a check needs
CHAIN_COLUMNS = (
    SignatureEntry.seq,
    SignatureEntry.version_sha256,
    SignatureEntry.pseudonym,
    SignatureEntry.action,
    SignatureEntry.share_identity,
    SignatureEntry.facts_confirmed,
    SignatureEntry.created_at,
    SignatureEntry.prev_hash,
    SignatureEntry.entry_hash,
)


def version_hash(
    case_public_id: str,
    version: PetitionVersion,
    authority_slug: str | None,
    also_to: Sequence[str] = (),
) -> str:
    """What a signer signs: the exact text of one version of the joint complaint, and every
    authority it goes to. ``also_to`` (the authorities besides the first) enters the hash only
    when there are any, so versions addressed to one authority keep the hash they were signed
    with."""
    signed: dict[str, object] = {
        "case": case_public_id,
        "number": version.number,
        "title": version.title,
        "authority": authority_slug,
        "facts": version.facts,
        "demands": version.demands,
        "body_md": version.body_md,
    }
    if also_to:
        signed["also_to"] = sorted(also_to)
    return content_hash(signed)


def entry_hash(
    *,
    case_public_id: str,
    seq: int,
    version_sha256: str,
    pseudonym: str,
    action: str,
    share_identity: bool,
    facts_confirmed: bool,
    created_at: datetime,
    prev_hash: str,
) -> str:
    return content_hash(
        {
            "case": case_public_id,
            "seq": seq,
            "version": version_sha256,
            "pseudonym": pseudonym,
            "action": action,
            "share_identity": share_identity,
            "facts_confirmed": facts_confirmed,
            "at": created_at.isoformat(timespec="microseconds"),
            "prev": prev_hash,
        }
    )


class ChainEntry(Protocol):
    """What the chain reads of an entry: a :class:`models.SignatureEntry`, or a row of its
    columns (a page checking the newest entries need not build an object for each)."""

    seq: int
    version_sha256: str
    pseudonym: str
    action: SignatureAction
    share_identity: bool
    facts_confirmed: bool
    created_at: datetime
    prev_hash: str
    entry_hash: str


def hash_of(case_public_id: str, entry: ChainEntry) -> str:
    return entry_hash(
        case_public_id=case_public_id,
        seq=entry.seq,
        version_sha256=entry.version_sha256,
        pseudonym=entry.pseudonym,
        action=entry.action.value,
        share_identity=entry.share_identity,
        facts_confirmed=entry.facts_confirmed,
        created_at=entry.created_at,
        prev_hash=entry.prev_hash,
    )


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    problem: str | None = None  #: the first break found, in words
    from_start: bool = True  #: False when only the newest entries were checked


def verify_chain(
    case_public_id: str,
    entries: Iterable[ChainEntry],
    *,
    after: ChainEntry | None = None,
) -> ChainReport:
    """Check order, links and hashes of a case's entries (given in ``seq`` order), from the
    start of the log, or from just ``after`` an entry taken as the anchor (its own hash is
    trusted, the rest is checked against it)."""
    previous, first_seq = (after.entry_hash, after.seq + 1) if after else (GENESIS, 1)
    count = 0
    for expected_seq, entry in enumerate(entries, start=first_seq):
        count += 1
        if entry.seq != expected_seq:
            problem = f"entry {expected_seq} is missing or out of order"
        elif entry.prev_hash != previous:
            problem = f"entry {entry.seq} does not link to the one before"
        elif hash_of(case_public_id, entry) != entry.entry_hash:
            problem = f"entry {entry.seq} was altered"
        else:
            previous = entry.entry_hash
            continue
        return ChainReport(False, count, problem, from_start=after is None)
    return ChainReport(True, count, from_start=after is None)
