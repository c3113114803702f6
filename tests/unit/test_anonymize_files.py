"""Uploaded files reduced to what may be pooled: images to their pixels, PDFs rebuilt from
rendered pages, CSV columns hashed or dropped, text redacted; everything else refused with a
message a contributor can act on. Fixtures carry planted values wherever files hide data
(EXIF, GPS, XMP, ICC, PNG text chunks, JPEG comments, hidden PDF text, old PDF revisions,
attachments, scripts) and the tests read the output back the way a curious reader would."""

from __future__ import annotations

import csv
import io
import re
import struct
import time
import zipfile
import zlib
from collections.abc import Iterable

import pikepdf
import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile, ImageStat, PngImagePlugin

from models.evidence import EvidenceKind
from services.anonymize import pdf as pdf_module
from services.anonymize.boxes import Box
from services.anonymize.image import (
    burn_boxes,
    encode_image,
    image_size,
    load_image,
    thumbnail_png,
)
from services.anonymize.pdf import (
    images_to_pdf,
    open_pdf,
    opened_pdf,
    page_count,
    render_pages,
)
from services.anonymize.plaintext import anonymize_text, decode_text, encode_text
from services.anonymize.sniff import (
    NOT_ACCEPTED,
    FileKind,
    UnreadableFile,
    clean_file_name,
    detect,
)
from services.anonymize.table import (
    ColumnAction,
    Table,
    anonymize_table,
    hash_cell,
    read_table,
    suggest_actions,
)
from services.anonymize.text import redact
from services.platform.spreadsheet import neutralize

PLANTED = "PLANTED-7f3a"
PHONE = "13812345678"
RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)


# -- helpers ------------------------------------------------------------------------------------


def _union(boxes: Iterable[Box]) -> Box | None:
    result: Box | None = None
    for box in boxes:
        result = box if result is None else result.union(box)
    return result


def _encoded(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def _halves(size: tuple[int, int] = (40, 20)) -> Image.Image:
    """Left half red, right half blue: orientation and region checks read colours back."""
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    return image


def _mean(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[float, ...]:
    return tuple(ImageStat.Stat(image.crop(box).convert("RGB")).mean)


def _close(color: tuple[float, ...], expected: tuple[int, int, int], tolerance: float = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(color, expected, strict=True))


def _exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.ImageDescription] = PLANTED
    exif[ExifTags.Base.Artist] = PLANTED
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 27.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 23.0, 29.0)
    return exif


def _xmp() -> bytes:
    return (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
        b'22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
        b'dc:creator="' + PLANTED.encode() + b'"/></rdf:RDF></x:xmpmeta>'
    )


def _icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _png_declaring(width: int, height: int) -> bytes:
    """A valid tiny PNG whose header claims ``width`` × ``height`` pixels (CRC fixed)."""
    data = bytearray(_encoded(Image.new("L", (1, 1)), "PNG"))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def _png_chunks(data: bytes) -> list[bytes]:
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        chunks.append(data[position + 4 : position + 8])
        position += 12 + length
    return chunks


def _message(error: pytest.ExceptionInfo[UnreadableFile]) -> str:
    return str(error.value.message)


# -- sniffing -----------------------------------------------------------------------------------


def test_file_kinds_are_the_evidence_kinds() -> None:
    assert {kind.value for kind in FileKind} == {kind.value for kind in EvidenceKind}


@pytest.mark.parametrize(
    ("head", "kind", "media_type"),
    [
        (_encoded(_halves(), "PNG"), FileKind.IMAGE, "image/png"),
        (_encoded(_halves(), "JPEG"), FileKind.IMAGE, "image/jpeg"),
        (_encoded(_halves(), "WEBP"), FileKind.IMAGE, "image/webp"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", FileKind.PDF, "application/pdf"),
        (b"\r\n junk a mailer added \r\n%PDF-1.4\n", FileKind.PDF, "application/pdf"),
        ("客服说三天内退款，结果没有。\n".encode(), FileKind.TEXT, "text/plain"),
        ("\ufeff客服说三天内退款".encode(), FileKind.TEXT, "text/plain"),
        ("客服说三天内退款\r\n".encode("utf-16"), FileKind.TEXT, "text/plain"),
        ("客服说三天内退款，没有退。".encode("gb18030"), FileKind.TEXT, "text/plain"),
        (b"date,amount,note\n2024-05-01,12.50,x\n2024-05-02,3.00,y\n", FileKind.CSV, "text/csv"),
        ("时间\t金额\t对方\n5-01\t12\t张\n5-02\t3\t李\n".encode(), FileKind.CSV, "text/csv"),
        (b"Datum;Betrag;Text\n01.05.;1,50;a\n02.05.;2,50;b\n", FileKind.CSV, "text/csv"),
        (
            b'{\n  "ids": [\n    "a",\n    "b",\n    "c",\n    "d"\n  ]\n}\n',
            FileKind.TEXT,
            "text/plain",
        ),
        (b'  "a",\n  "b",\n  "c",\n  "d",\n', FileKind.TEXT, "text/plain"),
    ],
    ids=[
        "png",
        "jpeg",
        "webp",
        "pdf",
        "pdf-after-junk",
        "utf8",
        "utf8-bom",
        "utf16",
        "gb18030",
        "comma",
        "tab",
        "semicolon",
        "json",
        "quoted-list",
    ],
)
def test_content_decides_the_kind(head: bytes, kind: FileKind, media_type: str) -> None:
    detected = detect(head, name_hint="whatever.bin")
    assert (detected.kind, detected.media_type) == (kind, media_type)
    assert detected.extension.startswith(".")


def test_a_wallet_export_with_title_lines_is_a_table() -> None:
    export = (
        "支付宝交易记录明细查询\n账号:[someone@example.com]\n起始日期:[2024-05-01]\n"
        "交易号,商家订单号,交易对方,金额（元）,\n"
        "2024050122001,T1,美团,12.50,\n2024050222001,T2,滴滴,3.00,\n2024050322001,T3,张三,8.00,\n"
    )
    assert detect(export.encode("gb18030")).kind is FileKind.CSV


def test_a_cut_prefix_is_sniffed_like_the_whole_file() -> None:
    whole = ("交易时间,金额,备注\n" + "2024-05-01 10:00,12.50,“早餐”\n" * 400).encode()
    assert detect(whole[:4097]).kind is FileKind.CSV  # cut inside a character and a row


def test_the_name_only_breaks_a_tie_between_text_and_csv() -> None:
    two_lines = b"Hello, I paid twice\nThey refused, twice\n"
    assert detect(two_lines, name_hint="note.txt").kind is FileKind.TEXT
    assert detect(two_lines, name_hint="export.csv").kind is FileKind.CSV
    prose = b"I paid twice, they refused.\nThen I called.\nNothing, again, happened.\n"
    assert detect(prose, name_hint="export.csv").kind is FileKind.TEXT


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (b"\x7fELF\x02\x01\x01\x00" + bytes(64), "evidence.png"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "statement.csv"),
        (_encoded(Image.new("P", (4, 4)), "GIF"), "screenshot.gif"),
        (b"<!DOCTYPE html><html><script>alert(1)</script>", "screenshot.png"),
        (b"  <html><body>hi</body></html>", "a.txt"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "a.png"),
        (b'<?xml version="1.0"?><svg/>', "a.csv"),
        (b"text with a \x00 NUL in it", "a.txt"),
        (b"\x1b[31mterminal escapes\x1b[0m", "a.txt"),
        (b"\x80\xff\xfe\x00\x00binary", "a.txt"),
    ],
    ids=["elf", "zip", "gif", "html-as-png", "html", "svg", "xml", "nul", "escape", "binary"],
)
def test_anything_else_is_refused_whatever_its_name(head: bytes, name: str) -> None:
    with pytest.raises(UnreadableFile) as error:
        detect(head, name_hint=name)
    assert _message(error) == str(NOT_ACCEPTED)
    assert error.value.field == "files"


def test_an_empty_file_is_refused_with_its_own_message() -> None:
    with pytest.raises(UnreadableFile) as error:
        detect(b"", name_hint="a.png")
    assert "empty" in _message(error)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("证据截图 (1).png", "证据截图 (1).png"),
        ("  statement May.pdf \n", "statement May.pdf"),
        ("cafe\u0301.txt", "caf\u00e9.txt"),
        ("a" * 300 + ".jpeg", "a" * 115 + ".jpeg"),
        ("说" * 130, "说" * 120),
    ],
)
def test_file_names_are_cleaned(name: str, expected: str) -> None:
    assert clean_file_name(name) == expected


@pytest.mark.parametrize(
    "name", ["../a.png", "a\\b.png", "a\x07.png", "\u202egnp.exe", "a\u2066b.png", "a\x00.png"]
)
def test_file_names_that_could_mislead_are_refused(name: str) -> None:
    with pytest.raises(UnreadableFile) as error:
        clean_file_name(name)
    assert "Rename" in _message(error)
    assert name not in _message(error)


@pytest.mark.parametrize("name", ["", "   ", "..", "."])
def test_a_file_needs_a_name(name: str) -> None:
    with pytest.raises(UnreadableFile, match=r"no name"):
        clean_file_name(name)


# -- images -------------------------------------------------------------------------------------


def test_a_photo_keeps_its_pixels_and_loses_exif_gps_xmp_icc_and_comment() -> None:
    original = _encoded(
        _halves((64, 32)),
        "JPEG",
        quality=95,
        exif=_exif_with_gps(),
        xmp=_xmp(),
        icc_profile=_icc(),
        comment=PLANTED.encode(),
    )
    with Image.open(io.BytesIO(original)) as planted:  # the fixture is what it claims
        assert planted.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert {"icc_profile", "xmp", "comment"} <= planted.info.keys()
    assert PLANTED.encode() in original

    data, media_type, extension = encode_image(load_image(original), photo=True)

    assert (media_type, extension) == ("image/jpeg", ".jpg")
    for marker in (PLANTED.encode(), b"Exif", b"http://ns.adobe.com/xap", b"ICC_PROFILE"):
        assert marker not in data
    with Image.open(io.BytesIO(data)) as result:
        assert not result.getexif()
        assert not {"exif", "icc_profile", "xmp", "comment"} & result.info.keys()
        assert _close(_mean(result, (2, 2, 28, 30)), RED)
        assert _close(_mean(result, (36, 2, 62, 30)), BLUE)


def test_a_screenshot_loses_every_png_text_chunk() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", PLANTED)
    info.add_text("Software", PLANTED, zip=True)
    info.add_itxt("Author", PLANTED, lang="zh", tkey="作者")
    info.add_text("XML:com.adobe.xmp", _xmp().decode())
    original = _encoded(
        _halves(), "PNG", pnginfo=info, exif=_exif_with_gps(), icc_profile=_icc(), dpi=(144, 144)
    )
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP", b"pHYs"} <= set(_png_chunks(original))

    data, media_type, _ = encode_image(load_image(original), photo=False)

    assert media_type == "image/png"
    assert set(_png_chunks(data)) == {b"IHDR", b"IDAT", b"IEND"}
    assert PLANTED.encode() not in data
    with Image.open(io.BytesIO(data)) as result:
        assert result.info == {}
        assert result.mode == "RGB"


def test_exif_orientation_is_applied_before_the_exif_is_dropped() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored sideways: turn 90° clockwise to view
    original = _encoded(_halves((40, 20)), "JPEG", quality=95, exif=exif)

    image = load_image(original)

    assert image.size == (20, 40)
    assert _close(_mean(image, (2, 2, 18, 17)), RED)  # the left half is now on top
    assert _close(_mean(image, (2, 23, 18, 38)), BLUE)


def test_transparency_is_flattened_onto_white() -> None:
    rgba = Image.new("RGBA", (20, 10), (*RED, 255))
    rgba.paste((0, 0, 0, 0), (10, 0, 20, 10))
    palette = Image.new("P", (10, 10), 1)
    palette.putpalette([0, 0, 0, 255, 0, 0])
    palette.info["transparency"] = 1

    image = load_image(_encoded(rgba, "PNG"))
    flat_palette = load_image(_encoded(palette, "PNG"))

    assert _close(_mean(image, (0, 0, 10, 10)), RED)
    assert _close(_mean(image, (10, 0, 20, 10)), WHITE)
    assert _close(_mean(flat_palette, (0, 0, 10, 10)), WHITE)


def test_an_animation_keeps_its_first_frame_only() -> None:
    frames = [Image.new("RGB", (16, 16), RED), Image.new("RGB", (16, 16), BLUE)]
    animated = _encoded(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    assert detect(animated).media_type == "image/webp"

    image = load_image(animated)

    assert _close(_mean(image, (0, 0, 16, 16)), RED)


def test_a_payload_glued_to_an_image_does_not_survive() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("payload.txt", PLANTED)
    polyglot = _encoded(_halves(), "PNG") + archive.getvalue()

    data, _, _ = encode_image(load_image(polyglot), photo=False)

    assert b"PK\x03\x04" not in data
    assert b"payload.txt" not in data


def test_the_same_pixels_give_the_same_bytes() -> None:
    original = _encoded(_halves((64, 48)), "JPEG", exif=_exif_with_gps())
    first = encode_image(load_image(original), photo=True)
    second = encode_image(load_image(io.BytesIO(original)), photo=True)
    assert first == second
    assert encode_image(load_image(original), photo=False) == encode_image(
        load_image(original), photo=False
    )


@pytest.mark.parametrize(
    ("fmt", "params", "chunk"),
    [
        ("PNG", {}, None),
        ("JPEG", {"exif": Image.Exif()}, None),
        ("WEBP", {"quality": 80}, b"VP8 "),
        ("WEBP", {"lossless": True}, b"VP8L"),
        ("WEBP", {"icc_profile": b"\x00" * 8}, b"VP8X"),
    ],
)
def test_the_size_comes_from_the_header_as_pillow_reads_it(
    fmt: str, params: dict[str, object], chunk: bytes | None
) -> None:
    data = _encoded(Image.new("RGB", (123, 45), RED), fmt, **params)
    if chunk is not None:
        assert data[12:16] == chunk
    assert image_size(data) == (123, 45)
    stream = io.BytesIO(data)
    assert image_size(stream) == (123, 45)
    assert stream.tell() == 0  # left for the caller to read


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = _png_declaring(20_000, 20_000)
    assert len(bomb) < 100
    for check in (image_size, load_image):
        with pytest.raises(UnreadableFile) as error:
            check(bomb)
        assert "too large" in _message(error)
        assert "20000 × 20000" in _message(error)


def test_the_pixel_limit_is_the_callers() -> None:
    small = _encoded(Image.new("RGB", (20, 20)), "PNG")
    with pytest.raises(UnreadableFile, match="too large"):
        load_image(small, max_pixels=399)
    assert load_image(small, max_pixels=400).size == (20, 20)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_truncated_image_is_refused_not_grey_filled(fmt: str) -> None:
    noise = Image.effect_noise((200, 200), 80).convert("RGB")
    data = _encoded(noise, fmt)
    assert not ImageFile.LOAD_TRUNCATED_IMAGES
    with pytest.raises(UnreadableFile) as error:
        load_image(data[: len(data) // 2])
    assert "could not be read" in _message(error)


@pytest.mark.parametrize(
    "data",
    [
        _encoded(Image.new("RGB", (4, 4)), "GIF"),
        _encoded(Image.new("RGB", (4, 4)), "BMP"),
        _encoded(Image.new("RGB", (4, 4)), "TIFF"),
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
    ],
    ids=["gif", "bmp", "tiff", "png-garbage", "jpeg-header-only"],
)
def test_only_png_jpeg_and_webp_are_decoded(data: bytes) -> None:
    with pytest.raises(UnreadableFile):
        load_image(data)


def test_boxes_are_burned_black_and_clamped_to_the_image() -> None:
    image = Image.new("RGB", (100, 50), WHITE)
    boxes = [Box(10, 10, 20, 10), Box(90, 40, 50, 50), Box(-30, -30, 10, 10)]

    burned = burn_boxes(image, boxes)

    assert _mean(burned, (10, 10, 30, 20)) == (0, 0, 0)
    assert _mean(burned, (90, 40, 100, 50)) == (0, 0, 0)
    assert _mean(burned, (30, 0, 90, 40)) == WHITE  # nothing else touched
    assert burned.getpixel((9, 10)) == WHITE
    assert burned.getpixel((30, 10)) == WHITE
    assert _mean(image, (10, 10, 30, 20)) == WHITE  # the original is left alone


def test_thumbnails_are_small_pngs_with_nothing_but_pixels() -> None:
    tall = load_image(_encoded(_halves((1080, 8000)), "PNG"))

    thumb = thumbnail_png(tall)
    small = thumbnail_png(Image.new("RGB", (100, 80), RED))

    with Image.open(io.BytesIO(thumb)) as image:
        assert image.size == (320, 960)
        assert image.info == {}
    with Image.open(io.BytesIO(small)) as image:
        assert image.size == (100, 80)  # never enlarged


# -- PDF ----------------------------------------------------------------------------------------


def _statement(pages: int = 1, *, password: str | None = None) -> bytes:
    """A statement with a visible phone number and everything a PDF can hide: white and
    invisible text, an Info dictionary, XMP, an attachment, a script, an older revision."""
    fpdf = pytest.importorskip("fpdf")
    from fpdf.enums import TextMode

    document = fpdf.FPDF()
    document.set_compression(False)  # so the test can see the planted values in the input
    document.set_author(PLANTED)
    document.set_title(PLANTED)
    document.set_xmp_metadata(_xmp().decode())
    document.set_font("helvetica", size=16)
    for index in range(pages):
        document.add_page()
        document.text(20, 30, f"Phone {PHONE} page {index + 1}")
        document.set_text_color(255, 255, 255)
        document.text(20, 50, f"WHITE-{PLANTED}")
        document.set_text_color(0, 0, 0)
        document.text_mode = TextMode.INVISIBLE
        document.text(20, 70, f"INVISIBLE-{PLANTED}")
        document.text_mode = TextMode.FILL
    document.embed_file(bytes=PLANTED.encode(), basename="attached.txt")
    built = io.BytesIO()
    with pikepdf.open(io.BytesIO(bytes(document.output()))) as pdf:
        pdf.Root.OpenAction = pdf.make_indirect(
            pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(f"// {PLANTED}"))
        )
        encryption = pikepdf.Encryption(user=password, owner="owner") if password else False
        pdf.save(built, compress_streams=False, encryption=encryption)
    return built.getvalue()


def _with_old_revision(data: bytes) -> bytes:
    """``data`` plus an incremental update that replaces the first page's content: the old
    content stays in the file, where a reader cutting at the first %%EOF finds it."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        contents = pdf.pages[0].obj.Contents
        number = contents.objgen[0]
        root, size = pdf.Root.objgen[0], int(pdf.trailer.Size)
    previous = int(data[data.rindex(b"startxref") :].split()[1])
    stream = b"BT /F1 16 Tf 60 700 Td (CURRENT REVISION) Tj ET"
    update = (
        f"\n{number} 0 obj\n<< /Length {len(stream)} >>\nstream\n".encode()
        + stream
        + b"\nendstream\nendobj\n"
    )
    offset = len(data) + 1
    xref_at = len(data) + len(update)
    trailer = (
        f"xref\n{number} 1\n{offset:010d} 00000 n \n"
        f"trailer\n<< /Size {size} /Root {root} 0 R /Prev {previous} >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    )
    return data + update + trailer.encode()


def _text_of(data: bytes) -> str:
    with opened_pdf(data) as document:
        return "".join(page.text for page in render_pages(document))


def test_a_pdf_is_rebuilt_from_pixels_with_nothing_hidden_left() -> None:
    original = _with_old_revision(_statement())
    assert original.count(PLANTED.encode()) >= 6  # Info, XMP, white, invisible, file, script
    assert "CURRENT REVISION" in _text_of(original)

    with opened_pdf(original) as document:
        pages = list(render_pages(document))
    rebuilt = images_to_pdf([page.image for page in pages])

    assert PLANTED.encode() not in rebuilt
    assert b"CURRENT" not in rebuilt
    assert _text_of(rebuilt) == ""  # not a character left to extract
    with pikepdf.open(io.BytesIO(rebuilt)) as pdf:
        assert "/Info" not in pdf.trailer
        assert len(pdf.open_metadata()) == 0
        assert not {"/Metadata", "/Names", "/OpenAction", "/AcroForm", "/AA"} & set(pdf.Root.keys())
        assert len(pdf.attachments) == 0
        assert len(pdf.pages) == 1
        assert "/Annots" not in pdf.pages[0]
        assert len(pdf.docinfo) == 0


def test_the_text_layer_finds_what_to_burn_and_burning_removes_it() -> None:
    with opened_pdf(_statement()) as document:
        page = next(render_pages(document))
    assert len(page.text) == len(page.char_boxes)
    assert f"WHITE-{PLANTED}" in page.text
    assert f"INVISIBLE-{PLANTED}" in page.text
    start = page.text.index(PHONE)
    box = _union(b for b in page.char_boxes[start : start + len(PHONE)] if b is not None)
    assert box is not None
    region = (box.left, box.top, box.right, box.bottom)
    assert _mean(page.image, region)[0] < 235  # ink where the text layer says the phone is

    rebuilt = images_to_pdf([burn_boxes(page.image, [box.padded()])])

    with opened_pdf(rebuilt) as document:
        shown = next(render_pages(document)).image
    assert shown.size == page.image.size
    assert max(_mean(shown, region)) < 8
    label = page.text.index("Phone")
    label_box = _union(b for b in page.char_boxes[label : label + 5] if b is not None)
    assert label_box is not None
    before = _mean(page.image, (label_box.left, label_box.top, label_box.right, label_box.bottom))
    after = _mean(shown, (label_box.left, label_box.top, label_box.right, label_box.bottom))
    assert _close(after, tuple(round(c) for c in before), tolerance=6)  # the rest still reads


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_char_boxes_follow_rotated_pages(rotation: int) -> None:
    with pikepdf.open(io.BytesIO(_statement())) as pdf:
        pdf.pages[0].Rotate = rotation
        pdf.pages[0].CropBox = [10, 20, 560, 800]
        turned = io.BytesIO()
        pdf.save(turned)
    with opened_pdf(turned.getvalue()) as document:
        page = next(render_pages(document))
    start = page.text.index(PHONE)
    box = _union(b for b in page.char_boxes[start : start + len(PHONE)] if b is not None)
    assert box is not None
    assert (box.width > box.height) == (rotation == 180)
    burned = burn_boxes(page.image, [box])
    assert burned.size == page.image.size
    assert min(_mean(page.image, (box.left, box.top, box.right, box.bottom))) < 235


def test_rebuilt_pdfs_are_deterministic_and_sized_by_dpi() -> None:
    pages = [_halves((300, 150)), Image.new("RGB", (150, 300), RED)]
    first = images_to_pdf(pages, dpi=150)
    # a second later: the file id must come from the content, not from the clock
    time.sleep(1.1)
    assert first == images_to_pdf([page.copy() for page in pages], dpi=150)
    with pikepdf.open(io.BytesIO(first)) as pdf:
        assert [list(map(float, page.MediaBox)) for page in pdf.pages] == [
            [0, 0, 144, 72],
            [0, 0, 72, 144],
        ]
    assert page_count(first) == 2


def test_a_password_protected_pdf_is_refused_with_what_to_do() -> None:
    with pytest.raises(UnreadableFile) as error:
        open_pdf(_statement(password="123456"))
    assert "password" in _message(error)


def test_a_pdf_protected_only_against_copying_opens() -> None:
    protected = _statement(password="")  # an owner password only, like many bank statements
    assert page_count(protected) == 1
    assert PHONE in _text_of(protected)


def test_too_many_pages_are_refused_with_the_limit() -> None:
    with pytest.raises(UnreadableFile) as error:
        page_count(_statement(pages=3), max_pages=2)
    assert "3 pages" in _message(error)
    assert "at most 2" in _message(error)
    assert page_count(_statement(pages=2), max_pages=2) == 2


def test_empty_and_damaged_pdfs_are_refused() -> None:
    empty = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.save(empty)
    with pytest.raises(UnreadableFile, match="no pages"):
        page_count(empty.getvalue())
    with pytest.raises(UnreadableFile, match="could not be opened"):
        page_count(b"%PDF-1.7\n" + bytes(range(256)) * 4)


def test_a_huge_page_is_rendered_at_a_lower_resolution() -> None:
    fpdf = pytest.importorskip("fpdf")
    poster = fpdf.FPDF(unit="pt", format=(5000, 3000))
    poster.add_page()
    poster.set_font("helvetica", size=200)
    poster.text(100, 400, PHONE)
    with opened_pdf(bytes(poster.output())) as document:
        page = next(render_pages(document, dpi=150, max_page_pixels=1_000_000))
    assert page.image.width * page.image.height <= 1_000_000
    assert page.dpi < 20
    assert PHONE in page.text


def test_every_pdfium_call_is_serialized() -> None:
    assert pdf_module.PDFIUM_LOCK.acquire(blocking=False)  # nothing left holding it
    pdf_module.PDFIUM_LOCK.release()


# -- CSV ----------------------------------------------------------------------------------------

KEY = b"case-1-key"


def test_tables_are_read_in_their_own_dialect_and_padded() -> None:
    table = read_table(" Date ; Amount ;Note\n01.05.;1,50;a\n02.05.;2,50;b\n03.05.;3\n4.5.;4;d;e\n")
    assert table.delimiter == ";"
    assert table.header == ["Date", "Amount", "Note", ""]
    assert table.rows[2] == ["03.05.", "3", "", ""]
    assert table.rows[3] == ["4.5.", "4", "d", "e"]
    assert read_table("a\tb\n1\t2\n3\t4\n").delimiter == "\t"


def test_the_title_lines_of_a_wallet_export_stay_above_the_table() -> None:
    export = (
        "微信支付账单明细,,,,\n微信昵称：[小梅],,,,\n,,,,\n"
        "交易时间,交易类型,交易对方,金额(元),交易单号\n"
        "2024-05-01,商户消费,美团,¥12.50,4200001\n2024-05-02,转账,张晓,¥3.00,4200002\n"
    )
    table = read_table(export)
    assert table.header == ["交易时间", "交易类型", "交易对方", "金额(元)", "交易单号"]
    assert [row[2] for row in table.rows] == ["美团", "张晓"]
    assert len(table.preamble) == 2

    data, _ = anonymize_table(
        table, suggest_actions(table.header), hash_key=KEY, extra_terms=["小梅"]
    )
    assert "小梅" not in data.decode("utf-8-sig")
    assert data.decode("utf-8-sig").startswith("微信支付账单明细")


def test_limits_are_refused_with_a_clear_message() -> None:
    with pytest.raises(UnreadableFile, match="more than 2 rows"):
        read_table("a,b\n1,2\n3,4\n5,6\n", max_rows=2)
    with pytest.raises(UnreadableFile, match="more than 3 columns"):
        read_table("a,b,c,d\n1,2,3,4\n1,2,3,4\n", max_columns=3)
    with pytest.raises(UnreadableFile, match="could not be read as a table"):
        read_table("just one line of prose")


def test_columns_naming_people_and_accounts_are_hashed_by_default() -> None:
    chinese = [
        "交易时间",
        "交易类型",
        "交易对方",
        "对方账号",
        "商品",
        "金额(元)",
        "支付方式",
        "交易单号",
        "商户单号",
        "收款人姓名",
        "手机号",
        "身份证号",
        "备注",
        "订单收货人",
        "付款方式",
    ]
    english = [
        "Date",
        "Amount",
        "Counterparty",
        "Payee account",
        "IBAN",
        "E-mail",
        "Transaction ID",
        "Order No.",
        "Reference",
        "Merchant name",
        "Customer Name",
        "Mobile",
    ]
    keep, hash_ = ColumnAction.KEEP, ColumnAction.HASH
    assert suggest_actions(chinese) == [
        *(keep, keep, hash_, hash_, keep, keep, keep, keep, keep, hash_, hash_, hash_, keep),
        *(hash_, keep),
    ]
    assert suggest_actions(english) == [
        *(keep, keep, hash_, hash_, hash_, hash_, keep, keep, keep, keep, hash_, hash_)
    ]


def _csv(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_hashing_is_stable_within_a_case_and_differs_across_cases() -> None:
    assert hash_cell("138 1234 5678", KEY) == hash_cell("13812345678", KEY)
    assert hash_cell(" 138-1234-5678 ", KEY) == hash_cell("１３８１２３４５６７８", KEY)
    assert hash_cell("13812345678", KEY) != hash_cell("13812345678", b"case-2-key")
    assert re.fullmatch(r"h:[0-9a-f]{12}", hash_cell("张晓", KEY))
    assert hash_cell("  ", KEY) == "  "


def test_a_table_is_anonymized_column_by_column() -> None:
    table = Table(
        header=["时间", "对方", "手机", "金额", "备注"],
        rows=[
            ["2024-05-01", "张晓", "138 1234 5678", "-12.50", f"call {PHONE} =1+1"],
            ["2024-05-02", "张晓", "13812345678", '=HYPERLINK("http://x")', "@SUM(A1)"],
            ["2024-05-03", "", "", "+cmd|' /C calc'!A0", "陈晓梅 paid"],
        ],
        delimiter="\t",
    )
    actions = [
        ColumnAction.KEEP,
        ColumnAction.HASH,
        ColumnAction.DROP,
        ColumnAction.KEEP,
        ColumnAction.KEEP,
    ]

    data, counts = anonymize_table(table, actions, hash_key=KEY, extra_terms=["陈晓梅"])

    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter="\t"))
    assert rows[0] == ["时间", "对方", "金额", "备注"]
    assert rows[1][1] == rows[2][1] == hash_cell("张晓", KEY)
    assert rows[3][1] == ""
    text = data.decode("utf-8-sig")
    assert PHONE not in text
    assert "138 1234 5678" not in text
    assert "陈晓梅" not in text
    assert rows[1][2] == neutralize("-12.50")  # a plain amount: the shared policy decides
    assert rows[2][2] == '\'=HYPERLINK("http://x")'
    assert rows[2][3] == "'@SUM(A1)"
    assert rows[3][2] == "'+cmd|' /C calc'!A0"
    assert rows[1][3] == "call [PHONE] =1+1"
    assert counts == {"PHONE": 1, "NAME_OR_TERM": 1, "COLUMN_DROPPED": 1, "COLUMN_HASHED": 1}


def test_actions_must_match_the_header() -> None:
    table = Table(header=["a", "b"], rows=[["1", "2"]], delimiter=",")
    with pytest.raises(ValueError, match="1 actions for 2 columns"):
        anonymize_table(table, [ColumnAction.KEEP], hash_key=KEY)
    data, counts = anonymize_table(table, ["keep", "keep"], hash_key=KEY)  # as stored in JSON
    assert _csv(data) == [["a", "b"], ["1", "2"]]
    assert counts == {}


# -- plain text ---------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030"])
def test_text_is_decoded_as_it_was_sniffed(encoding: str) -> None:
    original = "客服：您好\r\n用户：手机 13812345678\r老问题\n"
    assert decode_text(original.encode(encoding)) == "客服：您好\n用户：手机 13812345678\n老问题\n"


def test_binary_after_a_text_start_is_refused() -> None:
    glued = b"an innocent start\n" * 400 + b"\x00\x01ELF"
    assert detect(glued[:4096]).kind is FileKind.TEXT
    with pytest.raises(UnreadableFile):
        decode_text(glued)


def test_text_is_redacted_by_the_shared_redactor_and_stored_as_utf8() -> None:
    assert anonymize_text is redact
    result = anonymize_text(decode_text(f"手机 {PHONE}，我是陈晓梅".encode("gb18030")), ["陈晓梅"])
    assert result.text == "手机 [PHONE]，我是[REDACTED]"
    assert encode_text(result.text) == result.text.encode("utf-8")
