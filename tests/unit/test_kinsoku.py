"""Line breaking by the rules of Chinese typesetting, measured with one unit per character."""

from __future__ import annotations

from services.bundle.kinsoku import wrap


def _width(text: str) -> float:
    return float(len(text))


def test_closing_punctuation_hangs_instead_of_starting_a_line() -> None:
    assert wrap("一二三四五。六七八九十", 5, _width) == ["一二三四五。", "六七八九十"]
    assert wrap("一二三四五。」六七", 5, _width) == ["一二三四五。」", "六七"]


def test_an_opening_bracket_goes_down_with_what_it_opens() -> None:
    assert wrap("一二三四（五六七八", 5, _width) == ["一二三四", "（五六七八"]
    assert wrap("他说“不能退”", 3, _width) == ["他说", "“不能", "退”"]


def test_latin_words_and_amounts_break_at_spaces_only() -> None:
    assert wrap("refund of 1,280.00 refused", 10, _width) == ["refund of", "1,280.00", "refused"]
    assert wrap("金额1,280.00元", 8, _width) == ["金额", "1,280.00", "元"]
    assert wrap("a" * 25, 10, _width) == ["a" * 10, "a" * 10, "a" * 5]


def test_hard_breaks_and_empty_text_are_kept() -> None:
    assert wrap("第一行\n第二行", 10, _width) == ["第一行", "第二行"]
    assert wrap("", 10, _width) == [""]
