"""What every feature stands on: storage, background jobs, languages, hashing.

- :mod:`.storage`: content-addressed files on local disk or S3;
- :mod:`.jobs`: slow work run off the request, inline or through Redis;
- :mod:`.i18n`, :mod:`.labels`, :mod:`.formatting`, :mod:`.fonts`: the user's language,
  labels of stored codes, money, and the CJK font;
- :mod:`.pagination`: one page of a query in the caller's session;
- :mod:`.hashing`, :mod:`.retry`, :mod:`.day_range`: canonical hashes, retried transactions,
  whole-UTC-day filters.
"""

from .day_range import start_of, within_days
from .fonts import pillow_font
from .formatting import money
from .hashing import canonical_json, content_hash, sha256_hex
from .i18n import current_language, localized, select_locale
from .labels import label
from .pagination import paginate
from .retry import is_retryable, run_with_retries

__all__ = [
    "canonical_json",
    "content_hash",
    "current_language",
    "is_retryable",
    "label",
    "localized",
    "money",
    "paginate",
    "pillow_font",
    "run_with_retries",
    "select_locale",
    "sha256_hex",
    "start_of",
    "within_days",
]
