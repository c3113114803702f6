"""File handling on real files and over large input spaces: an iPhone's HEIC decodes upright
and leaves as a JPEG with nothing but pixels; the hidden data each file carried is counted by
kind (never a value); a real 14-page PDF rebuilt from pixels stays within 3x its size; and a
black-out box whose edge cut a character grows until the whole character is under it, whatever
the text, font size and error of the box."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageDraw

from services.anonymize import hidden, image, pdf, pipeline
from services.anonymize.boxes import Box
from services.anonymize.sniff import FileKind, detect
from services.platform.fonts import pillow_font
from tests.support.fuzz import fuzz

DATA = Path(__file__).parents[1] / "data"
REAL = DATA / "real"
CORPUS = DATA / "evidence"


# -- HEIC -----------------------------------------------------------------------------------------


def test_an_iphone_heic_is_sniffed_decoded_upright_and_reduced() -> None:
    data = (REAL / "iphone_arrow.heic").read_bytes()
    detected = detect(data[:65536])
    assert (detected.kind, detected.media_type) == (FileKind.IMAGE, "image/heic")
    assert image.image_size(data) == (3024, 4032)  # shot as 4032 x 3024, turned upright
    picture = image.load_image(data, work_pixels=1_000_000)
    assert picture.size == (756, 1008)  # reduced by 4
    assert not picture.info
    # the arrow points up: the ink of its head is in the upper half
    ink = picture.convert("L").point(lambda v: 255 if v < 80 else 0)
    top = ink.crop((0, 0, picture.width, picture.height // 2)).histogram()[255]
    bottom = ink.crop((0, picture.height // 2, picture.width, picture.height)).histogram()[255]
    assert top > bottom


def test_a_heic_photo_leaves_as_a_jpeg_with_nothing_but_pixels() -> None:
    data = (REAL / "iphone_arrow.heic").read_bytes()
    picture = image.load_image(data, work_pixels=1_000_000)
    encoded, media_type, extension = image.encode_upload(picture, lossy_source=image.is_photo(data))
    assert (media_type, extension) == ("image/jpeg", ".jpg")
    for marker in (b"Apple", b"iPhone", b"Exif", b"ICC_PROFILE", b"http://ns.adobe.com"):
        assert marker not in encoded
    with Image.open(io.BytesIO(encoded)) as result:
        assert not result.getexif()


def test_a_lossy_webp_photo_becomes_a_jpeg_and_a_drawn_one_stays_png() -> None:
    photo = image.load_image((REAL / "iphone_arrow.heic").read_bytes(), work_pixels=2_000_000)
    buffer = io.BytesIO()
    photo.save(buffer, "WEBP", quality=80)
    webp = buffer.getvalue()
    assert image.is_photo(webp)
    encoded, media_type, _ = image.encode_upload(image.load_image(webp), lossy_source=True)
    assert media_type == "image/jpeg"
    lossless = image.encode_image(image.load_image(webp), photo=False)[0]
    assert len(encoded) * 2.5 < len(lossless)  # what storing photos as PNG cost

    drawn = (CORPUS / "xmp.webp").read_bytes()  # text on a gradient, saved lossily
    assert image.encode_upload(image.load_image(drawn), lossy_source=True)[1] == "image/png"


def test_a_lossy_upload_stays_png_exactly_up_to_its_share_of_the_jpeg(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The PNG stops being encoded once it outgrows PNG_WORTH times the JPEG; the choice is
    the one a full encoding gives, to the byte."""
    drawn = image.load_image((CORPUS / "xmp.webp").read_bytes())
    png = image.encode_image(drawn, photo=False)[0]
    jpeg = image.encode_image(drawn, photo=True)[0]
    monkeypatch.setattr(image, "PNG_WORTH", (len(png) + 0.5) / len(jpeg))  # the PNG just fits
    assert image.encode_upload(drawn, lossy_source=True) == (png, "image/png", ".png")
    monkeypatch.setattr(image, "PNG_WORTH", (len(png) - 0.5) / len(jpeg))  # one byte over
    assert image.encode_upload(drawn, lossy_source=True) == (jpeg, "image/jpeg", ".jpg")


# -- hidden data ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (CORPUS / "photo_exif_gps.jpg", {"LOCATION": 2, "CAMERA": 3, "AUTHOR": 4, "DATES": 3}),
        (CORPUS / "xmp.webp", {"LOCATION": 2, "CAMERA": 3}),
        (CORPUS / "chunks.png", {"DESCRIPTION": 5, "CAMERA": 3}),
        (CORPUS / "polyglot.png", {"ATTACHMENT": 1}),
        (REAL / "iphone_arrow.heic", {"CAMERA": 5, "THUMBNAIL": 1, "DATES": 3, "HISTORY": 1}),
        (REAL / "camera_exif_xmp_iptc.heic", {"CAMERA": 5, "DESCRIPTION": 1}),
    ],
)
def test_the_hidden_data_of_a_picture_is_counted_by_kind(
    path: Path, expected: dict[str, int]
) -> None:
    counts = hidden.image_hidden(path.read_bytes())
    assert expected.items() <= counts.items()
    assert set(counts) <= set(hidden.KINDS)


def test_a_plain_screenshot_carried_nothing_hidden() -> None:
    assert hidden.image_hidden((CORPUS / "screenshot_zh.png").read_bytes()) == {}


def test_the_hidden_data_of_a_pdf_is_counted_by_kind() -> None:
    counts = hidden.pdf_hidden((CORPUS / "statement.pdf").read_bytes())
    assert {"SCRIPT", "ATTACHMENT", "ANNOTATION", "AUTHOR", "HISTORY"} <= counts.keys()
    assert counts["HISTORY"] >= 1  # the incremental update kept the earlier revision


@given(st.binary(max_size=4096))
@fuzz(200)
def test_counting_hidden_data_never_fails_and_never_holds_values(data: bytes) -> None:
    for counts in (hidden.image_hidden(data), hidden.pdf_hidden(data)):
        assert set(counts) <= set(hidden.KINDS)
        assert all(isinstance(n, int) and n > 0 for n in counts.values())


# -- PDF size ---------------------------------------------------------------------------------


def test_a_real_text_pdf_rebuilt_from_pixels_stays_within_three_times_its_size(
    tmp_path: Path,
) -> None:
    original = REAL / "tracemonkey.pdf"
    shutil.copy(original, tmp_path / pipeline.ORIGINAL)
    task = {
        "kind": "pdf",
        "terms": [],
        "boxes": None,
        "max_pixels": 40_000_000,
        "work_pixels": 16_000_000,
        "max_pages": 50,
        "dpi": 150,
        "ocr_engines": [],
        "kept_pages": 0,
    }
    (tmp_path / pipeline.TASK).write_text(json.dumps(task))
    result = pipeline.clean(tmp_path)
    rebuilt = (tmp_path / pipeline.OUT / result["output"]).read_bytes()
    assert result["page_count"] == 14
    assert len(rebuilt) <= 3 * original.stat().st_size  # was 8.2x as JPEG quality 90
    with pikepdf.open(io.BytesIO(rebuilt)) as pdf:
        assert len(pdf.pages) == 14
        assert "/Info" not in pdf.trailer
        assert "/Metadata" not in pdf.Root
    assert {"DATES", "HISTORY"} <= result["counts"].keys()


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_char_boxes_of_a_real_paper_land_where_pdfium_maps_them(rotation: int) -> None:
    """Character boxes are mapped to pixels through an affine map read off PDFium once per
    page; on every character of a real paper (turned and cropped too), each corner lands on
    the pixel PDFium's own per-point mapping gives, or, on a half pixel, next to it."""
    with pikepdf.open(REAL / "tracemonkey.pdf") as paper:
        del paper.pages[4:]
        for page in paper.pages:
            page.Rotate = rotation
            page.CropBox = [15, 25, 590, 770]
        turned = io.BytesIO()
        paper.save(turned)
    document = pdfium.PdfDocument(turned.getvalue())
    checked = differing = 0
    try:
        for page in document:
            bitmap = page.render(scale=150 / 72)
            to_pixels = bitmap.get_posconv(page).to_bitmap
            mapping = pdf._PageToPixels(to_pixels)
            textpage = page.get_textpage()
            for index in range(textpage.count_chars()):
                left, bottom, right, top = textpage.get_charbox(index, loose=True)
                for corner in ((left, bottom), (right, top)):
                    (x, y), (pdfium_x, pdfium_y) = mapping.point(*corner), to_pixels(*corner)
                    assert abs(x - pdfium_x) <= 1
                    assert abs(y - pdfium_y) <= 1
                    differing += (x, y) != (pdfium_x, pdfium_y)
                    checked += 1
            for opened in (textpage, bitmap, page):
                opened.close()
    finally:
        document.close()
    assert checked > 40_000
    assert differing <= 3


# -- whole glyphs ------------------------------------------------------------------------------

TEXT = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@._-+mwWM联系邮箱手机号",
    min_size=3,
    max_size=24,
)


def _glyph_boxes(text: str, size: int, origin: tuple[int, int]) -> tuple[Image.Image, list[Box]]:
    """``text`` drawn dark on light, character by character, and each character's ink box:
    every pixel it darkens by more than :data:`image.INK_CONTRAST` (fainter edge pixels do
    not make a character readable)."""
    font = pillow_font(size)
    width = int(font.getlength(text)) + 2 * size + origin[0]
    page = Image.new("RGB", (width, 3 * size + origin[1]), "white")
    draw = ImageDraw.Draw(page)
    boxes: list[Box] = []
    for index, char in enumerate(text):
        x = origin[0] + int(font.getlength(text[:index]))
        alone = Image.new("L", page.size, 255)
        ImageDraw.Draw(alone).text((x, origin[1]), char, font=font, fill=20)
        ink = alone.point(lambda v: 255 if 255 - v > image.INK_CONTRAST else 0).getbbox()
        draw.text((x, origin[1]), char, font=font, fill=(20, 20, 20))
        if ink is None:
            boxes.append(Box(x, origin[1], 1, 1))
            continue
        left, top, right, bottom = ink
        boxes.append(Box(left, top, right - left, bottom - top))
    return page, boxes


def _inside(glyph: Box, box: Box) -> bool:
    return (
        box.left <= glyph.left
        and glyph.right <= box.right
        and box.top <= glyph.top
        and glyph.bottom <= box.bottom
    )


def _touches(glyph: Box, box: Box) -> bool:
    return (
        glyph.left < box.right
        and box.left < glyph.right
        and glyph.top < box.bottom
        and (box.top < glyph.bottom)
    )


@given(
    text=TEXT,
    size=st.integers(10, 48),
    span=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    error=st.tuples(st.floats(-0.45, 0.45), st.floats(-0.45, 0.45)),
)
@fuzz(120)
def test_a_box_that_cuts_a_character_grows_to_cover_it_whole(
    text: str, size: int, span: tuple[float, float], error: tuple[float, float]
) -> None:
    page, glyphs = _glyph_boxes(text, size, origin=(size, size // 2))
    first = min(int(span[0] * len(text)), len(text) - 1)
    last = max(first, min(int(span[1] * len(text)), len(text) - 1))
    inked = [g for g in glyphs if g.width > 1 or g.height > 1]
    line_top = min(g.top for g in inked)
    line_bottom = max(g.bottom for g in inked)
    # an OCR box of the span, wrong at both ends by up to ~half a character
    left = glyphs[first].left + round(error[0] * size)
    right = glyphs[last].right + round(error[1] * size)
    if right - left < 2:
        return
    sloppy = Box(left, line_top, right - left, line_bottom - line_top)
    (covered,) = image.cover_glyphs(page, [sloppy])
    for glyph in glyphs:
        if _touches(glyph, sloppy):
            assert _inside(glyph, covered), f"{glyph} cut by {covered} (from {sloppy})"
    burned = image.burn_boxes(page, [covered])
    for glyph in glyphs:
        if _touches(glyph, sloppy):  # no ink of a touched character survives
            crop = burned.crop((glyph.left, glyph.top, glyph.right, glyph.bottom)).convert("L")
            assert crop.getextrema()[1] <= image.INK_CONTRAST


def test_boxes_on_a_dark_page_cover_light_text_too() -> None:
    page, glyphs = _glyph_boxes("zhang.weiming@example.com", 28, origin=(20, 10))
    dark = Image.eval(page, lambda v: 255 - v)  # dark mode: light text on dark
    cut = Box(glyphs[0].left + 6, glyphs[0].top, glyphs[-1].right - 9 - glyphs[0].left, 30)
    (covered,) = image.cover_glyphs(dark, [cut])
    assert _inside(glyphs[0], covered)
    assert _inside(glyphs[-1], covered)


def test_exif_of_the_fixture_is_what_the_counts_say() -> None:
    """The counts above come from the file: the GPS block and the camera fields are there."""
    with Image.open(CORPUS / "photo_exif_gps.jpg") as photo:
        exif = photo.getexif()
        assert exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert exif.get(ExifTags.Base.Make)
