"""The joint complaint of a case (the petition): drafted, signed, then submitted.

- :mod:`.drafting`: versions, comparing them, opening one for signing, the discussion,
  co-organizers;
- :mod:`.signing`: signing the frozen version and the hash-chained signature log;
- :mod:`.chain`: the hashes of versions and log entries, and verifying the chain;
- :mod:`.markdown`: rendering the petition's body safely.
"""

from .chain import ChainReport, entry_hash, hash_of, verify_chain, version_hash
from .drafting import (
    DiffLine,
    DraftInput,
    add_comment,
    comments,
    diff_versions,
    fill_from_case,
    get_version,
    hand_over,
    history,
    latest_version,
    open_for_signing,
    save_version,
    set_co_organizer,
)
from .markdown import render_markdown
from .signing import (
    SigningState,
    current_signature,
    identity_shown,
    open_version,
    sign,
    sign_again,
    signature_log,
    signing_state,
    verify_case_chain,
    verify_recent_entries,
    withdraw,
)

__all__ = [
    "ChainReport",
    "DiffLine",
    "DraftInput",
    "SigningState",
    "add_comment",
    "comments",
    "current_signature",
    "diff_versions",
    "entry_hash",
    "fill_from_case",
    "get_version",
    "hand_over",
    "hash_of",
    "history",
    "identity_shown",
    "latest_version",
    "open_for_signing",
    "open_version",
    "render_markdown",
    "save_version",
    "set_co_organizer",
    "sign",
    "sign_again",
    "signature_log",
    "signing_state",
    "verify_case_chain",
    "verify_chain",
    "verify_recent_entries",
    "version_hash",
    "withdraw",
]
