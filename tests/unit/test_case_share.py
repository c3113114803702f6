"""The pieces of sharing a case that need no app: the QR code, title wrapping, the card."""

from __future__ import annotations

import io
import re

import pytest
import segno
from PIL import Image

from services.cases import sharing as case_share
from services.platform.fonts import BOLD, pillow_font

URL = "https://chorus.example/cases/Ab3dEf6hJk9m"


def test_qr_svg_is_the_code_of_the_url_labelled_for_screen_readers() -> None:
    svg = case_share.qr_svg(URL, 'QR code of "the case" <link>')
    assert svg.startswith(
        '<svg role="img" aria-label="QR code of &#34;the case&#34; &lt;link&gt;" '
    )
    assert '<title>QR code of "the case" &lt;link&gt;</title>' in svg
    plain = segno.make(URL).svg_inline()
    expected_path = re.search(r' d="([^"]+)"', plain)
    assert expected_path is not None
    assert f'd="{expected_path.group(1)}"' in svg
    # the quiet zone: 4 modules on every side of the symbol, drawn light
    size = segno.make(URL).symbol_size(border=4)[0]
    assert f'viewBox="0 0 {size} {size}"' in svg
    assert f'<path fill="{case_share.QR_LIGHT}" d="M0 0h{size}v{size}h-{size}z"/>' in svg
    assert f'stroke="{case_share.QR_DARK}"' in svg


def test_qr_png_is_a_png_with_its_quiet_zone() -> None:
    image = Image.open(io.BytesIO(case_share.qr_png(URL)))
    assert image.format == "PNG"
    scale, border = case_share.QR_PNG_SCALE, case_share.QR_BORDER
    assert image.size == segno.make(URL).symbol_size(scale=scale, border=border)
    grey = image.convert("L")
    quiet = border * scale
    assert {grey.getpixel((x, y)) for x in range(quiet) for y in range(quiet)} == {255}
    assert grey.getpixel((quiet + 1, quiet + 1)) < 128  # the finder pattern's dark corner


@pytest.fixture
def font() -> case_share.Font:
    return pillow_font(64, BOLD)


def test_wrap_breaks_latin_between_words(font: case_share.Font) -> None:
    lines = case_share.wrap("WalletPro freezes balances after every top-up", font, 600, 3)
    assert len(lines) > 1
    assert " ".join(lines) == "WalletPro freezes balances after every top-up"
    assert all(font.getlength(line) <= 600 for line in lines)


def test_wrap_breaks_chinese_between_characters(font: case_share.Font) -> None:
    title = "钱包宝充值后冻结余额客服反复要求提交材料"
    lines = case_share.wrap(title, font, 400, 5)
    assert "".join(lines) == title
    assert all(font.getlength(line) <= 400 for line in lines)
    assert all(len(line) >= 5 for line in lines[:-1])  # full lines, not one character each


def test_wrap_cuts_an_overlong_word_and_ends_a_long_text_with_an_ellipsis(
    font: case_share.Font,
) -> None:
    lines = case_share.wrap("x" * 200 + " and more words after it", font, 500, 3)
    assert len(lines) == 3
    assert lines[0] == lines[1] == "x" * len(lines[0])
    assert lines[-1].endswith("…")
    assert all(font.getlength(line) <= 500 for line in lines)


def test_wrap_keeps_a_short_title_whole(font: case_share.Font) -> None:
    assert case_share.wrap("  Frozen   wallets ", font, 1000, 3) == ["Frozen wallets"]


def test_card_is_1200_by_630() -> None:
    png = case_share.render_card("钱包宝 freezes balances " * 10, "WalletPro", "7 members", "Group")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (1200, 630)
    assert len(image.getcolors(1_000_000) or []) > 2  # something is drawn on it
