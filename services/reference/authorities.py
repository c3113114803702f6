"""Authorities that receive cases. Created by admins (CLI)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import Authority, Category
from models.base import DbSession
from services.errors import Conflict, DomainError, NotFound

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def create_authority(
    session: DbSession,
    *,
    slug: str,
    name_en: str,
    name_zh: str,
    jurisdiction_en: str = "",
    jurisdiction_zh: str = "",
    category_codes: list[str] | None = None,
    min_signatures: int = 3,
) -> Authority:
    """Raises :class:`DomainError` for a malformed slug, unknown category or bad minimum."""
    if not SLUG_PATTERN.match(slug):
        raise DomainError(_l("The short name may hold a-z, 0-9 and dashes."), field="slug")
    if session.scalar(select(Authority.id).where(Authority.slug == slug)):
        raise Conflict(_l("An authority with this short name already exists."), field="slug")
    if not 1 <= min_signatures <= 10000:
        raise DomainError(_l("The minimum must be between 1 and 10000."), field="min_signatures")
    categories: list[Category] = []
    if category_codes:
        categories = list(
            session.scalars(select(Category).where(Category.code.in_(category_codes)))
        )
        unknown = set(category_codes) - {c.code for c in categories}
        if unknown:
            raise DomainError(
                _l("Unknown categories: %(codes)s", codes=", ".join(sorted(unknown))),
                field="categories",
            )
    authority = Authority(
        slug=slug,
        name_en=name_en.strip(),
        name_zh=name_zh.strip(),
        jurisdiction_en=jurisdiction_en.strip(),
        jurisdiction_zh=jurisdiction_zh.strip(),
        min_signatures=min_signatures,
        categories=categories,
    )
    session.add(authority)
    session.flush()
    return authority


def get_by_slug(session: DbSession, slug: str) -> Authority:
    authority = session.scalar(select(Authority).where(Authority.slug == slug))
    if authority is None:
        raise NotFound(_l("No authority with the short name %(slug)s.", slug=slug))
    return authority
