"""Error pages in the user's language, with the status code and never a stack trace."""

from __future__ import annotations

from typing import NoReturn

from flask import Flask, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

#: code -> (title, what to do next)
ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    401: (_l("Please log in"), _l("Log in to open this page.")),
    403: (_l("Not allowed"), _l("Your account may not open this page.")),
    404: (_l("Page not found"), _l("The address may be mistyped, or the page was removed.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    413: (
        _l("File too large"),
        _l("The upload is larger than allowed. Choose a smaller file and try again."),
    ),
    422: (_l("Please check the form"), _l("Some values could not be accepted.")),
    429: (
        _l("Too many attempts"),
        _l("Please wait a minute before trying again."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("Nothing you saved before is lost. Please try again in a moment."),
    ),
}
CSRF_TEXT = (
    _l("This form has expired"),
    _l("For your safety forms expire. Go back, reload the page and submit again."),
)


class UserMessage(str):
    """An error page's explanation written for the user, in their language."""


def refuse(code: int, message: str) -> NoReturn:
    """Stop the request with ``code`` and an error page that says ``message``."""
    abort(code, description=UserMessage(message))


def render_error(code: int, title: object = None, detail: object = None) -> tuple[str, int]:
    default_title, default_detail = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=title or default_title,
            detail=detail or default_detail,
        ),
        code,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str, int]:
        app.logger.info("CSRF refused on %s: %s", request.path, error.description)
        return render_error(400, *CSRF_TEXT)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        # refuse(403, _("...")) from a view says more than the generic text; descriptions
        # from libraries (the rate limiter's "5 per 1 minute") are not for users
        specific = error.description if isinstance(error.description, UserMessage) else None
        return render_error(error.code, detail=specific)

    @app.errorhandler(InternalServerError)
    def _internal(error: InternalServerError) -> tuple[str, int]:
        original = getattr(error, "original_exception", None)
        app.logger.error("Unhandled error on %s", request.path, exc_info=original)
        return render_error(500)
