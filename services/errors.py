"""Domain errors that views turn into messages in the user's language."""

from __future__ import annotations


class DomainError(Exception):
    """A refused operation. ``field`` names the form field the message belongs next to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        # A lazy string is rendered by Jinja as trusted HTML (Flask-Babel's LazyString has
        # __html__), so one that interpolates what a user typed would be an injection: the
        # message becomes plain text here, in the language of the request, and is escaped.
        message = str(message)
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    pass


class NotAllowed(DomainError):
    """The user may not do this here (HTTP 403): not a member, not an organizer."""
