"""The company's answer to a group case: posted once by one of its respondents, read by the
case's members and its authority.

Posting it moves a submission at "forwarded" or before to "company answered" through the
submissions' own status change, so the authority's answer clock stops there too. A case
already closed (resolved or rejected) takes no answer, and a second answer is refused: what the
company said stays as it was said, and the one posted first is never replaced.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import (
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    CompanyAnswer,
    GroupCase,
    Membership,
    Submission,
    User,
    UserRole,
)
from models.base import DbSession
from services import audit
from services.errors import Conflict, DomainError
from services.notifications.delivery import COMPANY_ANSWERED, notify
from services.respondents.access import case_for_respondent
from services.submissions import lifecycle

ANSWER_MIN = 20
ANSWER_MAX = 10_000


def answer_of(session: DbSession, case: GroupCase) -> CompanyAnswer | None:
    return session.scalar(select(CompanyAnswer).where(CompanyAnswer.case_id == case.id))


def post_answer(session: DbSession, user: User, case_public_id: str, body: str) -> CompanyAnswer:
    """Post the company's answer; NotFound when the respondent may not see the case, Conflict
    when the case is closed or already answered, DomainError for an empty or overlong text."""
    case = case_for_respondent(session, user, case_public_id)
    body = body.strip()
    if len(body) < ANSWER_MIN or len(body) > ANSWER_MAX:
        raise DomainError(
            _l(
                "Please write between %(min)d and %(max)d characters.",
                min=ANSWER_MIN,
                max=ANSWER_MAX,
            ),
            field="body",
        )
    # one answer at a time: a second respondent waits here, then finds the first answer
    session.execute(select(GroupCase.id).where(GroupCase.id == case.id).with_for_update())
    if case.status is CaseStatus.CLOSED:
        raise Conflict(_l("This case is closed: it no longer takes an answer."))
    if answer_of(session, case) is not None:
        raise Conflict(_l("The company has already answered this case."))
    answer = CompanyAnswer(case_id=case.id, respondent_id=user.id, body=body)
    session.add(answer)
    try:
        session.flush()
    except IntegrityError as error:  # answered concurrently: the unique case_id caught it
        raise Conflict(_l("The company has already answered this case.")) from error
    # every authority the case went to gets the answer; each copy still before the answer
    # moves to "company answered", which stops that authority's answer clock
    copies = list(session.scalars(select(Submission).where(Submission.case_id == case.id)))
    moved = [lifecycle.record_company_answer(session, copy, body) for copy in copies]
    session.add(
        CaseEvent(case_id=case.id, kind=CaseEventKind.COMPANY_ANSWERED, data={"moved": any(moved)})
    )
    members = session.scalars(select(Membership).where(Membership.case_id == case.id))
    for member in members:
        notify(session, member.user, COMPANY_ANSWERED, case)
    for copy in copies:
        for regulator in _regulators(session, copy.authority_id):
            notify(session, regulator, COMPANY_ANSWERED, case)
    audit.record(session, "company.answered", user.id, "case", case.public_id)
    return answer


def _regulators(session: DbSession, authority_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User).where(
                User.authority_id == authority_id,
                User.role == UserRole.REGULATOR,
                User.active.is_(True),
                User.deleted_at.is_(None),
            )
        )
    )
