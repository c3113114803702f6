"""What a file carried besides what a reader sees, counted by kind so the contributor is told.

Nothing here removes anything: images are rebuilt from their pixels and PDFs from rendered
pages (:mod:`.image`, :mod:`.pdf`), which drops all of it whatever it is. This module only
*names* what was dropped ("a location, 3 camera details, an edit history") so that "What was
removed" is not an empty list for a photo that carried its GPS position. It returns counts by
kind, never a value: the counts are shown to the contributor and, once pooled, to the case.

The file is read with the same care as for decoding: sizes are bounded by the upload limit, XMP
is searched as bytes for element and attribute names (never parsed as XML, so no entity
expansion), and a file that cannot be read for its metadata simply has nothing counted.
"""

from __future__ import annotations

import contextlib
import io
import re
import struct
from collections import Counter

import pikepdf
from PIL import ExifTags, Image

from services.anonymize import image as image_module

#: the kinds counted, as the codes stored in ``Evidence.removed`` (labels in the interface)
LOCATION = "LOCATION"  #: GPS position, place names
CAMERA = "CAMERA"  #: maker, model, serial numbers of the camera or lens, maker notes
AUTHOR = "AUTHOR"  #: author, owner, copyright holder
DATES = "DATES"  #: when it was taken, made or changed
HISTORY = "HISTORY"  #: editing software and history, earlier revisions of a PDF
THUMBNAIL = "THUMBNAIL"  #: small previews kept inside the file (may show the uncropped picture)
DESCRIPTION = "DESCRIPTION"  #: comments, titles, keywords, text chunks
SCRIPT = "SCRIPT"  #: JavaScript in a PDF
ATTACHMENT = "ATTACHMENT"  #: files embedded in a PDF, data appended after an image
ANNOTATION = "ANNOTATION"  #: PDF comments, highlights and form fields

KINDS = (
    LOCATION,
    CAMERA,
    AUTHOR,
    DATES,
    HISTORY,
    THUMBNAIL,
    DESCRIPTION,
    SCRIPT,
    ATTACHMENT,
    ANNOTATION,
)

_EXIF_FIELDS: dict[int, str] = {
    ExifTags.Base.Make: CAMERA,
    ExifTags.Base.Model: CAMERA,
    ExifTags.Base.BodySerialNumber: CAMERA,
    ExifTags.Base.LensMake: CAMERA,
    ExifTags.Base.LensModel: CAMERA,
    ExifTags.Base.LensSerialNumber: CAMERA,
    ExifTags.Base.MakerNote: CAMERA,
    ExifTags.Base.Artist: AUTHOR,
    ExifTags.Base.Copyright: AUTHOR,
    ExifTags.Base.CameraOwnerName: AUTHOR,
    ExifTags.Base.XPAuthor: AUTHOR,
    ExifTags.Base.DateTime: DATES,
    ExifTags.Base.DateTimeOriginal: DATES,
    ExifTags.Base.DateTimeDigitized: DATES,
    ExifTags.Base.Software: HISTORY,
    ExifTags.Base.ProcessingSoftware: HISTORY,
    ExifTags.Base.ImageDescription: DESCRIPTION,
    ExifTags.Base.UserComment: DESCRIPTION,
    ExifTags.Base.XPComment: DESCRIPTION,
    ExifTags.Base.XPKeywords: DESCRIPTION,
    ExifTags.Base.XPSubject: DESCRIPTION,
    ExifTags.Base.XPTitle: DESCRIPTION,
}

#: XMP names (prefix:local) by kind; the prefixes are the ones every writer uses
_XMP_NAMES: dict[str, tuple[bytes, ...]] = {
    LOCATION: (b"exif:GPSLatitude", b"photoshop:City", b"Iptc4xmpCore:Location"),
    CAMERA: (b"tiff:Make", b"tiff:Model", b"aux:SerialNumber", b"exifEX:BodySerialNumber"),
    AUTHOR: (b"dc:creator", b"dc:rights", b"photoshop:AuthorsPosition", b"xmpRights:Owner"),
    HISTORY: (b"stEvt:action", b"xmpMM:DerivedFrom", b"xmp:CreatorTool"),
    DESCRIPTION: (b"dc:description", b"dc:title", b"dc:subject"),
}
_PNG_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")


def image_hidden(data: bytes) -> dict[str, int]:
    """Hidden data in a picture (JPEG, PNG, WebP, HEIF) by kind: EXIF fields, GPS, embedded
    thumbnails, XMP, comments and text chunks, bytes appended after the picture ends."""
    counts: Counter[str] = Counter()
    try:
        with Image.open(io.BytesIO(data), formats=image_module.ACCEPTED_FORMATS) as picture:
            _count_exif(picture.getexif(), counts)
            info = picture.info
            xmp = info.get("xmp") or info.get("XML:com.adobe.xmp") or b""
            _count_xmp(xmp.encode() if isinstance(xmp, str) else bytes(xmp), counts)
            if info.get("comment"):
                counts[DESCRIPTION] += 1
            if picture.format == "PNG":
                counts[DESCRIPTION] += _png_text_chunks(data)
            if picture.format == "HEIF":
                counts[THUMBNAIL] += len(info.get("thumbnails") or ())
                counts[DESCRIPTION] += len(info.get("metadata") or ())  # IPTC blocks
            if picture.format == "JPEG" and "mp" in info:  # MPF: more pictures after the main one
                counts[THUMBNAIL] += max(0, int(info["mp"].get(0xB001, 1)) - 1)
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, RuntimeError):
        return {}
    except Image.DecompressionBombError:
        return {}
    if _has_trailer(data):
        counts[ATTACHMENT] += 1
    return {kind: n for kind, n in sorted(counts.items()) if n}


def pdf_hidden(data: bytes) -> dict[str, int]:
    """Hidden data in a PDF by kind: document information and XMP, JavaScript, embedded files,
    annotations and form fields, page thumbnails, earlier revisions kept by incremental
    updates."""
    counts: Counter[str] = Counter()
    try:
        with pikepdf.open(io.BytesIO(data)) as document:
            _count_pdf(document, counts)
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError, OSError, RecursionError):
        return {}
    revisions = _earlier_revisions(data)
    if revisions:
        counts[HISTORY] += revisions
    return {kind: n for kind, n in sorted(counts.items()) if n}


# -- images -------------------------------------------------------------------------------------


def _count_exif(exif: Image.Exif, counts: Counter[str]) -> None:
    if not exif:
        return
    fields = dict(exif)
    for ifd in (ExifTags.IFD.Exif,):
        fields.update(exif.get_ifd(ifd))
    for tag, value in fields.items():
        kind = _EXIF_FIELDS.get(tag)
        if kind is not None and _filled(value):
            counts[kind] += 1
    if exif.get_ifd(ExifTags.IFD.GPSInfo):
        counts[LOCATION] += 1
    if exif.get_ifd(ExifTags.IFD.IFD1):
        counts[THUMBNAIL] += 1


def _filled(value: object) -> bool:
    """A field that holds something: camera makers fill UserComment with zero bytes."""
    if isinstance(value, bytes):
        return bool(value.strip(b"\x00 ")) and not value.startswith(b"ASCII\x00\x00\x00\x00")
    if isinstance(value, str):
        return bool(value.strip("\x00 "))
    return value is not None


def _count_xmp(xmp: bytes, counts: Counter[str]) -> None:
    if not xmp:
        return
    for kind, names in _XMP_NAMES.items():
        found = sum(1 for name in names if re.search(re.escape(name) + rb"[\s=>]", xmp))
        if kind == HISTORY:  # each saved step of an edit is one event
            found += max(0, len(re.findall(rb"stEvt:action", xmp)) - 1)
        counts[kind] += found


def _png_text_chunks(data: bytes) -> int:
    found = 0
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        if kind in _PNG_TEXT_CHUNKS:
            found += 1
        if kind == b"IEND":
            break
        position += 12 + length
    return found


def _has_trailer(data: bytes) -> bool:
    """Whether bytes follow the end of the picture (a ZIP glued to a PNG, a phone maker's
    trailer): no viewer shows them, any reader of the file gets them."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        end = data.rfind(b"IEND")
        return end >= 0 and len(data) > end + 8
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        size = int.from_bytes(data[4:8], "little")
        return len(data) > size + 8 + (size & 1)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg_trailer(data)
    return False


def _jpeg_trailer(data: bytes) -> bool:
    """Bytes after the end-of-image marker of the main picture, walking segments to the scan
    (entropy-coded data never holds a bare marker, so the first EOI after it is the end).
    Multi-picture (MPF) files keep their extra pictures there: counted as thumbnails."""
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xDA:
            end = data.find(b"\xff\xd9", position)
            if end < 0:
                return False
            rest = data[end + 2 :]
            return bool(rest.strip(b"\x00")) and not rest.startswith(b"\xff\xd8")
        if marker == 0xFF or 0xD0 <= marker <= 0xD8:
            position += 1 if marker == 0xFF else 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        position += 2 + length
    return False


# -- PDF ----------------------------------------------------------------------------------------

_INFO_FIELDS = {
    "/Author": AUTHOR,
    "/Creator": HISTORY,
    "/Producer": HISTORY,
    "/CreationDate": DATES,
    "/ModDate": DATES,
    "/Title": DESCRIPTION,
    "/Subject": DESCRIPTION,
    "/Keywords": DESCRIPTION,
}


def _count_pdf(document: pikepdf.Pdf, counts: Counter[str]) -> None:
    info = document.trailer.get("/Info")
    if isinstance(info, pikepdf.Dictionary):
        for key, kind in _INFO_FIELDS.items():
            if key in info and str(info[key]).strip():
                counts[kind] += 1
    metadata = document.Root.get("/Metadata")
    if isinstance(metadata, pikepdf.Stream):
        with contextlib.suppress(pikepdf.PdfError):
            _count_xmp(metadata.read_bytes(), counts)
    counts[ATTACHMENT] += len(document.attachments)
    for page in document.pages:
        if "/Thumb" in page.obj:
            counts[THUMBNAIL] += 1
        annotations = page.obj.get("/Annots")
        if not isinstance(annotations, pikepdf.Array):
            continue
        for annotation in annotations:
            if not isinstance(annotation, pikepdf.Dictionary):
                continue
            subtype = str(annotation.get("/Subtype", ""))
            if subtype == "/FileAttachment":
                counts[ATTACHMENT] += 1
            elif subtype not in ("/Link", "/Popup"):
                counts[ANNOTATION] += 1
    counts[SCRIPT] += _scripts(document)


def _scripts(document: pikepdf.Pdf) -> int:
    """JavaScript actions anywhere in the file: document-level, on opening, on pages, in
    annotations and form fields."""
    found = 0
    for obj in document.objects:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) and (
            "/JS" in obj or str(obj.get("/S", "")) == "/JavaScript"
        ):
            found += 1
    return found


def _earlier_revisions(data: bytes) -> int:
    """How many times the file was saved over itself (incremental updates): each keeps the
    previous revision, text that was "deleted" included. A linearized file's first-page
    cross-reference section is not a revision."""
    ends = data.count(b"startxref")
    linearized = b"/Linearized" in data[:1024]
    return max(0, ends - 1 - int(linearized))
