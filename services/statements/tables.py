"""A member's loss table: read from their statement, checked by them, confirmed.

The statement is read once, as a stream, while it is uploaded; only the rows that matter are
kept (payments to the chosen counterparty in the chosen window, and their refunds), and of
those only what the table shows: no order number in clear (a keyed hash per case), no account
of the counterparty, nothing of the member's own instrument. So "the raw statement is never
kept" holds by construction: there is nothing to delete after confirming or abandoning but
the draft rows themselves, which go with the draft. Confirming redacts the kept rows as the
anonymizer redacts text, and only then do they count for the case.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from models import (
    GroupCase,
    Membership,
    StatementRow,
    StatementRowKind,
    StatementStatus,
    StatementTable,
    User,
    utcnow,
)
from models.base import DbSession
from services.anonymize.text import redact
from services.cases import membership as group_cases
from services.cases import published
from services.errors import DomainError, NotAllowed, NotFound
from services.matching.text_terms import normalize_text
from services.statements.opening import open_statement
from services.statements.reading import (
    MAX_ROWS,
    MAX_XLSX_ROWS,
    Kind,
    Layout,
    Line,
    StatementError,
    too_many_rows,
)

#: the most rows one loss table may hold; more means the window or counterparty is too wide
MAX_TABLE_ROWS = 500
#: a draft nobody confirmed is deleted after this long
DRAFT_LIFETIME = timedelta(hours=24)
#: the window proposed around the complaint's incident date
PROPOSED_MARGIN = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Proposal:
    window_start: date
    window_end: date
    counterparty: str


def proposal(session: DbSession, user: User, case: GroupCase) -> Proposal:
    """What the upload form starts from: the case's company by its names, and a month either
    side of the incident date of the member's complaint."""
    membership = group_cases.membership_in(session, user, case)
    complaint = membership.complaint if membership else None
    day = complaint.incident_date if complaint else date.today()
    company = case.company
    names = dict.fromkeys([company.name_zh, company.name_en, *(a.alias for a in company.aliases)])
    return Proposal(day - PROPOSED_MARGIN, day + PROPOSED_MARGIN, ", ".join(n for n in names if n))


def order_key(case: GroupCase) -> bytes:
    """The case's key for order numbers: the same order hashes alike within the case (so a
    second claim of it is seen) and differently in any other case."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"statement-order:" + case.public_id.encode(), hashlib.sha256).digest()


def order_hash(key: bytes, order: str) -> str:
    normalized = re.sub(r"\s+", "", order).upper()
    return hmac.new(key, normalized.encode(), hashlib.sha256).hexdigest()


def _terms(counterparty: str) -> list[str]:
    terms = [normalize_text(t).strip() for t in re.split(r"[,，;；、/\n]+", counterparty)]
    return [t for t in terms if t]


def _member(session: DbSession, user: User, case: GroupCase) -> Membership:
    membership = group_cases.membership_in(session, user, case)
    if membership is None:
        raise NotAllowed(_l("Only members of this case can add a statement. Join it first."))
    if case.is_frozen:
        raise DomainError(_l("This case has been submitted: its evidence can no longer change."))
    return membership


def holder_matches(holder: str, name: str) -> bool:
    """Whether the statement's holder (姓名, possibly masked: 林*雨) is the member's name."""
    wanted, given = normalize_text(holder).replace(" ", ""), normalize_text(name).replace(" ", "")
    if "*" not in wanted:
        return wanted == given
    pattern = "".join("." if ch == "*" else re.escape(ch) for ch in wanted)
    return re.fullmatch(pattern, given) is not None


def import_statement(
    session: DbSession,
    user: User,
    case: GroupCase,
    stream: IO[bytes],
    *,
    window_start: date,
    window_end: date,
    counterparty: str,
) -> StatementTable:
    """Read the statement in ``stream`` into a draft table; nothing is added to the session
    unless the whole file was read and checked. Raises :class:`StatementError` (with the
    HTTP status to answer) for every kind of bad file, NotAllowed for a non-member."""
    membership = _member(session, user, case)
    terms = _terms(counterparty)
    if not terms:
        raise StatementError(_("Name the company or person you paid."))
    reader = open_statement(stream)
    holder = reader.header.holder_name
    if holder and not holder_matches(holder, user.display_name):
        raise StatementError(
            _(
                "This statement is of the account of %(holder)s, not of %(name)s. Upload a "
                "statement of your own account.",
                holder=holder,
                name=user.display_name,
            ),
            403,
        )
    limit = MAX_XLSX_ROWS if reader.header.layout is Layout.WECHAT_XLSX else MAX_ROWS
    candidates, read = _matching(reader.rows, terms, window_start, window_end, limit)
    declared = reader.header.declared_rows
    if declared is not None and read != declared:
        raise StatementError(
            _(
                "The statement says it has %(declared)s rows but %(read)s were found: the "
                "file may be cut short. Export the statement again.",
                declared=declared,
                read=read,
            )
        )
    complaint = membership.complaint
    lines = _table_lines(candidates, window_end, complaint.currency if complaint else None)
    if not lines:
        raise StatementError(
            _(
                "No payment to %(counterparty)s between %(start)s and %(end)s is in this "
                "statement. Check the dates and the name, or choose another statement.",
                counterparty=counterparty,
                start=window_start.isoformat(),
                end=window_end.isoformat(),
            )
        )
    key = order_key(case)
    table = StatementTable(
        case_id=case.id,
        membership_id=membership.id,
        user_id=user.id,
        layout=reader.header.layout.value,
        status=StatementStatus.DRAFT,
        currency=lines[0].currency,
        window_start=window_start,
        window_end=window_end,
        counterparty=counterparty[:200],
        rows_read=read,
        holder_named=bool(holder),  # and it matched: a stranger's statement was refused above
    )
    table.rows = [
        StatementRow(
            case_id=case.id,
            position=index,
            occurred_at=line.when,
            kind=StatementRowKind(line.kind.value),
            amount_minor=line.amount_minor,
            counterparty=line.counterparty[:200],
            description=line.description[:500],
            status=line.status[:40],
            order_hash=order_hash(key, line.order),
            closed=line.closed,
        )
        for index, line in enumerate(lines)
    ]
    _drop_drafts(session, user, case)
    session.add(table)
    session.flush()
    return table


def _matching(
    rows: object, terms: list[str], start: date, end: date, limit: int = MAX_ROWS
) -> tuple[list[Line], int]:
    """The payments to the counterparty in the window and its refunds at any later date,
    read as a stream; and how many data rows the statement had."""
    candidates: list[Line] = []
    read = 0
    for lines in rows:  # type: ignore[attr-defined]
        read += 1
        if read > limit:
            raise too_many_rows(limit)
        for line in lines:
            if line.when.date() < start or (line.kind is Kind.PAYMENT and line.when.date() > end):
                continue
            name = normalize_text(line.counterparty or line.description)
            if not any(term in name for term in terms):
                continue
            candidates.append(line)
            if len(candidates) > MAX_TABLE_ROWS * 2:
                raise _too_many_matches()
    return candidates, read


def _table_lines(candidates: list[Line], end: date, currency: str | None) -> list[Line]:
    """Keep one currency (the complaint's when it has rows), refunds of the table's payments
    (or inside the window), and closed payments only when a refund names them."""
    currencies = Counter(line.currency for line in candidates)
    if not currencies:
        return []
    chosen = currency if currency in currencies else currencies.most_common(1)[0][0]
    lines = [line for line in candidates if line.currency == chosen]
    paid = {line.order for line in lines if line.kind is Kind.PAYMENT}
    refunds = [
        line
        for line in lines
        if line.kind is Kind.REFUND and (line.order in paid or line.when.date() <= end)
    ]
    refunded = {line.order for line in refunds}
    payments = [
        line
        for line in lines
        if line.kind is Kind.PAYMENT and (not line.closed or line.order in refunded)
    ]
    kept = sorted(payments + refunds, key=lambda line: (line.when, line.kind != Kind.PAYMENT))
    if len(kept) > MAX_TABLE_ROWS:
        raise _too_many_matches()
    return kept


def _too_many_matches() -> StatementError:
    return StatementError(
        _(
            "More than %(count)s payments match. Choose a shorter period or a more precise "
            "name of the counterparty.",
            count=MAX_TABLE_ROWS,
        )
    )


def _drop_drafts(session: DbSession, user: User, case: GroupCase) -> None:
    """One draft per member and case: a new upload replaces the one not confirmed."""
    session.execute(
        delete(StatementTable).where(
            StatementTable.case_id == case.id,
            StatementTable.user_id == user.id,
            StatementTable.status == StatementStatus.DRAFT,
        )
    )


def visible_table(session: DbSession, user: User | None, public_id: str) -> StatementTable:
    """The member's own table; NotFound for anyone else's, exactly as for none."""
    table = session.scalar(select(StatementTable).where(StatementTable.public_id == public_id))
    if table is None or user is None or not user.is_authenticated or table.user_id != user.id:
        raise NotFound(_l("No such statement."))
    if table.membership_id is None:
        raise NotFound(_l("No such statement."))
    return table


def my_tables(session: DbSession, user: User, case: GroupCase) -> list[StatementTable]:
    return list(
        session.scalars(
            select(StatementTable)
            .where(StatementTable.case_id == case.id, StatementTable.user_id == user.id)
            .where(StatementTable.membership_id.is_not(None))
            .order_by(StatementTable.id.desc())
        )
    )


def table_total(rows: list[StatementRow]) -> int:
    """Payments less refunds of the rows not dropped, in minor units."""
    return sum(
        row.amount_minor if row.kind is StatementRowKind.PAYMENT else -row.amount_minor
        for row in rows
        if not row.dropped
    )


def confirm(
    session: DbSession,
    user: User,
    table: StatementTable,
    kept_positions: set[int],
    own_account: bool = False,
) -> StatementTable:
    """Keep exactly the rows at ``kept_positions``, redact them, and let them count. A payment
    or refund the member already confirmed in another table is not counted twice. Her
    confirmed total is one of the facts the case's published figures count changes of.

    A statement that names no holder (every layout but Alipay's app export) counts only once
    the member states it is of her own account (``own_account``): nothing else ties a
    nickname's or a PayPal export's payments to her, and the bundle says which it was."""
    _member(session, user, table.case)
    if table.status is not StatementStatus.DRAFT:
        raise DomainError(_l("This table is already confirmed."))
    if not table.holder_named and not own_account:
        raise DomainError(
            _l(
                "This statement does not name its account holder. Tick that it is a statement "
                "of your own account to confirm it."
            ),
            field="own_account",
        )
    before = published.member_facts(session, table.case, user.id)
    own: set[tuple[StatementRowKind, str]] = set(
        session.execute(
            select(StatementRow.kind, StatementRow.order_hash)
            .join(StatementTable, StatementTable.id == StatementRow.table_id)
            .where(
                StatementTable.user_id == user.id,
                StatementTable.case_id == table.case_id,
                StatementTable.status == StatementStatus.CONFIRMED,
            )
        ).all()
    )
    terms = [user.display_name]
    for row in list(table.rows):
        if row.position not in kept_positions or (row.kind, row.order_hash) in own:
            table.rows.remove(row)
            continue
        row.counterparty = redact(row.counterparty, terms).text[:200]
        row.description = redact(row.description, terms).text[:500]
    if not any(row.kind is StatementRowKind.PAYMENT for row in table.rows):
        raise DomainError(_l("Keep at least one payment, or discard the table."))
    complaint = table.membership.complaint if table.membership else None
    table.total_minor = table_total(table.rows)
    table.claimed_minor = complaint.amount_minor if complaint else None
    table.claimed_currency = complaint.currency if complaint else None
    table.status = StatementStatus.CONFIRMED
    table.confirmed_at = utcnow()
    if not table.holder_named:
        table.own_account_stated_at = table.confirmed_at
    session.flush()
    published.changed(session, table.case, user.id, before)
    return table


def discard(session: DbSession, user: User, table: StatementTable) -> None:
    """Abandon a draft, or withdraw a confirmed table while the case is not submitted."""
    if table.status is not StatementStatus.CONFIRMED:
        session.delete(table)
        session.flush()
        return
    _member(session, user, table.case)
    case, before = table.case, published.member_facts(session, table.case, user.id)
    session.delete(table)
    published.changed(session, case, user.id, before)


def purge_drafts(session: DbSession, now: datetime | None = None) -> int:
    """Delete drafts older than :data:`DRAFT_LIFETIME`; returns how many."""
    cutoff = (now or utcnow()) - DRAFT_LIFETIME
    old = session.scalars(
        select(StatementTable).where(
            StatementTable.status == StatementStatus.DRAFT, StatementTable.created_at < cutoff
        )
    ).all()
    for table in old:
        session.delete(table)
    session.flush()
    return len(old)
