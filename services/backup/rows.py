"""Table rows as JSON lines, for :mod:`services.backup.archive`: one line per row, the
values in the manifest's column order.

Values are encoded by the column's SQLAlchemy type, not by guessing from the value, so a JSON
column holding ``"2026-01-01"`` stays a string and a datetime column gets its datetime back.
Datetimes, dates and times travel as ISO 8601 (aware ones keep their offset), decimals as
strings (no float rounding), bytes as base64, enums as their stored value, JSON columns as the
JSON itself. A column type without an encoding refuses the backup rather than guess.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Time,
    func,
    insert,
    select,
)
from sqlalchemy.types import TypeDecorator

from models import Base
from services.evidence.files import STORED_KEY_COLUMNS

#: rows inserted per statement on restore
BATCH = 500


Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def _same(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


_CODECS: dict[str, Codec] = {
    "plain": (_same, _same),
    "json": (_same, _same),
    "datetime": (datetime.isoformat, datetime.fromisoformat),
    "date": (date.isoformat, date.fromisoformat),
    "time": (time.isoformat, time.fromisoformat),
    "decimal": (str, Decimal),
    "bytes": (lambda v: base64.b64encode(v).decode(), base64.b64decode),
}


def kind_of(column: Column[Any]) -> str:
    """The codec of ``column``'s type; :class:`TypeError` for a type no codec carries."""
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    for kind, types in (
        ("json", (JSON,)),
        ("datetime", (DateTime,)),
        ("date", (Date,)),
        ("time", (Time,)),
        ("plain", (Float,)),  # before Numeric, its parent: JSON numbers round-trip floats
        ("decimal", (Numeric,)),
        ("bytes", (LargeBinary,)),
        ("plain", (Integer, String, Boolean)),  # Enum and Text are Strings
    ):
        if isinstance(column_type, types):
            return kind
    raise TypeError(f"{column.table.name}.{column.name}: no backup encoding for {column_type!r}")


def export_table(
    connection: Connection, table: Table, out: IO[bytes], keys: set[str]
) -> dict[str, Any]:
    """Write every row of ``table`` to ``out``, in primary-key order, streamed from the
    database; add the storage keys its rows name to ``keys``. Returns the manifest entry."""
    columns = list(table.columns)
    encoders = [_CODECS[kind_of(c)][0] for c in columns]
    key_positions = [
        i for i, c in enumerate(columns) if c.name in STORED_KEY_COLUMNS.get(table.name, ())
    ]
    digest, count, size = hashlib.sha256(), 0, 0
    query = select(table).order_by(*table.primary_key.columns)
    for row in connection.execute(query.execution_options(yield_per=1000)):
        values = [None if v is None else encode(v) for encode, v in zip(encoders, row, strict=True)]
        line = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        out.write(line)
        digest.update(line)
        count, size = count + 1, size + len(line)
        keys.update(row[i] for i in key_positions if row[i])
    return {
        "name": table.name,
        "columns": [c.name for c in columns],
        "rows": count,
        "bytes": size,
        "sha256": digest.hexdigest(),
    }


def import_table(
    connection: Connection, table: Table, columns: list[str], lines: Iterable[bytes]
) -> str:
    """Insert the rows of ``lines`` (as :func:`export_table` wrote them) in batches; returns
    the SHA-256 of what was read, for the caller to compare with the manifest."""
    decoders = [_CODECS[kind_of(table.columns[name])][1] for name in columns]
    digest, batch = hashlib.sha256(), []
    for line in lines:
        digest.update(line)
        values = json.loads(line)
        batch.append(
            {
                name: None if value is None else decode(value)
                for name, decode, value in zip(columns, decoders, values, strict=True)
            }
        )
        if len(batch) == BATCH:
            connection.execute(insert(table), batch)
            batch = []
    if batch:
        connection.execute(insert(table), batch)
    return digest.hexdigest()


def reset_sequences(connection: Connection) -> None:
    """PostgreSQL: move every id sequence past the restored ids, or the next insert would take
    an id a restored row holds. (SQLite takes the next rowid from the table itself.)"""
    if connection.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = func.pg_get_serial_sequence(table.name, column.name)  # NULL: none
            next_id = func.coalesce(func.max(column), 0) + 1
            connection.execute(select(func.setval(sequence, next_id, False)).select_from(table))
