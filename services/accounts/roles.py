"""Changing what an account may do: its role, and whether it may log in at all.

Both are privilege changes, so both land in the audit log with the values before and after and
who made them (None when it came from the command line, which has no account).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from models import Authority, User, UserRole
from models.base import DbSession
from models.user import new_session_nonce
from services import audit
from services.errors import DomainError


def set_role(
    session: DbSession,
    user: User,
    role: UserRole,
    authority: Authority | None = None,
    *,
    actor_user_id: int | None = None,
) -> bool:
    """Give ``user`` ``role`` (a regulator with its ``authority``); False when nothing changed.

    Raises :class:`DomainError` when a regulator has no authority or anyone else is given one,
    the same rule as for new accounts. Every other session of the account ends: a session opened
    under the old role should not carry on as if nothing happened.
    """
    if (role is UserRole.REGULATOR) != (authority is not None):
        raise DomainError(
            _l("A regulator must belong to exactly one authority."), field="authority"
        )
    old_role, old_authority = user.role, user.authority
    if old_role is role and old_authority is authority:
        return False
    user.role = role
    user.authority = authority
    user.session_nonce = new_session_nonce()
    authorities = {
        key: value.slug
        for key, value in (("old_authority", old_authority), ("new_authority", authority))
        if value is not None
    }
    audit.record(
        session,
        "role.changed",
        actor_user_id,
        "user",
        user.id,
        old_role=old_role.value,
        new_role=role.value,
        **authorities,
    )
    return True


def set_active(
    session: DbSession, user: User, active: bool, *, actor_user_id: int | None = None
) -> bool:
    """Let the account log in again, or stop it; False when it already was so.

    Deactivating ends every session at once (the login cookie carries the nonce): an account
    closed for abuse must not keep the browser tab it already had open.
    """
    if user.active is active:
        return False
    user.active = active
    if not active:
        user.session_nonce = new_session_nonce()
    audit.record(
        session,
        "account.activated" if active else "account.deactivated",
        actor_user_id,
        "user",
        user.id,
    )
    return True
