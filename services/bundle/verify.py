"""Checking a case bundle without trusting it: what ``flask bundle verify`` runs.

Every check names what failed (the file, the expected and the actual hash, the first broken
entry), so an authority can say exactly why it refuses a bundle. Nothing is extracted: entries
are read as streams from the zip, so a hostile name like ``../../etc/passwd`` is only reported,
never written anywhere.

What is checked, in order: the zip; one top directory; ``bagit.txt`` (1.0, UTF-8); the tag
manifest against the tag files it must cover; the Ed25519 signature of the tag manifest under the
included key (and that key against a trusted one, when given); every payload file's full SHA-256
against ``manifest-sha256.txt`` both ways, and ``Payload-Oxum`` (which alone would miss a
same-size edit); the signature log's hash chain, recomputed with
:mod:`services.petition.chain`; and that every signatory's entry hash is a signature in that log.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import json
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidSignature

from models import SignatureAction, SignatureEntry
from services.bundle import bag, keys
from services.petition.chain import verify_chain
from services.platform.spreadsheet import unneutralize

CHUNK = 1024 * 1024
#: tag files are small; a larger one is refused rather than read into memory
MAX_TAG_FILE = 256 * 1024 * 1024
#: what reading a damaged or hostile member raises besides ``BadZipFile`` (a CRC mismatch) and
#: ``OSError``: ``zlib.error`` for a corrupt deflate stream, ``EOFError`` for one cut short,
#: ``NotImplementedError`` for an unknown compression method and ``RuntimeError`` for a member
#: flagged as encrypted. Any of them is a reason to refuse the bundle, never a crash.
ZIP_READ_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    zlib.error,
    NotImplementedError,
    RuntimeError,
)


@dataclass
class VerifyReport:
    ok: bool
    problems: list[str]
    checked: dict[str, Any] = field(default_factory=dict)


def verify_bundle(
    source: str | Path | IO[bytes], *, trusted_public_key: bytes | None = None
) -> VerifyReport:
    """Check the zipped bag at ``source`` (a path or a binary file). ``trusted_public_key``
    is the platform's PEM from ``/.well-known/chorus-bundle-key.pem``: with it, a bundle
    signed by any other key fails."""
    try:
        archive = zipfile.ZipFile(source)
    except (*ZIP_READ_ERRORS, ValueError) as error:
        return VerifyReport(False, [f"not a readable zip file: {error}"])
    with archive:
        checker = _Checker(archive)
        checker.run(trusted_public_key)
    return VerifyReport(not checker.problems, checker.problems, checker.checked)


class _Checker:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.problems: list[str] = []
        self.checked: dict[str, Any] = {}
        self.files: dict[str, zipfile.ZipInfo] = {}  #: path inside the bag -> entry
        self.info: dict[str, str] = {}

    def fail(self, problem: str) -> None:
        self.problems.append(problem)

    def run(self, trusted_public_key: bytes | None) -> None:
        if not self._layout():
            return
        self._bagit_txt()
        self.info = bag.parse_tag_file(self._text(bag.BAG_INFO) or "")
        self.checked["case"] = self.info.get("External-Identifier", "")
        tagmanifest = self._tag_manifest()
        self._signature(tagmanifest, trusted_public_key)
        self._payload()
        signers = self._signature_log()
        self._signatories(signers)

    # -- structure -----------------------------------------------------------------------

    def _layout(self) -> bool:
        tops: set[str] = set()
        for info in self.archive.infolist():
            name = info.filename
            parts = name.split("/")
            if name.startswith("/") or "\\" in name or ".." in parts or ":" in parts[0]:
                self.fail(f"{name}: unsafe path in the zip (absolute or climbing out)")
                continue
            if info.is_dir():
                continue
            # "top//x" and "top/./x" are read as "top/x" by unzip tools: a second spelling of
            # a path could shadow a checked file or add one that no check looks at
            if any(part in ("", ".") for part in parts):
                self.fail(f"{name}: unsafe path in the zip (empty or '.' component)")
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                self.fail(f"{name}: a symbolic link in the zip (unzip tools would create it)")
                continue
            if len(parts) < 2:
                self.fail(f"{name}: file outside the bag's top directory")
                continue
            tops.add(parts[0])
            path = "/".join(parts[1:])
            if path in self.files:
                self.fail(f"{path}: appears more than once in the zip")
            self.files[path] = info
        if len(tops) != 1:
            found = ", ".join(sorted(tops)) or "none"
            self.fail(f"expected exactly one top directory in the zip, found: {found}")
            return False
        self.checked["top_directory"] = tops.pop()
        return True

    def _open(self, path: str) -> IO[bytes] | None:
        info = self.files.get(path)
        return None if info is None else self.archive.open(info)

    def _read(self, path: str) -> bytes | None:
        info = self.files.get(path)
        if info is None:
            return None
        if info.file_size > MAX_TAG_FILE:
            self.fail(f"{path}: too large for a tag file ({info.file_size} bytes)")
            return None
        try:
            with self.archive.open(info) as stream:
                return stream.read()
        except ZIP_READ_ERRORS as error:
            self.fail(f"{path}: unreadable ({error})")
            return None

    def _text(self, path: str) -> str | None:
        data = self._read(path)
        if data is None:
            if path not in self.files:
                self.fail(f"{path}: missing")
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.fail(f"{path}: not UTF-8")
            return None

    def _hash(self, path: str) -> tuple[str, int] | None:
        info = self.files[path]
        digest, size = hashlib.sha256(), 0
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
        except ZIP_READ_ERRORS as error:
            self.fail(f"{path}: unreadable ({error})")
            return None
        return digest.hexdigest(), size

    def _bagit_txt(self) -> None:
        text = self._text(bag.BAGIT)
        if text is None:
            return
        if text.startswith("\ufeff"):
            self.fail(f"{bag.BAGIT}: starts with a byte-order mark, which RFC 8493 forbids")
        tags = bag.parse_tag_file(text.lstrip("\ufeff"))
        version = tags.get("BagIt-Version")
        if version != bag.BAGIT_VERSION:
            self.fail(f"{bag.BAGIT}: BagIt-Version is {version!r}, expected '1.0'")
        encoding = tags.get("Tag-File-Character-Encoding", "")
        if encoding.upper() != bag.ENCODING:
            self.fail(f"{bag.BAGIT}: Tag-File-Character-Encoding is {encoding!r}, expected UTF-8")

    # -- tag manifest and signature ------------------------------------------------------

    def _tag_manifest(self) -> bytes | None:
        data = self._read(bag.TAGMANIFEST)
        if data is None:
            if bag.TAGMANIFEST not in self.files:
                self.fail(f"{bag.TAGMANIFEST}: missing")
            return None
        entries, bad = bag.parse_manifest(data.decode("utf-8", "replace"))
        for line in bad:
            self.fail(f"{bag.TAGMANIFEST}: malformed line {line!r}")
        listed = {path: checksum for checksum, path in entries}
        for name in bag.SIGNED_TAG_FILES:
            if name not in listed:
                self.fail(f"{bag.TAGMANIFEST}: does not cover {name}")
        for path, expected in listed.items():
            self._compare(path, expected, bag.TAGMANIFEST)
        for path in self.files:
            # every file outside data/ is a tag file, in a tag directory or not: one that no
            # manifest covers would travel with the bundle unchecked
            if (
                not path.startswith("data/")
                and path not in listed
                and path not in (bag.TAGMANIFEST, bag.SIGNATURE)
            ):
                self.fail(f"{path}: tag file not covered by {bag.TAGMANIFEST}")
        return data

    def _compare(self, path: str, expected: str, manifest: str) -> int | None:
        if path not in self.files:
            self.fail(f"{path}: listed in {manifest} but missing from the bag")
            return None
        hashed = self._hash(path)
        if hashed is None:
            return None
        actual, size = hashed
        if actual != expected:
            self.fail(
                f"{path}: SHA-256 mismatch: {manifest} says {expected}, the file has {actual}"
            )
        return size

    def _signature(self, tagmanifest: bytes | None, trusted_pem: bytes | None) -> None:
        pem = self._read(bag.PUBLIC_KEY)
        if pem is None:
            self.fail(f"{bag.PUBLIC_KEY}: missing")
            return
        try:
            included = keys.load_public_key(pem)
        except ValueError:
            self.fail(f"{bag.PUBLIC_KEY}: not an Ed25519 public key")
            return
        self.checked["key_id"] = key_id = keys.key_id(included)
        if self.info.get(bag.KEY_ID) not in (None, key_id):
            self.fail(
                f"{bag.BAG_INFO}: {bag.KEY_ID} is {self.info[bag.KEY_ID]}, "
                f"but {bag.PUBLIC_KEY} is key {key_id}"
            )
        if trusted_pem is not None:
            try:
                trusted_id = keys.key_id(keys.load_public_key(trusted_pem))
            except ValueError:
                self.fail("the trusted public key is not an Ed25519 public key in PEM")
            else:
                if trusted_id != key_id:
                    self.fail(
                        f"signed by a different key: the bundle's key is {key_id}, "
                        f"the trusted key is {trusted_id}"
                    )
        signature = self._read(bag.SIGNATURE)
        if signature is None:
            self.fail(f"{bag.SIGNATURE}: missing: the bag is not signed")
            return
        if tagmanifest is None:
            return
        try:
            included.verify(base64.b64decode(signature.strip(), validate=True), tagmanifest)
        except (InvalidSignature, binascii.Error, ValueError):
            self.fail(
                f"{bag.SIGNATURE}: the signature does not match {bag.TAGMANIFEST} "
                f"under the included key {key_id}"
            )
        else:
            self.checked["signature"] = "valid"

    # -- payload -------------------------------------------------------------------------

    def _payload(self) -> None:
        data = self._read(bag.MANIFEST)
        if data is None:
            if bag.MANIFEST not in self.files:
                self.fail(f"{bag.MANIFEST}: missing")
            return
        entries, bad = bag.parse_manifest(data.decode("utf-8", "replace"))
        for line in bad:
            self.fail(f"{bag.MANIFEST}: malformed line {line!r}")
        listed: dict[str, str] = {}
        for checksum, path in entries:
            if not path.startswith("data/"):
                self.fail(f"{bag.MANIFEST}: lists {path}, which is not in data/")
            elif path in listed:
                self.fail(f"{bag.MANIFEST}: lists {path} twice")
            listed[path] = checksum
        total_bytes = total_files = 0
        for path in self.files:
            if path.startswith("data/"):
                total_files += 1
                total_bytes += self.files[path].file_size
                if path not in listed:
                    self.fail(f"{path}: not listed in {bag.MANIFEST} (a file was added)")
        for path, expected in listed.items():
            self._compare(path, expected, bag.MANIFEST)
        oxum = self.info.get("Payload-Oxum")
        actual = f"{total_bytes}.{total_files}"
        if oxum != actual:
            self.fail(f"Payload-Oxum mismatch: {bag.BAG_INFO} says {oxum}, the payload is {actual}")
        self.checked["payload_files"] = total_files
        self.checked["payload_bytes"] = total_bytes

    # -- signature log and signatories ---------------------------------------------------

    def _signature_log(self) -> dict[str, str]:
        """Re-verify the chain; return entry hash -> pseudonym of the signatures on the
        submitted version (what signatories.csv may point at)."""
        signers: dict[str, str] = {}
        stream = self._open(bag.SIGNATURE_LOG)
        if stream is None:
            self.fail(f"{bag.SIGNATURE_LOG}: missing")
            return signers
        version = self.info.get(bag.VERSION_SHA256, "")
        errors: list[str] = []
        try:
            with stream, io.TextIOWrapper(stream, encoding="utf-8") as text:
                entries = _log_entries(text, errors, signers, version)
                report = verify_chain(self.checked.get("case", ""), entries)
                for _rest in entries:  # after a break, still learn who signed
                    pass
        except (*ZIP_READ_ERRORS, UnicodeDecodeError) as error:
            # read as a stream (it can be large), so a damaged member shows up only here
            self.fail(f"{bag.SIGNATURE_LOG}: unreadable ({error})")
            return {}
        for problem in errors:
            self.fail(problem)
        if not report.ok:
            self.fail(f"{bag.SIGNATURE_LOG}: chain broken: {report.problem}")
        elif not errors:
            self.checked["chain"] = "verified"
        self.checked["log_entries"] = report.entries
        return signers

    def _signatories(self, signers: dict[str, str]) -> None:
        stream = self._open(bag.SIGNATORIES)
        if stream is None:
            self.fail(f"{bag.SIGNATORIES}: missing")
            return
        rows = 0
        try:
            with stream, io.TextIOWrapper(stream, encoding="utf-8-sig", newline="") as text:
                reader = csv.reader(text)
                header = next(reader, None)
                if header is None or tuple(header) != bag.SIGNATORIES_HEADER:
                    self.fail(f"{bag.SIGNATORIES}: unexpected header {header}")
                    return
                for row in reader:
                    rows += 1
                    self._signatory(reader.line_num, row, signers)
        except (*ZIP_READ_ERRORS, UnicodeDecodeError, csv.Error) as error:
            self.fail(f"{bag.SIGNATORIES}: unreadable ({error})")
            return
        declared = self.info.get(bag.SIGNATURES)
        if declared is not None and declared != str(rows):
            self.fail(
                f"{bag.BAG_INFO}: {bag.SIGNATURES} is {declared}, {bag.SIGNATORIES} lists {rows}"
            )
        self.checked["signatures"] = rows

    def _signatory(self, line: int, row: list[str], signers: dict[str, str]) -> None:
        if len(row) != len(bag.SIGNATORIES_HEADER):  # a blank or a cut line is no signatory
            self.fail(
                f"{bag.SIGNATORIES} line {line}: {len(row)} fields instead of "
                f"{len(bag.SIGNATORIES_HEADER)}"
            )
            return
        pseudonym, entry_hash = unneutralize(row[0]), unneutralize(row[-1])
        if signers.get(entry_hash) != pseudonym:
            self.fail(
                f"{bag.SIGNATORIES} line {line}: signer {pseudonym} has entry hash "
                f"{entry_hash}, which is not their signature in {bag.SIGNATURE_LOG}"
            )


def _log_entries(
    lines: IO[str], errors: list[str], signers: dict[str, str], version: str
) -> Iterator[SignatureEntry]:
    """Log lines as (unsaved) entries for :func:`verify_chain`. On the way, fills ``signers``
    with each pseudonym's latest entry on ``version`` when it is a signature (a withdrawn or
    re-signed one is not). Stops at the first unreadable line."""
    latest: dict[str, tuple[SignatureAction, str]] = {}
    for number, line in enumerate(lines, start=1):
        try:
            data = json.loads(line)
            entry = SignatureEntry(
                seq=int(data["seq"]),
                version_sha256=str(data["version_sha256"]),
                pseudonym=str(data["pseudonym"]),
                action=SignatureAction(data["action"]),
                share_identity=bool(data["share_identity"]),
                facts_confirmed=bool(data["facts_confirmed"]),
                created_at=datetime.fromisoformat(data["created_at"]),
                prev_hash=str(data["prev_hash"]),
                entry_hash=str(data["entry_hash"]),
            )
        except (ValueError, KeyError, TypeError, OverflowError) as error:  # int(Infinity)
            errors.append(f"{bag.SIGNATURE_LOG} line {number}: not a valid entry ({error})")
            break
        if entry.version_sha256 == version:
            latest[entry.pseudonym] = (entry.action, entry.entry_hash)
        yield entry
    signers.update(
        (entry_hash, pseudonym)
        for pseudonym, (action, entry_hash) in latest.items()
        if action is SignatureAction.SIGN
    )
