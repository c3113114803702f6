"""Contributing evidence to a case: upload, preview, confirm, withdraw, and who may see what.

The life of an item, and why each step exists:

1. **Upload** (:func:`contribute`): the bytes are checked *before* anything is stored (type by
   content, size, pixel count, page count, encoding), so a refused file leaves nothing behind.
   The original is then stored, visible to its contributor only, and a job anonymizes it
   (``services.evidence.processing``).
2. **Preview**: the contributor sees exactly the bytes that would be pooled and what was
   removed (counts, never values); they may add words or move boxes, which runs the job again.
3. **Confirm** (:func:`confirm`): the item joins the pool; the original and every working file
   holding personal data are deleted in the same transaction's aftermath.
   **Discard** (:func:`discard`) deletes everything; an item left unconfirmed for
   :data:`ABANDONED_AFTER` is discarded by :func:`purge_abandoned`.
4. **Withdraw** (:func:`withdraw`): until the case is submitted, the contributor can take a
   pooled item back; its bytes are deleted.

Visibility (:func:`visible_evidence`): the contributor sees their own items in every state;
members of the case see pooled items; after submission, regulators of the receiving authority
see them too. Everyone else gets "not found", which says nothing about what exists.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from models import (
    PRIVATE_ROLES,
    UNCONFIRMED_STATUSES,
    CaseEvent,
    CaseEventKind,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    FileRole,
    GroupCase,
    Membership,
    Submission,
    User,
    UserRole,
    utcnow,
)
from models.base import DbSession
from services import audit
from services.anonymize import checking, image, plaintext, table
from services.anonymize.boxes import MAX_BOXES_PER_PAGE, Box
from services.anonymize.sniff import Detected, UnreadableFile, clean_file_name, detect
from services.cases import membership as group_cases
from services.errors import DomainError, NotAllowed, NotFound
from services.evidence import files as evidence_files
from services.platform.jobs import runner as jobs
from services.platform.jobs.isolation import remove_stale_folders, run_isolated
from services.platform.storage.local import Storage

ANONYMIZE_JOB = "evidence.anonymize"
CHECK_STEP = "services.anonymize.checking:check"
CHECK_FOLDER_PREFIX = "chorus-check-"
ABANDONED_AFTER = timedelta(hours=24)
#: words a contributor may ask to remove from one item
MAX_TERMS = 50
TERM_MAX_LENGTH = 100
#: bytes read to recognise a file's type
SNIFF_BYTES = 64 * 1024


class TooLarge(DomainError):
    """An upload over a size limit (HTTP 413)."""


@dataclass(frozen=True)
class UploadLimits:
    file_bytes: int
    member_case_bytes: int
    max_pixels: int
    max_pages: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> UploadLimits:
        return cls(
            file_bytes=int(config["EVIDENCE_MAX_FILE_BYTES"]),
            member_case_bytes=int(config["EVIDENCE_MAX_MEMBER_CASE_BYTES"]),
            max_pixels=int(config["EVIDENCE_MAX_PIXELS"]),
            max_pages=int(config["EVIDENCE_MAX_PDF_PAGES"]),
        )


def limits() -> UploadLimits:
    return UploadLimits.from_config(current_app.config)


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def parse_terms(text: str) -> list[str]:
    """Words to remove, one per line (or separated by commas), de-duplicated, in order."""
    terms: list[str] = []
    for raw in text.replace("，", "\n").replace(",", "\n").splitlines():
        term = raw.strip()
        if term and term not in terms:
            if len(term) > TERM_MAX_LENGTH:
                raise DomainError(
                    _l("Each word to remove can be at most %(n)s characters.", n=TERM_MAX_LENGTH),
                    field="words",
                )
            terms.append(term)
    if len(terms) > MAX_TERMS:
        raise DomainError(_l("At most %(n)s words can be removed.", n=MAX_TERMS), field="words")
    return terms


def contribute(
    session: DbSession,
    user: User,
    case: GroupCase,
    stream: IO[bytes],
    filename: str,
    *,
    terms: Sequence[str] = (),
    upload_limits: UploadLimits | None = None,
) -> Evidence:
    """Check an upload, store its original for its contributor only, and start anonymizing it.
    Raises :class:`DomainError` (nothing stored) for a file that is not accepted."""
    upload_limits = upload_limits or limits()
    membership = _contributing_membership(session, user, case)
    name = clean_file_name(filename)
    data = _read_limited(stream, upload_limits.file_bytes)
    used = used_bytes(session, user, case)
    if used + len(data) > upload_limits.member_case_bytes:
        raise TooLarge(
            _l(
                "You can contribute up to %(limit)s MB of files to one case; %(used)s MB are "
                "already used. Withdraw or discard an item first.",
                limit=megabytes(upload_limits.member_case_bytes),
                used=megabytes(used),
            ),
            field="files",
        )
    detected = detect(data[:SNIFF_BYTES], name_hint=name)
    page_count = _validate(data, detected, upload_limits)

    evidence = Evidence(
        case_id=case.id,
        membership_id=membership.id,
        contributor_id=user.id,
        contributor_pseudonym=membership.pseudonym,
        kind=EvidenceKind(detected.kind.value),
        status=EvidenceStatus.PROCESSING,
        display_name=name,  # replaced by the anonymized name when the job has run
        media_type=detected.media_type,
        original_size=len(data),
        page_count=page_count,
        #: the name as uploaded stays private until confirmation: it may carry personal data
        options={"source_type": detected.media_type, "original_name": name},
    )
    session.add(evidence)
    session.flush()
    evidence_files.attach(session, evidence, FileRole.ORIGINAL, data, detected.media_type)
    if terms:
        evidence_files.attach_json(session, evidence, FileRole.TERMS, list(terms))
    _start_job(session, evidence, user)
    audit.record(
        session, "evidence.uploaded", user.id, "evidence", evidence.public_id, kind=detected.kind
    )
    return evidence


def _contributing_membership(session: DbSession, user: User, case: GroupCase) -> Membership:
    membership = group_cases.membership_in(session, user, case)
    if membership is None:
        raise NotAllowed(_l("Only members of this case can contribute evidence. Join it first."))
    if case.is_frozen:
        raise DomainError(_l("This case has been submitted: its evidence can no longer change."))
    return membership


def _read_limited(stream: IO[bytes], limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(
            _l(
                "This file is larger than %(limit)s MB. Upload a smaller file (a screenshot "
                "or a shorter statement).",
                limit=megabytes(limit),
            ),
            field="files",
        )
    if not data:
        raise UnreadableFile(_l("This file is empty."), field="files")
    return data


def _validate(data: bytes, detected: Detected, upload_limits: UploadLimits) -> int:
    """Checks that catch what the job would fail on, before anything is stored; returns the
    page count. Pictures are decoded in full and PDFs opened, in a child process under the
    job's memory ceiling (:mod:`services.anonymize.checking`): a web process that decodes a
    40-megapixel picture keeps the memory it took."""
    kind = EvidenceKind(detected.kind.value)
    if kind in (EvidenceKind.IMAGE, EvidenceKind.PDF):
        if kind is EvidenceKind.IMAGE:  # the header alone refuses a bomb without a child
            image.image_size(data, max_pixels=upload_limits.max_pixels)
        config = current_app.config
        timeout = float(config["EVIDENCE_JOB_TIMEOUT"])
        remove_stale_folders(CHECK_FOLDER_PREFIX, older_than=2 * timeout)
        with tempfile.TemporaryDirectory(prefix=CHECK_FOLDER_PREFIX) as name:
            folder = Path(name)
            (folder / checking.ORIGINAL).write_bytes(data)
            task = {
                "kind": kind.value,
                "max_pixels": upload_limits.max_pixels,
                "work_pixels": int(config["EVIDENCE_WORK_PIXELS"]),
                "max_pages": upload_limits.max_pages,
            }
            (folder / checking.TASK).write_text(json.dumps(task))
            checked = run_isolated(
                CHECK_STEP,
                folder,
                memory_bytes=int(config["EVIDENCE_JOB_MEMORY_BYTES"]),
                timeout=timeout,
            )
        return int(checked["page_count"])
    text = plaintext.decode_text(data)
    if kind is EvidenceKind.CSV:
        table.read_table(text)
    return 1


def _start_job(session: DbSession, evidence: Evidence, user: User) -> None:
    evidence.status = EvidenceStatus.PROCESSING
    evidence.error = None
    evidence.job = jobs.enqueue(ANONYMIZE_JOB, {"evidence_id": evidence.id}, user_id=user.id)
    session.flush()


# --- the contributor's choices during the preview -------------------------------------------


def ensure_editable(evidence: Evidence, user: User) -> Evidence:
    """The item, if its contributor may still change it (previewed or failed, case not
    submitted); else :class:`DomainError`."""
    return _editable(evidence, user)


def restart(session: DbSession, user: User, evidence: Evidence) -> None:
    """Anonymize again with the choices as they now stand; box edits start over from the
    proposal (the boxes proposed depend on what is to be hidden)."""
    _editable(evidence, user)
    evidence.options = {
        k: v for k, v in evidence.options.items() if k not in ("boxes", "boxes_edited")
    }
    _start_job(session, evidence, user)


def _editable(evidence: Evidence, user: User) -> Evidence:
    if evidence.contributor_id != user.id or evidence.status not in (
        EvidenceStatus.PREVIEW,
        EvidenceStatus.FAILED,
    ):
        raise DomainError(_l("This item can no longer be changed."))
    if evidence.case.is_frozen:
        raise DomainError(_l("This case has been submitted: its evidence can no longer change."))
    return evidence


def rescan_with_terms(session: DbSession, user: User, evidence: Evidence, terms: list[str]) -> None:
    """Anonymize again with the contributor's words; box edits start over from the proposal."""
    _editable(evidence, user)
    if terms:
        evidence_files.attach_json(session, evidence, FileRole.TERMS, terms)
    else:
        evidence_files.drop(session, evidence, [FileRole.TERMS])
    evidence.options = {
        k: v for k, v in evidence.options.items() if k not in ("boxes", "boxes_edited")
    }
    _start_job(session, evidence, user)


def terms_of(evidence: Evidence) -> list[str]:
    """The words the contributor asked to remove (shown back to them only)."""
    return list(evidence_files.read_json(evidence_files.file_of(evidence, FileRole.TERMS), []))


def set_boxes(
    session: DbSession,
    user: User,
    evidence: Evidence,
    boxes: Mapping[str, list[Mapping[str, Any]]],
) -> None:
    """Replace the black-out boxes with the contributor's (validated) edit and burn them:
    page number -> boxes, as the browser sent them (JSON)."""
    _editable(evidence, user)
    if evidence.kind not in (EvidenceKind.IMAGE, EvidenceKind.PDF):
        raise DomainError(_l("Only pictures and PDF pages have black-out boxes."))
    cleaned: dict[str, list[dict[str, int]]] = {}
    try:
        for page, page_boxes in boxes.items():
            if not 0 <= int(page) < evidence.page_count:
                raise ValueError("page out of range")
            if len(page_boxes) > MAX_BOXES_PER_PAGE:
                raise ValueError("too many boxes")
            cleaned[str(int(page))] = [Box.from_dict(b).as_dict() for b in page_boxes]
    except (ValueError, TypeError) as error:
        raise DomainError(
            _l("The boxes could not be read. Reload the page and try again.")
        ) from error
    evidence.options = {**evidence.options, "boxes": cleaned, "boxes_edited": True}
    _start_job(session, evidence, user)


def set_columns(session: DbSession, user: User, evidence: Evidence, actions: list[str]) -> None:
    """Keep, hash or drop each column of a CSV item, then anonymize it again."""
    _editable(evidence, user)
    header = evidence.options.get("header") or []
    if evidence.kind is not EvidenceKind.CSV or len(actions) != len(header):
        raise DomainError(_l("The columns could not be read. Reload the page and try again."))
    try:
        chosen = [table.ColumnAction(a).value for a in actions]
    except ValueError as error:
        raise DomainError(
            _l("The columns could not be read. Reload the page and try again.")
        ) from error
    evidence.options = {**evidence.options, "columns": chosen}
    _start_job(session, evidence, user)


# --- confirm, discard, withdraw -------------------------------------------------------------


def confirm(session: DbSession, user: User, evidence: Evidence) -> None:
    """Pool the previewed bytes and delete the original and every working file."""
    if evidence.contributor_id != user.id or evidence.status is not EvidenceStatus.PREVIEW:
        raise DomainError(_l("Only an anonymized item waiting for your check can be added."))
    if evidence.case.is_frozen:
        raise DomainError(_l("This case has been submitted: its evidence can no longer change."))
    evidence.status = EvidenceStatus.POOLED
    evidence.pooled_at = utcnow()
    #: the name as uploaded and the names proposed for black-out are personal data
    evidence.options = {
        k: v for k, v in evidence.options.items() if k not in ("original_name", "names")
    }
    evidence_files.drop(session, evidence, PRIVATE_ROLES)
    _timeline(session, evidence, CaseEventKind.EVIDENCE_POOLED)
    evidence.case.updated_at = utcnow()
    audit.record(session, "evidence.pooled", user.id, "evidence", evidence.public_id)


def _timeline(session: DbSession, evidence: Evidence, kind: CaseEventKind) -> None:
    """The case timeline says that a kind of item came or went, and under which pseudonym."""
    session.add(
        CaseEvent(
            case_id=evidence.case_id,
            kind=kind,
            actor_pseudonym=evidence.contributor_pseudonym,
            data={"kind": evidence.kind.value},
        )
    )


def discard(session: DbSession, user: User | None, evidence: Evidence) -> None:
    """Delete an unconfirmed item and all its files (``user`` None: the platform's sweep)."""
    if evidence.status not in UNCONFIRMED_STATUSES or (
        user is not None and evidence.contributor_id != user.id
    ):
        raise DomainError(_l("Only an item you have not added to the pool can be discarded."))
    _delete_item(session, evidence)


def _delete_item(session: DbSession, evidence: Evidence) -> None:
    keys = evidence_files.keys_of(evidence)
    session.delete(evidence)
    session.flush()
    evidence_files.release(session, keys)


def withdraw(session: DbSession, user: User, evidence: Evidence) -> None:
    """Take a pooled item back out of the pool; its bytes are deleted."""
    if evidence.contributor_id != user.id or evidence.status is not EvidenceStatus.POOLED:
        raise DomainError(_l("Only items you added to the pool can be withdrawn."))
    if evidence.case.is_frozen:
        raise DomainError(
            _l("This case has been submitted: its evidence stays with the authority.")
        )
    evidence.status = EvidenceStatus.WITHDRAWN
    evidence.withdrawn_at = utcnow()
    evidence_files.drop(session, evidence, list(FileRole))
    evidence_files.set_pooled_bytes(session, evidence, None)
    _timeline(session, evidence, CaseEventKind.EVIDENCE_WITHDRAWN)
    audit.record(session, "evidence.withdrawn", user.id, "evidence", evidence.public_id)


def forget_member(session: DbSession, membership: Membership) -> None:
    """A member leaves: their unconfirmed items go; pooled ones stay under their pseudonym."""
    items = session.scalars(
        select(Evidence).where(
            Evidence.membership_id == membership.id,
            Evidence.status.in_(UNCONFIRMED_STATUSES),
        )
    ).all()
    for item in items:
        _delete_item(session, item)


def forget_contributor(session: DbSession, user: User) -> int:
    """An account is deleted: every item it contributed goes, except the pooled items of a
    submitted case, which the authority holds. A pooled item of a case still open is withdrawn
    first, so the case's timeline shows it leaving as when its contributor takes it back.
    Returns how many items went."""
    items = session.scalars(
        select(Evidence).where(Evidence.contributor_id == user.id).order_by(Evidence.id)
    ).all()
    removed = 0
    for item in items:
        if item.status is EvidenceStatus.POOLED and item.case.is_frozen:
            continue
        if item.status is EvidenceStatus.POOLED:
            withdraw(session, user, item)
        _delete_item(session, item)
        removed += 1
    return removed


def forget_case(session: DbSession, case: GroupCase) -> None:
    """A case is deleted: release every stored file of its evidence."""
    keys: list[str] = []
    for item in session.scalars(select(Evidence).where(Evidence.case_id == case.id)):
        keys.extend(evidence_files.keys_of(item))
    session.execute(delete(Evidence).where(Evidence.case_id == case.id))
    session.flush()
    evidence_files.release(session, keys)


_last_purge = 0.0


def purge_if_due(session: DbSession, every_seconds: float = 3600.0) -> None:
    """Run :func:`purge_abandoned` at most once an hour per process, from the upload path, so
    an installation without a scheduler still keeps the 24-hour promise while it is used."""
    global _last_purge
    now = time.monotonic()
    if now - _last_purge < every_seconds:
        return
    _last_purge = now
    if purge_abandoned(session):
        session.commit()


def purge_abandoned(session: DbSession, older_than: timedelta = ABANDONED_AFTER) -> int:
    """Discard every item left unconfirmed for longer than ``older_than``; returns how many."""
    cutoff = utcnow() - older_than
    items = session.scalars(
        select(Evidence).where(
            Evidence.status.in_(UNCONFIRMED_STATUSES), Evidence.created_at < cutoff
        )
    ).all()
    for item in items:
        _delete_item(session, item)
    return len(items)


def purge_unreferenced(
    session: DbSession, storage: Storage, older_than: timedelta = ABANDONED_AFTER
) -> int:
    """Delete stored files no row names, once they are ``older_than``; returns how many.

    Storage and database cannot commit together: a process killed after storing an upload's
    original and before its transaction committed leaves a file nobody can reach, holding
    personal data. Files younger than ``older_than`` are left alone (their request may not have
    committed yet), and each is checked again just before it goes: every new reference to a key
    comes with a :meth:`~services.platform.storage.local.Storage.put` of its bytes, which makes the
    file young
    again."""
    seconds = older_than.total_seconds()
    candidates = list(storage.keys_older_than(seconds))
    removed = 0
    for start in range(0, len(candidates), 500):
        batch = set(candidates[start : start + 500])
        batch -= evidence_files.held_keys(session, batch)
        removed += sum(storage.delete_if_older(key, seconds) for key in sorted(batch))
    return removed


# --- reading ----------------------------------------------------------------------------------


def visible_evidence(session: DbSession, user: User | None, public_id: str) -> Evidence:
    """The item if ``user`` may see it, else :class:`NotFound` (whether or not it exists)."""
    evidence = session.scalar(select(Evidence).where(Evidence.public_id == public_id))
    if evidence is None or user is None or not user.is_authenticated:
        raise NotFound(_l("No such evidence."))
    if evidence.contributor_id == user.id and evidence.status is not EvidenceStatus.WITHDRAWN:
        return evidence
    if evidence.status is EvidenceStatus.POOLED and can_see_pool(session, user, evidence.case):
        return evidence
    raise NotFound(_l("No such evidence."))


def can_see_pool(session: DbSession, user: User, case: GroupCase) -> bool:
    """Members of the case; after submission, regulators of the receiving authority."""
    if group_cases.membership_in(session, user, case) is not None:
        return True
    if user.role is UserRole.REGULATOR and user.authority_id is not None and case.is_frozen:
        return (
            session.scalar(
                select(Submission.id).where(
                    Submission.case_id == case.id, Submission.authority_id == user.authority_id
                )
            )
            is not None
        )
    return False


def pooled_items(session: DbSession, case: GroupCase) -> list[Evidence]:
    return list(
        session.scalars(
            select(Evidence)
            .where(Evidence.case_id == case.id, Evidence.status == EvidenceStatus.POOLED)
            .order_by(Evidence.pooled_at.desc(), Evidence.id.desc())
        )
    )


def pooled_count(session: DbSession, case: GroupCase) -> int:
    return session.execute(
        select(func.count(Evidence.id)).where(
            Evidence.case_id == case.id, Evidence.status == EvidenceStatus.POOLED
        )
    ).scalar_one()


def my_unconfirmed(session: DbSession, user: User, case: GroupCase) -> list[Evidence]:
    return list(
        session.scalars(
            select(Evidence)
            .where(
                Evidence.case_id == case.id,
                Evidence.contributor_id == user.id,
                Evidence.status.in_(UNCONFIRMED_STATUSES),
            )
            .order_by(Evidence.created_at.desc(), Evidence.id.desc())
        )
    )


def used_bytes(session: DbSession, user: User, case: GroupCase) -> int:
    return session.execute(
        select(func.coalesce(func.sum(Evidence.original_size), 0)).where(
            Evidence.case_id == case.id,
            Evidence.contributor_id == user.id,
            Evidence.status.in_([*UNCONFIRMED_STATUSES, EvidenceStatus.POOLED]),
        )
    ).scalar_one()


def csv_hash_key(case: GroupCase) -> bytes:
    """The key of a case's CSV column hashes: the same account gives the same hash within one
    case (rows can be linked) but not across cases, and without the server's secret a hash
    cannot be reversed by trying every phone number."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"csv-column-hash:" + case.public_id.encode(), hashlib.sha256).digest()


def preview_table(evidence: Evidence, rows: int = 20) -> list[list[str]]:
    """The first rows of a CSV item's anonymized bytes (header first), for the preview."""
    if evidence.sha256 is None:
        return []
    text = plaintext.decode_text(evidence_files.read(evidence.sha256))
    parsed = table.read_table(text)
    return [parsed.header, *parsed.rows[:rows]]


def preview_text(evidence: Evidence) -> str:
    if evidence.sha256 is None:
        return ""
    return plaintext.decode_text(evidence_files.read(evidence.sha256))


def boxes_for_editor(evidence: Evidence) -> str:
    """The current boxes per page as JSON for the browser editor."""
    return json.dumps(evidence.options.get("boxes", {}))
