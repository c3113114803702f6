"""Respondent accounts: people who speak for one company, made and verified by an admin.

Only the command line makes them (``flask respondents create``), and an account sees nothing
until an admin has checked, outside the platform, that its owner really speaks for the company
(``flask respondents verify``). Two-step verification is required, as for regulators.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import Company, CompanyRespondent, User, UserRole, utcnow
from models.base import DbSession
from services import audit
from services.accounts import users as accounts
from services.errors import Conflict, NotFound


def create_respondent(
    session: DbSession,
    *,
    email: str,
    display_name: str,
    password: str,
    company: Company,
    locale: str | None = None,
) -> CompanyRespondent:
    """A respondent account of ``company``, not yet verified (it sees nothing until then)."""
    user = accounts.create_user(
        session,
        email=email,
        display_name=display_name,
        password=password,
        role=UserRole.RESPONDENT,
        locale=locale,
    )
    link = CompanyRespondent(user_id=user.id, company_id=company.id)
    session.add(link)
    session.flush()
    audit.record(session, "respondent.created", None, "user", user.id, company=company.slug)
    return link


def _link(session: DbSession, user: User) -> CompanyRespondent:
    link = session.get(CompanyRespondent, user.id)
    if link is None or user.role is not UserRole.RESPONDENT:
        raise NotFound(_l("No respondent account with this address."))
    return link


def verify_respondent(session: DbSession, user: User) -> CompanyRespondent:
    """Let the account act for its company; Conflict when it already may."""
    link = _link(session, user)
    if link.verified_at is not None:
        raise Conflict(_l("This respondent is already verified."))
    link.verified_at = utcnow()
    audit.record(session, "respondent.verified", None, "user", user.id, company=link.company.slug)
    return link


def list_respondents(session: DbSession) -> list[CompanyRespondent]:
    return list(
        session.scalars(
            select(CompanyRespondent)
            .join(User, User.id == CompanyRespondent.user_id)
            .order_by(CompanyRespondent.company_id, User.email)
        )
    )
