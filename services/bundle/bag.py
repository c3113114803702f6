"""Names and tag-file formats of the bag, shared by the writer and the verifier.

RFC 8493 in brief: a bag is a directory with ``bagit.txt`` (version and encoding), a payload
under ``data/``, ``manifest-<alg>.txt`` listing every payload file with its checksum,
``bag-info.txt`` (metadata, including ``Payload-Oxum`` = "bytes.files"), and optionally
``tagmanifest-<alg>.txt`` with checksums of the tag files. Ours adds the platform's public key
as a tag file (covered by the tag manifest) and a detached signature of the tag manifest, which
is deliberately not listed anywhere: it signs the list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

BAGIT_VERSION = "1.0"
ENCODING = "UTF-8"
BAGIT_TXT = f"BagIt-Version: {BAGIT_VERSION}\nTag-File-Character-Encoding: {ENCODING}\n".encode()

BAGIT = "bagit.txt"
BAG_INFO = "bag-info.txt"
MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
PUBLIC_KEY = "chorus-public-key.pem"
SIGNATURE = f"{TAGMANIFEST}.sig"
#: tag files the tag manifest must cover, so the signature covers them
SIGNED_TAG_FILES = (BAGIT, BAG_INFO, MANIFEST, PUBLIC_KEY)

# payload files (relative to the bag)
COMPLAINT_MD = "data/complaint.md"
COMPLAINT_PDF = "data/complaint.pdf"
SIGNATORIES = "data/signatories.csv"
COMPLAINTS = "data/complaints.csv"
EVIDENCE_DIR = "data/evidence/"
EVIDENCE_CSV = "data/evidence.csv"
STATS = "data/stats.json"
TIMELINE = "data/timeline.json"
SIGNATURE_LOG = "data/signature-log.jsonl"

# bag-info.txt labels of our own
CASE_COMPANY = "Chorus-Case-Company"
SIGNATURES = "Chorus-Signatures"
VERSION_SHA256 = "Chorus-Version-SHA256"
KEY_ID = "Chorus-Key-Id"

SIGNATORIES_HEADER = ("pseudonym", "name", "email", "signed_at", "entry_hash")

_UNSAFE = re.compile(r"[^\w.\-]+")
_NAME_MAX = 80


def top_dir(case_public_id: str) -> str:
    """The one directory every member of the zip sits in (BagIt tools expect the bag's own)."""
    return f"chorus-case-{case_public_id}"


def evidence_name(pseudonym: str, number: int, display_name: str) -> str:
    """``data/evidence/K7Q2-3-receipt.png``: unique by ``number``, and free of separators,
    control characters, "%" (manifests would need it percent-encoded) and leading dots."""
    name = unicodedata.normalize("NFC", display_name)
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not ext.isalnum() or len(ext) > 8:
        stem, ext = name, ""
    stem = _UNSAFE.sub("_", stem).strip("._") or "file"
    ext = _UNSAFE.sub("", ext)
    stem = stem[: _NAME_MAX - len(ext) - 1]
    safe_pseudonym = _UNSAFE.sub("_", pseudonym) or "member"
    return f"{EVIDENCE_DIR}{safe_pseudonym}-{number}-{stem}{'.' + ext if ext else ''}"


def manifest_line(sha256: str, path: str) -> str:
    return f"{sha256}  {path}\n"


def parse_manifest(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(checksum, path) pairs in order, and the lines that are not "<64 hex> <path>"."""
    entries: list[tuple[str, str]] = []
    bad: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        checksum, _, path = line.partition(" ")
        path = path.lstrip(" ")
        if re.fullmatch(r"[0-9a-fA-F]{64}", checksum) is None or not path:
            bad.append(line)
        else:
            entries.append((checksum.lower(), path))
    return entries, bad


def format_bag_info(fields: Iterable[tuple[str, str]]) -> bytes:
    """``Label: value`` lines; values are kept to one line (no continuation lines needed)."""
    lines = [f"{label}: {' '.join(str(value).split())}\n" for label, value in fields]
    return "".join(lines).encode()


def parse_tag_file(text: str) -> dict[str, str]:
    """Labels and values of ``bagit.txt`` or ``bag-info.txt`` (continuation lines joined)."""
    tags: dict[str, str] = {}
    last: str | None = None
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and last is not None:
            tags[last] += " " + line.strip()
            continue
        label, sep, value = line.partition(":")
        if sep:
            last = label.strip()
            tags[last] = value.strip()
    return tags


def human_size(size: int) -> str:
    """``Bag-Size``: informational, e.g. "1.2 GB"."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")
