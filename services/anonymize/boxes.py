"""Black-out boxes: rectangles, in pixels of one page image, that are painted over before pooling.

Boxes come from three places (OCR of a screenshot, the text layer of a PDF page, the contributor's
own edits in the browser) and end in one place: :func:`services.anonymize.image.burn_boxes`.
They are plain data so they can be stored as JSON between the proposal and the confirmation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: more boxes than this on one page is not a redaction but a mistake (or an attack on the form)
MAX_BOXES_PER_PAGE = 500


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in integer pixels, ``left``/``top`` inclusive, of positive size."""

    left: int
    top: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    def padded(self, fraction: float = 0.25, minimum: int = 2) -> Box:
        """The box grown on every side by ``fraction`` of its height (at least ``minimum``
        pixels): tight OCR boxes leave the tops and tails of characters readable."""
        pad = max(minimum, round(self.height * fraction))
        return Box(self.left - pad, self.top - pad, self.width + 2 * pad, self.height + 2 * pad)

    def clamped(self, width: int, height: int) -> Box | None:
        """The part of the box inside a ``width`` × ``height`` page, or None when nothing is."""
        left, top = max(0, self.left), max(0, self.top)
        right, bottom = min(width, self.right), min(height, self.bottom)
        if right <= left or bottom <= top:
            return None
        return Box(left, top, right - left, bottom - top)

    def union(self, other: Box) -> Box:
        left, top = min(self.left, other.left), min(self.top, other.top)
        right, bottom = max(self.right, other.right), max(self.bottom, other.bottom)
        return Box(left, top, right - left, bottom - top)

    def as_dict(self) -> dict[str, int]:
        return {"left": self.left, "top": self.top, "width": self.width, "height": self.height}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Box:
        """A box from its JSON form; :class:`ValueError` for anything but four integers with a
        positive width and height (the data may come from a browser)."""
        try:
            values = [data[name] for name in ("left", "top", "width", "height")]
        except (KeyError, TypeError) as error:
            raise ValueError("a box needs left, top, width and height") from error
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            raise ValueError("box coordinates are numbers")
        left, top, width, height = (round(v) for v in values)
        if width <= 0 or height <= 0:
            raise ValueError("a box has a positive width and height")
        return cls(left, top, width, height)
