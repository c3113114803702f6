"""Signing the frozen version of a case's joint complaint, and the hash-chained log of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, bindparam, func, insert, select, update

from models import (
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    GroupCase,
    Membership,
    PetitionVersion,
    SignatureAction,
    SignatureEntry,
    utcnow,
)
from models.base import DbSession
from services.errors import Conflict, DomainError
from services.petition.chain import (
    CHAIN_COLUMNS,
    GENESIS,
    ChainReport,
    hash_of,
    verify_chain,
)
from services.platform.write_gate import take_write_gate


def identity_shown(chose_to_share: bool, account_deleted_at: datetime | None) -> bool:
    """Whether a signer's name and e-mail reach the authority: when they chose to share them,
    and never once the account is deleted. The signature row is hash-chained, so it keeps
    saying they chose to; a deleted account has no identity left, its pseudonym stands alone.
    The bundle and the regulator's case page both ask here."""
    return chose_to_share and account_deleted_at is None


@dataclass(frozen=True)
class SigningState:
    version: PetitionVersion | None  #: the version open for signing, if any
    active: dict[int, SignatureEntry]  #: membership id -> their current signature on it

    @property
    def count(self) -> int:
        return len(self.active)


#: built once: every signature and every page of the joint complaint asks these
_OPEN_VERSION = (
    select(PetitionVersion)
    .where(
        PetitionVersion.case_id == bindparam("case_id"),
        PetitionVersion.opened_at.is_not(None),
        PetitionVersion.superseded_at.is_(None),
    )
    .order_by(PetitionVersion.number.desc())
    .limit(1)
)
_LATEST_ENTRY = (
    select(SignatureEntry)
    .where(
        SignatureEntry.version_id == bindparam("version_id"),
        SignatureEntry.membership_id == bindparam("membership_id"),
    )
    .order_by(SignatureEntry.seq.desc())
    .limit(1)
)
_COUNT_CHANGE_STATEMENT = (
    update(PetitionVersion)
    .where(PetitionVersion.id == bindparam("version_id"))
    .values(signature_count=PetitionVersion.signature_count + bindparam("change"))
    # the caller expires the version's count itself: no need to evaluate this in Python
    .execution_options(synchronize_session=False)
)
#: plain rows of the tables (no unit of work): see :func:`_append`
_INSERT_ENTRY = insert(cast(Table, SignatureEntry.__table__))
_INSERT_EVENT = insert(cast(Table, CaseEvent.__table__))
_ENTRY_COLUMNS = [c.key for c in SignatureEntry.__table__.columns if c.key != "id"]
_CHAIN_TAIL = (
    select(SignatureEntry.seq, SignatureEntry.entry_hash)
    .where(SignatureEntry.case_id == bindparam("case_id"))
    .order_by(SignatureEntry.seq.desc())
    .limit(1)
)


def open_version(session: DbSession, case: GroupCase) -> PetitionVersion | None:
    """The version currently open for signing (the latest opened, not superseded)."""
    return session.scalar(_OPEN_VERSION, {"case_id": case.id})


def current_signature(
    session: DbSession, version: PetitionVersion, membership: Membership
) -> SignatureEntry | None:
    """The member's signature on ``version`` if their latest entry on it is one. One indexed
    row, whatever the size of the log: signing and withdrawing ask this, so a signature costs
    the same for the first signer as for the twenty-thousandth."""
    latest = session.scalar(
        _LATEST_ENTRY, {"version_id": version.id, "membership_id": membership.id}
    )
    return latest if latest is not None and latest.action is SignatureAction.SIGN else None


def signing_state(
    session: DbSession, case: GroupCase, version: PetitionVersion | None = None
) -> SigningState:
    """Who currently signs ``version`` (default: the open one): each current member whose last
    entry for that version is a signature. This reads the whole log: for the regulator's list
    and the bundle; a count is :attr:`PetitionVersion.signature_count`, one member's signature
    :func:`current_signature`."""
    version = version or open_version(session, case)
    if version is None:
        return SigningState(None, {})
    latest = (
        select(SignatureEntry.membership_id, func.max(SignatureEntry.seq).label("seq"))
        .where(
            SignatureEntry.case_id == case.id,
            SignatureEntry.version_id == version.id,
            SignatureEntry.membership_id.is_not(None),
        )
        .group_by(SignatureEntry.membership_id)
        .subquery()
    )
    entries = session.scalars(
        select(SignatureEntry)
        .join(
            latest,
            (latest.c.membership_id == SignatureEntry.membership_id)
            & (latest.c.seq == SignatureEntry.seq),
        )
        .where(SignatureEntry.case_id == case.id, SignatureEntry.action == SignatureAction.SIGN)
    ).all()
    return SigningState(version, {e.membership_id: e for e in entries if e.membership_id})


_COUNT_CHANGE = {SignatureAction.SIGN: 1, SignatureAction.WITHDRAW: -1}


def _append(
    session: DbSession,
    case: GroupCase,
    membership: Membership,
    version: PetitionVersion,
    action: SignatureAction,
    *,
    share_identity: bool = False,
    facts_confirmed: bool = False,
) -> None:
    """Add an entry at the end of the case's chain. The count is written first: on SQLite that
    takes the database's write lock before the chain's tail is read (SQLite has no ``FOR
    UPDATE``), on PostgreSQL the case row's lock does; so concurrent signers queue instead
    of reading the same tail. A race still lost surfaces as a unique violation on (case, seq)
    and is retried by the caller. On SQLite, signers queue at the writers' gate first
    (:mod:`services.platform.write_gate`) rather than polling the database's lock."""
    if not take_write_gate(session):
        session.execute(select(GroupCase.id).where(GroupCase.id == case.id).with_for_update())
    session.execute(
        _COUNT_CHANGE_STATEMENT, {"version_id": version.id, "change": _COUNT_CHANGE[action]}
    )
    session.expire(version, ["signature_count"])
    last = session.execute(_CHAIN_TAIL, {"case_id": case.id}).first()
    seq, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
    entry = SignatureEntry(
        case_id=case.id,
        seq=seq,
        version_id=version.id,
        membership_id=membership.id,
        pseudonym=membership.pseudonym,
        action=action,
        share_identity=share_identity,
        facts_confirmed=facts_confirmed,
        version_sha256=version.content_sha256 or "",
        created_at=utcnow(),
        prev_hash=previous,
        entry_hash="",
    )
    entry.entry_hash = hash_of(case.public_id, entry)
    kind = (
        CaseEventKind.SIGNED
        if action is SignatureAction.SIGN
        else CaseEventKind.SIGNATURE_WITHDRAWN
    )
    # written as rows, not through the unit of work: the writers' gate (and on PostgreSQL the
    # case's lock) is held from the count to the commit, and flushing two new objects cost
    # as much as all the statements of the signature together
    session.execute(_INSERT_ENTRY, {column: getattr(entry, column) for column in _ENTRY_COLUMNS})
    session.execute(
        _INSERT_EVENT,
        {
            "case_id": case.id,
            "kind": kind,
            "actor_pseudonym": membership.pseudonym,
            "data": {"version": version.number},
        },
    )


def sign(
    session: DbSession,
    case: GroupCase,
    membership: Membership,
    *,
    version_sha256: str,
    facts_confirmed: bool,
    share_identity: bool,
) -> None:
    """Sign the open version. ``version_sha256`` is what the signer's page showed: if it is not
    the open version's hash, the page was stale or tampered with, and nothing is signed."""
    if membership.case_id != case.id:
        raise DomainError(_l("Only members of this case can sign it."))
    if membership.complaint_id is None:  # an association organizing for its members
        raise DomainError(_l("Only members with a complaint in this case sign it."))
    version = open_version(session, case)
    if case.status is not CaseStatus.SIGNING or version is None:
        raise DomainError(_l("This complaint is not open for signing."))
    if version_sha256 != version.content_sha256:
        raise Conflict(
            _l(
                "The complaint changed since you opened the page: read the current "
                "version and sign again."
            ),
            field="version_sha256",
        )
    if not facts_confirmed:
        raise DomainError(
            _l("Please confirm that the facts of your own complaint are true."),
            field="facts_confirmed",
        )
    if current_signature(session, version, membership) is not None:
        raise Conflict(_l("You have already signed this version."))
    _append(
        session,
        case,
        membership,
        version,
        SignatureAction.SIGN,
        share_identity=share_identity,
        facts_confirmed=True,
    )


def sign_again(
    session: DbSession, case: GroupCase, membership: Membership, *, version_sha256: str
) -> None:
    """One click after a new version: sign it with the choices of the member's signature on
    the version it replaced (the facts of their own complaint are unchanged)."""
    earlier = session.scalar(
        select(SignatureEntry)
        .where(
            SignatureEntry.case_id == case.id,
            SignatureEntry.membership_id == membership.id,
            SignatureEntry.action == SignatureAction.SIGN,
        )
        .order_by(SignatureEntry.seq.desc())
        .limit(1)
    )
    if earlier is None:
        raise DomainError(
            _l("You have not signed an earlier version: please read the complaint and sign it.")
        )
    sign(
        session,
        case,
        membership,
        version_sha256=version_sha256,
        facts_confirmed=True,
        share_identity=earlier.share_identity,
    )


def withdraw(session: DbSession, case: GroupCase, membership: Membership) -> None:
    """Withdraw one's signature, until the case is submitted."""
    if case.is_frozen:
        raise DomainError(_l("The case was submitted: signatures can no longer be withdrawn."))
    version = open_version(session, case)
    if version is None or current_signature(session, version, membership) is None:
        raise DomainError(_l("You have no signature to withdraw."))
    _append(session, case, membership, version, SignatureAction.WITHDRAW)


def signature_log(session: DbSession, case: GroupCase) -> list[SignatureEntry]:
    return list(
        session.scalars(
            select(SignatureEntry)
            .where(SignatureEntry.case_id == case.id)
            .order_by(SignatureEntry.seq)
        )
    )


def verify_case_chain(session: DbSession, case: GroupCase) -> ChainReport:
    """The whole log, from its first entry: for the bundle, backups and audits."""
    rows = session.execute(_CHAIN_COLUMNS.where(SignatureEntry.case_id == case.id))
    return verify_chain(case.public_id, rows)


#: how many of the newest entries a page checks (the bundle and its verifier check them all)
RECENT_ENTRIES = 200
#: the columns the chain covers, read as rows: building an object per entry cost more than
#: hashing it, on a page every member opens
_CHAIN_COLUMNS = select(*CHAIN_COLUMNS).order_by(SignatureEntry.seq)
_NEWEST_ENTRIES = (
    _CHAIN_COLUMNS.where(SignatureEntry.case_id == bindparam("case_id"))
    .order_by(None)
    .order_by(SignatureEntry.seq.desc())
    .limit(bindparam("newest"))
)


def verify_recent_entries(
    session: DbSession, case: GroupCase, newest: int = RECENT_ENTRIES
) -> ChainReport:
    """The newest ``newest`` entries, each against the one before it: what a member's page
    shows, in a time that does not grow with the log. ``ChainReport.entries`` says how many
    were checked; a log no longer than that is checked from its start."""
    window = session.execute(_NEWEST_ENTRIES, {"case_id": case.id, "newest": newest + 1}).all()[
        ::-1
    ]
    if len(window) <= newest:
        return verify_chain(case.public_id, window)
    return verify_chain(case.public_id, window[1:], after=window[0])
