"""Failed logins counted so that an attacker cannot lock the owner out.

Limits that answer 429 count per client address (``LOGIN_RATE_LIMIT``) and per account *and*
client (``LOGIN_RATE_LIMIT_PER_ACCOUNT``): a guesser is stopped, and the owner, from any other
client, still logs in. Guessing from many clients is caught by a third count, per account over
every client (``LOGIN_ALERT_LIMIT``), which never refuses: past it the account is "under
attack", every attempt gets the same answer ("if the password was right, we mailed you a
link"), and only the mailed link (then the second step, where there is one) finishes the
login. Guessing is then pointless, as the answer no longer says whether the password was
right, and the owner is never locked out. Counted in the limiter's storage (Redis when set),
so every web process sees the same counts.

Forms that mail someone (registering, asking for a new password) count every POST per client
and per typed address; guesses at a mailed link's password or code count against the link.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from flask import current_app, request
from limits import RateLimitItem, parse_many

from extensions import limiter
from services.accounts import users as accounts
from services.accounts.tokens import digest

View = TypeVar("View", bound=Callable[..., Any])

NAMESPACE = "login-alert"


def _limits() -> list[RateLimitItem]:
    return list(parse_many(current_app.config["LOGIN_ALERT_LIMIT"]))


def _key(email: str) -> str:
    return accounts.normalize_email(email)[:254]


def under_attack(email: str) -> bool:
    """Whether failed logins of this address, from every client together, passed the alert
    limit (the address need not have an account: the answer must not tell)."""
    if not limiter.enabled:  # RATELIMIT_ENABLED off: nothing is counted, nothing trips
        return False
    return any(not limiter.limiter.test(item, NAMESPACE, _key(email)) for item in _limits())


def count_failure(email: str) -> None:
    if not limiter.enabled:
        return
    for item in _limits():
        limiter.limiter.hit(item, NAMESPACE, _key(email))


def typed_email_key(prefix: str) -> Callable[[], str]:
    """A rate-limit key for the address typed into a form, whether or not it has an account."""
    return lambda: prefix + accounts.normalize_email(request.form.get("email", ""))[:254]


def limited_per_client_and_address(
    per_client: str, per_address: str, address_key: Callable[[], str]
) -> Callable[[View], View]:
    """Every POST counts against the client (setting ``per_client``) and the typed address
    (``per_address``), known or not: mail cannot be sent to one address over and over."""

    def decorate(view: View) -> View:
        by_address = limiter.limit(
            lambda: current_app.config[per_address], methods=["POST"], key_func=address_key
        )
        by_client = limiter.limit(lambda: current_app.config[per_client], methods=["POST"])
        return cast(View, by_client(by_address(view)))

    return decorate


def link_key(prefix: str) -> Callable[[], str]:
    """Guesses at a mailed link's password or code count against that link (and the client)."""
    return lambda: prefix + digest(str((request.view_args or {}).get("token", "")))


@contextmanager
def steady_answer(setting: str) -> Iterator[None]:
    """Answer no sooner than ``setting`` seconds after the block began: the work behind an
    answer that must not tell whether an address has an account is already the same in every
    branch; this floor also hides what little still differs (one row more or less) when a
    loaded server stretches it."""
    deadline = time.monotonic() + float(current_app.config[setting])
    yield
    time.sleep(max(0.0, deadline - time.monotonic()))
