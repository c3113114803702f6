"""A submitted case with a company respondent, for tests of the company's answer, its offers
and the members' outcomes. Import the fixtures into a test module to use them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from extensions import db
from models import (
    Authority,
    Company,
    Complaint,
    GroupCase,
    Membership,
    Submission,
    SubmissionStatus,
    User,
    UserRole,
)
from services import respondents
from services.cases import membership as group_cases
from services.submissions import lifecycle
from tests.conftest import PASSWORD
from tests.support.petitions import NARRATIVE, open_first_version, sign_by

#: each member's claimed amount in fen: distinct, so a leaked amount is recognisable
AMOUNTS = (123_456, 234_567, 345_678, 456_789, 567_891, 678_912)


@dataclass
class World:
    case: GroupCase
    members: list[User]  #: the organizer first
    regulator: User
    respondent: User  #: verified, of WalletPro
    other_respondent: User  #: verified, of ShopFast
    shop_case: GroupCase  #: ShopFast's case, forwarded too

    def membership(self, user: User) -> Membership:
        found = group_cases.membership_in(db.session, user, self.case)
        assert found is not None
        return found

    @property
    def submission(self) -> Submission:
        found = db.session.scalar(select(Submission).where(Submission.case_id == self.case.id))
        assert found is not None
        return found


def make_respondent(company: Company, email: str) -> User:
    link = respondents.create_respondent(
        db.session,
        email=email,
        display_name="Respondent of " + company.name_en,
        password=PASSWORD,
        company=company,
        locale="en",
    )
    respondents.verify_respondent(db.session, link.user)
    db.session.commit()
    return link.user


def submitted_case(
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    company: Company,
    authority: Authority,
    prefix: str,
    names: tuple[str, ...],
) -> tuple[GroupCase, list[User]]:
    """A case of ``len(names)`` members, every one signed, submitted to ``authority``."""
    users = [
        make_user(email=f"{prefix}{n}@example.org", display_name=name, locale="en")
        for n, name in enumerate(names)
    ]
    case = group_cases.start_case(
        db.session,
        users[0],
        make_complaint(users[0], company, NARRATIVE, amount=AMOUNTS[0]),
        title=f"{company.name_en} freezes balances",
        summary="",
    )
    for n, user in enumerate(users[1:], start=1):
        complaint = make_complaint(user, company, NARRATIVE, amount=AMOUNTS[n % len(AMOUNTS)])
        group_cases.join_case(db.session, user, case, complaint)
    version = open_first_version(case, authority)
    sign_by(case, version, case.memberships)
    db.session.commit()
    lifecycle.submit(db.session, users[0], case)
    db.session.commit()
    return case, users


def forward(regulator: User, case: GroupCase) -> None:
    submission = db.session.scalar(select(Submission).where(Submission.case_id == case.id))
    assert submission is not None
    lifecycle.record_status(db.session, regulator, submission, SubmissionStatus.FORWARDED)
    db.session.commit()


MEMBER_NAMES = (
    "Quentin Marblewood",
    "Rosalind Ashcombe",
    "Tobias Fernhollow",
    "Ursula Pinegrove",
    "Valentin Brookmere",
    "Wilhelmina Oakhurst",
)


@pytest.fixture
def world(
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> World:
    """WalletPro's case of six members submitted to NFRA (not forwarded yet), its regulator,
    a verified WalletPro respondent and a ShopFast one whose own case is forwarded."""
    nfra = Authority(
        slug="nfra",
        name_en="NFRA Consumer Protection",
        name_zh="金融监管总局消保局",
        min_signatures=2,
    )
    db.session.add(nfra)
    db.session.commit()
    wallet = make_company("walletpro", "WalletPro", "钱包宝")
    shop = make_company("shopfast", "ShopFast", "快购")
    regulator = make_user(
        email="reg@example.org",
        display_name="Regulator",
        role=UserRole.REGULATOR,
        authority=nfra,
        locale="en",
    )
    case, members = submitted_case(make_user, make_complaint, wallet, nfra, "w", MEMBER_NAMES)
    shop_case, _shoppers = submitted_case(
        make_user, make_complaint, shop, nfra, "s", ("Xavier Shopman", "Yolanda Cartwright")
    )
    forward(regulator, shop_case)
    return World(
        case=case,
        members=members,
        regulator=regulator,
        respondent=make_respondent(wallet, "answers@walletpro.example"),
        other_respondent=make_respondent(shop, "answers@shopfast.example"),
        shop_case=shop_case,
    )
