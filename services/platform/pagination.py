"""One page of a query, in the session the caller passes (``db.paginate`` always uses the global
session, which a service given its own session must not)."""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select

from models.base import DbSession


def paginate(session: DbSession, stmt: Select[Any], *, page: int, per_page: int) -> Pagination:
    """Page ``page`` of ``stmt``; a page past the end is empty rather than a 404."""
    return SelectPagination(
        select=stmt,
        session=session,
        page=page,
        per_page=per_page,
        max_per_page=None,
        error_out=False,
    )
