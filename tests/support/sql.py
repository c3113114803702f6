"""What the app says to the database: the statements sent while a block runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from extensions import db


@contextmanager
def statements_sent() -> Iterator[list[str]]:
    """The SQL statements sent on the app's engine inside the block, in order."""
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
