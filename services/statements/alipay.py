"""支付宝 (Alipay) exports, both GB18030 CSVs.

- **App** (「电子客户回单」, exported from the phone app): a preamble naming the holder (姓名,
  支付宝账户), the period and how many rows follow (共N笔记录), a dashed title line, then
  ``交易时间,交易分类,交易对方,对方账号,商品说明,收/支,金额,收/付款方式,交易状态,交易订单号,
  商家订单号,备注``. A refund is its own row, 交易状态 退款成功, whose 交易订单号 is the
  refunded payment's followed by ``_`` and the refund's number; the refunded payment itself
  then reads 交易关闭.
- **Web** (「支付宝交易记录明细查询」, the older website export): 账号 and 起始日期 above a dashed
  line, then ``交易号,商家订单号,交易创建时间,...,金额（元）,收/支,交易状态,服务费（元）,
  成功退款（元）,备注,资金状态`` and a dashed line under the last row. The refunded part of a
  payment stands in its own 成功退款（元） column.
"""

from __future__ import annotations

from collections.abc import Iterator

from services.statements.reading import (
    Header,
    Kind,
    Layout,
    Line,
    clean,
    money_minor,
    parse_time,
    truncated,
)

APP_COLUMNS = (
    "交易时间",
    "交易对方",
    "对方账号",
    "商品说明",
    "收/支",
    "金额",
    "交易状态",
    "交易订单号",
)
WEB_COLUMNS = ("交易号", "交易创建时间", "交易对方", "商品名称", "金额（元）", "收/支", "交易状态")

#: statuses of a payment that went through (or is held for the seller)
PAID = frozenset({"交易成功", "支付成功", "等待确认收货", "已付款", "等待对方发货", "代付成功"})
CLOSED = "交易关闭"
REFUNDED = "退款成功"
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")


def app_rows(
    records: Iterator[list[str]], columns: dict[str, int], width: int
) -> Iterator[list[Line]]:
    """The rows of an app export, one list (empty for income and transfers) per data row."""
    for number, record in enumerate(records, start=1):
        if not any(cell.strip() for cell in record):
            continue
        if record[0].startswith("---"):
            return
        if len(record) < width:
            raise truncated(number)
        cell = _cells(record, columns)
        yield _app_line(cell, number)


def _app_line(cell: dict[str, str], number: int) -> list[Line]:
    status, direction = cell["交易状态"], cell["收/支"]
    if status == REFUNDED:
        kind, order = Kind.REFUND, cell["交易订单号"].split("_", 1)[0]
    elif direction == "支出" and (status in PAID or status == CLOSED):
        kind, order = Kind.PAYMENT, cell["交易订单号"]
    else:
        return []
    try:
        when = parse_time(cell["交易时间"], *TIME_FORMATS)
        amount = money_minor(cell["金额"])
    except ValueError:
        raise truncated(number) from None
    return [
        Line(
            when=when,
            kind=kind,
            amount_minor=amount,
            currency="CNY",
            counterparty=cell["交易对方"],
            description=" ".join(filter(None, (cell["商品说明"], _note(cell.get("备注", ""))))),
            status=status,
            order=order,
            method=cell.get("收/付款方式", ""),
            counterparty_account=_note(cell["对方账号"]),
            closed=kind is Kind.PAYMENT and status == CLOSED,
        )
    ]


def web_rows(
    records: Iterator[list[str]], columns: dict[str, int], width: int
) -> Iterator[list[Line]]:
    """The rows of a web export; the dashed line under the last row ends them, and a file
    without it was cut short."""
    number = 0
    for number, record in enumerate(records, start=1):
        if not any(cell.strip() for cell in record):
            continue
        if record[0].startswith("---"):
            return
        if len(record) < width:
            raise truncated(number)
        yield _web_lines(_cells(record, columns), number)
    raise truncated(number + 1)


def _web_lines(cell: dict[str, str], number: int) -> list[Line]:
    status = cell["交易状态"]
    if cell["收/支"] != "支出" or not (status in PAID or status in (CLOSED, REFUNDED)):
        return []
    try:
        when = parse_time(cell["交易创建时间"], *TIME_FORMATS)
        amount = money_minor(cell["金额（元）"])
        refunded = money_minor(cell.get("成功退款（元）") or "0")
    except ValueError:
        raise truncated(number) from None
    counterparty = cell["交易对方"]
    description = " ".join(filter(None, (cell["商品名称"], _note(cell.get("备注", "")))))
    order = cell["交易号"]
    lines = [
        Line(
            when=when,
            kind=Kind.PAYMENT,
            amount_minor=amount,
            currency="CNY",
            counterparty=counterparty,
            description=description,
            status=status,
            order=order,
            closed=status == CLOSED and not refunded,
        )
    ]
    if refunded:
        lines.append(
            Line(
                when=when,
                kind=Kind.REFUND,
                amount_minor=refunded,
                currency="CNY",
                counterparty=counterparty,
                description=description,
                status=REFUNDED,
                order=order,
            )
        )
    return lines


def _cells(record: list[str], columns: dict[str, int]) -> dict[str, str]:
    return {
        name: clean(record[index]) if index < len(record) else "" for name, index in columns.items()
    }


def _note(text: str) -> str:
    return "" if text in {"/", "-"} else text


def header_layout(cells: list[str]) -> Layout | None:
    """Which Alipay layout a header row belongs to, if any."""
    names = {clean(cell) for cell in cells}
    if set(APP_COLUMNS) <= names and "交易分类" in names:
        return Layout.ALIPAY_APP
    if set(WEB_COLUMNS) <= names:
        return Layout.ALIPAY_WEB
    return None


__all__ = ["Header", "app_rows", "header_layout", "web_rows"]
