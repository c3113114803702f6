"""A case with many members and a version open for signing, for the concurrency test and the
signing benchmark."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Category, GroupCase, MemberRole, Membership, User
from services.accounts.passwords import hash_password
from services.cases import membership as group_cases
from services.complaints.filing import ComplaintInput, file_complaint
from services.petition import drafting
from services.reference.authorities import create_authority
from services.reference.companies import create_company

TODAY = date(2026, 11, 24)


def build_signing_case(session: Session, members: int, password: str) -> tuple[str, list[str]]:
    """Returns the case's public id and the members' e-mails (all with ``password``)."""
    create_company(session, slug="bench-wallet", name_en="BenchWallet", name_zh="测试钱包")
    authority = create_authority(
        session, slug="bench-office", name_en="Bench Office", name_zh="测试办公室"
    )
    category_id = session.scalar(select(Category.id).where(Category.code == "account_frozen"))
    password_hash = hash_password(password)  # one hash: these accounts share the password
    emails = [f"signer{i}@bench.example" for i in range(members)]
    users = [User(email=e, display_name=e, password_hash=password_hash) for e in emails]
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
                incident_date=date(2026, 10, 1),
                amount_minor=10_000 + index,
                currency="CNY",
                narrative=f"BenchWallet froze my balance of {100 + index} yuan without reason.",
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
    organizer = session.scalar(
        select(Membership).where(
            Membership.case_id == case.id, Membership.role == MemberRole.ORGANIZER
        )
    )
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
    return case.public_id, emails
