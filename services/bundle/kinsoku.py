"""Breaking a paragraph into lines the way Chinese (and Japanese) typesetting does.

A PDF library that breaks CJK text wherever the width runs out puts "。" or "）" at the start
of a line and "（" or "“" at the end of one, which readers of Chinese see as a typesetting
error. The rules here (kinsoku shori, 禁则处理): closing punctuation never starts a line, it
hangs at the end of the line before, past the margin by one glyph (burasage, as Chinese
newspapers do); an opening bracket never ends a line, it goes down with what it opens. Latin
words and numbers are not split: they break at spaces, or, alone longer than a line, at the
last character that fits.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: may not start a line: closing punctuation, full-width and ASCII
NOT_AT_START = frozenset("。，、；：？！）」』】〕》〉］｝〗〙〛…‥·・ー～’”%‰℃.,;:?!)]}")
#: may not end a line: opening brackets and quotes
NOT_AT_END = frozenset("（「『【〔《〈［｛〖〘〚‘“([{")

#: the pieces a line may break between: a run of Latin letters and digits (a word, an amount
#: like 1,280.00), a run of spaces, or any one other character
_PIECE = re.compile(r"[A-Za-z0-9_@#$&*+\-/.,'’%]+(?<![.,])|[ \t]+|.", re.DOTALL)


def pieces(text: str) -> list[str]:
    return _PIECE.findall(text)


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``text`` as lines no wider than ``width`` (``measure`` gives a string's width), but for
    closing punctuation hanging at a line's end; hard line breaks are kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += _wrap_paragraph(paragraph, width, measure)
    return lines


def _wrap_paragraph(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    lines: list[str] = []
    line = ""
    queue = pieces(text)
    while queue:
        piece = queue.pop(0)
        if not line.strip() and piece.isspace():
            continue  # no line starts with a space
        if measure(line + piece) <= width or not line:
            if measure(piece) > width and not line:  # a word longer than the line
                cut = _fitting(piece, width, measure)
                lines.append(piece[:cut])
                queue.insert(0, piece[cut:])
                continue
            line += piece
            continue
        if piece[0] in NOT_AT_START:
            line += piece  # hangs past the margin: never "。" at the start of a line
            continue
        # an opening bracket at the end goes down with what it opens
        moved = ""
        while line and line[-1] in NOT_AT_END and len(line) > 1:
            moved = line[-1] + moved
            line = line[:-1]
        lines.append(line.rstrip())
        line = moved
        queue.insert(0, piece)
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _fitting(word: str, width: float, measure: Callable[[str], float]) -> int:
    """How many leading characters of ``word`` fit in ``width`` (at least one)."""
    n = 1
    while n < len(word) and measure(word[: n + 1]) <= width:
        n += 1
    return n
