"""Markdown for the joint complaint, rendered safely: raw HTML is shown as text, and links may
only be http(s) or mailto."""

from __future__ import annotations

from functools import cache, lru_cache

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


#: versions' texts kept rendered per process: a version's text never changes once saved, and
#: every signer's page shows the open one (facts, demands, body: about 1 ms each to parse)
RENDERED_TEXTS = 256


def render_markdown(text: str) -> Markup:
    return Markup(_rendered(text or ""))  # noqa: S704 - html disabled, links checked


@lru_cache(maxsize=RENDERED_TEXTS)
def _rendered(text: str) -> str:
    return str(_parser().render(text))
