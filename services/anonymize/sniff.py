"""What an uploaded file is, decided by its content, and the name it may be shown under.

Sniffing is a first filter, never the check: a file that passes here is still decoded in full and
rebuilt by the module for its kind (a GIF/ZIP polyglot passed libmagic as an image; only a full
decode and re-encode removed its payload). What sniffing adds is an early, clear refusal of
everything else, and the rule that the *content* decides: a name ending in ``.png`` never makes
a binary file acceptable, it may only choose between text and CSV when the content could be
either.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from services.errors import DomainError

#: the form field upload errors belong next to (``blueprints.evidence.forms.UploadForm.files``)
UPLOAD_FIELD = "files"
NAME_MAX = 120
#: how many leading records decide whether text is a table
TABLE_SAMPLE_RECORDS = 50
#: the table delimiters we read: comma, tab (Excel's "Unicode text"), semicolon (European Excel)
TABLE_DELIMITERS = ",\t;"


class UnreadableFile(DomainError):
    """An upload refused for what it is or contains; the message says what to do about it."""

    def __init__(self, message: str, field: str | None = UPLOAD_FIELD) -> None:
        super().__init__(message, field)


class FileKind(StrEnum):
    """The same values as ``models.evidence.EvidenceKind``, kept apart so this package has no
    database dependency; a test holds the two together."""

    IMAGE = "image"
    PDF = "pdf"
    TEXT = "text"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class Detected:
    kind: FileKind
    media_type: str
    extension: str  #: with its dot: ".png"


NOT_ACCEPTED = _l(
    "This type of file is not accepted: upload PNG, JPEG, WebP, HEIC, PDF, TXT or CSV."
)
#: ISO base media "ftyp" brands of HEIF still images with HEVC pictures (iPhone photos)
HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})

_PNG = Detected(FileKind.IMAGE, "image/png", ".png")
_JPEG = Detected(FileKind.IMAGE, "image/jpeg", ".jpg")
_WEBP = Detected(FileKind.IMAGE, "image/webp", ".webp")
_HEIC = Detected(FileKind.IMAGE, "image/heic", ".heic")
_PDF = Detected(FileKind.PDF, "application/pdf", ".pdf")
_TEXT = Detected(FileKind.TEXT, "text/plain", ".txt")
_CSV = Detected(FileKind.CSV, "text/csv", ".csv")

_PDF_WINDOW = 1024  # readers accept "%PDF-" anywhere in the first kilobyte
_TEXT_NAMES = (".txt", ".text", ".log")
#: what a browser would take for markup whatever the declared type: refused, not served
_MARKUP_STARTS = (
    "<!doctype",
    "<html",
    "<head",
    "<body",
    "<script",
    "<svg",
    "<?xml",
    "<iframe",
)
_ALLOWED_CONTROLS = frozenset("\t\r\n\f")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def detect(head: bytes, *, name_hint: str = "") -> Detected:
    """The kind of a file from its first bytes (a few kilobytes are enough; the whole file too).

    Raises :class:`UnreadableFile` for an empty file and for anything that is neither one of the
    image formats we decode, a PDF, nor text without binary control characters."""
    if not head:
        raise UnreadableFile(_l("The file is empty. Choose the file again and upload it."))
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _PNG
    if head.startswith(b"\xff\xd8\xff"):
        return _JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _WEBP
    if is_heif(head):
        return _HEIC
    if b"%PDF-" in head[:_PDF_WINDOW]:
        return _PDF
    text = decode_bytes(head, complete=False)
    if text is None or not is_plain_text(text) or _looks_like_markup(text):
        raise UnreadableFile(NOT_ACCEPTED)
    shape = None if text.lstrip("\ufeff \t\r\n").startswith(("{", "[")) else _table_shape(text)
    if shape is None:  # prose, or JSON, whose lists look like a column of quoted values
        return _TEXT
    if shape[1] >= 3:
        return _CSV
    # two records only: a small table or two lines of prose with commas; the name decides
    return _TEXT if name_hint.strip().casefold().endswith(_TEXT_NAMES) else _CSV


def is_heif(head: bytes) -> bool:
    """Whether ``head`` starts a HEIF still image with HEVC pictures (an iPhone's HEIC): an
    ``ftyp`` box whose major or a compatible brand is one of :data:`HEIF_BRANDS`."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return False
    box_size = int.from_bytes(head[:4], "big")
    end = min(box_size, len(head))
    brands = [head[8:12], *(head[i : i + 4] for i in range(16, end - 3, 4))]
    return any(brand in HEIF_BRANDS for brand in brands)


def decode_bytes(data: bytes, *, complete: bool = True) -> str | None:
    """Text from bytes, or None: UTF-8 (a BOM is dropped), UTF-16 with its BOM, else GB18030,
    which Chinese Windows (and so many Chinese bank and wallet exports) writes by default.

    UTF-8 goes first because it is strict: text that decodes as UTF-8 is almost surely UTF-8,
    whereas GB18030 accepts many byte sequences, so it can only be the last resort. With
    ``complete=False`` the bytes are a prefix of the file and a character cut at the end is not
    an error."""
    if data.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            return decoder.decode(data, final=complete)
        except UnicodeDecodeError:
            continue
    return None


def is_plain_text(text: str) -> bool:
    """True when ``text`` has no control character but tab, CR, LF and form feed: NUL and its
    kind mean a binary file that happened to decode (GB18030 decodes a lot)."""
    return not any(
        unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS for char in text
    )


def _looks_like_markup(text: str) -> bool:
    start = text.lstrip("\ufeff \t\r\n\f")[:16].casefold()
    return start.startswith(_MARKUP_STARTS)


def table_delimiter(text: str) -> str | None:
    """The delimiter that makes (part of) ``text`` a table, or None."""
    shape = _table_shape(text)
    return None if shape is None else shape[0]


def _table_shape(text: str) -> tuple[str, int] | None:
    """The delimiter of the table in ``text`` and how many records in a row share its width,
    or None when no delimiter gives at least two records of the same width (at least two).

    A run rather than the whole sample, because wallet exports put a few lines of prose above
    the table (Alipay: the account and the date range) and totals below it. Of several
    delimiters, the longest run wins, then the most columns: a decimal comma inside
    semicolon-separated amounts does not make a comma table."""
    best: tuple[int, int, str] | None = None
    for delimiter in TABLE_DELIMITERS:
        if delimiter not in text:
            continue
        widths = _record_widths(text, delimiter)
        if len(widths) > 2 and not text.endswith(("\n", "\r")):
            widths.pop()  # a prefix of the file: its last record may be cut short
        run, width = _longest_run(widths)
        if run >= 2 and width >= 2 and (best is None or (run, width) > best[:2]):
            best = (run, width, delimiter)
    return None if best is None else (best[2], best[0])


def _record_widths(text: str, delimiter: str) -> list[int]:
    """The field counts of the first non-blank records (1 for a record with a single value),
    up to where the csv module gives up (a prefix can end inside a quoted field)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    widths: list[int] = []
    try:
        for record in reader:
            filled = sum(1 for cell in record if cell.strip())
            if filled:
                # one value and trailing delimiters ("标题,,,,", '"item",' in JSON) is no row
                widths.append(len(record) if filled >= 2 else 1)
            if len(widths) >= TABLE_SAMPLE_RECORDS:
                break
    except csv.Error:
        pass
    return widths


def _longest_run(widths: list[int]) -> tuple[int, int]:
    """The length and width of the longest run of equal widths (the widest on a tie)."""
    best = (0, 0)
    run = 0
    for index, width in enumerate(widths):
        run = run + 1 if index and widths[index - 1] == width else 1
        best = max(best, (run, width))
    return best


def clean_file_name(name: str) -> str:
    """The name a file is shown under, to its contributor and (redacted) to others.

    Files are stored under generated names, so this name never reaches a path; it is still
    refused when it holds a path separator (someone is probing), a control character (it could
    break a header or a log line) or a bidi override ("\\u202egnp.exe" shows as "exe.png").
    Long names keep their extension, which is what tells a reader the type."""
    cleaned = unicodedata.normalize("NFC", name.strip())
    if not cleaned.strip("."):
        raise UnreadableFile(_l("The file has no name. Rename it and upload it again."))
    if any(
        char in "/\\" or char in _BIDI_CONTROLS or unicodedata.category(char) == "Cc"
        for char in cleaned
    ):
        raise UnreadableFile(
            _l(
                "The file name contains slashes, control characters or text-direction marks. "
                "Rename the file using only letters, digits and punctuation, then upload it "
                "again."
            )
        )
    if len(cleaned) <= NAME_MAX:
        return cleaned
    stem, dot, extension = cleaned.rpartition(".")
    if not dot or not stem or len(extension) > 10 or not extension.isalnum():
        return cleaned[:NAME_MAX].rstrip()
    return stem[: NAME_MAX - len(extension) - 1].rstrip(" .") + "." + extension
