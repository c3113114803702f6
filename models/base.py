"""Declarative base shared by every model, and the column types they have in common."""

from __future__ import annotations

import enum
import secrets
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any, TypeAlias

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    DateTime,
    Enum,
    Executable,
    MetaData,
    String,
    any_,
    bindparam,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import (
    DeclarativeBase,
    QueryableAttribute,
    Session,
    mapped_column,
    registry,
    scoped_session,
)
from sqlalchemy.types import TypeDecorator

#: stable constraint names, so Alembic can drop and alter them on every database
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: no 0/o, 1/l/i: public ids get read aloud and typed from screenshots
PUBLIC_ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PUBLIC_ID_LENGTH = 12

#: the session a service works in: a plain one (scripts, jobs) or Flask-SQLAlchemy's
#: ``db.session``, a scoped_session that stands for the current request's
DbSession: TypeAlias = Session | scoped_session[Any]


def rows_changed(session: DbSession, statement: Executable) -> int:
    """Run an UPDATE or DELETE and return how many rows it matched. Its result is a
    CursorResult, the one kind with a row count, which ``Session.execute`` does not promise."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount


def one_of(
    session: DbSession,
    column: ColumnElement[Any] | QueryableAttribute[Any],
    values: Collection[Any],
) -> ColumnElement[bool]:
    """``column IN values``, written for the database: on PostgreSQL as ``= ANY(array)`` with
    the values in one parameter. An IN list of hundreds of ids (matching's candidate cases)
    otherwise costs a placeholder each to render, cast, send and parse, about 15 ms a
    request, and a differently long list is a new statement to compile."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def one_of_parameter(
    dialect: str, column: ColumnElement[Any] | QueryableAttribute[Any], name: str
) -> ColumnElement[bool]:
    """:func:`one_of` in a statement built once: the values come as the parameter ``name``
    at execution (one array on PostgreSQL, an expanding ``IN`` elsewhere)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_public_id() -> str:
    """An unguessable id for URLs (about 59 bits), so counting ids reveals nothing."""
    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite drops the zone, PostgreSQL keeps it,
    and comparing the two kinds raises, so both databases must hand back the same kind."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def str_enum(enum_class: type[enum.Enum], length: int = 24) -> Enum:
    """Enum stored as its value in a VARCHAR with a CHECK: readable rows, easy migrations."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        create_constraint=True,
        name=enum_class.__name__.lower(),
    )


def public_id_column() -> Any:
    return mapped_column(
        String(PUBLIC_ID_LENGTH), unique=True, default=new_public_id, nullable=False
    )


def created_at_column() -> Any:
    return mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Base(DeclarativeBase):
    # one explicit registry: Flask-SQLAlchemy subclasses this base and would otherwise
    # refuse a per-class type_annotation_map
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )
