"""Case profiles kept in memory per process: a change made anywhere (another process, another
request) shows in the next match, an unchanged company costs no profile row, and a change
rolled back never stays in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from extensions import db
from models import Company, Complaint, GroupCase, User
from services.cases import membership as group_cases
from services.matching.ranking import find_matches
from tests.integration.test_matching_meaning import REFUND_ZH, THEFT_ZH, _case
from tests.support.sql import statements_sent

THEFT_EN = (
    "Someone logged into my wallet from a strange phone at night without any verification "
    "code and emptied my balance; support claims I did it myself and will not pay me back."
)


@pytest.fixture
def other_process(app: object) -> Iterator[Session]:  # noqa: ARG001 - the app's database
    """A session on its own engine, as another worker process would have: its own memory."""
    engine = create_engine(db.engine.url)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _join(
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    case: GroupCase,
    texts: list[str],
    prefix: str,
) -> None:
    for index, text in enumerate(texts):
        person = make_user(email=f"{prefix}{index}@example.org")
        complaint = make_complaint(
            person, case.company, text, "account_security", incident_date=date(2026, 8, 14)
        )
        group_cases.join_case(db.session, person, case, complaint)


def _first_case_title(session: Session, complaint_id: int) -> str:
    complaint = session.get(Complaint, complaint_id)
    assert complaint is not None
    matches = find_matches(session, complaint).matches
    session.rollback()
    return matches[0].case.title


@pytest.fixture
def two_cases(
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> tuple[GroupCase, int]:
    """A case of another category whose only member tells a refund story (so it does not yet
    mean theft), a refund case, and an English theft story filed as a refund: no shared word,
    so only meaning can lift the first case over the refund case's category."""
    alipay = make_company("alipay", "Alipay", "支付宝")
    theft = _case(make_user, make_complaint, alipay, REFUND_ZH[:1], "account_security", "theft")
    _case(make_user, make_complaint, alipay, REFUND_ZH[1:], "refund", "refund")
    newcomer = make_user(email="new@example.org")
    query = make_complaint(newcomer, alipay, THEFT_EN, "refund", incident_date=date(2026, 8, 14))
    return theft, query.id


def test_a_change_made_by_another_process_shows_in_the_next_match(
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    two_cases: tuple[GroupCase, int],
    other_process: Session,
) -> None:
    theft, query_id = two_cases
    assert _first_case_title(other_process, query_id) == "refund case"  # now kept in memory

    _join(make_user, make_complaint, theft, THEFT_ZH, "victim")  # in this process
    db.session.commit()

    with statements_sent(other_process.get_bind()) as sent:
        assert _first_case_title(other_process, query_id) == "theft case"
    read = [statement for statement in sent if "FROM case_vectors" in statement]
    # only the changed profile was read again, not the company's every case
    assert len(read) == 1
    assert "case_vectors.seq >" in read[0]


def test_an_unchanged_company_reads_no_profile_row(
    two_cases: tuple[GroupCase, int], other_process: Session
) -> None:
    _, query_id = two_cases
    _first_case_title(other_process, query_id)
    with statements_sent(other_process.get_bind()) as sent:
        assert _first_case_title(other_process, query_id) == "refund case"
    assert [statement for statement in sent if "FROM case_vectors" in statement] == []


def test_a_change_rolled_back_is_not_kept(
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    two_cases: tuple[GroupCase, int],
) -> None:
    theft, query_id = two_cases
    people = [make_user(email=f"victim{i}@example.org") for i in range(len(THEFT_ZH))]
    complaints = [
        make_complaint(p, theft.company, t, "account_security", incident_date=date(2026, 8, 14))
        for p, t in zip(people, THEFT_ZH, strict=True)
    ]
    assert _first_case_title(db.session, query_id) == "refund case"
    for person, complaint in zip(people, complaints, strict=True):
        group_cases.join_case(db.session, person, theft, complaint)
    query = db.session.get(Complaint, query_id)
    assert query is not None
    # inside the transaction that made them, the joins count...
    assert find_matches(db.session, query).matches[0].case.title == "theft case"
    db.session.rollback()
    # ...and once it is rolled back, they are gone from memory too, even when as many other
    # changes have since been committed (the company's change number is back where it was)
    refund = db.session.scalars(select(GroupCase).where(GroupCase.title == "refund case")).one()
    _join(make_user, make_complaint, refund, REFUND_ZH, "refunded-again")
    db.session.commit()
    assert _first_case_title(db.session, query_id) == "refund case"
