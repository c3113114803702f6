"""A refund the company offers one member, and that member's answer.

An offer is private: the member it is made to and the case's authority see it; the other
members only ever see aggregates (``services.outcomes``). The company picks the member by
pseudonym and never learns who it is. One offer per member: a second one is refused, so the
member always answers the offer they read. Only the member decides, once.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import (
    ZERO_DECIMAL_CURRENCIES,
    CaseStatus,
    Complaint,
    GroupCase,
    MemberOffer,
    Membership,
    OfferStatus,
    User,
    utcnow,
)
from models.base import DbSession
from services import audit
from services.errors import Conflict, DomainError, NotFound
from services.notifications.delivery import OFFER_MADE, notify
from services.respondents.access import case_for_respondent

#: the largest amount a complaint may claim, so the largest refund worth offering
AMOUNT_MAX = Decimal("100000000")
MESSAGE_MAX = 2000


def parse_amount(text: str, currency: str) -> int:
    """An amount typed by a person ("1200", "1,200.50") in minor units of ``currency``;
    DomainError for anything else, for zero, a negative amount, too many decimals or too much."""
    cleaned = text.strip().replace(",", "").replace("，", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        amount = Decimal("NaN")
    places = 0 if currency in ZERO_DECIMAL_CURRENCIES else 2
    if not amount.is_finite() or amount <= 0 or amount > AMOUNT_MAX:
        raise DomainError(
            _l("Enter an amount more than 0 and at most 100,000,000."), field="amount"
        )
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise DomainError(
            _l("Enter the amount with at most %(n)d decimals.", n=places), field="amount"
        )
    return int(amount * (10**places))


def make_offer(
    session: DbSession,
    user: User,
    case_public_id: str,
    pseudonym: str,
    amount: str,
    message: str,
) -> MemberOffer:
    """Offer the member known as ``pseudonym`` a refund, in the currency of their complaint."""
    case = case_for_respondent(session, user, case_public_id)
    if case.status is CaseStatus.CLOSED:
        raise Conflict(_l("This case is closed: it no longer takes offers."))
    membership = session.scalar(
        select(Membership).where(Membership.case_id == case.id, Membership.pseudonym == pseudonym)
    )
    if membership is None:
        raise DomainError(_l("No member of this case has this pseudonym."), field="pseudonym")
    currency = (
        session.scalar(select(Complaint.currency).where(Complaint.id == membership.complaint_id))
        or "CNY"
    )
    amount_minor = parse_amount(amount, currency)
    message = message.strip()
    if len(message) > MESSAGE_MAX:
        raise DomainError(
            _l("The message can be at most %(n)s characters.", n=MESSAGE_MAX), field="message"
        )
    existing = session.scalar(select(MemberOffer).where(MemberOffer.membership_id == membership.id))
    if existing is not None:
        raise Conflict(_l("This member already has an offer from the company."))
    offer = MemberOffer(
        case_id=case.id,
        membership_id=membership.id,
        respondent_id=user.id,
        amount_minor=amount_minor,
        currency=currency,
        message=message,
    )
    session.add(offer)
    try:
        session.flush()
    except IntegrityError as error:  # offered concurrently: one offer per member
        raise Conflict(_l("This member already has an offer from the company.")) from error
    notify(session, membership.user, OFFER_MADE, case)
    audit.record(session, "offer.made", user.id, "case", case.public_id, offer=offer.public_id)
    return offer


def offer_for_member(session: DbSession, user: User, case: GroupCase) -> MemberOffer | None:
    """The offer made to ``user`` in ``case``, if any: theirs only."""
    return session.scalar(
        select(MemberOffer)
        .join(Membership, Membership.id == MemberOffer.membership_id)
        .where(Membership.case_id == case.id, Membership.user_id == user.id)
    )


def offers_of_case(session: DbSession, case: GroupCase) -> list[tuple[str, MemberOffer]]:
    """Every offer of the case with its member's pseudonym, for the authority."""
    return [
        (pseudonym, offer)
        for pseudonym, offer in session.execute(
            select(Membership.pseudonym, MemberOffer)
            .join(MemberOffer, MemberOffer.membership_id == Membership.id)
            .where(MemberOffer.case_id == case.id)
            .order_by(Membership.pseudonym)
        ).all()
    ]


def own_offer(session: DbSession, user: User, offer_public_id: str) -> MemberOffer:
    """The offer made to ``user``; NotFound for anyone else's, exactly like no offer."""
    offer = session.scalar(select(MemberOffer).where(MemberOffer.public_id == offer_public_id))
    if offer is None or offer.membership.user_id != user.id:
        raise NotFound(_l("No such offer."))
    return offer


def decide_offer(session: DbSession, user: User, offer_public_id: str, accept: bool) -> MemberOffer:
    """The member accepts or declines the offer made to them; NotFound for anyone else's
    offer, Conflict once decided."""
    offer = own_offer(session, user, offer_public_id)
    session.execute(select(MemberOffer.id).where(MemberOffer.id == offer.id).with_for_update())
    session.refresh(offer)
    if offer.status is not OfferStatus.PENDING:
        raise Conflict(_l("You have already answered this offer."))
    offer.status = OfferStatus.ACCEPTED if accept else OfferStatus.DECLINED
    offer.decided_at = utcnow()
    audit.record(
        session,
        "offer.accepted" if accept else "offer.declined",
        user.id,
        "case",
        offer.membership.case.public_id,
        offer=offer.public_id,
    )
    return offer
