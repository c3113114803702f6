"""Two-step verification: a time-based code from an authenticator app (RFC 6238), with
one-time recovery codes for a lost phone.

Regulators and admins must use it: a stolen regulator password would otherwise open every
bundle of an authority. Members may turn it on.

The authenticator secret is stored encrypted (Fernet, key derived from SECRET_KEY): a copy
of the database alone does not let anyone mint codes. Changing SECRET_KEY therefore turns
every enrolled authenticator off in practice; recovery codes (hashed, not encrypted) still
work and let people enrol again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from models import LoginSession, RecoveryCode, User, UserRole, utcnow
from models.base import DbSession
from models.user import new_session_nonce
from services import audit
from services.accounts.passwords import verify_password
from services.errors import DomainError

ISSUER = "Chorus"
RECOVERY_CODE_COUNT = 10
#: unambiguous letters and digits, grouped for reading aloud: 10 characters ≈ 50 bits
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_LENGTH = 10
#: one step either side: a phone clock 30 s off still works
VALID_WINDOW = 1
STEP_SECONDS = 30

ROLES_REQUIRING = frozenset({UserRole.REGULATOR, UserRole.ADMIN, UserRole.RESPONDENT})


@dataclass(frozen=True)
class Verification:
    ok: bool
    used_recovery_code: bool = False
    recovery_codes_left: int = 0


def required_for(user: User) -> bool:
    return user.role in ROLES_REQUIRING


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """An inline SVG of the QR code: no image request, nothing for a CSP to block."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#111", light="#fff")


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _fernet() -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"chorus totp secret"
    ).derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def _open(sealed: str | None) -> str | None:
    if not sealed:
        return None
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def secret_of(user: User) -> str | None:
    """The user's authenticator secret, or None when none is enrolled or it cannot be opened."""
    return _open(user.totp_secret)


def pending_secret(login: LoginSession, *, create: bool = True) -> str | None:
    """The secret being enrolled on this login, made on first use (when ``create``) and kept on
    the server (sealed, on the login's row) so that a reload shows the same key and the key
    never travels in the cookie, which is signed but readable."""
    secret = _open(login.totp_pending_secret)
    if secret is None and create:
        secret = new_secret()
        login.totp_pending_secret = _seal(secret)
    return secret


def _normalize(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _digest(code: str) -> str:
    return hashlib.sha256(_normalize(code).encode()).hexdigest()


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code equals ``code``, within the window, compared in constant time."""
    code = _normalize(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // STEP_SECONDS)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _new_recovery_codes(session: DbSession, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.expire(user, ["recovery_codes"])
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    session.add_all(RecoveryCode(user_id=user.id, code_sha256=_digest(code)) for code in codes)
    # shown in capitals, which read unambiguously aloud and on paper; typed in any case
    return [f"{code[:5]}-{code[5:]}".upper() for code in codes]


def enable(
    session: DbSession, user: User, secret: str, code: str, *, login: LoginSession | None = None
) -> list[str]:
    """Turn verification on once the app shows it has the secret; returns the recovery codes,
    which are shown once and never again. The ``login`` it was enrolled on forgets it."""
    step = _matching_step(secret, code, time.time())
    if step is None:
        raise DomainError(
            _l("That code is not right. Check the time on your phone and try the newest code."),
            field="code",
        )
    user.totp_secret = _seal(secret)
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    if login is not None:
        login.totp_pending_secret = None
    codes = _new_recovery_codes(session, user)
    audit.record(session, "two_factor.enabled", user.id, "user", user.id)
    return codes


def verify(session: DbSession, user: User, code: str, *, now: float | None = None) -> Verification:
    """Check an authenticator code or, failing that, an unused recovery code (spent by use).

    A code already accepted is refused the second time, so one overheard code opens one session.
    """
    secret = secret_of(user)
    if secret is not None:
        step = _matching_step(secret, code, time.time() if now is None else now)
        if step is not None and step > (user.totp_last_step or -1):
            user.totp_last_step = step
            audit.record(session, "two_factor.passed", user.id, "user", user.id)
            return Verification(ok=True)
    digest = _digest(code)
    unused = [c for c in user.recovery_codes if c.used_at is None]
    for recovery in unused:
        if hmac.compare_digest(recovery.code_sha256, digest):
            recovery.used_at = utcnow()
            audit.record(session, "two_factor.recovery_code_used", user.id, "user", user.id)
            return Verification(
                ok=True, used_recovery_code=True, recovery_codes_left=len(unused) - 1
            )
    audit.record(session, "two_factor.failed", user.id, "user", user.id)
    return Verification(ok=False)


def recovery_codes_left(user: User) -> int:
    return sum(1 for code in user.recovery_codes if code.used_at is None)


def _check_password(user: User, password: str) -> None:
    if not verify_password(user.password_hash, password):
        raise DomainError(_l("The password is not correct."), field="password")


def regenerate_recovery_codes(session: DbSession, user: User, password: str) -> list[str]:
    """New codes replace all old ones (used or not): for when the old list was lost or seen."""
    _check_password(user, password)
    if not user.two_factor_enabled:
        raise DomainError(_l("Two-step verification is not on."))
    codes = _new_recovery_codes(session, user)
    audit.record(session, "two_factor.recovery_codes_renewed", user.id, "user", user.id)
    return codes


def reset(session: DbSession, user: User, *, actor_user_id: int | None = None) -> bool:
    """An operator's answer to a lost phone and lost recovery codes: the second step is removed
    and every session ends; whoever logs in next with the password enrols afresh (at once, for
    a regulator or admin). False when there was nothing to reset."""
    if not user.two_factor_enabled:
        return False
    _forget(session, user)
    user.session_nonce = new_session_nonce()
    audit.record(session, "two_factor.reset", actor_user_id, "user", user.id)
    return True


def _forget(session: DbSession, user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.expire(user, ["recovery_codes"])


def disable(session: DbSession, user: User, password: str) -> None:
    if required_for(user):
        raise DomainError(_l("Your role requires two-step verification; it cannot be turned off."))
    _check_password(user, password)
    if not user.two_factor_enabled:
        raise DomainError(_l("Two-step verification is not on."))
    _forget(session, user)
    audit.record(session, "two_factor.disabled", user.id, "user", user.id)
