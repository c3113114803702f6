"""Reading an exported wallet statement: which layout it is, its header, and its rows.

Every layout is read as a stream (a CSV through a decoding reader, an xlsx through openpyxl's
read-only mode), so a file of 100,000 rows never stands in memory whole: the caller filters
the rows as they come and keeps only the few that match. What is refused is refused with a
message that says what to do (export again, choose another file), never a traceback.
"""

from __future__ import annotations

import codecs
import csv
import enum
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from services.errors import DomainError

#: the most data rows one statement may have; a year of a busy wallet is a few thousand
MAX_ROWS = 200_000
#: the most rows of an xlsx, slower to read (openpyxl takes 15 s for 100,000 rows on an idle
#: core here, a minute on a loaded one); a larger sheet is refused from its declared size
MAX_XLSX_ROWS = 50_000
#: the most bytes an xlsx may unpack to (a real export of 200,000 rows is about 60 MB)
MAX_XLSX_UNPACKED = 150 * 1024 * 1024
#: how far into a file its layout must show itself
SNIFF_BYTES = 64 * 1024


class StatementError(DomainError):
    """A statement refused; ``status`` is the HTTP status the page answers with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message, "statement")
        self.status = status


class Layout(enum.StrEnum):
    ALIPAY_APP = "alipay_app"  #: 支付宝 app export, GB18030, 交易时间 ... 备注
    ALIPAY_WEB = "alipay_web"  #: 支付宝 web export 「支付宝交易记录明细查询」, GB18030
    WECHAT_CSV = "wechat_csv"  #: 微信支付账单明细, UTF-8 CSV
    WECHAT_XLSX = "wechat_xlsx"  #: 微信支付账单明细, xlsx
    PAYPAL = "paypal"  #: PayPal activity download, UTF-8 CSV


#: the layouts named when a file is none of them (shown to the member)
LAYOUT_NAMES = (
    _l("Alipay app export (CSV)"),
    _l("Alipay website export (CSV)"),
    _l("WeChat Pay bill (CSV or XLSX)"),
    _l("PayPal activity download (CSV)"),
)


class Kind(enum.StrEnum):
    PAYMENT = "payment"  #: money the member paid
    REFUND = "refund"  #: money paid back to the member


@dataclass(frozen=True, slots=True)
class Line:
    """One payment or refund of a statement, in the terms every layout shares."""

    when: datetime
    kind: Kind
    amount_minor: int  #: positive, in the currency's minor unit
    currency: str
    counterparty: str
    description: str
    status: str
    #: the wallet's own number of the payment; for a refund, of the payment refunded
    order: str
    #: the member's own instrument (bank card tail, balance): never kept
    method: str = ""
    #: the counterparty's account (an e-mail, a phone): never kept
    counterparty_account: str = ""
    #: a payment the wallet closed: counted only when a refund names it
    closed: bool = False


@dataclass(slots=True)
class Header:
    """What a statement says about itself above its rows."""

    layout: Layout
    holder_name: str | None = None  #: 姓名 (Alipay app): the account holder's real name
    holder_account: str | None = None  #: 支付宝账户 / 账号 / 微信昵称
    declared_rows: int | None = None  #: 共N笔记录: how many rows the wallet wrote
    period: tuple[date, date] | None = None
    lines: list[str] = field(default_factory=list)  #: the preamble as read, for the checks


@dataclass(slots=True)
class Reader:
    """A statement being read: its header and an iterator over its data rows, each the lines
    it holds (none for income and transfers, two for an Alipay web payment partly refunded)."""

    header: Header
    rows: Iterator[list[Line]]


def money_minor(text: str) -> int:
    """ "¥1,234.50", "￥0.12", "-6.99", "49.74 " -> minor units (always positive)."""
    cleaned = re.sub(r"[\s,¥￥$€£]", "", text).lstrip("+-")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(text)
    return int(value * 100)


def clean(cell: object) -> str:
    """A cell as text: exports pad cells with spaces and end order numbers with a tab (so that
    Excel keeps their digits); both go."""
    return "" if cell is None else str(cell).strip().strip("\t").strip()


def decode_stream(stream: IO[bytes], head: bytes) -> tuple[IO[str], str]:
    """A text stream over ``stream`` in the encoding its first bytes show: UTF-8 (with or
    without its byte-order mark) when they decode as UTF-8, else GB18030, the superset of GBK
    that Alipay writes. A decoding error further on is reported by the layout's reader."""
    encoding = "gb18030"
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise StatementError(
            _(
                "This file is in UTF-16, which no wallet writes. Upload the file exactly as "
                "the wallet exported it."
            )
        )
    else:
        try:
            head.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError as error:
            if error.start >= len(head) - 3:  # a character cut by the sample's end
                encoding = "utf-8"
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="strict")
    return text, encoding


def csv_records(text: IO[str]) -> Iterator[list[str]]:
    """The records of a CSV, with a clear refusal when it cannot be decoded or read."""
    reader = csv.reader(text)
    try:
        yield from reader
    except UnicodeDecodeError:
        raise StatementError(
            _(
                "Part of this file is not in the character encoding wallets use (GB18030 for "
                "Alipay, UTF-8 for WeChat Pay and PayPal). Upload the file exactly as the "
                "wallet exported it, without opening and saving it in another program."
            )
        ) from None
    except csv.Error:
        raise StatementError(
            _(
                "Line %(line)s of this file is broken: the file may be cut short. Export the "
                "statement again.",
                line=reader.line_num,
            )
        ) from None


def truncated(row_number: int) -> StatementError:
    return StatementError(
        _(
            "Row %(row)s of the statement is incomplete: the file may be cut short. Export "
            "the statement again.",
            row=row_number,
        )
    )


def too_many_rows(limit: int) -> StatementError:
    return StatementError(
        _(
            "This statement has more than %(count)s rows. Export a shorter period, around "
            "the dates of your loss.",
            count=f"{limit:,}",
        ),
        413,
    )


def parse_time(text: str, *formats: str) -> datetime:
    """``text`` in ISO form (what every wallet here writes, parsed in C), else the first of
    ``formats`` that reads it."""
    if len(text) == 19 and text[4] == "-" and text[10] == " ":
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    for pattern in formats:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ValueError(text)


_BRACKETED = re.compile(r"[:：]\s*\[?([^\]\n]*?)\]?\s*$")
_PERIOD = re.compile(
    r"(\d{4}-\d{2}-\d{2})[ \d:]*\]?\s*(?:终止时间|终止日期)[:：]\s*\[?(\d{4}-\d{2}-\d{2})"
)
_COUNT = re.compile(r"共\s*(\d+)\s*笔记录")


def read_preamble_line(header: Header, line: str) -> None:
    """Collect what one preamble line says: holder, period, declared row count."""
    text = line.strip().strip(",").strip()
    if not text:
        return
    header.lines.append(text)
    if text.startswith("姓名"):
        header.holder_name = _value(text)
    elif text.startswith(("支付宝账户", "账号", "微信昵称")):
        header.holder_account = _value(text)
    if (period := _PERIOD.search(text)) is not None:
        header.period = (date.fromisoformat(period[1]), date.fromisoformat(period[2]))
    if (count := _COUNT.search(text)) is not None:
        header.declared_rows = int(count[1])


def _value(text: str) -> str | None:
    found = _BRACKETED.search(text)
    return found[1].strip() or None if found else None
