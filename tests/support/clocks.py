"""A case submitted to an authority with a deadline rule set, at a chosen moment: for the
tests of deadlines. Import the fixtures into a test module to use them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import delete

from extensions import db
from models import Authority, Company, Complaint, GroupCase, Submission, SubmissionClock, User
from services import clocks
from services.submissions import lifecycle
from tests.support.petitions import case_open_for_signing, sign_by


@pytest.fixture
def authorities() -> dict[str, Authority]:
    """Two authorities under Chinese rules (NFRA: 15 days; 12315: 7 working days to accept)
    and one without rules."""
    made = {
        "nfra": Authority(
            slug="nfra",
            name_en="NFRA Consumer Protection",
            name_zh="金融监管总局消保局",
            min_signatures=3,
            clock_rules="nfra-2020",
        ),
        "samr": Authority(
            slug="samr",
            name_en="Market Regulation 12315",
            name_zh="市场监管12315",
            min_signatures=3,
            clock_rules="samr-12315",
        ),
        "cca": Authority(
            slug="cca", name_en="Consumers Association", name_zh="消费者协会", min_signatures=3
        ),
    }
    db.session.add_all(made.values())
    db.session.commit()
    return made


@pytest.fixture
def submit_case(
    app: Flask,  # noqa: ARG001 - needed for its side effect
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
    authorities: dict[str, Authority],
) -> Callable[..., Submission]:
    """``submit_case("nfra", at=datetime(...), title=...)``: a case of an organizer (English)
    and two members (one reading Chinese), signed by all three and submitted by the organizer
    through the same service the page uses, its clocks started at ``at``."""
    wallet = make_company("walletpro", "WalletPro", "钱包宝")
    counter = iter(range(1000))

    def factory(
        authority: str, at: datetime, title: str = "WalletPro freezes balances"
    ) -> Submission:
        n = next(counter)
        case, version = case_open_for_signing(
            make_user,
            make_complaint,
            wallet,
            authorities[authority],
            organizer_email=f"org{n}@example.org",
            members=[(f"m{n}-{k}@example.org", locale) for k, locale in enumerate(("zh", "en"))],
            title=title,
        )
        sign_by(case, version, case.memberships)
        organizer = next(m.user for m in case.memberships if m.organizes)
        (submission,) = lifecycle.submit(db.session, organizer, case)
        # the clocks as they would have started at ``at``
        submission.submitted_at = at
        db.session.execute(
            delete(SubmissionClock).where(SubmissionClock.submission_id == submission.id)
        )
        clocks.start(db.session, submission, now=at)
        db.session.commit()
        return submission

    return factory


def case_of(submission: Submission) -> GroupCase:
    return submission.case
