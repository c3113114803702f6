"""Loss tables: the payments a member proved from their wallet's own statement.

The statement itself is never stored: it is read once, as it is uploaded, and only the rows
that match the member's window and counterparty are kept, without the member's instrument,
the counterparty's account or any order number in clear. A draft table is the member's alone;
once confirmed its rows are redacted and count for the case, and the dropped rows are gone.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, created_at_column, public_id_column, str_enum

if TYPE_CHECKING:
    from models.case import GroupCase, Membership


class StatementStatus(enum.StrEnum):
    DRAFT = "draft"  #: read, waiting for the member to drop rows and confirm
    CONFIRMED = "confirmed"  #: counts for the case; only kept rows remain, redacted


class StatementRowKind(enum.StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"


class StatementTable(Base):
    __tablename__ = "statement_tables"
    __table_args__ = (Index("ix_statement_tables_case_status", "case_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = public_id_column()
    case_id: Mapped[int] = mapped_column(ForeignKey("group_cases.id", ondelete="CASCADE"))
    #: the member it belongs to: leaving the case deletes the member's tables with it
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: which export it was read from (``services.statements.reading.Layout``)
    layout: Mapped[str] = mapped_column(String(20))
    status: Mapped[StatementStatus] = mapped_column(
        str_enum(StatementStatus), default=StatementStatus.DRAFT
    )
    currency: Mapped[str] = mapped_column(String(3))
    window_start: Mapped[date]
    window_end: Mapped[date]
    #: the words the member matched the counterparty with (a company's names)
    counterparty: Mapped[str] = mapped_column(String(200))
    rows_read: Mapped[int] = mapped_column(default=0)  #: data rows in the statement
    #: payments less refunds of the kept rows, in minor units (set on confirmation)
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    #: the amount of the member's complaint when confirmed, to compare with
    claimed_minor: Mapped[int | None] = mapped_column(BigInteger)
    claimed_currency: Mapped[str | None] = mapped_column(String(3))
    #: the statement names its holder (Alipay's app export: 姓名) and it is the member's name;
    #: the other layouts name none, or only a nickname
    holder_named: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: when the member, asked because the statement names no holder, stated it is her account
    own_account_stated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()
    confirmed_at: Mapped[datetime | None]

    case: Mapped[GroupCase] = relationship()
    membership: Mapped[Membership | None] = relationship()
    rows: Mapped[list[StatementRow]] = relationship(
        back_populates="table", cascade="all, delete-orphan", order_by="StatementRow.position"
    )


class StatementRow(Base):
    __tablename__ = "statement_rows"
    __table_args__ = (Index("ix_statement_rows_case_order", "case_id", "order_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("statement_tables.id", ondelete="CASCADE"))
    #: repeated from the table so that one index finds an order claimed twice in a case
    case_id: Mapped[int] = mapped_column(ForeignKey("group_cases.id", ondelete="CASCADE"))
    position: Mapped[int]
    #: as the wallet wrote it, in its own local time (so no zone: UTC columns refuse naive)
    occurred_at: Mapped[datetime] = mapped_column(DateTime())
    kind: Mapped[StatementRowKind] = mapped_column(str_enum(StatementRowKind))
    amount_minor: Mapped[int] = mapped_column(BigInteger)  #: always positive
    counterparty: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(40))
    #: HMAC of the wallet's order number under the case's key: equal within one case for the
    #: same order, unlinkable across cases, never reversible without the server's secret
    order_hash: Mapped[str] = mapped_column(String(64))
    #: a payment the wallet closed, counted only because a refund of it is in the table
    closed: Mapped[bool] = mapped_column(default=False)
    #: the member dropped it from the table (drafts only: dropped rows go on confirmation)
    dropped: Mapped[bool] = mapped_column(default=False)

    table: Mapped[StatementTable] = relationship(back_populates="rows")
