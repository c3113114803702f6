"""One case with its organizer, for tests about what happens to that case's evidence and jobs.
Import the fixtures into a test module to use them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from extensions import db
from models import Company, Complaint, GroupCase, User
from services.cases import membership as group_cases

NARRATIVE = "WalletPro froze my balance after a top-up and support never answers my tickets."


@pytest.fixture
def organizer(
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> User:
    """The organizer of a case (:func:`case_id`); their name is one the anonymizer removes."""
    user = make_user(email="org@example.org", display_name="张伟明", locale="en")
    wallet = make_company("walletpro", "WalletPro", "钱包宝")
    group_cases.start_case(
        db.session, user, make_complaint(user, wallet, NARRATIVE), title="Frozen", summary=""
    )
    db.session.commit()
    return user


@pytest.fixture
def case_id(organizer: User) -> str:  # noqa: ARG001 - needed for its side effect
    public_id = db.session.scalar(select(GroupCase.public_id))
    assert public_id is not None
    return public_id
