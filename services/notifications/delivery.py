"""Telling members what happened: an in-app notification always, an e-mail where SMTP is set.

E-mails are collected on the database session and sent only after it commits, so a rolled
back action never mails anyone; each is written in the recipient's own language.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import select

from extensions import mail
from models import Authority, GroupCase, Notification, Submission, User
from models.base import DbSession
from services.platform.after_commit import after_commit

INVITE = "case_invite"
SIGNING_OPENED = "signing_opened"
SIGN_AGAIN = "sign_again"
CASE_SUBMITTED = "case_submitted"
STATUS_CHANGED = "status_changed"
#: to the regulators of an authority: a case arrived in their inbox
CASE_ARRIVED = "case_arrived"
#: a deadline of a submitted case is three days away, or has passed (services.clocks)
CLOCK_DUE_SOON = "clock_due_soon"
CLOCK_OVERDUE = "clock_overdue"
#: the company answered a case (to its members and its authority's regulators)
COMPANY_ANSWERED = "company_answered"
#: the company offered one member a refund (to that member only)
OFFER_MADE = "offer_made"
#: a member disputes their outcome (to the authority's regulators)
OUTCOME_DISPUTED = "outcome_disputed"
#: merging duplicate cases (services.cases.merging): to the organizers asked, to the proposer
#: when they decline, and to every member of the merged case once done
MERGE_PROPOSED = "merge_proposed"
MERGE_DECLINED = "merge_declined"
CASES_MERGED = "cases_merged"
#: kinds worth an e-mail (an invitation is not: the inviter must not reach people outside)
EMAILED = frozenset(
    {
        SIGNING_OPENED,
        SIGN_AGAIN,
        CASE_SUBMITTED,
        STATUS_CHANGED,
        CASE_ARRIVED,
        CLOCK_DUE_SOON,
        CLOCK_OVERDUE,
        COMPANY_ANSWERED,
        OFFER_MADE,
        OUTCOME_DISPUTED,
        MERGE_PROPOSED,
        CASES_MERGED,
    }
)
#: where the link of each kind leads (the case page by default)
LINKS = {
    CASE_ARRIVED: "regulator.case",
    OFFER_MADE: "outcomes.mine",
    OUTCOME_DISPUTED: "regulator.case",
}
log = logging.getLogger(__name__)


def notify(
    session: DbSession, user: User, kind: str, case: GroupCase | None, **data: Any
) -> Notification:
    notification = Notification(
        user_id=user.id, kind=kind, case_id=case.id if case else None, data=data
    )
    session.add(notification)
    if (
        kind in EMAILED
        and current_app.config.get("MAIL_SERVER")
        and case is not None
        and user.deleted_at is None  # a deleted account's address is a placeholder
    ):
        authority = named_authority(session, case, data)
        message = _message(user, kind, case, authority, data)
        after_commit(session, partial(mail.send, message), what="send a notification e-mail")
    return notification


def named_authority(session: DbSession, case: GroupCase, data: dict[str, Any]) -> Authority | None:
    """The authority a notification speaks of: the one its data names (a case addressed to
    several authorities is told of each), else the one the case went to first."""
    slug = data.get("authority")
    if isinstance(slug, str):
        named = session.scalar(select(Authority).where(Authority.slug == slug))
        if named is not None:
            return named
    return session.scalar(
        select(Authority)
        .join(Submission)
        .where(Submission.case_id == case.id)
        .order_by(Submission.id)
        .limit(1)
    )


def _message(
    user: User, kind: str, case: GroupCase, authority: Authority | None, data: dict[str, Any]
) -> Message:
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        endpoint = LINKS.get(kind, "cases.detail")
        link = url_for(endpoint, public_id=case.public_id, _external=True)
        facts = {"case": case, "authority": authority, "data": data}
        subject = render_template(f"emails/{kind}.subject.txt", **facts).strip()
        body = render_template(f"emails/{kind}.txt", **facts, link=link, user=user)
    return Message(subject=subject, recipients=[user.email], body=body)
