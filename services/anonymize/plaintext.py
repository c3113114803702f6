"""Plain text evidence (chat exports, copied e-mails, notes): decoded, redacted, stored as UTF-8.

Decoding follows :func:`services.anonymize.sniff.decode_bytes`, the one place that knows which
encodings we read, so a file is decoded exactly as it was sniffed. Redacting is
:func:`services.anonymize.text.redact` itself, exported here as :data:`anonymize_text` so a
caller handling a text upload needs this module only.
"""

from __future__ import annotations

from services.anonymize.sniff import NOT_ACCEPTED, UnreadableFile, decode_bytes, is_plain_text
from services.anonymize.text import Redaction, redact

__all__ = ["Redaction", "anonymize_text", "decode_text", "encode_text"]

#: ``anonymize_text(text, extra_terms=()) -> Redaction``: nothing to add to ``redact``
anonymize_text = redact


def decode_text(data: bytes) -> str:
    """The whole file as text with "\\n" line ends (a BOM dropped).

    Raises :class:`UnreadableFile` when it does not decode or holds binary control characters
    past the part that was sniffed (a text header glued to a binary file)."""
    text = decode_bytes(data, complete=True)
    if text is None or not is_plain_text(text):
        raise UnreadableFile(NOT_ACCEPTED)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def encode_text(text: str) -> bytes:
    """What is stored and pooled: UTF-8 without a BOM, whatever the upload's encoding was,
    so every reader opens it the same way."""
    return text.encode("utf-8")
