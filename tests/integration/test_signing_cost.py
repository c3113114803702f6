"""One signature costs the same however many signed before: the work the database does for
the last of 300 signers is measured against the work for the second, on SQLite (virtual machine
steps) and on PostgreSQL (rows read), numbers that do not depend on the machine's load."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import select, text

from bench.signing_setup import build_signing_case
from extensions import db
from models import GroupCase, Membership
from services.petition import signing
from tests.support.forms import csrf_token, logged_in
from tests.support.sql import statements_sent
from tests.support.web import EN

SIGNERS = 300
PASSWORD = "signing cost"
#: the last signature may cost this much more than the second (a B-tree may grow by a level)
ALLOWED_GROWTH = 1.5


@contextmanager
def database_work() -> Iterator[Callable[[], int]]:
    """Counts the database's work inside the block: SQLite's virtual machine steps, or the
    rows PostgreSQL read in this transaction."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw: Any = connection.connection.driver_connection
        steps = [0]

        def step() -> int:
            steps[0] += 1
            return 0

        raw.set_progress_handler(step, 1)
        try:
            yield lambda: steps[0]
        finally:
            raw.set_progress_handler(None, 0)
        return
    read = text(
        "SELECT coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0) "
        "FROM pg_stat_xact_user_tables"
    )
    # a table of a few hundred rows is cheaper to scan than to look up, and the planner rightly
    # scans it; what must hold is that an index path exists whose work does not grow
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    before = int(db.session.scalar(read) or 0)
    # the counter query itself reads no user table, so the difference is the block's work
    yield lambda: int(db.session.scalar(read) or 0) - before


def _sign_and_measure(case: GroupCase, membership: Membership) -> int:
    version = signing.open_version(db.session, case)
    assert version is not None
    assert version.content_sha256 is not None
    with database_work() as work:
        signing.sign(
            db.session,
            case,
            membership,
            version_sha256=version.content_sha256,
            facts_confirmed=True,
            share_identity=False,
        )
        db.session.flush()
        done = work()
    db.session.commit()
    return done


def test_the_last_of_300_signatures_costs_what_the_second_did(app: Flask) -> None:
    with app.test_request_context():
        case_id, _emails = build_signing_case(db.session, SIGNERS, PASSWORD)
        case = db.session.scalar(select(GroupCase).where(GroupCase.public_id == case_id))
        members = db.session.scalars(
            select(Membership).where(Membership.case_id == case.id).order_by(Membership.id)
        ).all()
        _sign_and_measure(case, members[0])  # the first writes the chain's genesis link
        second = _sign_and_measure(case, members[1])
        for membership in members[2:-1]:
            _sign_and_measure(case, membership)
        last = _sign_and_measure(case, members[-1])

        version = signing.open_version(db.session, case)
        assert version is not None
        assert version.signature_count == SIGNERS == signing.signing_state(db.session, case).count
        assert last <= second * ALLOWED_GROWTH, (second, last)


#: statements of one signature through the web, on SQLite: the login with its account (1), the
#: case with the membership (1), the open version with the member's latest action on it (1),
#: the count (which queues the signer), the chain's tail and the two rows appended (4); the same
#: on PostgreSQL, where the count's row lock is the queue (no lock of the case row besides)
SIGNING_STATEMENTS = {"sqlite": 7, "postgresql": 7}


def test_a_signature_through_the_web_takes_a_fixed_few_statements(app: Flask) -> None:
    """Each statement is a round trip and, in SQLAlchemy, about as much Python again: a lookup
    added to the path every signer takes shows here before it shows in the benchmarks."""
    with app.test_request_context():
        case_id, emails = build_signing_case(db.session, 3, PASSWORD)
        db.session.commit()
    browser = logged_in(app, emails[1], PASSWORD)
    page = browser.get(f"/cases/{case_id}/petition", headers=EN).get_data(as_text=True)
    marker = 'name="version_sha256" type="hidden" value="'
    data = {
        "csrf_token": csrf_token(page),
        "version_sha256": page[page.index(marker) + len(marker) :].split('"')[0],
        "facts_confirmed": "y",
        "share_identity": "pseudonym",
    }
    with statements_sent() as statements:
        answer = browser.post(f"/cases/{case_id}/petition/sign", data=data, headers=EN)
    assert answer.status_code == 302
    assert len(statements) == SIGNING_STATEMENTS[db.engine.dialect.name], statements
