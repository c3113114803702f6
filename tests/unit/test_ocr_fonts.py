"""Every planted value is boxed in screenshots drawn in real fonts, light and dark, where OCR
reads labels and values as one word ("Phone13812340000", "Acc0untNo.110061..."): Pillow's
bitmap font, DejaVu Sans, DejaVu Sans Mono, Liberation Sans (Arial's metrics), Noto Sans CJK
and WenQuanYi Micro Hei. The order number and the amount stay readable. Both engines run for
real; ``bench/ocr_fonts.py`` reports the same per font, with the misreads behind each miss."""

from __future__ import annotations

import pytest

from services.anonymize.ocr import OcrLine, OcrUnavailable, engine_for, find_pii_boxes
from tests.support.font_screenshots import FONTS, FontShot, available, covered, render

#: a value is boxed when this much of it is under a box (as in bench/ocr_quality.py)
BOXED = 0.95
#: fonts each engine reads well enough to box every value. Tesseract misreads Pillow's 11 px
#: bitmap font ("1110101..." for "ID110101...") and the 手机 label in both Chinese fonts ("41"),
#: RapidOCR the light-mode "7" of Pillow's FreeType default font ("////"): bench/ocr_fonts.py
ENGINE_FONTS = {
    "rapidocr": (
        "pillow-bitmap",
        "dejavu-sans",
        "dejavu-sans-mono",
        "liberation-sans",
        "noto-sans-cjk-sc",
        "wqy-microhei",
    ),
    "tesseract": ("pillow-default", "dejavu-sans", "dejavu-sans-mono", "liberation-sans"),
}
SPECS = {spec.name: spec for spec in FONTS}


def _read(engine_name: str, shot: FontShot) -> list[OcrLine]:
    try:
        engine = engine_for(engine_name)
    except OcrUnavailable as error:
        pytest.skip(str(error))
    return engine.read(shot.image)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize(
    ("engine_name", "font"),
    [(engine, font) for engine, fonts in ENGINE_FONTS.items() for font in fonts],
)
def test_every_planted_value_is_boxed_in_this_font(engine_name: str, font: str, dark: bool) -> None:
    spec = SPECS[font]
    if not available(spec):
        pytest.fail(f"{spec.path} is missing: run scripts/install-system-packages.sh")
    shot = render(spec, dark)
    lines = _read(engine_name, shot)
    boxes = find_pii_boxes(lines).boxes
    read = [" ".join(word.text for word in line) for line in lines]

    missed = [
        (value.kind, value.value, round(covered(boxes, value.rect), 2))
        for value in shot.planted
        if covered(boxes, value.rect) < BOXED
    ]
    assert not missed, (missed, read)
    for text, rect in shot.evidence:
        assert covered(boxes, rect) < 0.1, (text, read)


def test_the_corpus_makes_ocr_glue_labels_to_values() -> None:
    """The point of these screenshots: the engine reads a label and its value as one word."""
    shot = render(SPECS["dejavu-sans"], dark=False)
    words = [word.text for line in _read("rapidocr", shot) for word in line]
    glued = [w for w in words if any(c.isalpha() for c in w) and sum(c.isdigit() for c in w) >= 11]
    assert len(glued) >= 3, words
