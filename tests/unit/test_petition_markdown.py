"""The joint complaint's Markdown: safe, and parsed once per text however many pages show it."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from services.petition.markdown import render_markdown


def test_raw_html_is_text_and_script_links_are_not_links() -> None:
    html = str(render_markdown("<b>x</b> [go](javascript:alert(1)) [ok](https://example.org)"))

    assert "&lt;b&gt;" in html
    assert 'href="javascript' not in html
    assert 'href="https://example.org"' in html


def test_a_text_shown_again_is_not_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    original = MarkdownIt.render

    def counted(parser: MarkdownIt, text: str, env: object = None) -> str:
        parsed.append(text)
        return original(parser, text, env)

    monkeypatch.setattr(MarkdownIt, "render", counted)
    text = "## Facts\n\nThe wallet froze **4,168** accounts on 3 November.\n"

    first = render_markdown(text)
    again = render_markdown(text)

    assert first == again
    assert "<strong>4,168</strong>" in first
    assert parsed == [text]
