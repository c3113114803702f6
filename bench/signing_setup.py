"""A case with many members and a version open for signing, for the concurrency test and the
signing benchmark.

The first :data:`SERVICE_MEMBERS` file and join through the services, as people do; members
beyond them are written as rows in bulk (an account, a complaint and a membership each, all
that signing reads). Filing and joining 20,000 members one by one through the services took
over 19 minutes on SQLite before the first signature; in bulk it takes seconds.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from models import Category, Complaint, GroupCase, MemberRole, Membership, User
from services.accounts.passwords import hash_password
from services.cases import membership as group_cases
from services.cases.pseudonyms import new_pseudonyms
from services.complaints.filing import ComplaintInput, file_complaint
from services.petition import drafting
from services.reference.authorities import create_authority
from services.reference.companies import create_company

TODAY = date(2026, 11, 24)
INCIDENT = date(2026, 10, 1)
#: members who file and join through the services; the tests' cases are no larger
SERVICE_MEMBERS = 300


def _email(index: int) -> str:
    return f"signer{index}@bench.example"


def _narrative(index: int) -> str:
    return f"BenchWallet froze my balance of {100 + index} yuan without reason."


def build_signing_case(session: Session, members: int, password: str) -> tuple[str, list[str]]:
    """Returns the case's public id and the members' e-mails (all with ``password``)."""
    company = create_company(
        session, slug="bench-wallet", name_en="BenchWallet", name_zh="测试钱包"
    )
    authority = create_authority(
        session, slug="bench-office", name_en="Bench Office", name_zh="测试办公室"
    )
    category_id = session.scalar(select(Category.id).where(Category.code == "account_frozen"))
    assert category_id is not None
    password_hash = hash_password(password)  # one hash: these accounts share the password
    served = min(members, SERVICE_MEMBERS)
    users = [
        User(email=_email(i), display_name=_email(i), password_hash=password_hash)
        for i in range(served)
    ]
    session.add_all(users)
    session.flush()
    case: GroupCase | None = None
    for index, user in enumerate(users):
        complaint = file_complaint(
            session,
            user,
            ComplaintInput(
                company_text="BenchWallet",
                propose_company=False,
                category_id=category_id,
                incident_date=INCIDENT,
                amount_minor=10_000 + index,
                currency="CNY",
                narrative=_narrative(index),
                demands=["refund"],
                demands_other=None,
            ),
            TODAY,
        )
        if case is None:
            case = group_cases.start_case(
                session, user, complaint, title="Bench case", summary="", invite_similar=False
            )
        else:
            group_cases.join_case(session, user, case, complaint)
    assert case is not None
    if members > served:
        _add_members_in_bulk(
            session, case, range(served, members), password_hash, company.id, category_id
        )
    organizer = session.scalar(
        select(Membership).where(
            Membership.case_id == case.id, Membership.role == MemberRole.ORGANIZER
        )
    )
    assert organizer is not None
    version = drafting.save_version(
        session,
        case,
        organizer,
        drafting.DraftInput(
            title="Joint complaint",
            authority_id=authority.id,
            facts="",
            demands="",
            body_md="# Joint complaint\n\nBenchWallet froze our balances.",
        ),
    )
    drafting.open_for_signing(session, case, organizer, version)
    session.commit()
    return case.public_id, [_email(i) for i in range(members)]


def _add_members_in_bulk(
    session: Session,
    case: GroupCase,
    indexes: range,
    password_hash: str,
    company_id: int,
    category_id: int,
) -> None:
    """An account, a complaint and a membership for each of ``indexes``, as rows."""
    user_ids = session.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True),
        [
            {"email": _email(i), "display_name": _email(i), "password_hash": password_hash}
            for i in indexes
        ],
    ).all()
    complaint_ids = session.scalars(
        insert(Complaint).returning(Complaint.id, sort_by_parameter_order=True),
        [
            {
                "owner_id": user_id,
                "company_id": company_id,
                "category_id": category_id,
                "incident_date": INCIDENT,
                "amount_minor": 10_000 + i,
                "currency": "CNY",
                "narrative": _narrative(i),
                "demands": ["refund"],
            }
            for i, user_id in zip(indexes, user_ids, strict=True)
        ],
    ).all()
    pseudonyms = new_pseudonyms(session, case.id, len(indexes))
    session.execute(
        insert(Membership),
        [
            {
                "case_id": case.id,
                "user_id": user_id,
                "complaint_id": complaint_id,
                "role": MemberRole.MEMBER,
                "pseudonym": pseudonym,
            }
            for user_id, complaint_id, pseudonym in zip(
                user_ids, complaint_ids, pseudonyms, strict=True
            )
        ],
    )
    case.member_count += len(indexes)
