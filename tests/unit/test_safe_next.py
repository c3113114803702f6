"""Only same-site paths are followed after login (no open redirect through ``next``)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blueprints.forms import NEXT_DECODINGS, is_safe_next
from tests.support.web import where_a_browser_goes


@pytest.mark.parametrize(
    "target",
    ["/me/", "/cases/abc?x=1", "/", "/cases/?q=%E6%94%AF%E4%BB%98", "/cases/?q=a%20b", "/案件"],
)
def test_local_paths_are_followed(target: str) -> None:
    assert is_safe_next(target)


@pytest.mark.parametrize(
    "target",
    [
        "",
        None,
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "me/",
        "http:/evil.example",
        # characters a browser drops, or a header cannot carry
        "/\nfoo",
        "/a\r\nSet-Cookie: session=planted",
        "/\t/evil.example",
        "/\x00",
        "/ /evil.example",
        "/\u2028",
        "/\u200b/evil.example",
        # the same, percent-encoded once or more
        "/%2F%2Fevil.example",
        "/%2f%2fevil.example",
        "/%5Cevil.example",
        "/%252F%252Fevil.example",
        "/%0Afoo",
        "/%0d%0aSet-Cookie:%20x",
        "/..//evil.example",
        "/..%2F%2Fevil.example",
        "/" + "%25" * NEXT_DECODINGS + "2F/evil.example",
    ],
)
def test_other_targets_are_refused(target: str | None) -> None:
    assert not is_safe_next(target)


PIECES = [
    *"/\\:.?#@% x",
    *"\t\n\r\x00\x0b\x0c\x85\u2028\u3000\ufeff",
    "%2F",
    "%2f",
    "%5C",
    "%0A",
    "%0d",
    "%09",
    "%25",
    "%00",
    "..",
    "evil.example",
    "http",
    "javascript",
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_no_accepted_target_leaves_the_site(target: str) -> None:
    """Whatever mix of slashes, backslashes, colons, whitespace and percent-encodings: a target
    that is followed keeps the browser on this site, and so does each decoding of it."""
    if is_safe_next(target):
        layer = target
        for _ in range(NEXT_DECODINGS + 1):
            assert where_a_browser_goes(layer) == "chorus.example", (target, layer)
            assert not {"\n", "\r"} & set(layer), target
            layer = unquote(layer)
