"""What the app says to the database: the statements sent while a block runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, event

from extensions import db


@contextmanager
def statements_sent(engine: Engine | Connection | None = None) -> Iterator[list[str]]:
    """The SQL statements sent on ``engine`` (the app's by default) inside the block, in
    order."""
    watched = engine if engine is not None else db.engine
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(watched, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(watched, "before_cursor_execute", record)
