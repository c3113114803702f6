"""How a command refuses: the one place where a service's refusal becomes a command's error.

A refused operation (:class:`services.errors.DomainError`, :class:`BundleError` and
:class:`CsvRefused` among them, or a :class:`BackupError`) leaves nothing half-saved and ends
the command with ``Error: <message>`` on stderr and exit code 1, as click does for a
:class:`click.ClickException`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import click

from extensions import db
from services.backup.archive import BackupError
from services.errors import DomainError

P = ParamSpec("P")
R = TypeVar("R")


def exit_on_refusal(command: Callable[P, R]) -> Callable[P, R]:
    """Run ``command``; on any error roll the session back, and turn a refusal into a click
    error with its message. Put it under ``@with_appcontext``, so the session is the app's."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        except BackupError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from error
        except Exception:
            db.session.rollback()
            raise

    return wrapper
