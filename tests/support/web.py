"""What the tests send and expect over HTTP, whichever redirect code Flask picks.

Flask's ``redirect()`` answers 302 today and may answer 303 ("See Other") from a later release;
a browser follows either with a GET, which is what every "done, go there" of this site means.
A test checks that the answer is such a redirect and where it leads, never the exact code; only a
test of a permanent redirect (an old address) checks for its 308.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

#: ask for the English pages, whose words the tests look for
EN = {"Accept-Language": "en"}

#: what may answer a form (POST): codes a browser follows with a GET
AFTER_POST = frozenset({302, 303})
#: what may answer a GET: those, and 307, which repeats the GET
AFTER_GET = AFTER_POST | {307}


def is_redirect(status: int, method: str = "POST") -> bool:
    """Whether ``status`` is a temporary redirect fit to answer a ``method`` request."""
    return status in (AFTER_GET if method.upper() in ("GET", "HEAD") else AFTER_POST)


def assert_redirects(response: Any, to: str | None = None) -> str:
    """Assert that ``response`` (a Flask test or a requests response) is a temporary redirect fit
    for its request, and that it leads to ``to`` when given; return where it leads."""
    request = response.request
    asked = f"{request.method} {getattr(request, 'path', None) or request.path_url}"
    location = response.headers.get("Location", "")
    assert is_redirect(response.status_code, request.method), (
        f"{asked} answered {response.status_code}, not a redirect (Location {location!r})"
    )
    assert location, f"{asked} answered {response.status_code} without a Location"
    if to is not None:
        assert location == to, f"{asked} redirected to {location!r}, not {to!r}"
    return location


def where_a_browser_goes(location: str, site: str = "https://chorus.example/") -> str:
    """The host a browser on ``site`` reaches after ``Location: location``: it drops tabs and
    line breaks anywhere, leading and trailing controls and spaces, and reads a backslash as a
    slash (WHATWG URL parsing)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    cleaned = re.sub(r"^[\x00-\x20]+|[\x00-\x20]+$", "", cleaned)
    return urlsplit(urljoin(site, cleaned)).netloc
