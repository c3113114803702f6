"""What visitors see, rendered once and shared: the home page, the case list and case pages.

The day a case goes viral, most of its traffic is people who are not logged in, and each of
them sees the same page as every other visitor of the same language and time zone but for one
thing: the CSRF token of the header's language form, which belongs to the visitor's session.
So the page is kept with that token replaced by a marker, and every answer puts the visitor's
own token back in. The queries and the rendering behind a page then happen once per
``VISITOR_PAGE_SECONDS`` per address, language and zone, in the shared cache (Redis in
production, so every worker shares it; the process's memory otherwise). What visitors see
is published in batches anyway (services.cases.published): a page some seconds old shows
nothing a fresh one would not.

Each answer carries an ETag over the kept page and the visitor's session token, and the time
the page was rendered as Last-Modified: a browser that asks again with ``If-None-Match`` gets
a 304 without a body. ``Cache-Control: private, no-cache``, because the token is the
visitor's own (no shared proxy may keep the page) and the browser must ask each time.

Never kept: pages of a logged-in user (their own), a page with a message waiting for the
visitor (a flash, in their session), and any answer but a 200.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import urlencode

from flask import Response, current_app, make_response, request, session
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from extensions import cache

#: stands for the visitor's CSRF token in a kept page; a "<" never comes out of escaped text,
#: so nothing a user wrote can be taken for it
TOKEN_MARKER = "<!--csrf-token-->"  # noqa: S105 - a placeholder, not a secret


class _KeptPage(TypedDict):
    #: the page's bytes around each place the visitor's token goes, so an answer is one join
    parts: list[bytes]
    digest: str
    rendered_at: float


def _shared(args: frozenset[str]) -> bool:
    """Whether this request may get (and fill) the visitors' shared page: a query argument
    the page does not read would only multiply the pages kept."""
    return bool(
        current_app.config.get("VISITOR_PAGE_SECONDS")
        and request.method in ("GET", "HEAD")
        and not current_user.is_authenticated
        and "_flashes" not in session
        and set(request.args) <= args
    )


def _key() -> str:
    query = urlencode(sorted(request.args.items(multi=True)))
    return "|".join(
        ("visitor", request.path, query, str(get_locale()), str(get_timezone()), _build())
    )


def _build() -> str:
    """Changes with the templates and catalogs, so a release that changed a page never serves
    the page the release before it kept (pages are kept only seconds: code is not hashed)."""
    build = current_app.extensions.get("chorus.visitor_build")
    if build is None:
        root = Path(current_app.root_path)
        digest = hashlib.sha256()
        for path in sorted([*root.glob("templates/**/*.html"), *root.glob("translations/**/*.mo")]):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
        build = current_app.extensions["chorus.visitor_build"] = digest.hexdigest()[:16]
    return str(build)


def _keep(response: Response) -> _KeptPage | None:
    if response.status_code != 200 or response.mimetype != "text/html":
        return None
    body = response.get_data().replace(generate_csrf().encode(), TOKEN_MARKER.encode())
    page: _KeptPage = {
        "parts": body.split(TOKEN_MARKER.encode()),
        "digest": hashlib.sha256(body).hexdigest(),
        "rendered_at": datetime.now(UTC).timestamp(),
    }
    cache.set(_key(), page, timeout=int(current_app.config["VISITOR_PAGE_SECONDS"]))
    return page


def _answer(page: _KeptPage) -> Response:
    token = generate_csrf()  # the visitor's own; starts their session if they had none
    response = current_app.response_class(token.encode().join(page["parts"]), mimetype="text/html")
    # the raw token in the session (Flask-WTF keeps it under the form field's name)
    raw_token = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), "")
    own = f"{page['digest']}:{raw_token}"
    response.set_etag(hashlib.sha256(own.encode()).hexdigest()[:40])
    response.last_modified = datetime.fromtimestamp(page["rendered_at"], UTC)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.update(("Cookie", "Accept-Language"))
    response.make_conditional(request)  # 304 and no body when the browser has this page
    return response


def shared_with_visitors(
    *, args: Iterable[str] = ()
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Serve the view's page to visitors from the shared cache (see the module's docstring);
    ``args``: the query arguments the page reads (any other one is served uncached)."""
    known = frozenset(args)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def serve(*view_args: Any, **view_kwargs: Any) -> Any:
            if not _shared(known):
                return view(*view_args, **view_kwargs)
            page: _KeptPage | None = cache.get(_key())
            if page is None:
                response = make_response(view(*view_args, **view_kwargs))
                page = _keep(response)
                if page is None:
                    return response
            return _answer(page)

        return serve

    return decorate
