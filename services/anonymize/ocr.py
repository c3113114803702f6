"""Black-out boxes for personal data in screenshots and scanned pages, found through OCR.

Why OCR text goes through the same finder as typed text (``services.anonymize.text.find_pii``):
one set of rules decides what is personal, whatever the evidence looked like. This module only
turns pixels into text with a box per character, and findings back into boxes.

Two engines, both offline: Tesseract (Debian ``tesseract-ocr`` with ``chi_sim``) and RapidOCR
(PyPI ``rapidocr-onnxruntime``, PP-OCRv4 models inside the wheel). ``bench/ocr_quality.py``
measured them on synthetic Chinese phone screenshots; see there for the numbers behind
``DEFAULT_ENGINE``.

Proposals are deliberately generous (padded boxes, each line searched alone and the page as a
whole): the contributor confirms or edits them, and a missed phone number costs more than a
blacked-out amount.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

from PIL import Image, ImageOps, ImageStat

from services.anonymize.boxes import Box
from services.anonymize.text import Finding, find_pii

#: the better reader of Chinese phone screenshots by bench/ocr_quality.py (100 % of planted
#: personal data covered against 93 % for Tesseract, and faster), at ~290 MB of wheels
DEFAULT_ENGINE = "rapidocr"
ENGINES = ("tesseract", "rapidocr")


class OcrUnavailable(RuntimeError):
    """The engine's package or program is not installed on this machine."""


@dataclass(frozen=True, slots=True)
class OcrWord:
    """A run of text the engine read as one piece, where it stands, how sure it is (0..1).

    ``char_boxes`` holds a box per character of ``text`` when the engine measured them
    (RapidOCR does); otherwise the word's box is split by character widths, which is exact
    enough for Tesseract's one- or two-character Chinese words and whole Latin tokens."""

    text: str
    box: Box
    confidence: float
    char_boxes: tuple[Box, ...] = ()


OcrLine = list[OcrWord]  #: the words of one visual line, in reading order


class OcrEngine(Protocol):
    """What reads a page: the two engines here, or a stand-in that replays stored words."""

    name: str

    def read(self, image: Image.Image) -> list[OcrLine]: ...


@dataclass
class PageFindings:
    """Proposed boxes and how many findings of each kind (``PiiKind.value``) they cover: the
    counts may be logged and shown, so they never carry values."""

    boxes: list[Box] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


# -- from text findings to boxes -----------------------------------------------------------------


def boxes_for_text(
    text: str, char_boxes: Sequence[Box | None], extra_terms: Sequence[str] = ()
) -> PageFindings:
    """Boxes over the personal data in ``text``, given a box per character (None for characters
    that were never drawn, such as spaces or newlines put in between words).

    Shared with PDF text layers. A finding that wraps onto a second line gets one box per
    line: one box around both would black out the end of one line and the start of the other.
    """
    findings, boxes = _find(text, char_boxes, extra_terms)
    return PageFindings(boxes=_unique(boxes), counts=_count(findings))


def find_pii_boxes(lines: list[OcrLine], extra_terms: Sequence[str] = ()) -> PageFindings:
    """Boxes over the personal data in what an engine read.

    Each line is searched alone (a value is never glued to a neighbour line's text) and the
    page is searched as lines joined by newlines (a label on one line, its value on the
    next). Boxes of both are kept; a finding of both is counted once."""
    page_text: list[str] = []
    page_boxes: list[Box | None] = []
    line_findings: list[Finding] = []
    boxes: list[Box] = []
    for line in lines:
        text, char_boxes = _line_text(line)
        if not text:
            continue
        if page_text:
            page_text.append("\n")
            page_boxes.append(None)
        offset = len(page_boxes)
        findings, found_boxes = _find(text, char_boxes, extra_terms)
        line_findings.extend(
            Finding(f.kind, f.start + offset, f.end + offset, f.confidence) for f in findings
        )
        boxes.extend(found_boxes)
        page_text.append(text)
        page_boxes.extend(char_boxes)

    page_findings, found_boxes = _find("".join(page_text), page_boxes, extra_terms)
    boxes.extend(found_boxes)
    only_in_lines = [
        f
        for f in line_findings
        if not any(f.start < p.end and p.start < f.end for p in page_findings)
    ]
    return PageFindings(boxes=_unique(boxes), counts=_count(page_findings + only_in_lines))


def _find(
    text: str, char_boxes: Sequence[Box | None], extra_terms: Sequence[str]
) -> tuple[list[Finding], list[Box]]:
    if len(char_boxes) != len(text):
        raise ValueError(f"{len(char_boxes)} character boxes for {len(text)} characters")
    findings = find_pii(text, extra_terms)
    boxes: list[Box] = []
    for finding in findings:
        current: Box | None = None
        for box in char_boxes[finding.start : finding.end]:
            if box is None:
                continue
            if current is not None and not _same_line(current, box):
                boxes.append(current.padded())
                current = None
            current = box if current is None else current.union(box)
        if current is not None:
            boxes.append(current.padded())
    return findings, boxes


def _same_line(a: Box, b: Box) -> bool:
    """Half the shorter box's height shared vertically: a wrapped line starts below."""
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap >= 0.5 * min(a.height, b.height)


def _count(findings: Sequence[Finding]) -> dict[str, int]:
    return dict(Counter(f.kind.value for f in findings))


def _unique(boxes: Iterable[Box]) -> list[Box]:
    return list(dict.fromkeys(boxes))


# -- from words to text with a box per character -------------------------------------------------


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _line_text(line: OcrLine) -> tuple[str, list[Box | None]]:
    """The line as text, Latin words spaced and Chinese ones not (how it was written), and a
    box per character. The inserted spaces have no box: they were never on the page."""
    pieces: list[str] = []
    boxes: list[Box | None] = []
    for word in line:
        text = word.text.strip()
        if not text:
            continue
        if pieces and not (_wide(pieces[-1][-1]) or _wide(text[0])):
            pieces.append(" ")
            boxes.append(None)
        pieces.append(text)
        if len(word.char_boxes) == len(word.text) and text == word.text:
            boxes.extend(word.char_boxes)
        else:
            boxes.extend(_split(word.box, text))
    return "".join(pieces), boxes


def _split(box: Box, text: str) -> list[Box]:
    """``box`` cut across ``text`` in proportion to character widths (a Chinese character is
    about two Latin ones wide), each piece widened by half a character on both sides within the
    word.

    Why widened: the cut is a guess. Where OCR glued a label to a value ("Phone13812340000" as
    one word), letters and digits are not equally wide, and an exact cut left a few pixels of
    the value's first or last digit uncovered (94 % covered in bench/ocr_fonts.py); a box that
    reaches into the label instead hides nothing that matters."""
    weights = [2 if _wide(c) else 1 for c in text]
    total = sum(weights)
    result: list[Box] = []
    edge = 0
    for weight in weights:
        start = edge - weight / 2
        edge += weight
        end = edge + weight / 2
        left = box.left + max(0, round(box.width * start / total))
        right = box.left + min(box.width, round(box.width * end / total))
        result.append(Box(left, box.top, max(1, right - left), box.height))
    return result


# -- engines -------------------------------------------------------------------------------------


def engine_for(name: str) -> OcrEngine:
    """The engine called ``name`` ("tesseract" or "rapidocr"), made once per process (RapidOCR
    loads its models when made). :class:`ValueError` for another name, :class:`OcrUnavailable`
    when it is not installed."""
    if name not in ENGINES:
        raise ValueError(f"unknown OCR engine {name!r}; choose one of {', '.join(ENGINES)}")
    return _engine(name)


@cache
def _engine(name: str) -> OcrEngine:
    return TesseractEngine() if name == "tesseract" else RapidOcrEngine()


class TesseractEngine:
    """Tesseract 5 through pytesseract. Chinese comes back as words of one or two characters;
    the line they belong to is Tesseract's own (block, paragraph, line) numbering."""

    name = "tesseract"
    #: pages narrower than this are enlarged first: recall 0.926 against 0.910 (bench)
    min_width = 1600
    #: grey, stretched, dark mode inverted (see :func:`_dark_on_light`)
    preprocess = True

    def __init__(self, lang: str = "chi_sim+eng", config: str = "--psm 6") -> None:
        """Settings measured on bench/ocr_quality.py. ``chi_sim`` alone reads more characters
        right, but drops the dot of "gmail.com", so e-mail addresses went unfound; with ``eng``
        some short Chinese rows come out as Latin garbage instead. Found personal data counts
        more. ``--psm 6`` (one block of text) over the default page layout analysis."""
        try:
            import pytesseract
        except ImportError as error:
            raise OcrUnavailable(
                "pip install pytesseract (and apt install tesseract-ocr)"
            ) from error
        try:
            installed = set(pytesseract.get_languages(config=""))
        except (pytesseract.TesseractNotFoundError, OSError) as error:
            raise OcrUnavailable("apt install tesseract-ocr tesseract-ocr-chi-sim") from error
        missing = set(lang.split("+")) - installed
        if missing:
            packages = " ".join(f"tesseract-ocr-{m.replace('_', '-')}" for m in sorted(missing))
            raise OcrUnavailable(f"apt install {packages}")
        self._tesseract = pytesseract
        self.lang = lang
        self.config = config

    def read(self, image: Image.Image) -> list[OcrLine]:
        if self.preprocess:
            image = _dark_on_light(image)
        scale = max(1.0, self.min_width / image.width)
        if scale > 1:
            size = (round(image.width * scale), round(image.height * scale))
            image = image.resize(size, Image.Resampling.LANCZOS)
        data = self._tesseract.image_to_data(
            image, lang=self.lang, config=self.config, output_type=self._tesseract.Output.DICT
        )
        lines: dict[tuple[int, int, int, int], OcrLine] = {}
        for i, text in enumerate(data["text"]):
            confidence = float(data["conf"][i])
            if not text.strip() or confidence < 0:
                continue
            box = Box(
                round(data["left"][i] / scale),
                round(data["top"][i] / scale),
                max(1, round(data["width"][i] / scale)),
                max(1, round(data["height"][i] / scale)),
            )
            key = (
                data["page_num"][i],
                data["block_num"][i],
                data["par_num"][i],
                data["line_num"][i],
            )
            lines.setdefault(key, []).append(OcrWord(text.strip(), box, confidence / 100))
        return list(lines.values())


def _dark_on_light(image: Image.Image) -> Image.Image:
    """Grey, stretched, and inverted when the page is mostly dark. Tesseract wants dark text on
    a light page: on the colours as they came it found 80 % of the planted values, 54 % in
    chats with coloured bubbles, against 93 % (bench/ocr_quality.py)."""
    grey = image.convert("L")
    if ImageStat.Stat(grey).mean[0] < 128:
        grey = ImageOps.invert(grey)
    return ImageOps.autocontrast(grey)


class RapidOcrEngine:
    """RapidOCR (PP-OCRv4 through onnxruntime). It reads whole lines and, asked for word boxes,
    measures each character, so a line like "手机号13812345678" can be cut exactly."""

    name = "rapidocr"

    def __init__(self) -> None:
        try:
            import numpy
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as error:
            raise OcrUnavailable(
                "pip install rapidocr-onnxruntime (OpenCV in it needs libGL.so.1: apt install "
                "libgl1)"
            ) from error
        self._numpy = numpy
        self._ocr = RapidOCR()
        #: the RapidOCR object is not documented as safe to share between threads
        self._lock = threading.Lock()

    def read(self, image: Image.Image) -> list[OcrLine]:
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        bgr = self._numpy.ascontiguousarray(self._numpy.asarray(rgb)[:, :, ::-1])
        with self._lock:
            result, _ = self._ocr(bgr, return_word_box=True)
        lines: list[OcrLine] = []
        for item in result or ():
            quad, text, confidence = item[0], str(item[1]), float(item[2])
            line_box = _box_of(quad)
            chars = [_box_of(q) for q in item[3]] if len(item) > 3 else []
            if len(chars) != len(text) or len(item) <= 4 or list(item[4]) != list(text):
                chars = _split(line_box, text)  # vertical or odd lines: no usable measure
            char_confidences = list(item[5]) if len(item) > 5 else []
            if len(char_confidences) != len(text):
                char_confidences = [confidence] * len(text)
            words: OcrLine = []
            for first, last in _runs(text):
                piece = tuple(chars[first:last])
                box = piece[0]
                for char in piece[1:]:
                    box = box.union(char)
                sure = min(confidence, *char_confidences[first:last])
                words.append(OcrWord(text[first:last], box, float(sure), piece))
            lines.append(words)
        return lines


def _runs(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` cut at spaces and where Chinese meets Latin. RapidOCR gives a whole
    line as one string ("手机号13812345678"); as words of one script each, a word's box split
    evenly is still right where the measured character boxes are not kept (stored as JSON)."""
    runs: list[tuple[int, int]] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or text[index] == " " or _wide(text[index]) != _wide(text[index - 1]):
            if text[start:index].strip():
                runs.append((start, index))
            start = index + 1 if index < len(text) and text[index] == " " else index
    return runs


def _box_of(quad: Sequence[Sequence[float]]) -> Box:
    xs = [point[0] for point in quad]
    ys = [point[1] for point in quad]
    left, top = int(min(xs)), int(min(ys))
    return Box(left, top, max(1, round(max(xs)) - left), max(1, round(max(ys)) - top))
