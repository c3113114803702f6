"""The company's side of the demo: PayPal's respondent answers its case, offers refunds,
members record what they got and one disputes it; the Douyin Pay case, resolved, shows what
its members got back. Made through the same services the pages call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import select

from models import GroupCase, Membership, OutcomeRating, OutcomeState
from models.base import DbSession
from services import outcomes, respondents
from services.cases import published

RESPONDENT_EMAIL = "respondent.paypal@example.org"

#: (outcome, partial refund in major units, rating, decision on the company's offer)
PAYPAL_MEMBERS: tuple[tuple[OutcomeState, str, OutcomeRating, str | None], ...] = (
    (OutcomeState.FULLY_REFUNDED, "", OutcomeRating.SATISFIED, "accept"),
    (OutcomeState.FULLY_REFUNDED, "", OutcomeRating.SATISFIED, "accept"),
    (OutcomeState.PARTLY_REFUNDED, "150", OutcomeRating.PARTLY, "accept"),
    (OutcomeState.REFUSED, "", OutcomeRating.NOT_SATISFIED, "decline"),
    (OutcomeState.NOTHING_YET, "", OutcomeRating.PARTLY, None),
    (OutcomeState.FULLY_REFUNDED, "", OutcomeRating.SATISFIED, None),
)
DISPUTE = (
    "PayPal's answer says my account was limited for a policy breach, but it never says "
    "which one, and the USD 2,480 held for 180 days is still not released."
)


def _case(session: DbSession, company: str) -> GroupCase | None:
    return session.scalar(
        select(GroupCase)
        .where(GroupCase.company.has(slug=company), GroupCase.submissions.any())
        .limit(1)
    )


def _members(session: DbSession, case: GroupCase) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership).where(Membership.case_id == case.id).order_by(Membership.joined_at)
        )
    )


@contextmanager
def _no_mail() -> Iterator[None]:
    """The services notify as they do for real; demo addresses are made up, so nothing is
    mailed (and loading needs no request to build the mails' links)."""
    config = current_app.config
    server = config.get("MAIL_SERVER")
    config["MAIL_SERVER"] = None
    try:
        yield
    finally:
        config["MAIL_SERVER"] = server


def add_company_side(session: DbSession) -> None:
    with _no_mail():
        _add(session)


def _add(session: DbSession) -> None:
    paypal = _case(session, "paypal")
    if paypal is not None:
        _paypal(session, paypal)
    douyin = _case(session, "douyin-pay")
    if douyin is not None:
        for membership in _members(session, douyin):
            outcomes.record_outcome(
                session,
                membership.user,
                douyin,
                OutcomeState.FULLY_REFUNDED,
                rating=OutcomeRating.SATISFIED,
            )
        published.publish(session, douyin)


def _paypal(session: DbSession, case: GroupCase) -> None:
    link = respondents.create_respondent(
        session,
        email=RESPONDENT_EMAIL,
        display_name="PayPal Customer Resolution",
        password=current_app.config["DEMO_PASSWORD"],
        company=case.company,
        locale="en",
    )
    respondents.verify_respondent(session, link.user)
    submission = case.submissions[0]
    answer = submission.status_note or "PayPal has reviewed every account in this complaint."
    respondents.post_answer(session, link.user, case.public_id, answer)
    members = _members(session, case)
    for membership, (state, partial, rating, decision) in zip(
        members, PAYPAL_MEMBERS, strict=False
    ):
        if decision is not None:
            offer = respondents.make_offer(
                session,
                link.user,
                case.public_id,
                membership.pseudonym,
                "200.00",
                "We are sorry for the hold on your balance. This refund is offered to settle it.",
            )
            respondents.decide_offer(
                session, membership.user, offer.public_id, decision == "accept"
            )
        outcomes.record_outcome(
            session, membership.user, case, state, amount=partial, rating=rating
        )
        if state is OutcomeState.REFUSED:
            outcomes.dispute(session, membership.user, case, DISPUTE)
    published.publish(session, case)
