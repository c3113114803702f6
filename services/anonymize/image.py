"""Screenshots and photos: decoded in full, reduced to their pixels, re-encoded.

Re-encoding from pixels is the anonymization, not a cleanup pass over metadata: whatever a file
carries besides the picture (EXIF with GPS and the phone's serial, XMP, PNG text chunks, JPEG
comments, ICC profiles naming a device, a ZIP appended to a GIF) is only ever read by the
decoder and never copied, because every image leaving this module is a brand new one that got
nothing but pixel values. The ICC profile is dropped rather than applied: colours of wide-gamut
screenshots shift slightly, which does not matter for evidence, and an untrusted profile never
reaches LittleCMS.

Decoding untrusted images is where the risk is, so: only PNG, JPEG, WebP and HEIF (the
iPhone's HEIC, through ``pillow-heif``) decoders are allowed (Pillow would otherwise try dozens
of formats, EPS through Ghostscript among them); the declared size is read from the header by
this module and refused before Pillow allocates anything (a 48 KB PNG can declare 20000 × 20000
pixels), which also keeps Pillow's own ``DecompressionBombWarning`` from firing without
touching the process-wide warning filters; truncated files are errors, never silently
grey-filled. A legitimate picture larger than ``work_pixels`` (a 48-megapixel phone photo) is
reduced while it is decoded where the format allows (JPEG's DCT scaling) and right after
otherwise, so what the rest of the job holds stays a few tens of megabytes; the job itself
runs in a child process with a memory ceiling (:mod:`services.platform.jobs.isolation`).

Photos (JPEG, HEIC and lossy WebP uploads) are stored as JPEG at quality 85 unless PNG costs
little more (:func:`encode_upload`), screenshots (PNG, lossless WebP) as PNG: a 475 KB WebP
photo stored as PNG took 6.5 MB.
"""

from __future__ import annotations

import io
import math
import struct
from collections.abc import Iterable
from typing import Any, BinaryIO

import pillow_heif
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError

from services.anonymize.boxes import Box
from services.anonymize.sniff import NOT_ACCEPTED, UnreadableFile, is_heif

pillow_heif.register_heif_opener()  # the HEIF format for Image.open, iPhone photos

DEFAULT_MAX_PIXELS = 40_000_000
#: pictures larger than this are reduced on load: evidence needs legible text, not 48 MP
DEFAULT_WORK_PIXELS = 16_000_000
#: photos: no visible loss at phone-screen sizes, a third of quality 95's bytes
JPEG_QUALITY = 85
#: how far (of 255 grey levels) a pixel must be from the background to count as ink
INK_CONTRAST = 24
#: a lossy upload stays PNG while that costs at most this many times its JPEG
PNG_WORTH = 2.5
#: what :func:`flat_palette` lets a palette change: a share of pixels, by a shade of 255
PALETTE_MOVED = 0.005
PALETTE_ERROR = 24
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)

_HEAD_BYTES = 4 * 1024 * 1024  #: a JPEG's EXIF, XMP and ICC segments fit many times over
#: the only decoders Pillow may use on an upload
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "HEIF")
_FORMATS = ACCEPTED_FORMATS
#: what a damaged or hostile file makes Pillow raise, besides our own refusals
_DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    RuntimeError,  # pillow-heif reports libheif's decoding errors as RuntimeError
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
    elif is_heif(head):
        size = _heif_size(data)
    else:
        raise UnreadableFile(NOT_ACCEPTED)
    if size is None or min(size) < 1:
        raise UnreadableFile(UNREADABLE)
    _check_pixels(size, max_pixels)
    return size


def load_image(
    data: bytes | BinaryIO,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    work_pixels: int | None = None,
) -> Image.Image:
    """The picture in ``data`` as a new RGB image holding nothing but its pixels: upright
    (EXIF orientation applied, since it is lost with the EXIF), transparency flattened onto
    white, the first frame of an animation only (the primary image of a HEIF), and reduced to
    at most ``work_pixels`` pixels when that is given.

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
            if work_pixels is not None and image.format == "JPEG":
                _draft(image, work_pixels)  # decoded at 1/2, 1/4 or 1/8 scale: less memory
            image.load()
            reduced = _reduce(image, work_pixels)
            upright = ImageOps.exif_transpose(reduced)
            return pixels_only(_to_rgb(upright))
    except _DECODE_ERRORS as error:
        raise UnreadableFile(UNREADABLE) from error


def is_photo(data: bytes) -> bool:
    """Whether the upload was lossy (JPEG, HEIC, lossy WebP), so it may be stored as JPEG
    (:func:`encode_upload`); PNG and lossless WebP are screenshots, kept lossless."""
    if data.startswith(b"\xff\xd8\xff") or is_heif(data[:64]):
        return True
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return data[12:16] == b"VP8 " or (data[12:16] == b"VP8X" and b"VP8 " in data[30:4096])
    return False


def encode_image(image: Image.Image, *, photo: bool) -> tuple[bytes, str, str]:
    """The bytes, media type and extension to store: JPEG at quality 85 for photos (their
    original was lossy, and PNG would multiply their size), lossless PNG for screenshots,
    where JPEG smears text.
    Nothing but pixels is written, and the same pixels always give the same bytes, so the
    same evidence uploaded twice is stored once."""
    bare = pixels_only(image)
    if photo:
        return _jpeg(bare), "image/jpeg", ".jpg"
    png = _png(bare)
    assert png is not None  # uncapped
    return png, "image/png", ".png"


def _jpeg(bare: Image.Image) -> bytes:
    buffer = io.BytesIO()
    bare.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False)
    return buffer.getvalue()


class _OverCap(Exception):
    """An encoding wrote more than its buffer's cap."""


class _CappedBuffer(io.BytesIO):
    """A buffer that refuses to grow past ``cap`` bytes: Pillow's encoders write as they go,
    so an encoding that is going to be too large stops where it crosses the cap."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap

    def write(self, data: Any, /) -> int:
        if self.tell() + len(data) > self.cap:
            raise _OverCap
        return super().write(data)


def _png(bare: Image.Image, *, at_most: int | None = None) -> bytes | None:
    """``bare`` as PNG; None when that takes more than ``at_most`` bytes."""
    buffer = io.BytesIO() if at_most is None else _CappedBuffer(at_most)
    try:
        bare.save(buffer, "PNG", optimize=False)
    except _OverCap:
        return None
    return buffer.getvalue()


def flat_palette(image: Image.Image, colours: int = 256) -> Image.Image | None:
    """``image`` with at most ``colours`` colours when that keeps its look, else None: almost
    no pixel (:data:`PALETTE_MOVED` of them) may move by more than a faint shade
    (:data:`PALETTE_ERROR` of 255). Text, tables, app screens and charts pass; photos and
    scans do not (their average error can be small while a photo in one corner is
    posterized, hence counting pixels)."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    palette = rgb.quantize(colours, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    error = ImageChops.difference(rgb, palette.convert("RGB")).convert("L")
    moved = sum(error.histogram()[PALETTE_ERROR + 1 :])
    return palette if moved <= PALETTE_MOVED * rgb.width * rgb.height else None


def encode_upload(image: Image.Image, *, lossy_source: bool) -> tuple[bytes, str, str]:
    """:func:`encode_image` for an upload: a screenshot (PNG, lossless WebP) stays PNG; a lossy
    upload (JPEG, HEIC, lossy WebP) becomes a JPEG unless a PNG costs at most
    :data:`PNG_WORTH` times as much, which is what drawn pictures saved lossily (a chat
    screenshot sent as WebP) cost, and where PNG keeps small text sharp. Photos cost 3 to 15
    times more as PNG (a 475 KB WebP photo took 6.5 MB). The JPEG is made first and the PNG
    stops once it outgrows that share: encoding a phone's 12-megapixel photo as PNG in full
    took 3 s, four fifths of which went on bytes that were thrown away."""
    if not lossy_source:
        return encode_image(image, photo=False)
    bare = pixels_only(image)
    jpeg = _jpeg(bare)
    png = _png(bare, at_most=math.floor(PNG_WORTH * len(jpeg)))
    if png is not None:
        return png, "image/png", ".png"
    return jpeg, "image/jpeg", ".jpg"


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


def cover_glyphs(image: Image.Image, boxes: Iterable[Box]) -> list[Box]:
    """Each box grown, side by side, until its edges run through background: a box whose
    edge cuts a character leaves a sliver of it readable (the end of an e-mail address stayed
    visible past its box), because OCR boxes of Latin text inside a line are estimates.

    A side grows one pixel at a time while the line of pixels just outside it holds ink (a
    pixel further than :data:`INK_CONTRAST` from the background, the most common colour
    around the box), by at most the box's height (a glyph is never wider than about one em):
    on a photo, where every line holds "ink", the box grows by that much and stops."""
    grey = image.convert("L")
    covered: list[Box] = []
    for box in boxes:
        inside = box.clamped(grey.width, grey.height)
        if inside is None:
            continue
        covered.append(_grow_to_background(grey, inside, limit=max(2, inside.height)))
    return covered


def _grow_to_background(grey: Image.Image, box: Box, *, limit: int) -> Box:
    background = _surrounding_shade(grey, box)
    left, top, right, bottom = box.left, box.top, box.right, box.bottom

    def inked(x0: int, y0: int, x1: int, y1: int) -> bool:
        histogram = grey.crop((x0, y0, x1, y1)).histogram()
        return any(
            histogram[level] for level in range(256) if abs(level - background) > INK_CONTRAST
        )

    for _ in range(2):  # growing down can reveal ink beside the box, and back
        grown = 0
        while left > 0 and grown < limit and inked(left - 1, top, left, bottom):
            left, grown = left - 1, grown + 1
        grown = 0
        while right < grey.width and grown < limit and inked(right, top, right + 1, bottom):
            right, grown = right + 1, grown + 1
        grown = 0
        while top > 0 and grown < limit and inked(left, top - 1, right, top):
            top, grown = top - 1, grown + 1
        grown = 0
        while bottom < grey.height and grown < limit and inked(left, bottom, right, bottom + 1):
            bottom, grown = bottom + 1, grown + 1
    return Box(left, top, right - left, bottom - top)


def _surrounding_shade(grey: Image.Image, box: Box) -> int:
    """The most common grey level on the ring just outside ``box`` (its own pixels are the
    text, the ring is mostly the page or the chat bubble)."""
    ring = Box(box.left - 2, box.top - 2, box.width + 4, box.height + 4).clamped(
        grey.width, grey.height
    )
    assert ring is not None  # box itself is inside the image
    histogram = [0] * 256
    edges = (
        (ring.left, ring.top, ring.right, ring.top + 1),
        (ring.left, ring.bottom - 1, ring.right, ring.bottom),
        (ring.left, ring.top, ring.left + 1, ring.bottom),
        (ring.right - 1, ring.top, ring.right, ring.bottom),
    )
    for edge in edges:
        for level, count in enumerate(grey.crop(edge).histogram()):
            histogram[level] += count
    return max(range(256), key=histogram.__getitem__)


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


def _draft(image: Image.Image, work_pixels: int) -> None:
    """Ask the JPEG decoder for the smallest DCT scale still above ``work_pixels``."""
    width, height = image.size
    scale = 1
    while scale < 8 and (width // (scale * 2)) * (height // (scale * 2)) >= work_pixels:
        scale *= 2
    if scale > 1:
        image.draft("RGB", (width // scale, height // scale))


def _reduce(image: Image.Image, work_pixels: int | None) -> Image.Image:
    """``image`` shrunk by the smallest whole factor that brings it to ``work_pixels`` (box
    averaging: fast, and no sharper than the original)."""
    if work_pixels is None or image.width * image.height <= work_pixels:
        return image
    factor = math.ceil(math.sqrt(image.width * image.height / work_pixels))
    while (image.width // factor) * (image.height // factor) > work_pixels:
        factor += 1
    if image.mode not in ("1", "L", "LA", "RGB", "RGBA", "I", "F", "La", "RGBa"):
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    reduced = image.reduce(factor)
    reduced.info = dict(image.info)  # transparency, EXIF orientation: read later
    return reduced


def _heif_size(data: bytes | BinaryIO) -> tuple[int, int] | None:
    """The primary image's size from the HEIF container, without decoding it."""
    raw = data if isinstance(data, bytes | bytearray | memoryview) else _whole(data)
    try:
        container = pillow_heif.open_heif(io.BytesIO(bytes(raw)), convert_hdr_to_8bit=True)
        width, height = container.size
    except (RuntimeError, ValueError, OSError, EOFError):
        return None
    return int(width), int(height)


def _whole(stream: BinaryIO) -> bytes:
    position = stream.tell()
    try:
        return stream.read()
    finally:
        stream.seek(position)


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
