"""The bundle's small parts: safe evidence names, manifest and tag-file formats, Markdown as
PDF text, and when a member's name is worth redacting."""

from __future__ import annotations

import pytest

from services.anonymize.text import redact
from services.bundle import bag
from services.bundle.pdf import Block, blocks
from services.bundle.tables import _name_terms


@pytest.mark.parametrize(
    ("display_name", "expected"),
    [
        ("receipt.png", "data/evidence/K7Q2-3-receipt.png"),
        ("转账 记录.jpg", "data/evidence/K7Q2-3-转账_记录.jpg"),
        ("../../etc/passwd", "data/evidence/K7Q2-3-etc_passwd"),
        ("..\\win\\cmd.exe", "data/evidence/K7Q2-3-win_cmd.exe"),
        ("100%\r\nsure.txt", "data/evidence/K7Q2-3-100_sure.txt"),
        (".hidden", "data/evidence/K7Q2-3-hidden"),
        ("", "data/evidence/K7Q2-3-file"),
    ],
)
def test_evidence_names_are_safe(display_name: str, expected: str) -> None:
    assert bag.evidence_name("K7Q2", 3, display_name) == expected


def test_long_evidence_names_keep_their_extension_and_numbers_keep_them_apart() -> None:
    name = bag.evidence_name("K7Q2", 12, "截图" * 200 + ".png")
    assert name.endswith(".png")
    assert len(name) < 120
    assert bag.evidence_name("K7Q2", 1, "a.png") != bag.evidence_name("K7Q2", 2, "a.png")


def test_manifest_round_trip_and_malformed_lines() -> None:
    digest = "ab" * 32
    text = bag.manifest_line(digest, "data/with space.txt") + "nonsense\n" + f"{digest}\n"
    entries, bad = bag.parse_manifest(text)
    assert entries == [(digest, "data/with space.txt")]
    assert bad == ["nonsense", digest]


def test_bag_info_values_stay_on_one_line() -> None:
    data = bag.format_bag_info([("External-Description", "第一行\n第二行"), ("Bag-Size", "1 KB")])
    assert data.decode() == "External-Description: 第一行 第二行\nBag-Size: 1 KB\n"
    assert bag.parse_tag_file(data.decode()) == {
        "External-Description": "第一行 第二行",
        "Bag-Size": "1 KB",
    }
    assert bag.human_size(999) == "999 bytes"
    assert bag.human_size(1_234_567) == "1.2 MB"


def test_markdown_becomes_readable_text_never_html() -> None:
    markdown = (
        "# 标题\n\nText with **bold** and <b>tags</b> and [a link](https://example.org).\n\n"
        "- first\n- second\n  1. nested\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "<script>alert(1)</script>\n"
    )
    assert list(blocks(markdown)) == [
        Block("heading", "标题", level=1),
        Block("text", "Text with bold and <b>tags</b> and a link (https://example.org)."),
        Block("text", "\u2022 first"),
        Block("text", "\u2022 second"),
        Block("text", "1. nested", indent=1),
        Block("text", "quoted", indent=1),
        Block("text", "a | b"),
        Block("text", "1 | 2"),
        Block("text", "<script>alert(1)</script>"),
    ]


@pytest.mark.parametrize(
    ("narrative", "expected"),
    [
        ("我是張 三，账户被冻结。", ["张三"]),  # traditional and spaced: still found
        ("ＺＨＡＮＧ san wrote this", []),
        ("账户被冻结，客服不回复。", []),
    ],
)
def test_name_is_passed_to_redact_exactly_when_it_can_match(
    narrative: str, expected: list[str]
) -> None:
    assert _name_terms("张三", narrative) == expected
    # skipping the name never changes the redaction
    assert redact(narrative, expected).text == redact(narrative, ["张三"]).text
