"""Companies and their aliases."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Company, CompanyAlias, CompanyStatus
from services.company_names import normalize_name
from services.errors import Conflict


def create_company(
    session: Session,
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
