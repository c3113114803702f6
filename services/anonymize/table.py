"""CSV exports (bank and wallet statements): columns dropped, hashed or kept, cells redacted.

A statement names people in whole columns (the counterparty, the payer's account), which
patterns over free text cannot recognise, so the contributor chooses per column, starting from
:func:`suggest_actions`. Hashing instead of dropping keeps what makes a statement evidence:
the same counterparty or account recurring across rows. The key is per case, so the same
account hashes alike within a case and differently in another one: hashes cannot be joined
across cases to follow a person.

Kept cells still go through :func:`services.anonymize.text.redact` (a phone number in a
"note" column goes too), and every cell written is neutralized against formula injection,
because the people who open pooled CSVs open them in a spreadsheet.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from services.anonymize.sniff import UnreadableFile, table_delimiter
from services.anonymize.text import Redaction, redact
from services.matching.text_terms import normalize_text
from services.platform.spreadsheet import neutralize

DEFAULT_MAX_ROWS = 100_000
DEFAULT_MAX_COLUMNS = 200
HASH_PREFIX = "h:"
HASH_LENGTH = 12  #: hex digits: 48 bits, no collision in any one case's statements
#: how many leading records are searched for the header row
HEADER_SEARCH = 200


class ColumnAction(StrEnum):
    KEEP = "keep"
    HASH = "hash"
    DROP = "drop"


@dataclass(slots=True)
class Table:
    header: list[str]  #: stripped; as wide as the widest row
    rows: list[list[str]]  #: padded with "" to the header's width
    delimiter: str
    #: lines above the header, as read: wallet exports start with a title, the account and
    #: the period. They are written back, redacted, above the table.
    preamble: list[list[str]] = field(default_factory=list)


def read_table(
    text: str, *, max_rows: int = DEFAULT_MAX_ROWS, max_columns: int = DEFAULT_MAX_COLUMNS
) -> Table:
    """The table in ``text``, in the delimiter its first lines use (comma, tab or semicolon).
    The header is the first row filled at least half as much as the fullest row near the top,
    which skips the title lines of Alipay and WeChat Pay exports. Blank lines are dropped.

    Raises :class:`UnreadableFile` for text that is not a table and past either limit."""
    delimiter = table_delimiter(text)
    if delimiter is None:
        raise UnreadableFile(_NOT_A_TABLE)
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > max_columns:
                raise UnreadableFile(_too_many_columns(max_columns))
            records.append(record)
            if len(records) > max_rows + HEADER_SEARCH:
                raise UnreadableFile(_too_many_rows(max_rows))
    except csv.Error as error:  # a field past csv.field_size_limit(), for one
        raise UnreadableFile(_NOT_A_TABLE) from error
    start = _header_index(records)
    header, rows = records[start], records[start + 1 :]
    if len(rows) > max_rows:
        raise UnreadableFile(_too_many_rows(max_rows))
    width = max(len(record) for record in records[start:])
    return Table(
        header=[cell.replace("\ufeff", "").strip() for cell in header]
        + [""] * (width - len(header)),
        rows=[row + [""] * (width - len(row)) for row in rows],
        delimiter=delimiter,
        preamble=records[:start],
    )


def suggest_actions(header: Sequence[str]) -> list[ColumnAction]:
    """HASH for columns that name a person or an account, KEEP for the rest: amounts, dates,
    statuses, and order and transaction numbers, which are the evidence even though a
    "number" column name looks like an account's."""
    return [_suggest(name) for name in header]


def hash_cell(cell: str, key: bytes) -> str:
    """A stable pseudonym for ``cell`` under ``key``: "138 1234-5678", "13812345678" and
    "１３８１２３４５６７８" give the same one; empty cells stay empty."""
    normalized = _HASH_IGNORED.sub("", normalize_text(cell))
    if not normalized:
        return cell
    digest = hmac.new(key, normalized.encode("utf-8"), hashlib.sha256).hexdigest()
    return HASH_PREFIX + digest[:HASH_LENGTH]


def anonymize_table(
    table: Table,
    actions: Sequence[ColumnAction | str],
    *,
    hash_key: bytes,
    extra_terms: Sequence[str] = (),
) -> tuple[bytes, dict[str, int]]:
    """The table as CSV bytes to pool (UTF-8 with a BOM, which Excel needs to read Chinese;
    CRLF; the input's delimiter) and what was removed, counted by kind, never the values.

    Raises :class:`ValueError` when ``actions`` does not match the header or the key is
    empty: both are programming errors, not the contributor's."""
    if len(actions) != len(table.header):
        raise ValueError(f"{len(actions)} actions for {len(table.header)} columns")
    if not hash_key:
        raise ValueError("an empty hash key links every case")
    actions = [ColumnAction(action) for action in actions]  # "hash" as stored in JSON too
    counts: Counter[str] = Counter()
    memo: dict[str, Redaction] = {}

    def redacted(cell: str) -> str:
        # statements repeat themselves (dates, statuses, merchants): redact each value once
        if (result := memo.get(cell)) is None:
            if len(memo) >= _MEMO_MAX:
                memo.clear()
            result = memo[cell] = redact(cell, extra_terms)
        counts.update(result.counts)
        return result.text

    kept = [index for index, action in enumerate(actions) if action is not ColumnAction.DROP]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=table.delimiter, lineterminator="\r\n")
    for record in table.preamble:
        writer.writerow([neutralize(redacted(cell)) for cell in record])
    writer.writerow([neutralize(redacted(table.header[index])) for index in kept])
    for row in table.rows:
        cells = (
            hash_cell(row[index], hash_key)
            if actions[index] is ColumnAction.HASH
            else redacted(row[index])
            for index in kept
        )
        writer.writerow([neutralize(cell) for cell in cells])
    dropped = sum(action is ColumnAction.DROP for action in actions)
    hashed = sum(action is ColumnAction.HASH for action in actions)
    summary = dict(counts)
    if dropped:
        summary["COLUMN_DROPPED"] = dropped
    if hashed:
        summary["COLUMN_HASHED"] = hashed
    return buffer.getvalue().encode("utf-8-sig"), summary


# -- helpers ------------------------------------------------------------------------------------

_NOT_A_TABLE = _l(
    "This file could not be read as a table. Export it again as CSV (comma, tab or semicolon "
    "separated) and upload the new file, or save it as plain text."
)
_MEMO_MAX = 200_000
_HASH_IGNORED = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_NAME_IGNORED = re.compile(r"[\s_\-.:：/()（）]+")

#: identifiers of orders and transactions: evidence, kept whatever else the name says
_EVIDENCE_IDS = re.compile(
    r"单号|订单编号|订单id|流水号|交易号|交易编号|凭证号|参考号|批次号"
    r"|^(?:merchant|bank|platform|alipay|wechat)?"
    r"(?:order|transaction|txn|trans|reference|ref|invoice|receipt|payment)"
    r"(?:id|no|number|num|#|code|ref|reference)?$"
)
#: names of columns that identify a person or an account
_PERSONAL = re.compile(
    r"账户|帐户|账号|帐号|户名|卡号|银行卡|手机|电话|姓名|名字|昵称|对方|收款人|付款人|收款方|付款方"
    r"|收货人|联系人|身份证|证件|邮箱|地址|微信|支付宝|用户名|用户id|openid"
    r"|account|acct|card|iban|phone|mobile|^tel$|name|counterparty|payer|payee|beneficiary"
    r"|recipient|sender|email|mail|wechat|weixin|alipay|idnumber|idno|idcard|userid|username"
    r"|address|nickname"
)
#: names that contain a personal word but name a thing: a product, the merchant (the company
#: complained about is the point of the complaint), a method ("付款方式" holds "付款方")
_THINGS = re.compile(
    r"商品|商户|商家|方式|类型|状态|product|item|goods|merchant|company|file|method|type|status"
)


def _suggest(name: str) -> ColumnAction:
    folded = _NAME_IGNORED.sub("", normalize_text(name))
    if not folded or _EVIDENCE_IDS.search(folded):
        return ColumnAction.KEEP
    if _PERSONAL.search(folded) and not _THINGS.search(folded):
        return ColumnAction.HASH
    return ColumnAction.KEEP


def _header_index(records: list[list[str]]) -> int:
    """The first record at least half as full as the fullest one near the top (and with at
    least two values): the title lines above a wallet export's table hold one value each."""
    filled = [sum(1 for cell in record if cell.strip()) for record in records[:HEADER_SEARCH]]
    needed = max(2, math.ceil(max(filled) / 2))
    return next((i for i, count in enumerate(filled) if count >= needed), 0)


def _too_many_rows(limit: int) -> LazyString:
    return _l(
        "This table has more than %(limit)s rows. Export a shorter period and upload it.",
        limit=limit,
    )


def _too_many_columns(limit: int) -> LazyString:
    return _l(
        "This table has more than %(limit)s columns. Remove the columns you do not need, "
        "export it again and upload it.",
        limit=limit,
    )
