"""Signing the frozen version of a case's joint complaint, and the hash-chained log of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, bindparam, func, select

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
    entry_hash,
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
#: the open version with the action of the member's latest entry on it, in one statement:
#: what a signature checks before it queues
_OPEN_VERSION_AND_MY_LATEST_ACTION = _OPEN_VERSION.add_columns(
    select(SignatureEntry.action)
    .where(
        SignatureEntry.version_id == PetitionVersion.id,
        SignatureEntry.membership_id == bindparam("membership_id"),
    )
    .order_by(SignatureEntry.seq.desc())
    .limit(1)
    .scalar_subquery()
)
#: the writes of a signature, in Core on the session's connection: they run while the writers'
#: gate (on PostgreSQL the case's lock) is held, and an ORM-enabled statement costs twice as
#: much Python as the same statement on the table
_VERSIONS = cast(Table, PetitionVersion.__table__)
_ENTRIES = cast(Table, SignatureEntry.__table__)
_COUNT_CHANGE_STATEMENT = (
    _VERSIONS.update()
    .where(_VERSIONS.c.id == bindparam("version_id"))
    .values(signature_count=_VERSIONS.c.signature_count + bindparam("change"))
)
_INSERT_ENTRY = _ENTRIES.insert()
_INSERT_EVENT = cast(Table, CaseEvent.__table__).insert()
_CHAIN_TAIL = (
    select(_ENTRIES.c.seq, _ENTRIES.c.entry_hash)
    .where(_ENTRIES.c.case_id == bindparam("case_id"))
    .order_by(_ENTRIES.c.seq.desc())
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
    """Add an entry at the end of the case's chain. Appenders queue before reading the
    chain's tail, so that concurrent signers do not read the same one: on SQLite at the
    writers' gate (:mod:`services.platform.write_gate`), then the count's write takes the
    database's write lock; on PostgreSQL the count's write takes the open version's row lock,
    which every signature and withdrawal of the case writes. A race still lost (a version
    opened while a signature was on its way, a writer that did not queue) surfaces as the
    unique violation on (case, seq), and the caller retries.

    Everything from the queue to the commit is the time every other signer waits, so it holds
    three statements and the commit, on the table, with no ORM object: what the entry needs is
    read before, and on PostgreSQL the event row is written before queueing (on SQLite any
    write takes the database's lock, so it goes after the entry)."""
    public_id, case_id, pseudonym = case.public_id, case.id, membership.pseudonym
    version_id, number, version_sha256 = version.id, version.number, version.content_sha256 or ""
    event = {
        "case_id": case_id,
        "kind": CaseEventKind.SIGNED
        if action is SignatureAction.SIGN
        else CaseEventKind.SIGNATURE_WITHDRAWN,
        "actor_pseudonym": pseudonym,
        "data": {"version": number},
    }
    connection = session.connection()
    gated = take_write_gate(session)
    if not gated:
        connection.execute(_INSERT_EVENT, event)
    connection.execute(
        _COUNT_CHANGE_STATEMENT, {"version_id": version_id, "change": _COUNT_CHANGE[action]}
    )
    session.expire(version, ["signature_count"])
    last = connection.execute(_CHAIN_TAIL, {"case_id": case_id}).first()
    seq, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
    created_at = utcnow()
    connection.execute(
        _INSERT_ENTRY,
        {
            "case_id": case_id,
            "seq": seq,
            "version_id": version_id,
            "membership_id": membership.id,
            "pseudonym": pseudonym,
            "action": action,
            "share_identity": share_identity,
            "facts_confirmed": facts_confirmed,
            "version_sha256": version_sha256,
            "created_at": created_at,
            "prev_hash": previous,
            "entry_hash": entry_hash(
                case_public_id=public_id,
                seq=seq,
                version_sha256=version_sha256,
                pseudonym=pseudonym,
                action=action.value,
                share_identity=share_identity,
                facts_confirmed=facts_confirmed,
                created_at=created_at,
                prev_hash=previous,
            ),
        },
    )
    if gated:
        connection.execute(_INSERT_EVENT, event)


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
    found = session.execute(
        _OPEN_VERSION_AND_MY_LATEST_ACTION, {"case_id": case.id, "membership_id": membership.id}
    ).first()
    if case.status is not CaseStatus.SIGNING or found is None:
        raise DomainError(_l("This complaint is not open for signing."))
    version, my_latest_action = found
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
    if my_latest_action is SignatureAction.SIGN:
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
