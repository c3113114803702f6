"""Public reading of group cases: the list visitors browse and the figures a case page shows.

Only aggregates leave this module: no narrative, no identity, no pseudonym.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from models import CaseStatus, Category, Company, CompanyAlias, GroupCase, Membership
from models.base import DbSession
from services.platform.pagination import paginate
from services.reference.company_names import normalize_name

PAGE_SIZE = 20


@dataclass(frozen=True)
class CaseFilters:
    query: str = ""
    company_id: int | None = None
    category_id: int | None = None
    status: CaseStatus | None = None
    sort: str = "recent"  #: "recent" (latest activity) or "size" (most members)


@dataclass(frozen=True)
class CasePage:
    """One page of cases with their member counts."""

    pagination: Pagination
    rows: list[tuple[GroupCase, int]]


def search_cases(
    session: DbSession, filters: CaseFilters, page: int, per_page: int = PAGE_SIZE
) -> CasePage:
    """Cases matching ``filters``, most recently active first."""
    stmt = select(GroupCase).options(
        joinedload(GroupCase.company),
        joinedload(GroupCase.category),
        selectinload(GroupCase.submissions),  # the badge says where the authority has it
    )
    if filters.sort == "size":
        stmt = stmt.order_by(GroupCase.member_count.desc(), GroupCase.id.desc())
    else:
        stmt = stmt.order_by(GroupCase.updated_at.desc(), GroupCase.id.desc())
    if filters.company_id:
        stmt = stmt.where(GroupCase.company_id == filters.company_id)
    if filters.category_id:
        stmt = stmt.where(GroupCase.category_id == filters.category_id)
    if filters.status:
        stmt = stmt.where(GroupCase.status == filters.status)
    if filters.query.strip():
        stmt = stmt.where(_text_condition(filters.query))
    pagination = paginate(session, stmt, page=page, per_page=per_page)
    return CasePage(pagination, [(case, case.member_count) for case in pagination.items])


def _text_condition(query: str) -> ColumnElement[bool]:
    """Words of the title (in either language) or summary, or any alias of the company
    ("支付宝" finds Alipay's cases)."""
    needle = f"%{query.strip()[:100]}%"
    alias_match = select(CompanyAlias.company_id).where(
        CompanyAlias.normalized.like(f"%{normalize_name(query)[:100]}%")
    )
    return or_(
        GroupCase.title.ilike(needle),
        GroupCase.title_other.ilike(needle),
        GroupCase.summary.ilike(needle),
        GroupCase.company_id.in_(alias_match),
    )


def directory_totals(session: DbSession) -> dict[str, int]:
    """Headline numbers for the home page."""
    return {
        "cases": session.scalar(select(func.count(GroupCase.id))) or 0,
        "members": session.scalar(select(func.count(func.distinct(Membership.user_id)))) or 0,
        "companies": session.scalar(select(func.count(func.distinct(GroupCase.company_id)))) or 0,
    }


def filter_choices(session: DbSession) -> tuple[list[Company], list[Category]]:
    companies = list(
        session.scalars(
            select(Company)
            .where(Company.id.in_(select(GroupCase.company_id)))
            .order_by(Company.name_en)
        )
    )
    categories = list(session.scalars(select(Category).order_by(Category.position)))
    return companies, categories
