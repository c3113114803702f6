"""Where the CJK font lives (Debian's fonts-noto-cjk) and how pictures load it: one place for
the bundle's PDF, the link-preview card and the demo's generated receipts."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
REGULAR = FONT_DIR / "NotoSansCJK-Regular.ttc"
BOLD = FONT_DIR / "NotoSansCJK-Bold.ttc"
SC_FACE = 2  #: Simplified Chinese face of the Noto CJK collections: Latin, digits and Chinese

PillowFont = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=64)
def pillow_font(size: int, path: Path = REGULAR) -> PillowFont:
    """The font at ``size`` pixels; Pillow's own (Latin only) where the CJK font is missing,
    so a picture still renders rather than failing."""
    if not path.is_file():
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(str(path), size, index=SC_FACE)
