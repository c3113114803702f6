"""Screenshots of personal data in several real fonts, light and dark, for OCR tests and the
OCR bench (``bench/ocr_fonts.py``).

Why fonts matter: OCR merges a label and its value into one word with some fonts (tight Latin
fonts, monospace, Pillow's bitmap font), so "Phone 13812340000" comes back as
"Phone13812340000"; the text detectors must find the value all the same. Each screenshot plants
values glued to their label and spaced from it, and evidence that must stay readable (an order
number, an amount). Ground truth is the pixel rectangle of each planted value.

Fonts come from Debian packages that ``scripts/install-system-packages.sh`` installs:
``fonts-dejavu-core`` (DejaVu Sans, DejaVu Sans Mono), ``fonts-liberation2`` (Liberation Sans,
metric-compatible with Arial), ``fonts-noto-cjk`` and ``fonts-wqy-microhei`` (Chinese); plus
Pillow's own bitmap font (11 px, as scripts draw with it) and its default FreeType font.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from services.anonymize.boxes import Box

Rect = tuple[int, int, int, int]  #: left, top, right, bottom


@dataclass(frozen=True)
class FontSpec:
    """A font to render with: a file and face index, Pillow's bitmap font (``path`` None) or
    Pillow's default FreeType font (``path`` empty)."""

    name: str
    path: str | None
    index: int = 0
    chinese: bool = False  #: has Chinese glyphs: Chinese rows are drawn too
    size: int = 40


FONTS = (
    FontSpec("pillow-bitmap", None, size=11),
    FontSpec("pillow-default", "", size=40),  #: ImageFont.load_default(40): Aileron
    FontSpec("dejavu-sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    FontSpec("dejavu-sans-mono", "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"),
    FontSpec("liberation-sans", "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"),
    FontSpec(
        "noto-sans-cjk-sc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        index=2,
        chinese=True,
    ),
    FontSpec("wqy-microhei", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", chinese=True),
)

# one fictional member's values: valid by their checksums (tests/unit/test_anonymize_glued.py)
PHONE = "13812340000"
PHONE_2 = "13912345678"
RESIDENT_ID = "110101199003077774"
CARD = "6222021234567890128"
ACCOUNT = "110061234567890"
EMAIL = "zhang.wm@example.com"
ORDER = "2024050122001400011234567890"
AMOUNT = "1,999.00"

Segment = tuple[str, str | None]  #: text, and the kind of personal data it is (None: evidence)

LATIN_ROWS: tuple[tuple[Segment, ...], ...] = (
    (("Phone", None), (PHONE, "PHONE")),
    (("Phone: ", None), (f"{PHONE_2[:3]} {PHONE_2[3:7]} {PHONE_2[7:]}", "PHONE")),
    (("Tel:", None), (f"+86{PHONE}", "PHONE")),
    (("ID", None), (RESIDENT_ID, "ID")),
    (("card", None), (CARD, "CARD")),
    (("Account No. ", None), (ACCOUNT, "ACCOUNT")),
    (("Email: ", None), (EMAIL, "EMAIL")),
    ((f"Order No. {ORDER}", None),),
    ((f"Amount USD {AMOUNT} refunded", None),),
)
CHINESE_ROWS: tuple[tuple[Segment, ...], ...] = (
    (("手机", None), (PHONE, "PHONE")),
    (("身份证号", None), (RESIDENT_ID, "ID")),
    (("账号", None), (CARD, "CARD")),
    (("卡号 ", None), (" ".join(CARD[i : i + 4] for i in range(0, 19, 4)), "CARD")),
    ((f"订单号 {ORDER}", None),),
    ((f"金额 {AMOUNT} 元 退款成功", None),),
)


@dataclass
class PlantedValue:
    kind: str
    value: str
    rect: Rect


@dataclass
class FontShot:
    """One screenshot: the picture, what was planted where, and the evidence rows drawn."""

    name: str
    font: str
    dark: bool
    image: Image.Image
    planted: list[PlantedValue]
    #: rows of evidence only (order number, amount) and their rectangles: must stay readable
    evidence: list[tuple[str, Rect]]


def available(spec: FontSpec) -> bool:
    return not spec.path or Path(spec.path).exists()


def _font(spec: FontSpec) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if spec.path is None:
        return ImageFont.load_default_imagefont()
    if not spec.path:
        return ImageFont.load_default(spec.size)
    return ImageFont.truetype(spec.path, spec.size, index=spec.index)


def render(spec: FontSpec, dark: bool) -> FontShot:
    """Every row of the font's scripts, one under another, 60 px from the left edge of a
    1080 px wide page, dark text on white or light text on near-black."""
    font = _font(spec)
    rows = LATIN_ROWS + (CHINESE_ROWS if spec.chinese else ())
    line = spec.size * 2
    height = max(736, 60 + len(rows) * line + line)  # RapidOCR reads a page of 736 px best
    background, ink = ((17, 17, 17), (220, 220, 220)) if dark else ((255, 255, 255), (20, 20, 20))
    image = Image.new("RGB", (1080, height), background)
    draw = ImageDraw.Draw(image)
    planted: list[PlantedValue] = []
    evidence: list[tuple[str, Rect]] = []
    for number, segments in enumerate(rows):
        x, y = 60.0, 60 + number * line
        for text, kind in segments:
            draw.text((x, y), text, font=font, fill=ink)
            if kind is not None:
                left, top, right, bottom = draw.textbbox((x, y), text, font=font)
                rect = (int(left), int(top), int(right + 0.999), int(bottom + 0.999))
                planted.append(PlantedValue(kind, text, rect))
            x += font.getlength(text)
        if all(kind is None for _, kind in segments):
            text = "".join(text for text, _ in segments)
            left, top, right, bottom = draw.textbbox((60.0, y), text, font=font)
            evidence.append((text, (int(left), int(top), int(right + 0.999), int(bottom + 0.999))))
    theme = "dark" if dark else "light"
    return FontShot(f"{spec.name}-{theme}", spec.name, dark, image, planted, evidence)


def screenshots() -> list[FontShot]:
    """Every available font in light and dark mode, in a fixed order."""
    return [render(spec, dark) for spec in FONTS if available(spec) for dark in (False, True)]


def covered(boxes: list[Box], rect: Rect) -> float:
    """The share of ``rect`` under the union of ``boxes`` (boxes clamped to the rectangle)."""
    left, top, right, bottom = rect
    width, height = right - left, bottom - top
    if width <= 0 or height <= 0:
        return 0.0
    mask = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mask)
    for box in boxes:
        draw.rectangle(
            (box.left - left, box.top - top, box.right - left - 1, box.bottom - top - 1), fill=255
        )
    return mask.histogram()[255] / (width * height)
