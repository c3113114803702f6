"""SQLite writers wait at the writers' gate, in the kernel's queue, and each is let in the
moment the one before it ends its transaction, by a commit or a rollback."""

from __future__ import annotations

import threading
import time

import pytest
from flask import Flask

from extensions import db
from services.platform.write_gate import take_write_gate


def _second_writer(app: Flask, entered: list[float]) -> threading.Thread:
    def write() -> None:
        with app.app_context():
            take_write_gate(db.session)
            entered.append(time.monotonic())
            db.session.rollback()

    return threading.Thread(target=write)


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_a_second_writer_waits_until_the_first_transaction_ends(app: Flask, end: str) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the gate is SQLite's; PostgreSQL queues writers at its row locks")
    take_write_gate(db.session)
    take_write_gate(db.session)  # taking it again in the same transaction does not wait
    entered: list[float] = []
    second = _second_writer(app, entered)
    second.start()
    time.sleep(0.3)
    assert entered == []  # still waiting at the gate
    ended = time.monotonic()
    db.session.commit() if end == "commit" else db.session.rollback()
    second.join(timeout=5)
    assert len(entered) == 1
    assert entered[0] - ended < 0.05  # let in at once, not at a polling interval
