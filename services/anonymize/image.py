"""Screenshots and photos: decoded in full, reduced to their pixels, re-encoded.

Re-encoding from pixels is the anonymization, not a cleanup pass over metadata: whatever a file
carries besides the picture (EXIF with GPS and the phone's serial, XMP, PNG text chunks, JPEG
comments, ICC profiles naming a device, a ZIP appended to a GIF) is only ever read by the
decoder and never copied, because every image leaving this module is a brand new one that got
nothing but pixel values. The ICC profile is dropped rather than applied: colours of wide-gamut
screenshots shift slightly, which does not matter for evidence, and an untrusted profile never
reaches LittleCMS.

Decoding untrusted images is where the risk is, so: only PNG, JPEG and WebP decoders are
allowed (Pillow would otherwise try dozens of formats, EPS through Ghostscript among them);
the declared size is read from the header by this module and refused before Pillow allocates
anything (a 48 KB PNG can declare 20000 × 20000 pixels), which also keeps Pillow's own
``DecompressionBombWarning`` from firing without touching the process-wide warning filters;
truncated files are errors, never silently grey-filled.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from services.anonymize.boxes import Box
from services.anonymize.sniff import NOT_ACCEPTED, UnreadableFile

DEFAULT_MAX_PIXELS = 40_000_000
JPEG_QUALITY = 90
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)

_HEAD_BYTES = 4 * 1024 * 1024  #: a JPEG's EXIF, XMP and ICC segments fit many times over
#: the only decoders Pillow may use on an upload
_FORMATS = ("PNG", "JPEG", "WEBP")
#: what a damaged or hostile file makes Pillow raise, besides our own refusals
_DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    struct.error,
    Image.DecompressionBombError,
)
_JPEG_SOF = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)

UNREADABLE = _l(
    "This image could not be read: it may be damaged or incomplete. Take the screenshot or "
    "export the photo again and upload the new file."
)


def image_size(data: bytes | BinaryIO, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    """Width and height as the file's header declares them, read without decoding anything,
    so an upload can be refused before its job starts.

    Raises :class:`UnreadableFile` for a format we do not take, a header we cannot read, and
    more than ``max_pixels`` pixels (or more than Pillow's own bomb limit, whichever is lower:
    past that Pillow would warn or refuse on its own)."""
    head = _head(data)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        size = _png_size(head)
    elif head.startswith(b"\xff\xd8\xff"):
        size = _jpeg_size(head)
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        size = _webp_size(head)
    else:
        raise UnreadableFile(NOT_ACCEPTED)
    if size is None or min(size) < 1:
        raise UnreadableFile(UNREADABLE)
    _check_pixels(size, max_pixels)
    return size


def load_image(data: bytes | BinaryIO, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """The picture in ``data`` as a new RGB image holding nothing but its pixels: upright
    (EXIF orientation applied, since it is lost with the EXIF), transparency flattened onto
    white, the first frame of an animation only.

    Raises :class:`UnreadableFile` for what :func:`image_size` refuses and for any file the
    decoder cannot read in full."""
    raw = _read(data)
    image_size(raw, max_pixels=max_pixels)
    try:
        with Image.open(io.BytesIO(raw), formats=_FORMATS) as probe:
            _check_pixels(probe.size, max_pixels)  # what the decoder will allocate
            probe.verify()
        # verify() leaves the image unusable: decode from a fresh start
        with Image.open(io.BytesIO(raw), formats=_FORMATS) as image:
            _check_pixels(image.size, max_pixels)
            image.load()
            upright = ImageOps.exif_transpose(image)
            return pixels_only(_to_rgb(upright))
    except _DECODE_ERRORS as error:
        raise UnreadableFile(UNREADABLE) from error


def encode_image(image: Image.Image, *, photo: bool) -> tuple[bytes, str, str]:
    """The bytes, media type and extension to store: JPEG for photos (their original was one,
    and PNG would multiply their size), lossless PNG for screenshots, where JPEG smears text.
    Nothing but pixels is written, and the same pixels always give the same bytes, so the
    same evidence uploaded twice is stored once."""
    bare = pixels_only(image)
    buffer = io.BytesIO()
    if photo:
        bare.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False)
        return buffer.getvalue(), "image/jpeg", ".jpg"
    bare.save(buffer, "PNG", optimize=False)
    return buffer.getvalue(), "image/png", ".png"


def burn_boxes(image: Image.Image, boxes: Iterable[Box]) -> Image.Image:
    """A copy of ``image`` with each box painted solid black; parts of boxes outside the
    image are ignored (boxes come from OCR padding and from browsers). Painting pixels, not
    drawing a shape over them, is what makes it redaction once the image is re-encoded."""
    burned = pixels_only(image)
    for box in boxes:
        inside = box.clamped(burned.width, burned.height)
        if inside is not None:
            burned.paste(BLACK, (inside.left, inside.top, inside.right, inside.bottom))
    return burned


def thumbnail_png(image: Image.Image, *, width: int = 320, max_height: int | None = None) -> bytes:
    """A PNG ``width`` pixels wide (never enlarged) for lists and previews. A long scrolling
    screenshot keeps its top ``max_height`` pixels (three widths by default) rather than
    shrinking to an unreadable sliver."""
    limit = max_height if max_height is not None else 3 * width
    small = image if image.mode == "RGB" else image.convert("RGB")
    if small.width > width:
        height = max(1, round(small.height * width / small.width))
        small = small.resize((width, height), Image.Resampling.LANCZOS)
    if small.height > limit:
        small = small.crop((0, 0, small.width, limit))
    buffer = io.BytesIO()
    pixels_only(small).save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


def pixels_only(image: Image.Image) -> Image.Image:
    """The same pixels, as RGB, in a brand new image: no ``info``, EXIF, XMP, ICC profile, text
    chunk or comment can follow, whatever Pillow's encoders read from ``info`` by default."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    fresh = Image.new("RGB", rgb.size)
    fresh.paste(rgb, (0, 0))
    return fresh


# -- helpers ------------------------------------------------------------------------------------


def _read(data: bytes | BinaryIO) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    return data.read()


def _head(data: bytes | BinaryIO) -> bytes:
    """Enough of the file to find its size (JPEG metadata segments come before the frame
    header); a stream is left where it was."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data[:_HEAD_BYTES])
    position = data.tell()
    try:
        return data.read(_HEAD_BYTES)
    finally:
        data.seek(position)


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    limit = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    width, height = size
    if width * height > limit:
        raise UnreadableFile(
            _l(
                "This image is too large (%(width)s × %(height)s pixels). Upload an image of at "
                "most %(megapixels)s million pixels, for example a screenshot instead of a scan.",
                width=width,
                height=height,
                megapixels=f"{limit / 1_000_000:g}",
            )
        )


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB pixels; transparent areas become white, as they look in a gallery or a chat."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L"):  # 16-bit grey PNG: scale, don't clip
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, (*WHITE, 255))
        flat.alpha_composite(rgba)
        return flat.convert("RGB")
    return image.convert("RGB")


def _png_size(head: bytes) -> tuple[int, int] | None:
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    """The size in the first start-of-frame segment, walking the segments after SOI."""
    position = 2
    while position + 4 <= len(head):
        if head[position] != 0xFF:
            return None
        marker = head[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # segments without a length
            position += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no frame header before
            return None
        (length,) = struct.unpack(">H", head[position + 2 : position + 4])
        if length < 2:
            return None
        if marker in _JPEG_SOF:
            if position + 9 > len(head):
                return None
            height, width = struct.unpack(">HH", head[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


def _webp_size(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8 " and len(head) >= 30 and head[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(head) >= 25 and head[20] == 0x2F:
        (bits,) = struct.unpack("<I", head[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(head) >= 30:
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width, height
    return None
