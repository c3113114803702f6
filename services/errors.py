"""Domain errors that views turn into messages in the user's language."""

from __future__ import annotations


class DomainError(Exception):
    """A refused operation. ``field`` names the form field the message belongs next to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    pass
