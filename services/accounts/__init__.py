"""Accounts: who someone is and what they may do.

- :mod:`.users`: registering, logging in, changing the password, ending every session;
- :mod:`.login_sessions`: each login kept on the server, so logging out ends it for good;
- :mod:`.registration`: registering without telling who has an account, confirming the address;
- :mod:`.recovery`: a forgotten password, and logging in by mailed link under attack;
- :mod:`.tokens`: the single-use links those mail; :mod:`.mail`: sending them after the commit;
- :mod:`.passwords`: argon2id hashing;
- :mod:`.two_factor`: the authenticator-app second step and its recovery codes;
- :mod:`.roles`: an account's role and whether it may log in (admin commands);
- :mod:`.api_tokens`: a regulator's tokens for the JSON API;
- :mod:`.personal_data`: a member's own data, exported as JSON or deleted.
"""

from .api_tokens import NewToken, create_token, revoke, tokens_of, user_for
from .passwords import burn_verification_time, hash_password, needs_rehash, verify_password
from .personal_data import DeletionReport, cases_of, check_deletable, delete_account, export
from .roles import set_active, set_role
from .two_factor import (
    Verification,
    disable,
    enable,
    grouped,
    new_secret,
    pending_secret,
    provisioning_uri,
    qr_svg,
    recovery_codes_left,
    regenerate_recovery_codes,
    required_for,
    reset,
    secret_of,
    verify,
)
from .users import (
    authenticate,
    change_password,
    create_user,
    end_every_session,
    find_by_email,
    load_user,
    normalize_email,
    record_login,
)

__all__ = [
    "DeletionReport",
    "NewToken",
    "Verification",
    "authenticate",
    "burn_verification_time",
    "cases_of",
    "change_password",
    "check_deletable",
    "create_token",
    "create_user",
    "delete_account",
    "disable",
    "enable",
    "end_every_session",
    "export",
    "find_by_email",
    "grouped",
    "hash_password",
    "load_user",
    "needs_rehash",
    "new_secret",
    "normalize_email",
    "pending_secret",
    "provisioning_uri",
    "qr_svg",
    "record_login",
    "recovery_codes_left",
    "regenerate_recovery_codes",
    "required_for",
    "reset",
    "revoke",
    "secret_of",
    "set_active",
    "set_role",
    "tokens_of",
    "user_for",
    "verify",
    "verify_password",
]
