"""Which OCR engine finds personal data in Chinese phone screenshots: Tesseract or RapidOCR.

Protocol: 30 synthetic screenshots, the same every run (seeded), 1080 px wide like a phone's:
chat threads, transfer receipts and order lists; half in dark mode; body text from 28 to 56 px;
grey secondary text, coloured header bars and chat bubbles; 11 saved as JPEG at quality 70, 4
of them first downscaled to 720 px wide (as messaging apps resend them). Planted: mobile numbers
(some grouped 3-4-4), resident IDs valid by ``stdnum.cn.ric``, Luhn-valid UnionPay cards of 16
and 19 digits in groups of four, e-mail addresses, Alipay 2088 ids, wxid_ ids and the
contributor's name (given as an extra term); beside them evidence that must stay readable:
amounts, labelled order numbers, dates, status words. Ground truth is each text row and the
pixel rectangle of every planted value (``ImageDraw.textbbox``).

Each engine reads each image; ``services.anonymize.ocr.find_pii_boxes`` proposes boxes.
Reported per engine:

- character accuracy: 1 − CER over all rows (each word assigned to the row it overlaps most;
  spaces removed; NFKC-folded, so "￥" and "¥" are one character; words on no row count as
  inserted characters);
- PII recall: a planted value is covered when the union of proposed boxes covers ≥ 95 % of
  its rectangle;
- false-positive area: proposed box area outside every planted rectangle, as % of the image,
  which includes the deliberate padding of correct boxes; "beyond pad": outside the planted
  rectangles padded as ``Box.padded`` pads; stray boxes: boxes touching no planted value;
- seconds per image by the clock and in CPU (the first image apart: it includes loading the
  engine), failures.

Measured here (Tesseract 5.3.0, rapidocr-onnxruntime 1.4.4, 2 cores shared with other work:
the clock varied up to 3x between runs, hence CPU seconds too), 122 planted values:

    engine     char acc  PII recall       FP area %  beyond pad %  stray  first s  s/image  CPU s
    rapidocr   0.9995    1.000 (122/122)  2.50       0.91          0      3.97     1.41     2.17
    tesseract  0.8800    0.926 (113/122)  1.70       0.21          0      3.02     2.92     3.04

RapidOCR read all but a handful of characters right, in light and dark mode, JPEG and 720 px
alike, and covered every planted value. Tesseract's 9 misses: 4 names misread ("罗伟明" →
"罗传明", "李静怡" → "earls"), 3 names found but boxed short (74-95 % covered: its boxes for
Chinese characters are a few pixels off, which padding does not always make up for), a wxid
with "7" read as "/", and "gmail.com" read as "gmailcom".
No engine proposed a single box away from personal data (stray 0): order numbers, amounts and
dates stayed readable; the extra area is padding (RapidOCR's boxes are line-high, so padded
more).

Tesseract settings tried (``BENCH_OCR_ENGINES=tesseract-chi_sim,...``), char acc / recall:
the engine's settings (chi_sim+eng, ``--psm 6``, enlarged to 1600 px wide, grey and inverted
when dark) 0.880 / 0.926; ``chi_sim`` alone 0.922 / 0.861 (reads "gmail.com" as "gmailcom":
e-mails 13/19); ``--psm 3`` 0.901 / 0.877 (names 12/24); ``--psm 11`` 0.845 / 0.852; not
enlarged 0.886 / 0.910; colours as they came 0.818 / 0.795 (recall in chats 0.54).

Verdict: RapidOCR is the default (``services.anonymize.ocr.DEFAULT_ENGINE``): more accurate
on every condition measured (0.9995 against at best 0.92 character accuracy; 100 % against
93 % recall), and faster (1.4 against 2.9 s an image by the clock, 2.2 against 3.0 s of CPU;
its first image takes about 4 s, the models loading). Its cost is weight: about 290 MB of
wheels (onnxruntime 78 MB, OpenCV 190 MB, its own models 16 MB) against about 12 MB of Debian
packages for Tesseract with chi_sim and eng. Tesseract stays as the fallback where that weight
is unwelcome. Caveat: these are rendered screenshots in one font (Noto Sans CJK); real ones
bring other fonts, emoji, icons and photos, and both engines will do worse there.

Run: ``python -m bench ocr`` (no database needed). ``BENCH_OCR_ENGINES`` picks engines or
variants (default ``tesseract,rapidocr``; the variants are in ``VARIANTS``).
"""

from __future__ import annotations

import io
import os
import random
import resource
import string
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from stdnum import luhn
from stdnum.cn import ric

from services.anonymize.boxes import Box
from services.anonymize.ocr import (
    OcrEngine,
    OcrLine,
    TesseractEngine,
    engine_for,
    find_pii_boxes,
)

ROOT = Path(__file__).resolve().parents[1]
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_SC = 2  #: face index of Simplified Chinese in the collection
WIDTH = 1080
SEED = 20261124
COUNT = 30
COVERED = 0.95

Rect = tuple[int, int, int, int]  #: left, top, right, bottom


@dataclass
class Row:
    text: str
    rect: Rect


@dataclass
class Planted:
    kind: str
    value: str
    rect: Rect


@dataclass
class Screenshot:
    name: str
    image: Image.Image
    rows: list[Row]
    planted: list[Planted]
    extra_terms: list[str]
    tags: list[str]


# -- planted values ------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟明", "秀英", "建国", "芳", "静怡", "洋", "丽华", "志强", "海燕", "俊杰", "婷", "子涵"]
PINYIN = ["zhangwm", "lixiuying", "wangjg", "liufang88", "chenjy", "yang.yang", "zhaolh", "hzq"]
DOMAINS = ["163.com", "qq.com", "126.com", "gmail.com", "outlook.com", "sina.com"]
AREAS = ["110101", "310104", "440106", "330106", "510107", "420106", "320102", "370102"]
BANKS = ["招商银行", "工商银行", "建设银行", "中国银行", "农业银行"]
SHOPS = ["优选生活馆", "数码旗舰店", "鲜果坊", "家居百货", "运动户外专营店"]
ITEMS = ["无线蓝牙耳机", "智能手环", "保温杯 500ml", "儿童绘本套装", "空气炸锅", "会员年卡"]
STATUS = ["交易成功", "退款成功", "已完成", "待发货", "处理中", "已关闭", "退款中"]


class Values:
    """Random but plausible personal data, each kind as people see it on screen."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def mobile(self) -> str:
        number = "1" + self.rng.choice("3456789") + self.digits(9)
        if self.rng.random() < 0.3:
            return f"{number[:3]} {number[3:7]} {number[7:]}"
        return number

    def resident_id(self) -> str:
        """Valid by ``stdnum.cn.ric``: its check character, and an area code that existed when
        the holder was born (hence the retries)."""
        while True:
            born = f"{self.rng.randint(1960, 2004)}{self.rng.randint(1, 12):02d}"
            born += f"{self.rng.randint(1, 28):02d}"
            body = self.rng.choice(AREAS) + born + self.digits(3)
            value = body + ric.calc_check_digit(body + "0")  # it ignores the last character
            if ric.is_valid(value):
                return value

    def card(self) -> str:
        length = self.rng.choice([16, 19])  # UnionPay debit cards run to 19 digits
        body = "62" + self.rng.choice(["22", "25", "28", "17"]) + self.digits(length - 5)
        value = body + luhn.calc_check_digit(body)
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))

    def email(self) -> str:
        name = self.rng.choice(PINYIN) + self.digits(self.rng.randint(0, 4))
        return f"{name}@{self.rng.choice(DOMAINS)}"

    def alipay(self) -> str:
        return "2088" + self.digits(12)

    def wechat(self) -> str:
        alphabet = string.ascii_lowercase + string.digits
        return "wxid_" + "".join(self.rng.choice(alphabet) for _ in range(self.rng.randint(10, 14)))

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def order(self) -> str:
        return "2024" + self.digits(24)

    def amount(self) -> str:
        return f"{self.rng.randint(1, 9999):,}.{self.rng.randint(0, 99):02d}"

    def when(self) -> str:
        r = self.rng
        day = f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
        return f"{day} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}"


# -- drawing -------------------------------------------------------------------------------------

Segment = tuple[str, str | None]  #: text, and the kind of personal data it is (None: not)


@dataclass
class Theme:
    dark: bool
    background: tuple[int, int, int]
    text: tuple[int, int, int]
    grey: tuple[int, int, int]
    bubble_left: tuple[int, int, int]
    bubble_right: tuple[int, int, int]
    card: tuple[int, int, int]


WHITE = (255, 255, 255)
LIGHT = Theme(False, (237, 237, 237), (25, 25, 25), (136, 136, 136), WHITE, (149, 236, 105), WHITE)
DARK = Theme(
    True, (17, 17, 17), (213, 213, 213), (120, 120, 120), (44, 44, 44), (62, 181, 117), (30,) * 3
)
ORANGE = (255, 106, 0)
HEADERS = [(22, 119, 255), (255, 106, 0), (7, 193, 96), (230, 67, 64)]


@dataclass
class Canvas:
    theme: Theme
    size: int  #: body font size in pixels
    image: Image.Image = field(init=False)
    draw: ImageDraw.ImageDraw = field(init=False)
    rows: list[Row] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)
    y: int = 0

    def __post_init__(self) -> None:
        self.image = Image.new("RGB", (WIDTH, 2600), self.theme.background)
        self.draw = ImageDraw.Draw(self.image)

    @staticmethod
    def font(size: int) -> ImageFont.FreeTypeFont:
        return _font(size)

    def width_of(self, segments: list[Segment], size: int) -> float:
        return self.font(size).getlength("".join(t for t, _ in segments))

    def row(
        self,
        parts: list[tuple[int, list[Segment]]],
        size: int | None = None,
        fill: tuple[int, int, int] | None = None,
        fills: list[tuple[int, int, int]] | None = None,
    ) -> Rect:
        """Draw pieces of text at x positions on one baseline; record the row and what is
        planted in it. Returns the row's rectangle."""
        size = size or self.size
        font = self.font(size)
        texts: list[str] = []
        rect: Rect | None = None
        for index, (x, segments) in enumerate(parts):
            colour = (fills[index] if fills else None) or fill or self.theme.text
            text = "".join(t for t, _ in segments)
            self.draw.text((x, self.y), text, font=font, fill=colour)
            rect = _union(rect, self.draw.textbbox((x, self.y), text, font=font))
            offset = 0.0
            for piece, kind in segments:
                if kind is not None:
                    box = self.draw.textbbox((x + offset, self.y), piece, font=font)
                    self.planted.append(Planted(kind, piece, _union(None, box)))
                offset += font.getlength(piece)
            texts.append(text)
        assert rect is not None
        self.rows.append(Row(" ".join(texts), rect))
        return rect


def _union(a: Rect | None, b: tuple[float, float, float, float]) -> Rect:
    b_int = (int(b[0]), int(b[1]), int(b[2] + 0.999), int(b[3] + 0.999))
    if a is None:
        return b_int
    return (min(a[0], b_int[0]), min(a[1], b_int[1]), max(a[2], b_int[2]), max(a[3], b_int[3]))


_FONTS: dict[int, ImageFont.FreeTypeFont] = {}


def _font(size: int) -> ImageFont.FreeTypeFont:
    if size not in _FONTS:
        _FONTS[size] = ImageFont.truetype(FONT, size, index=FONT_SC)
    return _FONTS[size]


def _status_bar(canvas: Canvas, v: Values) -> None:
    canvas.y = 24
    clock = f"{v.rng.randint(7, 23)}:{v.rng.randint(0, 59):02d}"
    canvas.row([(48, [(clock, None)]), (WIDTH - 150, [(f"{v.rng.randint(12, 99)}%", None)])], 30)
    canvas.y = 90


def _header(canvas: Canvas, title: str, colour: tuple[int, int, int] | None) -> None:
    size = 44
    height = 120
    if colour is not None:
        canvas.draw.rectangle((0, canvas.y, WIDTH, canvas.y + height), fill=colour)
    x = (WIDTH - canvas.font(size).getlength(title)) / 2
    top = canvas.y
    canvas.y += (height - size) // 2 - 6
    canvas.row([(int(x), [(title, None)])], size, fill=(255, 255, 255) if colour else None)
    canvas.y = top + height + 30


def _wrap(segments: list[Segment], size: int, width: int) -> list[list[Segment]]:
    """Cut a message into lines that fit ``width``, never inside a planted value."""
    font = _font(size)
    lines: list[list[Segment]] = [[]]
    used = 0.0
    for text, kind in segments:
        pieces = [text] if kind is not None else list(text)
        for piece in pieces:
            length = font.getlength(piece)
            if used + length > width and lines[-1]:
                lines.append([])
                used = 0.0
            lines[-1].append((piece, kind))
            used += length
    return [_merge(line) for line in lines]


def _merge(line: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for text, kind in line:
        if merged and kind is None and merged[-1][1] is None:
            merged[-1] = (merged[-1][0] + text, None)
        else:
            merged.append((text, kind))
    if merged and merged[0][1] is None:  # a wrapped line does not start with a space
        merged[0] = (merged[0][0].lstrip(), None)
    return [m for m in merged if m[0]]


def _chat(canvas: Canvas, v: Values, name: str) -> None:
    theme = canvas.theme
    _status_bar(canvas, v)
    _header(canvas, v.rng.choice(["在线客服", "支付平台客服", "客服小美"]), None)
    messages: list[tuple[bool, list[Segment]]] = [
        (False, [("您好，请问有什么可以帮您？", None)]),
        (True, [("我叫", None), (name, "NAME"), ("，上周的退款一直没到账", None)]),
        (False, [("请提供您的订单号和绑定手机号", None)]),
        (True, [("订单号 ", None), (v.order(), None)]),
        (True, [("手机号 ", None), (v.mobile(), "PHONE")]),
        (False, [("已为您查询，退款金额 ¥", None), (v.amount(), None), (" 处理中", None)]),
        (True, [("身份证号 ", None), (v.resident_id(), "ID")]),
        (True, [("邮箱 ", None), (v.email(), "EMAIL"), (" 请发回执", None)]),
        (False, [("好的，3个工作日内回复", None)]),
        (True, [("我的微信号 ", None), (v.wechat(), "WECHAT")]),
        (True, [("银行卡 ", None), (v.card(), "CARD")]),
        (False, [("请耐心等待，感谢您的理解", None)]),
    ]
    chosen = messages[:2] + v.rng.sample(messages[2:], 7)
    for index, (mine, segments) in enumerate(chosen):
        if index in (0, 5):
            when = v.when()
            x = (WIDTH - canvas.font(28).getlength(when)) / 2
            canvas.row([(int(x), [(when, None)])], 28, fill=theme.grey)
            canvas.y += 50
        size = canvas.size
        lines = _wrap(segments, size, 700)
        widest = max(canvas.width_of(line, size) for line in lines)
        line_height = int(size * 1.45)
        height = line_height * len(lines) + 36
        left = WIDTH - 150 - int(widest) - 48 if mine else 150
        colour = theme.bubble_right if mine else theme.bubble_left
        canvas.draw.rounded_rectangle(
            (left, canvas.y, left + int(widest) + 48, canvas.y + height), 14, fill=colour
        )
        avatar = 40 if not mine else WIDTH - 130
        canvas.draw.rounded_rectangle(
            (avatar, canvas.y, avatar + 90, canvas.y + 90), 10, fill=(120, 160, 200)
        )
        top = canvas.y
        canvas.y += 18
        text_colour = (20, 20, 20) if mine else theme.text
        for line in lines:
            canvas.row([(left + 24, line)], size, fill=text_colour)
            canvas.y += line_height
        canvas.y = top + max(height, 90) + 40


def _label_rows(canvas: Canvas, rows: list[tuple[str, list[Segment]]]) -> None:
    """Label at the left in grey, value after it; a value too wide goes to the next line."""
    theme = canvas.theme
    size = canvas.size
    value_x = 60 + int(canvas.font(size).getlength("收款方账户")) + 50
    for label, value in rows:
        step = int(size * 1.9)
        if value_x + canvas.width_of(value, size) > WIDTH - 40:
            canvas.row([(60, [(label, None)])], size, fill=theme.grey)
            canvas.y += int(size * 1.4)
            for line in _wrap(value, size, WIDTH - 120):
                canvas.row([(60, line)], size)
                canvas.y += int(size * 1.4)
            canvas.y += step - int(size * 1.4)
        else:
            parts = [(60, [(label, None)]), (value_x, value)]
            canvas.row(parts, size, fills=[theme.grey, theme.text])
            canvas.y += step


def _receipt(canvas: Canvas, v: Values, name: str) -> None:
    theme = canvas.theme
    _status_bar(canvas, v)
    _header(canvas, "账单详情", v.rng.choice([*HEADERS, None]))
    canvas.y += 30
    amount = "-" + v.amount()
    x = (WIDTH - canvas.font(56).getlength(amount)) / 2
    canvas.row([(int(x), [(amount, None)])], 56)
    canvas.y += 100
    status = v.rng.choice(STATUS)
    x = (WIDTH - canvas.font(canvas.size).getlength(status)) / 2
    canvas.row([(int(x), [(status, None)])], canvas.size, fill=theme.grey)
    canvas.y += 90
    canvas.draw.line((40, canvas.y, WIDTH - 40, canvas.y), fill=theme.grey, width=1)
    canvas.y += 40
    rows = [
        ("付款方式", [(v.rng.choice(BANKS) + "储蓄卡 ", None), (v.card(), "CARD")]),
        ("收款方", [(v.rng.choice(SHOPS), None)]),
        ("收款人", [(name, "NAME")]),
        ("收款方账户", [(v.alipay(), "ALIPAY")]),
        ("联系邮箱", [(v.email(), "EMAIL")]),
        ("联系电话", [(v.mobile(), "PHONE")]),
        ("创建时间", [(v.when(), None)]),
        ("订单号", [(v.order(), None)]),
        ("商户单号", [("T" + v.digits(20), None)]),
        ("转账说明", [("退款 ¥" + v.amount(), None)]),
    ]
    head, tail = rows[:2], rows[2:]
    _label_rows(canvas, head + v.rng.sample(tail, 6))


def _orders(canvas: Canvas, v: Values, name: str) -> None:
    theme = canvas.theme
    _status_bar(canvas, v)
    _header(canvas, "我的订单", v.rng.choice([*HEADERS, None]))
    size = canvas.size
    for _ in range(3):
        top = canvas.y
        height = int(size * 1.6) * 4 + 40
        canvas.draw.rounded_rectangle((30, top, WIDTH - 30, top + height), 16, fill=theme.card)
        canvas.y += 24
        shop, status = v.rng.choice(SHOPS), v.rng.choice(STATUS)
        status_x = WIDTH - 70 - int(canvas.font(size).getlength(status))
        parts = [(60, [(shop, None)]), (status_x, [(status, None)])]
        canvas.row(parts, size, fills=[theme.text, ORANGE])
        canvas.y += int(size * 1.6)
        price = "¥" + v.amount()
        price_x = WIDTH - 70 - int(canvas.font(size).getlength(price))
        canvas.row([(60, [(v.rng.choice(ITEMS), None)]), (price_x, [(price, None)])], size)
        canvas.y += int(size * 1.6)
        small = max(28, size - 8)
        order = "订单号 " + v.order()[: v.rng.randint(18, 24)]
        canvas.row([(60, [(order, None)])], small, fill=theme.grey)
        canvas.y += int(size * 1.6)
        canvas.row([(60, [(v.when(), None)])], small, fill=theme.grey)
        canvas.y = top + height + 30
    canvas.y += 10
    contact: list[tuple[str, list[Segment]]] = [
        ("收货人", [(name, "NAME"), (" ", None), (v.mobile(), "PHONE")]),
        ("支付宝账户", [(v.alipay(), "ALIPAY")])
        if v.rng.random() < 0.5
        else ("邮箱", [(v.email(), "EMAIL")]),
    ]
    if v.rng.random() < 0.5:
        contact.append(("身份证", [(v.resident_id(), "ID")]))
    _label_rows(canvas, contact)


LAYOUTS: dict[str, Callable[[Canvas, Values, str], None]] = {
    "chat": _chat,
    "receipt": _receipt,
    "orders": _orders,
}
SIZES = [28, 32, 36, 40, 44, 48, 52, 56]


def make_screenshots(count: int = COUNT, seed: int = SEED) -> list[Screenshot]:
    """The benchmark's screenshots: the same ones for the same ``count`` and ``seed``."""
    rng = random.Random(seed)
    values = Values(rng)
    shots: list[Screenshot] = []
    for index in range(count):
        layout = list(LAYOUTS)[index % len(LAYOUTS)]
        dark = (index // len(LAYOUTS)) % 2 == 1
        size = SIZES[index % len(SIZES)]
        canvas = Canvas(DARK if dark else LIGHT, size)
        name = values.name()
        LAYOUTS[layout](canvas, values, name)
        image = canvas.image.crop((0, 0, WIDTH, min(2600, canvas.y + 60)))
        rows, planted = canvas.rows, canvas.planted
        tags = [layout, "dark" if dark else "light", f"{size}px"]
        if index % 7 == 6:
            scale = 720 / WIDTH
            image = image.resize((720, round(image.height * scale)), Image.Resampling.LANCZOS)
            rows = [Row(r.text, _scaled(r.rect, scale)) for r in rows]
            planted = [Planted(p.kind, p.value, _scaled(p.rect, scale)) for p in planted]
            tags.append("720px")
        if index % 4 == 1 or index % 7 == 6:
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=70)
            with Image.open(io.BytesIO(buffer.getvalue())) as reopened:
                image = reopened.convert("RGB")
            tags.append("jpeg70")
        shots.append(Screenshot(f"{index:02d}-{layout}", image, rows, planted, [name], tags))
    return shots


def _scaled(rect: Rect, scale: float) -> Rect:
    left, top, right, bottom = (value * scale for value in rect)
    return _union(None, (left, top, right, bottom))


# -- scoring -------------------------------------------------------------------------------------


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _overlap(box: Box, rect: Rect) -> int:
    width = min(box.right, rect[2]) - max(box.left, rect[0])
    height = min(box.bottom, rect[3]) - max(box.top, rect[1])
    return max(0, width) * max(0, height)


def char_errors(shot: Screenshot, lines: list[OcrLine]) -> tuple[int, int]:
    """Edit operations and ground-truth characters for one screenshot."""
    assigned: list[list[tuple[int, str]]] = [[] for _ in shot.rows]
    inserted = 0
    for line in lines:
        for word in line:
            overlaps = [_overlap(word.box, row.rect) for row in shot.rows]
            best = max(range(len(overlaps)), key=overlaps.__getitem__) if overlaps else -1
            if best < 0 or overlaps[best] == 0:
                inserted += len(_fold(word.text))
            else:
                assigned[best].append((word.box.left, word.text))
    errors, total = inserted, 0
    for row, words in zip(shot.rows, assigned, strict=True):
        truth = _fold(row.text)
        read = _fold("".join(text for _, text in sorted(words)))
        errors += edit_distance(truth, read)
        total += len(truth)
    return errors, total


@dataclass
class EngineReport:
    engine: str
    images: int = 0
    failures: list[str] = field(default_factory=list)
    errors: int = 0
    characters: int = 0
    planted: int = 0
    covered: int = 0
    #: kind -> [planted, covered]
    by_kind: dict[str, list[int]] = field(default_factory=dict)
    #: tag -> [planted, covered, character errors, characters]
    by_tag: dict[str, list[int]] = field(default_factory=dict)
    #: sums over images of the % of the image: outside planted values, and outside them padded
    false_area: float = 0.0
    beyond_padding: float = 0.0
    stray_boxes: int = 0
    boxes: int = 0
    first_seconds: float = 0.0
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return 1 - self.errors / self.characters if self.characters else 0.0

    @property
    def recall(self) -> float:
        return self.covered / self.planted if self.planted else 0.0

    @property
    def seconds_per_image(self) -> float:
        return sum(self.seconds) / len(self.seconds) if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "images": self.images,
            "failures": self.failures,
            "char_accuracy": round(self.accuracy, 4),
            "pii_recall": round(self.recall, 4),
            "planted": self.planted,
            "covered": self.covered,
            "recall_by_kind": self.by_kind,
            "by_tag": self.by_tag,
            "false_positive_area_pct": round(self.false_area / max(1, self.images), 3),
            "beyond_padding_area_pct": round(self.beyond_padding / max(1, self.images), 3),
            "boxes": self.boxes,
            "stray_boxes": self.stray_boxes,
            "first_image_s": round(self.first_seconds, 2),
            "seconds_per_image": round(self.seconds_per_image, 2),
            "cpu_seconds_per_image": round(
                sum(self.cpu_seconds) / max(1, len(self.cpu_seconds)), 2
            ),
            "misses": self.misses,
        }


def score(report: EngineReport, shot: Screenshot, lines: list[OcrLine] | None) -> None:
    """Add one screenshot's result (``lines`` None: the engine failed on it)."""
    lines = lines or []
    height, width = shot.image.height, shot.image.width
    found = find_pii_boxes(lines, shot.extra_terms)
    boxes = [c for c in (b.clamped(width, height) for b in found.boxes) if c is not None]
    proposed = np.zeros((height, width), dtype=bool)
    for box in boxes:
        proposed[box.top : box.bottom, box.left : box.right] = True
    personal = np.zeros_like(proposed)
    padded = np.zeros_like(proposed)
    for item in shot.planted:
        left, top, right, bottom = item.rect
        personal[top:bottom, left:right] = True
        box = Box(left, top, right - left, bottom - top).padded().clamped(width, height)
        if box is not None:
            padded[box.top : box.bottom, box.left : box.right] = True

    errors, characters = char_errors(shot, lines)
    report.images += 1
    report.errors += errors
    report.characters += characters
    report.boxes += len(boxes)
    report.stray_boxes += sum(all(_overlap(b, p.rect) == 0 for p in shot.planted) for b in boxes)
    report.false_area += 100 * float((proposed & ~personal).sum()) / (height * width)
    report.beyond_padding += 100 * float((proposed & ~padded).sum()) / (height * width)
    for tag in shot.tags:
        stats = report.by_tag.setdefault(tag, [0, 0, 0, 0])
        stats[2] += errors
        stats[3] += characters
    for item in shot.planted:
        left, top, right, bottom = item.rect
        fraction = float(proposed[top:bottom, left:right].mean())
        hit = fraction >= COVERED
        report.planted += 1
        report.covered += hit
        kind = report.by_kind.setdefault(item.kind, [0, 0])
        kind[0] += 1
        kind[1] += hit
        for tag in shot.tags:
            report.by_tag[tag][0] += 1
            report.by_tag[tag][1] += hit
        if not hit:
            row = next((r.text for r in shot.rows if _overlap(Box(left, top, 1, 1), r.rect)), "")
            read = " | ".join(
                "".join(w.text for w in line)
                for line in lines
                if any(_overlap(w.box, item.rect) for w in line)
            )
            miss = {"image": shot.name, "kind": item.kind, "covered": round(fraction, 2)}
            report.misses.append({**miss, "row": row, "read": read})


# -- engines under test ---------------------------------------------------------------------------


def _tesseract(**settings: Any) -> Callable[[], OcrEngine]:
    """The Tesseract engine with settings changed, to show what each setting is worth."""

    def make() -> OcrEngine:
        engine = TesseractEngine(**{k: v for k, v in settings.items() if k in ("lang", "config")})
        for key in ("min_width", "preprocess"):
            if key in settings:
                setattr(engine, key, settings[key])
        return engine

    return make


VARIANTS: dict[str, Callable[[], OcrEngine]] = {
    "tesseract": lambda: engine_for("tesseract"),
    "rapidocr": lambda: engine_for("rapidocr"),
    "tesseract-chi_sim": _tesseract(lang="chi_sim"),
    "tesseract-psm3": _tesseract(config="--psm 3"),
    "tesseract-psm11": _tesseract(config="--psm 11"),
    "tesseract-1x": _tesseract(min_width=0),
    "tesseract-colour": _tesseract(preprocess=False),
}


def _cpu() -> float:
    """CPU seconds of this process and its finished children (Tesseract runs as one): a
    fairer measure than the clock on a machine shared with other work."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def evaluate(name: str, shots: list[Screenshot]) -> EngineReport:
    report = EngineReport(name)
    start = time.perf_counter()
    try:
        engine = VARIANTS[name]()
    except Exception as error:
        report.failures.append(f"load: {error}")
        return report
    for index, shot in enumerate(shots):
        if index:
            start = time.perf_counter()
        cpu = _cpu()
        try:
            lines: list[OcrLine] | None = engine.read(shot.image)
        except Exception as error:
            report.failures.append(f"{shot.name}: {type(error).__name__}: {error}")
            lines = None
        elapsed = time.perf_counter() - start
        if index == 0:
            report.first_seconds = elapsed
        else:
            report.seconds.append(elapsed)
            report.cpu_seconds.append(_cpu() - cpu)
        score(report, shot, lines)
    return report


def main(names: list[str] | None = None) -> dict[str, Any]:
    """Run each engine (``BENCH_OCR_ENGINES``) on the screenshots, print tables, write
    ``bench/results/ocr_quality.json``."""
    from bench.harness import print_table, write_json

    names = names or os.environ.get("BENCH_OCR_ENGINES", "tesseract,rapidocr").split(",")
    shots = make_screenshots()
    reports = [evaluate(name, shots) for name in names]
    planted = sum(len(s.planted) for s in shots)
    print(f"\nOCR quality on {len(shots)} synthetic phone screenshots, {planted} planted values")
    headers = ["engine", "char acc", "PII recall", "FP area %", "beyond pad %", "stray boxes"]
    print_table(
        [*headers, "first s", "s/image", "CPU s/image", "failures"],
        [
            [
                r.engine,
                f"{r.accuracy:.4f}",
                f"{r.recall:.3f} ({r.covered}/{r.planted})",
                f"{r.false_area / max(1, r.images):.2f}",
                f"{r.beyond_padding / max(1, r.images):.2f}",
                r.stray_boxes,
                f"{r.first_seconds:.2f}",
                f"{r.seconds_per_image:.2f}",
                f"{sum(r.cpu_seconds) / max(1, len(r.cpu_seconds)):.2f}",
                len(r.failures),
            ]
            for r in reports
        ],
    )
    kinds = sorted({k for r in reports for k in r.by_kind})
    print("\nRecall by kind")
    print_table(
        ["engine", *kinds],
        [[r.engine, *(_ratio(r.by_kind.get(k, [0, 0])) for k in kinds)] for r in reports],
    )
    tags = ["light", "dark", "jpeg70", "720px", "chat", "receipt", "orders"]
    print("\nRecall / char accuracy by condition")
    print_table(
        ["engine", *tags],
        [[r.engine, *(_condition(r.by_tag.get(t, [0, 0, 0, 0])) for t in tags)] for r in reports],
    )
    results = {
        "images": len(shots),
        "planted": planted,
        "seed": SEED,
        "engines": {r.engine: r.as_dict() for r in reports},
    }
    path = write_json("ocr_quality", results)
    print(f"written to {path.relative_to(ROOT)}")
    return results


def _ratio(pair: list[int]) -> str:
    return f"{pair[1]}/{pair[0]}"


def _condition(stats: list[int]) -> str:
    recall = stats[1] / stats[0] if stats[0] else 0.0
    accuracy = 1 - stats[2] / stats[3] if stats[3] else 0.0
    return f"{recall:.2f}/{accuracy:.2f}"
