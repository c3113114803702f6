"""Normalizing names so 支付寶, "Alipay " and ＡＬＩＰＡＹ meet in one lookup."""

from __future__ import annotations

import unicodedata
from functools import cache

from opencc import OpenCC


@cache
def _to_simplified() -> OpenCC:
    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    return str(_to_simplified().convert(text))


def normalize_name(name: str) -> str:
    """NFKC (full-width to ASCII), case-folded, traditional to simplified, only letters and
    digits kept."""
    text = to_simplified(unicodedata.normalize("NFKC", name).casefold())
    return "".join(ch for ch in text if ch.isalnum())
