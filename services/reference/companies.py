"""Companies and their aliases."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from models import (
    CaseTerm,
    Company,
    CompanyAlias,
    CompanyStatus,
    Complaint,
    ComplaintTerm,
    GroupCase,
)
from models.base import DbSession, rows_changed
from services.errors import Conflict, DomainError, NotFound
from services.reference.company_names import normalize_name


def create_company(
    session: DbSession,
    *,
    slug: str,
    name_en: str,
    name_zh: str,
    aliases: list[str] | tuple[str, ...] = (),
    country: str | None = None,
    website: str | None = None,
    status: CompanyStatus = CompanyStatus.APPROVED,
    proposed_by_id: int | None = None,
) -> Company:
    """Create a company whose names and aliases all resolve to it.

    Raises :class:`Conflict` when a name already belongs to another company: one name must
    never point at two companies, or matching would merge unrelated cases.
    """
    company = Company(
        slug=slug,
        name_en=name_en.strip(),
        name_zh=name_zh.strip(),
        country=country,
        website=website,
        status=status,
        proposed_by_id=proposed_by_id,
    )
    seen: set[str] = set()
    for alias in (name_zh, name_en, *aliases):
        normalized = normalize_name(alias)
        if not normalized or normalized in seen:
            continue
        owner = session.scalar(select(CompanyAlias).where(CompanyAlias.normalized == normalized))
        if owner is not None:
            raise Conflict(
                _l("The name %(name)s is already used by another company.", name=alias),
                field="name",
            )
        seen.add(normalized)
        company.aliases.append(CompanyAlias(alias=alias.strip(), normalized=normalized))
    session.add(company)
    session.flush()
    return company


def proposed_companies(session: DbSession) -> list[Company]:
    return list(
        session.scalars(
            select(Company)
            .where(Company.status == CompanyStatus.PROPOSED)
            .order_by(Company.created_at)
        )
    )


def get_company(session: DbSession, slug: str) -> Company:
    company = session.scalar(select(Company).where(Company.slug == slug))
    if company is None:
        raise NotFound(_l("No company with the short name %(slug)s.", slug=slug))
    return company


def approve_company(
    session: DbSession,
    company: Company,
    *,
    slug: str | None = None,
    name_en: str | None = None,
    name_zh: str | None = None,
) -> Company:
    """Accept a proposed company, optionally giving it its proper names (added as aliases)."""
    if slug:
        company.slug = slug
    for field, value in (("name_en", name_en), ("name_zh", name_zh)):
        if value:
            setattr(company, field, value.strip())
            _add_alias(session, company, value)
    company.status = CompanyStatus.APPROVED
    session.flush()
    return company


def reject_company(company: Company) -> None:
    """Refuse a proposal: its names stop resolving, its complaints keep it for the record."""
    company.status = CompanyStatus.REJECTED


def merge_company(session: DbSession, source: Company, target: Company) -> int:
    """Fold a proposed duplicate ("Alipay Ltd") into the real company: its complaints, cases
    and names move over. Returns how many complaints moved."""
    if source.id == target.id:
        raise DomainError(_l("A company cannot be merged into itself."))
    moved = rows_changed(
        session,
        update(Complaint).where(Complaint.company_id == source.id).values(company_id=target.id),
    )
    session.execute(
        update(GroupCase).where(GroupCase.company_id == source.id).values(company_id=target.id)
    )
    session.execute(
        update(CaseTerm).where(CaseTerm.company_id == source.id).values(company_id=target.id)
    )
    session.execute(
        update(ComplaintTerm)
        .where(ComplaintTerm.company_id == source.id)
        .values(company_id=target.id)
    )
    session.execute(
        update(CompanyAlias)
        .where(CompanyAlias.company_id == source.id)
        .values(company_id=target.id)
    )
    session.expire(target, ["aliases"])
    session.delete(source)
    session.flush()
    return moved or 0


def _add_alias(session: DbSession, company: Company, name: str) -> None:
    normalized = normalize_name(name)
    if not normalized:
        return
    owner = session.scalar(select(CompanyAlias).where(CompanyAlias.normalized == normalized))
    if owner is None:
        company.aliases.append(CompanyAlias(alias=name.strip(), normalized=normalized))
    elif owner.company_id != company.id:
        raise Conflict(
            _l("The name %(name)s is already used by another company.", name=name), field="name"
        )
