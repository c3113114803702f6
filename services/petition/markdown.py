"""Markdown for the joint complaint, rendered safely: raw HTML is shown as text, and links may
only be http(s) or mailto."""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt
from markupsafe import Markup

SAFE_SCHEMES = ("http://", "https://", "mailto:")


class _SafeLinksMarkdown(MarkdownIt):
    """Links and images only to web and mail addresses: no ``javascript:``, no ``data:``."""

    def validateLink(self, url: str) -> bool:
        return url.strip().lower().startswith(SAFE_SCHEMES)


@cache
def _parser() -> MarkdownIt:
    parser = _SafeLinksMarkdown(
        "commonmark", {"html": False, "linkify": False, "typographer": False}
    )
    parser.enable("table")
    return parser


def render_markdown(text: str) -> Markup:
    return Markup(_parser().render(text or ""))  # noqa: S704 - html disabled, links checked
