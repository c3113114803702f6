"""PDF statements and exports: rendered to pixels, redacted as images, rebuilt from the images.

Why a rebuild from pixels and not a cleaned copy of the original: a PDF can hide text in many
places a cleaner must know about and a reader never shows. Text drawn in white or in the
invisible rendering mode, text under an image or a black box (drawing a box over text is not
redacting it: the text stays extractable), the previous revision kept by an incremental update
(cutting the file at its first ``%%EOF`` gives it back), attachments, JavaScript, form values,
annotations, XMP and Info metadata. A page rendered to pixels keeps exactly what a reader sees;
a PDF made of nothing but those pixels cannot carry anything else. pikepdf only has a last
word: it deletes what Pillow's writer adds (an Info dictionary, creation dates that would make
the same evidence hash differently on every run) and writes the file deterministically.

The text layer is still read, before the rebuild, for one purpose: finding personal data and
where it is on the rendered page (``PdfPage.char_boxes``), so it can be burned into the pixels.
Text that is only in the pixels (scans, annotations, form fields) is the OCR's to find.

PDFium is not thread-safe, not even across different documents, and jobs run on a thread
pool: every call into it here holds :data:`PDFIUM_LOCK`, one page at a time so a long document
does not starve other jobs.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import img2pdf
import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageChops

from services.anonymize.boxes import Box
from services.anonymize.image import flat_palette, pixels_only
from services.anonymize.sniff import UnreadableFile

DEFAULT_MAX_PAGES = 50
DEFAULT_DPI = 150
DEFAULT_MAX_PAGE_PIXELS = 12_000_000
#: colours of a page stored as a palette PNG (when :func:`image.flat_palette` keeps its look;
#: otherwise the page is a photo or a scan and goes to JPEG)
PAGE_COLOURS = 64
PAGE_JPEG_QUALITY = 85
#: a rebuilt PDF may be this many times its original's size (then pages are encoded smaller)
SIZE_FACTOR = 3
#: ...but never needs to be smaller than this per page (a 20 KB PDF of text cannot be pixels)
MIN_PAGE_BUDGET = 100_000
POINTS_PER_INCH = 72

#: held around every PDFium call (re-entrant: helpers here nest)
PDFIUM_LOCK = threading.RLock()

#: page coordinates (points, origin bottom-left) to bitmap pixels (origin top-left)
_ToPixels = Callable[[float, float], tuple[int, int]]
_ToPixel = Callable[[float, float], int]

UNREADABLE = _l(
    "This PDF could not be opened. It may be damaged: export or download it again and upload "
    "the new file."
)


@dataclass(slots=True)
class PdfPage:
    """One page as pixels, with its text layer for finding what to burn."""

    image: Image.Image  #: RGB, as rendered
    text: str  #: the text layer; line breaks pdfium generates are "\n"
    #: one per character of ``text``, in pixels of ``image``; None where pdfium has no box
    char_boxes: list[Box | None] = field(default_factory=list)
    dpi: float = DEFAULT_DPI  #: what the page was rendered at (lower for a huge page)


def open_pdf(data: bytes, *, max_pages: int = DEFAULT_MAX_PAGES) -> pdfium.PdfDocument:
    """The document in ``data``; close it with :func:`close_pdf` (or use :func:`opened_pdf`).

    Raises :class:`UnreadableFile` for a file PDFium cannot open, a password-protected one
    (a PDF protected only against printing or copying opens fine), no pages, and more than
    ``max_pages`` pages."""
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as error:
            raise UnreadableFile(_open_failure(data)) from error
        pages = len(document)
        if pages > max_pages:
            document.close()
            raise UnreadableFile(
                _l(
                    "This PDF has %(pages)s pages; at most %(limit)s are accepted. Upload the "
                    "pages that matter, split into several files if needed.",
                    pages=pages,
                    limit=max_pages,
                )
            )
        return document


def close_pdf(document: pdfium.PdfDocument) -> None:
    """Close ``document`` (and anything still open in it) under the PDFium lock."""
    with PDFIUM_LOCK:
        document.close()


@contextmanager
def opened_pdf(data: bytes, *, max_pages: int = DEFAULT_MAX_PAGES) -> Iterator[pdfium.PdfDocument]:
    """:func:`open_pdf` for a ``with`` block, closed on the way out whatever happens."""
    document = open_pdf(data, max_pages=max_pages)
    try:
        yield document
    finally:
        close_pdf(document)


def page_count(data: bytes, *, max_pages: int = DEFAULT_MAX_PAGES) -> int:
    """How many pages ``data`` has, for checking an upload before its job starts; refuses
    what :func:`open_pdf` refuses."""
    with opened_pdf(data, max_pages=max_pages) as document, PDFIUM_LOCK:
        return len(document)


def render_pages(
    document: pdfium.PdfDocument,
    *,
    dpi: int = DEFAULT_DPI,
    max_page_pixels: int = DEFAULT_MAX_PAGE_PIXELS,
) -> Iterator[PdfPage]:
    """Each page rendered at ``dpi`` (lower for a page so large it would exceed
    ``max_page_pixels``: posters and drawings are not what statements look like), with its
    text layer and character boxes. Every PDFium object opened for a page is closed before
    the page is yielded. Raises :class:`UnreadableFile` for a page that cannot be rendered."""
    with PDFIUM_LOCK:
        count = len(document)
    for index in range(count):
        with PDFIUM_LOCK:
            rendered = _render_page(document, index, dpi, max_page_pixels)
        yield rendered


def images_to_pdf(images: Sequence[Image.Image], *, dpi: int = DEFAULT_DPI) -> bytes:
    """A new PDF with one page per image (page size from ``dpi``) and nothing else: no text,
    no Info dictionary, no XMP, no dates. The same images always give the same bytes. Each
    page is stored as :func:`encode_page` chooses."""
    return pages_to_pdf([encode_page(image) for image in images], dpi=dpi)


def encode_page(
    image: Image.Image, *, quality: int = PAGE_JPEG_QUALITY, colours: int = PAGE_COLOURS
) -> bytes:
    """A rendered page as the bytes its PDF page will hold: a PNG of at most 64 colours when
    that keeps the page's look (text, tables, screenshots of apps: sharp edges, and about
    a third of a JPEG's bytes), else a JPEG (photos and scans), grey when the page is grey.

    Why not one format: as JPEG at quality 90 a statement of text grew eight times over its
    original (1.07 MB to 8.4 MB); as a palette PNG it stays about twice its size, while a
    scanned photo as a palette PNG would lose its shades."""
    rgb = pixels_only(image)
    palette = flat_palette(rgb, colours)
    if palette is not None:
        buffer = io.BytesIO()
        palette.save(buffer, "PNG", optimize=False, bits=4 if colours <= 16 else 8)
        return buffer.getvalue()
    grey = rgb.convert("L")
    colourful = ImageChops.difference(rgb, grey.convert("RGB")).getbbox() is not None
    buffer = io.BytesIO()
    (rgb if colourful else grey).save(
        buffer, "JPEG", quality=quality, subsampling=2, optimize=False, progressive=False
    )
    return buffer.getvalue()


def pages_to_pdf(pages: Sequence[bytes], *, dpi: int = DEFAULT_DPI) -> bytes:
    """A new PDF from pages encoded by :func:`encode_page`, each embedded as it is (img2pdf
    copies JPEG and PNG data into the page without decoding it again), then rewritten by
    pikepdf without an Info dictionary, XMP or dates, with a deterministic file id."""
    if not pages:
        raise ValueError("a PDF needs at least one page")
    layout = img2pdf.get_fixed_dpi_layout_fun((float(dpi), float(dpi)))
    drawn = img2pdf.convert(list(pages), layout_fun=layout, nodate=True)
    rebuilt = io.BytesIO()
    with pikepdf.open(io.BytesIO(drawn)) as pdf:
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        if "/Metadata" in pdf.Root:
            del pdf.Root["/Metadata"]
        # img2pdf's file id is made from the clock: dropped, so both halves of the new id come
        # from the content alone
        if "/ID" in pdf.trailer:
            del pdf.trailer["/ID"]
        pdf.save(rebuilt, deterministic_id=True, fix_metadata_version=False)
    result = rebuilt.getvalue()
    with pikepdf.open(io.BytesIO(result)) as check:
        if "/Info" in check.trailer or "/Metadata" in check.Root:
            raise RuntimeError("the rebuilt PDF still has metadata")
    return result


# -- helpers ------------------------------------------------------------------------------------


def _open_failure(data: bytes) -> LazyString:
    """Why PDFium refused ``data``, asked again through the raw API: pypdfium2 reports a
    document without pages with whatever error code the previous failure left behind (PDFium
    resets it on failure only), which made an empty PDF look password-protected."""
    handle = pdfium_c.FPDF_LoadMemDocument64(data, len(data), None)
    if handle:
        pages = pdfium_c.FPDF_GetPageCount(handle)
        pdfium_c.FPDF_CloseDocument(handle)
        if pages < 1:
            return _l("This PDF has no pages. Export it again and upload the new file.")
        return UNREADABLE
    if pdfium_c.FPDF_GetLastError() in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
        return _l(
            "This PDF is password-protected. Open it, save or print it as a new PDF without a "
            "password, and upload that file."
        )
    return UNREADABLE


def _render_page(
    document: pdfium.PdfDocument, index: int, dpi: int, max_page_pixels: int
) -> PdfPage:
    page = textpage = bitmap = None
    try:
        page = document[index]
        width, height = page.get_size()
        if not (width > 0 and height > 0):
            raise UnreadableFile(UNREADABLE)
        scale = dpi / POINTS_PER_INCH
        pixels = math.ceil(width * scale) * math.ceil(height * scale)
        if pixels > max_page_pixels:
            scale *= math.sqrt(max_page_pixels / pixels) * 0.999
        bitmap = page.render(scale=scale, rev_byteorder=True)
        image = bitmap.to_pil().convert("RGB")  # a copy: the bitmap's memory is freed below
        to_pixels = bitmap.get_posconv(page).to_bitmap
        textpage = page.get_textpage()
        text, boxes = _text_and_boxes(textpage, to_pixels, image.size)
        return PdfPage(image, text, boxes, dpi=scale * POINTS_PER_INCH)
    except pdfium.PdfiumError as error:
        raise UnreadableFile(UNREADABLE) from error
    finally:
        for opened in (textpage, bitmap, page):
            if opened is not None:
                opened.close()


def _text_and_boxes(
    textpage: pdfium.PdfTextPage,
    to_pixels: _ToPixels,
    size: tuple[int, int],
) -> tuple[str, list[Box | None]]:
    """The characters one by one, each with its box, so offsets in the text are offsets in
    the boxes (``get_text_range`` may add or drop characters relative to the boxes).
    Generated "\\r\\n" line breaks become one "\\n" without a box.

    A text page holds thousands of characters (a page of a paper about 5,000), so the loop
    calls PDFium directly with one reused rectangle and maps through :class:`_PageToPixels`
    rather than asking PDFium twice per character."""
    raw = textpage.raw
    get_unicode = pdfium_c.FPDFText_GetUnicode
    is_generated = pdfium_c.FPDFText_IsGenerated
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    rect = pdfium_c.FS_RECTF()
    mapping = _PageToPixels(to_pixels)
    width, height = size
    chars: list[str] = []
    boxes: list[Box | None] = []
    for index in range(textpage.count_chars()):
        char = _char(get_unicode(raw, index))
        generated = is_generated(raw, index) == 1
        if generated and char == "\r":
            continue
        chars.append(char)
        # the loose box: the whole line height, not just its ink (a tight box over "-" is a
        # hairline)
        if generated or not get_box(raw, index, rect):
            boxes.append(None)
            continue
        boxes.append(mapping.box(rect.left, rect.bottom, rect.right, rect.top, width, height))
    return "".join(chars), boxes


class _PageToPixels:
    """PDFium's page-to-device mapping (rotation, crop box origin, scale) as the affine map
    it is, read off PDFium's own mapping once per page, then rounded as PDFium rounds: the
    slopes from points far apart (rounding to whole pixels shifts them by less than a
    millionth of a pixel per point), each offset from where its rounding steps to the next
    pixel. On every character of a real paper, turned and cropped, it gives PDFium's own
    answer for all but 5 of 192,350 corners, which sit within a hundred-thousandth of a
    pixel of a half (PDFium computes in single precision) and land on the neighbouring
    pixel; the boxes are loose, and grown over whole glyphs before burning."""

    SPAN = 1e7  #: points: far enough that rounding to pixels does not show in a slope

    def __init__(self, to_pixels: _ToPixels) -> None:
        ahead_x, ahead_y = to_pixels(self.SPAN, 0.0)
        behind_x, behind_y = to_pixels(-self.SPAN, 0.0)
        above_x, above_y = to_pixels(0.0, self.SPAN)
        below_x, below_y = to_pixels(0.0, -self.SPAN)
        slopes_x = ((ahead_x - behind_x) / (2 * self.SPAN), (above_x - below_x) / (2 * self.SPAN))
        slopes_y = ((ahead_y - behind_y) / (2 * self.SPAN), (above_y - below_y) / (2 * self.SPAN))
        self.x = (*slopes_x, _offset(lambda x, y: to_pixels(x, y)[0], slopes_x))
        self.y = (*slopes_y, _offset(lambda x, y: to_pixels(x, y)[1], slopes_y))

    def point(self, page_x: float, page_y: float) -> tuple[int, int]:
        (xa, xb, xc), (ya, yb, yc) = self.x, self.y
        return _round(xa * page_x + xb * page_y + xc), _round(ya * page_x + yb * page_y + yc)

    def box(
        self, left: float, bottom: float, right: float, top: float, width: int, height: int
    ) -> Box | None:
        """The pixel box of a page rectangle, clipped to a ``width`` × ``height`` image;
        None when nothing of it is on the image."""
        x1, y1 = self.point(left, bottom)
        x2, y2 = self.point(right, top)
        box_left, box_right = max(0, min(x1, x2)), min(width, max(x1, x2))
        box_top, box_bottom = max(0, min(y1, y2)), min(height, max(y1, y2))
        if box_right <= box_left or box_bottom <= box_top:
            return None
        return Box(box_left, box_top, box_right - box_left, box_bottom - box_top)


def _offset(coordinate: _ToPixel, slopes: tuple[float, float]) -> float:
    """The exact ``c`` in ``coordinate(x, y) = round(a*x + b*y + c)``, given the slopes: along
    the axis where it changes faster, the point where the rounding steps up by one pixel is
    where ``a*x + b*y + c`` is a half, found by halving an interval of one pixel."""
    along_x = abs(slopes[0]) >= abs(slopes[1])
    slope = slopes[0] if along_x else slopes[1]

    def at(t: float) -> int:
        return coordinate(t, 0.0) if along_x else coordinate(0.0, t)

    start = at(0.0)
    low, high = 0.0, 1.5 / slope  # a pixel and a half on: past the step, whatever ``c``
    for _ in range(48):
        middle = (low + high) / 2
        if at(middle) > start:
            high = middle
        else:
            low = middle
    return start + 0.5 - slope * high


def _round(value: float) -> int:
    """Half away from zero, as PDFium rounds device coordinates."""
    return int(value + 0.5) if value >= 0 else -int(0.5 - value)


def _char(code: int) -> str:
    if code == 0x02:  # pdfium's mark for a hyphen at the end of a line
        return "-"
    if code in (0x09, 0x0A, 0x0D):
        return chr(code)
    if code < 0x20 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return "\ufffd"
    return chr(code)
