"""The signature log's hash chain detects removal, reordering and editing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import SignatureAction, SignatureEntry
from services.petition.chain import GENESIS, entry_hash, verify_chain

CASE = "abcdefghjkmn"
VERSION = "f" * 64


def _chain(length: int) -> list[SignatureEntry]:
    entries, previous = [], GENESIS
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    for seq in range(1, length + 1):
        entry = SignatureEntry(
            case_id=1,
            seq=seq,
            version_id=1,
            pseudonym=f"P{seq:03d}",
            action=SignatureAction.SIGN,
            share_identity=seq % 2 == 0,
            facts_confirmed=True,
            version_sha256=VERSION,
            created_at=start + timedelta(minutes=seq),
            prev_hash=previous,
        )
        entry.entry_hash = entry_hash(
            case_public_id=CASE,
            seq=seq,
            version_sha256=VERSION,
            pseudonym=entry.pseudonym,
            action="sign",
            share_identity=entry.share_identity,
            facts_confirmed=True,
            created_at=entry.created_at,
            prev_hash=previous,
        )
        previous = entry.entry_hash
        entries.append(entry)
    return entries


def test_intact_chain_verifies() -> None:
    report = verify_chain(CASE, _chain(5))
    assert report.ok
    assert report.entries == 5


def test_removed_entry_is_detected() -> None:
    entries = _chain(5)
    del entries[2]
    report = verify_chain(CASE, entries)
    assert not report.ok
    assert report.problem == "entry 3 is missing or out of order"


def test_reordered_entries_are_detected() -> None:
    entries = _chain(4)
    entries[1], entries[2] = entries[2], entries[1]
    assert not verify_chain(CASE, entries).ok


def test_edited_entry_is_detected() -> None:
    entries = _chain(4)
    entries[1].share_identity = not entries[1].share_identity
    report = verify_chain(CASE, entries)
    assert not report.ok
    assert report.problem == "entry 2 was altered"


def test_chain_is_bound_to_its_case() -> None:
    assert not verify_chain("anothercase1", _chain(2)).ok


def test_rehashed_edit_still_breaks_the_next_link() -> None:
    entries = _chain(3)
    forged = entries[1]
    forged.share_identity = not forged.share_identity
    forged.entry_hash = entry_hash(
        case_public_id=CASE,
        seq=2,
        version_sha256=VERSION,
        pseudonym=forged.pseudonym,
        action="sign",
        share_identity=forged.share_identity,
        facts_confirmed=True,
        created_at=forged.created_at,
        prev_hash=forged.prev_hash,
    )
    report = verify_chain(CASE, entries)
    assert report.problem == "entry 3 does not link to the one before"
