"""微信支付 (WeChat Pay) bills: the UTF-8 CSV and the newer xlsx, laid out alike.

About sixteen preamble lines (微信支付账单明细, 微信昵称, the period, 共N笔记录, the totals, notes),
a dashed title, then ``交易时间,交易类型,交易对方,商品,收/支,金额(元),支付方式,当前状态,交易单号,
商户单号,备注``. Amounts carry a yen sign in the CSV (¥ or the full-width ￥) and are numbers in
the xlsx. A payment keeps its row when refunded (当前状态 已全额退款 or 已退款(￥x)); the refund
is a row of its own, 收/支 收入, whose 交易类型 ends in 退款. The nickname is not a name, so the
holder cannot be checked against the member.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

from services.statements.reading import (
    Kind,
    Line,
    StatementError,
    clean,
    money_minor,
    parse_time,
    truncated,
)

COLUMNS = ("交易时间", "交易类型", "交易对方", "商品", "收/支", "金额(元)", "当前状态", "交易单号")
FAILED = ("支付失败", "已关闭", "对方已退还", "已撤销")
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")


def header_matches(cells: list[str]) -> bool:
    return set(COLUMNS) <= {clean(cell) for cell in cells}


def rows(
    records: Iterator[list[object]], columns: dict[str, int], width: int
) -> Iterator[list[Line]]:
    """One list of lines per data row (empty for income, transfers and failed payments)."""
    for number, record in enumerate(records, start=1):
        if not any(clean(cell) for cell in record):
            continue
        if len(record) < width or any(record[columns[name]] is None for name in COLUMNS):
            raise truncated(number)
        yield _lines(record, columns, number)


def _lines(record: list[object], columns: dict[str, int], number: int) -> list[Line]:
    cell = {name: clean(record[index]) for name, index in columns.items() if index < len(record)}
    status, direction, kind_text = cell["当前状态"], cell["收/支"], cell["交易类型"]
    if direction == "支出" and not status.startswith(FAILED):
        kind = Kind.PAYMENT
    elif direction == "收入" and ("退款" in kind_text or "退款" in status):
        kind = Kind.REFUND
    else:
        return []
    try:
        when = _time(record[columns["交易时间"]])
        amount = _amount(record[columns["金额(元)"]])
    except ValueError:
        raise truncated(number) from None
    return [
        Line(
            when=when,
            kind=kind,
            amount_minor=amount,
            currency="CNY",
            counterparty=_blank(cell["交易对方"]),
            description=" ".join(
                filter(None, (_blank(cell["商品"]), _blank(cell.get("备注", ""))))
            ),
            status=status,
            order=cell["交易单号"],
            method=cell.get("支付方式", ""),
        )
    ]


def _time(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    return parse_time(clean(value), *TIME_FORMATS)


def _amount(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return int((Decimal(str(value)) * 100).to_integral_value())
    return money_minor(clean(value))


def _blank(text: str) -> str:
    return "" if text == "/" else text


def refuse_formula(row: int, column: int) -> StatementError:
    from flask_babel import gettext as _
    from openpyxl.utils import get_column_letter

    return StatementError(
        _(
            "Cell %(cell)s of this spreadsheet is a formula. A bill exported by WeChat Pay has "
            "none: upload the file exactly as WeChat Pay sent it.",
            cell=f"{get_column_letter(column)}{row}",
        )
    )
