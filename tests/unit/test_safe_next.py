"""Only same-site paths are followed after login."""

from __future__ import annotations

import pytest

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
