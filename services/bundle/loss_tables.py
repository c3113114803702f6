"""The bundle's statement files: the signers' confirmed loss tables and how much of each
signer's claim a statement backs.

Columns take the CFPB complaint database's names where it has them ("Complaint ID" is the
signer's pseudonym, as in ``complaints.csv``; "Company", "Amount", "Currency") and plain names
elsewhere. Order numbers appear only as the case's keyed hashes: equal within the case, so
the authority sees a payment claimed twice, and never the number itself.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from models import (
    Complaint,
    GroupCase,
    Membership,
    SignatureEntry,
    StatementRow,
    StatementRowKind,
    StatementStatus,
    StatementTable,
)
from models.base import DbSession
from services.bundle.tables import csv_chunks, signers, stream
from services.platform.formatting import format_amount
from services.statements import backing_by_member, claimed_twice

LOSS_TABLES = "data/loss-tables.csv"
BACKING = "data/statement-backing.csv"
LOSS_TABLES_HEADER = (
    "Complaint ID",
    "Date of transaction",
    "Transaction type",
    "Company",
    "Description",
    "Wallet status",
    "Amount",
    "Currency",
    "Order reference (keyed hash)",
    "Claimed by another member",
    "Statement layout",
    "Date confirmed",
    "Account holder",
)
#: what "Account holder" says: the import checked the name, or only the member's word ties it
HOLDER_NAMED = "Named in the statement, the member's name"
HOLDER_STATED = "Not named in the statement; stated by the member"
BACKING_HEADER = (
    "Complaint ID",
    "Amount",
    "Currency",
    "Statement total",
    "Backed amount",
    "Backed by statement",
)


def loss_tables(session: DbSession, case_id: int, version_id: int) -> Iterator[bytes]:
    """``data/loss-tables.csv``: every confirmed row of every signer, in table order."""
    case = session.get(GroupCase, case_id)
    twice = claimed_twice(session, case) if case else set()
    signed = signers(case_id, version_id, SignatureEntry.membership_id).subquery()
    statement = (
        select(
            Membership.pseudonym,
            StatementRow.occurred_at,
            StatementRow.kind,
            StatementRow.counterparty,
            StatementRow.description,
            StatementRow.status,
            StatementRow.amount_minor,
            StatementTable.currency,
            StatementRow.order_hash,
            StatementTable.layout,
            StatementTable.confirmed_at,
            StatementTable.holder_named,
        )
        .join(StatementTable, StatementTable.id == StatementRow.table_id)
        .join(Membership, Membership.id == StatementTable.membership_id)
        .where(
            StatementTable.case_id == case_id,
            StatementTable.status == StatementStatus.CONFIRMED,
            Membership.id.in_(select(signed.c.membership_id)),
        )
        .order_by(StatementTable.id, StatementRow.position)
    )

    def rows() -> Iterator[list[str]]:
        for pseudonym, when, kind, company, text, status, amount, currency, order, *rest in stream(
            session, statement
        ):
            layout, confirmed, named = rest
            refund = kind is StatementRowKind.REFUND
            yield [
                pseudonym,
                when.isoformat(timespec="seconds"),
                "Refund" if refund else "Payment",
                company,
                text,
                status,
                ("-" if refund else "") + format_amount(amount, currency),
                currency,
                order,
                "Yes" if not refund and order in twice else "No",
                layout,
                confirmed.date().isoformat() if confirmed else "",
                HOLDER_NAMED if named else HOLDER_STATED,
            ]

    return csv_chunks(LOSS_TABLES_HEADER, rows())


def backing(session: DbSession, case_id: int, version_id: int) -> Iterator[bytes]:
    """``data/statement-backing.csv``: one row per signer, whether a statement backs their
    claim: Yes (all of it), Partly, or No (no confirmed table, or none in the claim's
    currency). Orders claimed by two members back neither."""
    case = session.get(GroupCase, case_id)
    by_member = backing_by_member(session, case) if case else {}
    statement = (
        signers(
            case_id,
            version_id,
            SignatureEntry.pseudonym,
            Membership.user_id,
            Complaint.amount_minor,
            Complaint.currency,
        )
        .outerjoin(Complaint, Complaint.id == Membership.complaint_id)
        .order_by(SignatureEntry.seq)
    )

    def rows() -> Iterator[list[str]]:
        for pseudonym, user_id, amount, code in stream(session, statement):
            claimed, currency = amount or 0, code or ""
            found = by_member.get(user_id)
            same = found is not None and found.currency == currency
            backed = found.backed_minor if found is not None and same else 0
            total = found.total_minor if found is not None and same else None
            flag = "No" if not backed else ("Yes" if backed >= claimed else "Partly")
            yield [
                pseudonym,
                format_amount(claimed, currency) if currency else "",
                currency,
                format_amount(total, currency) if total is not None else "",
                format_amount(backed, currency) if currency else "",
                flag,
            ]

    return csv_chunks(BACKING_HEADER, rows())
