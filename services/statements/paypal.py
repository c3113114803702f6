"""PayPal's activity download (CSV, UTF-8 with a byte-order mark, every field quoted).

The header names the columns (``"Date","Time","TimeZone","Name","Type","Status","Currency",
"Gross","Fee","Net","From Email Address","To Email Address","Transaction ID",...``); which
ones follow depends on the fields the account holder chose, so columns are found by name.
Dates follow the account's country: month first in the US, day first elsewhere; a file is
read day first when any of its dates cannot be month first. A payment has a negative gross; a
refund is a row of its own (Type "Payment Refund", positive gross) whose Reference Txn ID
names the payment. PayPal does not name the account holder in the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from services.statements.reading import Kind, Line, clean, money_minor, truncated

COLUMNS = ("Date", "Name", "Type", "Status", "Currency", "Gross", "Transaction ID")
#: balance movements that are not money paid to anyone
NOT_PAYMENTS = (
    "Currency Conversion",
    "Bank Deposit",
    "Withdrawal",
    "Hold",
    "Release",
    "Authorization",
    "Transfer",
    "Add Funds",
)
SETTLED = frozenset({"Completed", "Refunded", "Partially Refunded", "Cleared"})


def header_matches(cells: list[str]) -> bool:
    return set(COLUMNS) <= {clean(cell) for cell in cells}


def day_first(dates: Iterable[str]) -> bool:
    """Whether the file's dates are day first: true as soon as one cannot be month first."""
    for text in dates:
        parts = clean(text).split("/")
        if len(parts) == 3 and parts[0].isdigit() and int(parts[0]) > 12:
            return True
    return False


def rows(
    records: Iterator[list[str]], columns: dict[str, int], width: int, *, day_first: bool
) -> Iterator[list[Line]]:
    for number, record in enumerate(records, start=1):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) < width:
            raise truncated(number)
        cell = {name: clean(record[i]) if i < len(record) else "" for name, i in columns.items()}
        yield _lines(cell, number, day_first)


def _lines(cell: dict[str, str], number: int, day_first: bool) -> list[Line]:
    kind_text, status = cell["Type"], cell["Status"]
    if status not in SETTLED or any(word in kind_text for word in NOT_PAYMENTS):
        return []
    try:
        gross = cell["Gross"]
        negative = gross.strip().startswith("-")
        amount = money_minor(gross)
        when = _when(cell["Date"], cell.get("Time", ""), day_first)
    except ValueError:
        raise truncated(number) from None
    if negative and "Refund" not in kind_text:
        kind, order, account = (
            Kind.PAYMENT,
            cell["Transaction ID"],
            cell.get("To Email Address", ""),
        )
    elif not negative and ("Refund" in kind_text or "Reversal" in kind_text):
        kind = Kind.REFUND
        order = cell.get("Reference Txn ID") or cell["Transaction ID"]
        account = cell.get("From Email Address", "")
    else:
        return []
    description = " ".join(
        filter(None, (cell.get("Item Title", ""), cell.get("Subject", ""), cell.get("Note", "")))
    )
    return [
        Line(
            when=when,
            kind=kind,
            amount_minor=amount,
            currency=cell["Currency"].upper()[:3],
            counterparty=cell["Name"],
            description=description,
            status=status,
            order=order,
            counterparty_account=account,
        )
    ]


def _when(day: str, time: str, day_first: bool) -> datetime:
    day = day.strip()
    if "-" in day:
        return datetime.fromisoformat(f"{day} {time or '00:00:00'}")
    first, second, year = (int(part) for part in day.split("/"))
    month, dom = (second, first) if day_first else (first, second)
    hour, minute, second_ = (int(p) for p in (time or "0:0:0").split(":"))
    return datetime(year, month, dom, hour, minute, second_)
