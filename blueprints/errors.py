"""Error pages in the user's language, with the status code and never a stack trace.

The one place where a refused operation becomes an HTTP answer: services raise
:mod:`services.errors`, views let them through, and the handler of each error type rolls back
what the request wrote and answers JSON under the API, an error page elsewhere. Under
``/api/`` every error is JSON, the addresses and methods the API does not have included; an
answer keeps the headers its error carries (``Allow`` with a 405, ``WWW-Authenticate``...).
"""

from __future__ import annotations

from typing import NoReturn

from flask import Flask, abort, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.exceptions import NotFound as HTTPNotFound
from werkzeug.wrappers import Response

from extensions import db
from services.errors import Conflict, DomainError, NotAllowed, NotFound

#: an error's answer: its body (a page, or JSON under the API), status and headers
Answer = tuple[str | Response, int] | tuple[str | Response, int, list[tuple[str, str]]]

#: code -> (title, what to do next)
ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    401: (_l("Please log in"), _l("Log in to open this page.")),
    403: (_l("Not allowed"), _l("Your account may not open this page.")),
    404: (_l("Page not found"), _l("The address may be mistyped, or the page was removed.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    409: (_l("Not allowed"), _l("Some values could not be accepted.")),
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
    """The error page of ``code`` in the user's language; ``title`` and ``detail`` replace the
    standard texts of the code."""
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


#: the API blueprint's name, and where its addresses start: errors there are answered in JSON
API = "api"
API_PREFIX = "/api/"


def _under_api() -> bool:
    """The API's views, and any other address under ``/api/`` (one that does not exist, or a
    method it does not accept, belongs to no blueprint)."""
    return request.blueprint == API or request.path.startswith(API_PREFIX)


def _headers_of(error: HTTPException) -> list[tuple[str, str]]:
    """What the error says beside its body: ``Allow`` (405), ``WWW-Authenticate`` (401),
    ``Content-Range`` (416), ``Retry-After``..., without its own content type."""
    return [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]


def _refused(error: DomainError, code: int) -> tuple[str | Response, int]:
    """Roll back what the request wrote, then answer ``code``: under the API the JSON it has
    always sent (``{"error", "field"}``), elsewhere the error page with the refusal's message."""
    db.session.rollback()
    if _under_api():
        return jsonify(error=error.message, field=error.field), code
    return render_error(code, detail=error.message)


def answer_http_error(error: HTTPException) -> Answer | HTTPException:
    """An HTTP error as the client reads it: JSON under the API, the error page elsewhere,
    with the error's own headers. Handlers for one error type (the evidence upload's 413)
    hand back here for the requests they do not answer themselves."""
    if error.code is None or error.code < 400:
        return error
    # refuse(403, _("...")) from a view says more than the generic text; descriptions
    # from libraries (the rate limiter's "5 per 1 minute") are not for users
    specific = error.description if isinstance(error.description, UserMessage) else None
    if _under_api():
        return jsonify(error=str(specific or error.name)), error.code, _headers_of(error)
    page, code = render_error(error.code, detail=specific)
    return page, code, _headers_of(error)


def register_error_handlers(app: Flask) -> None:
    """Error pages for HTTP errors, and one handler per domain error type (the most specific
    one wins, so :class:`DomainError` answers only for the refusals the others do not)."""

    @app.errorhandler(NotFound)
    def _not_found(_error: NotFound) -> tuple[str | Response, int]:
        """404, as for an address that does not exist: the same generic page (and under the
        API the same ``{"error": "Not Found"}``), so the answer reveals nothing."""
        db.session.rollback()
        if _under_api():
            return jsonify(error=HTTPNotFound().name), 404
        return render_error(404)

    @app.errorhandler(NotAllowed)
    def _not_allowed(error: NotAllowed) -> tuple[str | Response, int]:
        return _refused(error, 403)

    @app.errorhandler(Conflict)
    def _conflict(error: Conflict) -> tuple[str | Response, int]:
        return _refused(error, 409)

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError) -> tuple[str | Response, int]:
        return _refused(error, 422)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Answer | HTTPException:
        if isinstance(request.routing_exception, HTTPException):
            # the check runs before routing is acted on: an address or method that does not
            # exist is answered as such (404, or 405 with Allow), not as an expired form
            return _http(request.routing_exception)
        app.logger.info("CSRF refused on %s: %s", request.path, error.description)
        return render_error(400, *CSRF_TEXT)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Answer | HTTPException:
        return answer_http_error(error)

    @app.errorhandler(InternalServerError)
    def _internal(error: InternalServerError) -> Answer:
        original = getattr(error, "original_exception", None)
        app.logger.error("Unhandled error on %s", request.path, exc_info=original)
        if _under_api():
            return jsonify(error=error.name), 500
        return render_error(500)
