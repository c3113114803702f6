"""Black-out boxes proposed from screenshots: over the personal data, not over the evidence
around it; findings counted by kind, never by value. Both OCR engines run for real (RapidOCR's
tests skip when its package is not installed)."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from services.anonymize import ocr
from services.anonymize.boxes import Box
from services.anonymize.ocr import (
    DEFAULT_ENGINE,
    OcrEngine,
    OcrUnavailable,
    OcrWord,
    PageFindings,
    boxes_for_text,
    engine_for,
    find_pii_boxes,
)
from services.anonymize.text import PiiKind

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
NAME = "张伟明"
PHONE = "13812345678"
KINDS = {kind.value for kind in PiiKind}

Rect = tuple[int, int, int, int]


def render(
    rows: list[list[str]], size: int = 40, dark: bool = False
) -> tuple[Image.Image, dict[str, Rect]]:
    """A 1080 px wide screenshot, one row per list of pieces (drawn with a space between), and
    the rectangle of every piece."""
    font = ImageFont.truetype(FONT, size, index=2)
    # at least 736 px high: RapidOCR enlarges a page until its short side is 736 px, which
    # made a strip of two rows three times slower to read than a phone-shaped page
    height = max(736, 80 + len(rows) * size * 2)
    image = Image.new("RGB", (1080, height), (17, 17, 17) if dark else "white")
    draw = ImageDraw.Draw(image)
    rects: dict[str, Rect] = {}
    for number, pieces in enumerate(rows):
        x, y = 60.0, 40 + number * size * 2
        for piece in pieces:
            draw.text((x, y), piece, font=font, fill=(220, 220, 220) if dark else "black")
            left, top, right, bottom = draw.textbbox((x, y), piece, font=font)
            rects[piece] = (int(left), int(top), int(right + 0.999), int(bottom + 0.999))
            x += font.getlength(piece + " ")
    return image, rects


def covered(boxes: list[Box], rect: Rect) -> float:
    """The share of ``rect`` under the union of ``boxes``."""
    left, top, right, bottom = rect
    points = [(x, y) for x in range(left, right) for y in range(top, bottom)]
    inside = [
        any(b.left <= x < b.right and b.top <= y < b.bottom for b in boxes) for x, y in points
    ]
    return sum(inside) / len(points)


def word(text: str, left: int, top: int = 100) -> OcrWord:
    """A word as an engine gives it: 20 px a character, 40 px high."""
    return OcrWord(text, Box(left, top, 20 * len(text), 40), 0.9)


# -- real engines --------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["tesseract", "rapidocr"])
def engine(request: pytest.FixtureRequest) -> OcrEngine:
    if request.param == "rapidocr":
        pytest.importorskip("rapidocr_onnxruntime")
    return engine_for(request.param)


def test_phone_and_name_are_boxed_and_their_labels_stay_readable(engine: OcrEngine) -> None:
    image, rects = render([["手机号", PHONE, "姓名", NAME]])

    lines = engine.read(image)
    found = find_pii_boxes(lines, [NAME])

    assert covered(found.boxes, rects[PHONE]) >= 0.95
    assert covered(found.boxes, rects[NAME]) >= 0.95
    assert covered(found.boxes, rects["手机号"]) < 0.25
    assert covered(found.boxes, rects["姓名"]) < 0.25
    assert found.counts == {"PHONE": 1, "NAME_OR_TERM": 1}


def test_order_numbers_amounts_and_status_are_left_alone(engine: OcrEngine) -> None:
    image, _ = render([["订单号", "2024050122001456781234567890"], ["金额", "¥199.00", "交易成功"]])

    found = find_pii_boxes(engine.read(image))

    assert found.boxes == []
    assert found.counts == {}


def test_a_card_number_in_dark_mode_is_boxed(engine: OcrEngine) -> None:
    card = "6222 0213 8001 3800"
    image, rects = render([["银行卡", card], ["退款处理中"]], size=32, dark=True)

    found = find_pii_boxes(engine.read(image))

    assert covered(found.boxes, rects[card]) >= 0.95
    assert found.counts == {"CARD": 1}


def test_the_default_engine_is_one_of_the_engines() -> None:
    assert DEFAULT_ENGINE in ocr.ENGINES


def test_unknown_engine_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="tesseract"):
        engine_for("abbyy")


def test_engines_are_made_once_per_process() -> None:
    assert engine_for("tesseract") is engine_for("tesseract")


def test_missing_tesseract_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    with pytest.raises(OcrUnavailable, match="apt install tesseract-ocr"):
        ocr.TesseractEngine()


def test_missing_rapidocr_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "rapidocr_onnxruntime", None)
    with pytest.raises(OcrUnavailable, match="pip install rapidocr-onnxruntime"):
        ocr.RapidOcrEngine()


# -- from words to boxes (no OCR) -------------------------------------------------------------


def test_a_name_split_into_two_words_is_still_found() -> None:
    line = [word("收款人", 0), word("张伟", 200), word("明", 240)]

    found = find_pii_boxes([line], extra_terms=[NAME])

    assert found.counts == {"NAME_OR_TERM": 1}
    [box] = found.boxes
    assert box.left <= 200  # both words
    assert box.right >= 260
    assert box.left > 60  # not the label


def test_a_value_on_the_line_below_its_label_is_found() -> None:
    lines = [[word("微信号", 0, top=100)], [word("zhangwm2024", 0, top=160)]]

    found = find_pii_boxes(lines)

    assert found.counts == {"WECHAT": 1}
    [box] = found.boxes
    assert box.top > 140  # the value, not the label


def test_a_finding_of_both_passes_is_counted_and_boxed_once() -> None:
    lines = [[word("手机", 0), word("号", 40), word(PHONE, 100)], [word("谢谢", 0, top=160)]]

    found = find_pii_boxes(lines)

    assert found.counts == {"PHONE": 1}
    assert len(found.boxes) == 1


def test_latin_words_are_spaced_so_an_email_stays_whole() -> None:
    found = find_pii_boxes([[word("Email:", 0), word("zhang.wm@example.com", 150)]])

    assert found.counts == {"EMAIL": 1}
    [box] = found.boxes
    assert 100 < box.left < 150 < box.right  # the address, not the label


def test_counts_carry_kinds_never_values() -> None:
    resident_id = "11010519491231002X"
    lines = [
        [word("手机", 0), word(PHONE, 100)],
        [word("身份证", 0, top=160), word(resident_id, 100, top=160)],
    ]

    found = find_pii_boxes(lines, extra_terms=[NAME])

    assert set(found.counts) <= KINDS
    assert all(isinstance(n, int) for n in found.counts.values())
    assert found.counts == {"PHONE": 1, "ID": 1}
    assert PHONE not in repr(found)
    assert resident_id not in repr(found)


def test_a_finding_wrapped_onto_two_lines_gets_a_box_per_line() -> None:
    text = "邮箱 zhang.weiming@example.com 谢谢"
    start = text.index("z")
    wrap = start + 12  # the address breaks after "zhang.weimin"
    boxes: list[Box | None] = []
    for index, char in enumerate(text):
        if char == " ":
            boxes.append(None)
        elif index < wrap:
            boxes.append(Box(20 * index, 100, 18, 40))
        else:
            boxes.append(Box(20 * (index - wrap), 150, 18, 40))

    found = boxes_for_text(text, boxes)

    assert found.counts == {"EMAIL": 1}
    assert len(found.boxes) == 2
    first, second = sorted(found.boxes, key=lambda b: b.top)
    assert first.bottom < 160  # neither spans both lines
    assert second.top > 130
    assert first.left <= 20 * start
    assert first.right >= 20 * wrap - 2
    assert second.left <= 0


def test_boxes_are_padded_beyond_the_characters() -> None:
    text = f"电话{PHONE}"
    boxes: list[Box | None] = [Box(30 * i, 100, 28, 40) for i in range(len(text))]

    [box] = boxes_for_text(text, boxes).boxes

    assert 30 < box.left < 60  # the label's characters stay out
    assert box.right > 30 * len(text) - 2
    assert box.top < 100
    assert box.bottom > 140


def test_characters_without_boxes_are_skipped() -> None:
    text = f"手机 {PHONE}"
    boxes: list[Box | None] = [Box(0, 0, 30, 30), Box(30, 0, 30, 30), None]
    boxes += [Box(80 + 15 * i, 0, 15, 30) for i in range(len(PHONE))]

    found = boxes_for_text(text, boxes)

    assert found == PageFindings([Box(80, 0, 15 * len(PHONE), 30).padded()], {"PHONE": 1})


def test_nothing_personal_gives_no_boxes() -> None:
    line = [word("订单号", 0), word("2024050122001456781234567890", 100), word("交易成功", 800)]

    assert find_pii_boxes([line]) == PageFindings([], {})


def test_a_value_glued_to_its_label_in_one_measured_word_is_boxed_whole() -> None:
    """Tesseract gives "Phone13812340000" one box; the value's part is estimated, so each
    character's piece reaches half a character into its neighbours: the value's first digit
    is covered even where the label's letters are wider than the estimate."""
    word = OcrWord("Phone13812340000", Box(100, 50, 320, 40), 0.9)
    found = find_pii_boxes([[word]])
    assert found.counts == {"PHONE": 1}
    (box,) = found.boxes
    digit_width = 320 / 16
    assert box.left <= 100 + 5 * digit_width - digit_width / 2
    assert box.right >= 420
