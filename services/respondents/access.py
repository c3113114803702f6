"""Which cases a respondent sees, and what of them.

A respondent sees a case of its own company once the case's authority forwarded it to the
company (or a later step: the company answered, the case was resolved), or once the case's
organizer opened it to the company. Anything else, a case of another company above all,
answers "not found", exactly like a case that does not exist: a company must not learn that
people are preparing a case against it, nor anything of another company's cases.

What it sees is what the members share with each other: pseudonyms, the joint complaint and
the pooled evidence, which was anonymized and confirmed by its contributor. Never a name, an
e-mail, a member's own complaint or amount.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, exists, or_, select

from models import (
    CaseEvent,
    CaseEventKind,
    CaseOpening,
    CaseStatus,
    CompanyAnswer,
    CompanyRespondent,
    Evidence,
    EvidenceStatus,
    GroupCase,
    MemberOffer,
    Membership,
    PetitionVersion,
    Submission,
    SubmissionStatus,
    User,
)
from models.base import DbSession
from services import audit
from services.cases import membership as group_cases
from services.errors import Conflict, NotAllowed, NotFound
from services.evidence import contributions as evidence
from services.petition import signing

#: the authority's steps from which the company sees the case
VISIBLE_STATUSES = frozenset(
    {SubmissionStatus.FORWARDED, SubmissionStatus.COMPANY_ANSWERED, SubmissionStatus.RESOLVED}
)
#: case states in which an organizer may open the case to the company: a joint complaint is
#: open for signing or submitted, so there is something to read
OPENABLE = frozenset({CaseStatus.SIGNING, CaseStatus.SUBMITTED})


def respondent_of(session: DbSession, user: User) -> CompanyRespondent:
    """The user's company link; NotAllowed (403) for anyone else and for an account an admin
    has not verified yet."""
    link = session.get(CompanyRespondent, user.id) if user.is_respondent else None
    if link is None or link.verified_at is None or not user.active:
        raise NotAllowed(_l("Your respondent account has not been verified by an administrator."))
    return link


def _visible(company_id: int) -> list[ColumnElement[bool]]:
    """SQL conditions on GroupCase: the company's own case, forwarded, opened or answered."""
    forwarded = exists().where(
        Submission.case_id == GroupCase.id, Submission.status.in_(VISIBLE_STATUSES)
    )
    opened = exists().where(CaseOpening.case_id == GroupCase.id)
    answered = exists().where(CompanyAnswer.case_id == GroupCase.id)
    return [GroupCase.company_id == company_id, or_(forwarded, opened, answered)]


def visible_cases(session: DbSession, user: User) -> list[GroupCase]:
    """The cases this respondent may open, latest activity first."""
    link = respondent_of(session, user)
    return list(
        session.scalars(
            select(GroupCase)
            .where(*_visible(link.company_id))
            .order_by(GroupCase.updated_at.desc())
        )
    )


def case_for_respondent(session: DbSession, user: User, public_id: str) -> GroupCase:
    """The case when the respondent may see it; NotFound otherwise (the same as no case)."""
    link = respondent_of(session, user)
    case = session.scalar(
        select(GroupCase).where(GroupCase.public_id == public_id, *_visible(link.company_id))
    )
    if case is None:
        raise NotFound(_l("No such case."))
    return case


@dataclass(frozen=True)
class CaseView:
    """A case as its company sees it."""

    case: GroupCase
    #: one per authority the case went to; empty when only opened to the company
    submissions: list[Submission]
    version: PetitionVersion | None  #: the joint complaint as submitted, or open for signing
    pseudonyms: list[str]
    items: list[Evidence]
    answer: CompanyAnswer | None
    #: pseudonym -> the company's offer to that member
    offers: dict[str, MemberOffer]


def case_view(session: DbSession, case: GroupCase) -> CaseView:
    """What the respondent page shows (the caller checked access with case_for_respondent)."""
    copies = list(case.submissions)
    version = copies[0].version if copies else signing.open_version(session, case)
    members = session.scalars(
        select(Membership.pseudonym)
        .where(Membership.case_id == case.id)
        .order_by(Membership.pseudonym)
    ).all()
    offers = session.execute(
        select(Membership.pseudonym, MemberOffer)
        .join(MemberOffer, MemberOffer.membership_id == Membership.id)
        .where(MemberOffer.case_id == case.id)
    ).all()
    return CaseView(
        case=case,
        submissions=copies,
        version=version,
        pseudonyms=list(members),
        items=evidence.pooled_items(session, case),
        answer=session.scalar(select(CompanyAnswer).where(CompanyAnswer.case_id == case.id)),
        offers={pseudonym: offer for pseudonym, offer in offers},  # noqa: C416 - rows
    )


def is_open_to_company(session: DbSession, case: GroupCase) -> bool:
    return session.get(CaseOpening, case.id) is not None


def open_to_company(session: DbSession, user: User, case: GroupCase) -> CaseOpening:
    """The organizer shows the case to its company's respondents before the authority forwards
    it (or without it). Only organizers; once; only with a joint complaint to read."""
    membership = group_cases.membership_in(session, user, case)
    if membership is None or not membership.organizes:
        raise NotAllowed(_l("Only the organizers of this case can open it to the company."))
    if case.status not in OPENABLE:
        raise Conflict(
            _l(
                "Open a version of the joint complaint for signing before showing it to the "
                "company."
            )
        )
    if is_open_to_company(session, case):
        raise Conflict(_l("This case is already open to the company."))
    opening = CaseOpening(case_id=case.id, opened_by_pseudonym=membership.pseudonym)
    session.add(opening)
    session.add(
        CaseEvent(
            case_id=case.id,
            kind=CaseEventKind.OPENED_TO_COMPANY,
            actor_pseudonym=membership.pseudonym,
            data={},
        )
    )
    audit.record(session, "case.opened_to_company", user.id, "case", case.public_id)
    return opening


def pooled_item(
    session: DbSession, user: User, case_public_id: str, item_public_id: str
) -> Evidence:
    """A pooled (anonymized, confirmed) item of a case the respondent sees; NotFound for any
    other item, in the pool of another case or not pooled."""
    case = case_for_respondent(session, user, case_public_id)
    item = session.scalar(
        select(Evidence).where(
            Evidence.public_id == item_public_id,
            Evidence.case_id == case.id,
            Evidence.status == EvidenceStatus.POOLED,
        )
    )
    if item is None or not item.sha256:
        raise NotFound(_l("No such evidence."))
    return item
