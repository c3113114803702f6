"""Only same-site paths are followed after login (no open redirect through ``next``)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blueprints.forms import is_safe_next


@pytest.mark.parametrize("target", ["/me/", "/cases/abc?x=1", "/"])
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
    ],
)
def test_other_targets_are_refused(target: str | None) -> None:
    assert not is_safe_next(target)


def _where_a_browser_goes(target: str) -> str:
    """The host a browser reaches from https://chorus.example/ after ``Location: target``:
    it drops tabs and line breaks and reads a backslash as a slash (WHATWG URL parsing)."""
    cleaned = re.sub(r"[\t\n\r]", "", target).replace("\\", "/").lstrip("\x00 ")
    return urlsplit(urljoin("https://chorus.example/", cleaned)).netloc


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"/\\:.?#@%\t\n\r x", "evil.example", "http", "javascript"]),
        max_size=12,
    ).map("".join)
)
def test_no_accepted_target_leaves_the_site(target: str) -> None:
    """Whatever mix of slashes, backslashes, colons and whitespace: a target that is followed
    keeps the browser on this site."""
    if is_safe_next(target):
        assert _where_a_browser_goes(target) == "chorus.example", target
