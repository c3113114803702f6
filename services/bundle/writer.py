"""Writing a case bundle: one pass over the case, straight into a zip, hashing as it goes.

Memory stays flat whatever the case size: every payload file is a stream of chunks written
into its zip entry as it comes, its SHA-256 computed on the way; only the manifest lines (one
per file) and zipfile's directory (one small record per file) grow, with the number of files,
never with their size or the number of signers.

The output is written through a sink that cannot seek, so zipfile streams each entry with a data
descriptor instead of going back to patch its header: the zip's own SHA-256 is then known the
moment the last byte is written, and ``out`` may be a pipe as well as a file.
"""

from __future__ import annotations

import base64
import hashlib
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from models import Submission, utcnow
from models.base import DbSession
from services.bundle import bag, keys
from services.bundle.contents import FIXED_FILES, BundleFacts, facts_for, payload
from services.errors import DomainError
from services.evidence.files import current_storage

Report = Callable[[int, str], None]
STEP = "bundling"
TAG_FILES = 6  #: bagit.txt, the key, bag-info.txt, both manifests, the signature


class BundleError(DomainError):
    """The bundle cannot be complete (stored evidence missing or changed): building it again
    would not help, so the job fails at once with this message."""


@dataclass(frozen=True)
class BundleResult:
    sha256: str  #: of the whole zip
    size: int  #: bytes of the zip
    files: int  #: payload files
    signatures: int
    key_id: str
    #: seconds spent per file (all evidence files together as "evidence", tag files as "tags")
    timings: dict[str, float] = field(default_factory=dict)


class _HashingSink:
    """Write-only view of ``out`` that hashes and counts what passes. It has ``tell`` but no
    ``seek``, which makes zipfile stream (data descriptors) rather than seek back."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._out.write(data)
        self._hash.update(data)
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        """Nothing to release: ``out`` is the caller's (zipfile never closes what it was given)."""

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class _Entries:
    """Adds streamed entries under the bag's top directory, returning each one's SHA-256."""

    def __init__(self, archive: zipfile.ZipFile, top: str, when: datetime) -> None:
        self.archive, self.top = archive, top
        self.date_time = when.timetuple()[:6]

    def write(self, path: str, chunks: Iterator[bytes], *, compress: bool) -> tuple[str, int]:
        info = zipfile.ZipInfo(f"{self.top}/{path}", date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        digest, size = hashlib.sha256(), 0
        try:
            with self.archive.open(info, "w", force_zip64=True) as entry:
                for chunk in chunks:
                    entry.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:  # a generator holding a stored file open lets go of it
                close()
        return digest.hexdigest(), size

    def write_bytes(self, path: str, data: bytes) -> str:
        return self.write(path, iter([data]), compress=True)[0]


class _Progress:
    def __init__(self, total: int, report: Report | None) -> None:
        self.total, self.done, self.report, self.last = max(total, 1), 0, report, -1

    def step(self) -> None:
        self.done += 1
        percent = min(99, self.done * 100 // self.total)
        if self.report is not None and percent != self.last:
            self.last = percent
            self.report(percent, STEP)


def build_bundle(
    session: DbSession, submission: Submission, out: BinaryIO, report: Report | None = None
) -> BundleResult:
    """Write ``submission``'s bundle to ``out`` as a zip. ``report(percent, step)`` is called
    between files (never while one is being written), so it may commit.

    Raises :class:`BundleError` when a pooled evidence file is missing from storage or its
    bytes no longer match their key."""
    facts = facts_for(session, submission)
    storage = current_storage()
    top = bag.top_dir(facts.case_public_id)
    when = utcnow()
    progress = _Progress(FIXED_FILES + facts.evidence_files + TAG_FILES, report)
    sink = _HashingSink(out)
    manifest: list[str] = []
    payload_bytes = 0
    timings: dict[str, float] = {}
    with zipfile.ZipFile(sink, "w", allowZip64=True) as archive:
        entries = _Entries(archive, top, when)
        for file in payload(session, facts, storage):
            started = time.perf_counter()
            try:
                digest, size = entries.write(file.path, file.chunks(), compress=file.compress)
            except FileNotFoundError as error:
                raise BundleError(f"Evidence file {file.path} is missing from storage.") from error
            if file.expected_sha256 is not None and digest != file.expected_sha256:
                raise BundleError(
                    f"Evidence file {file.path} changed in storage: "
                    f"expected SHA-256 {file.expected_sha256}, found {digest}."
                )
            manifest.append(bag.manifest_line(digest, file.path))
            payload_bytes += size
            label = "evidence" if file.path.startswith(bag.EVIDENCE_DIR) else file.path[5:]
            timings[label] = timings.get(label, 0.0) + time.perf_counter() - started
            progress.step()
        started = time.perf_counter()
        _write_tag_files(entries, facts, manifest, payload_bytes, when, progress)
        timings["tags"] = time.perf_counter() - started
    return BundleResult(
        sha256=sink.hexdigest(),
        size=sink.size,
        files=len(manifest),
        signatures=facts.signatures,
        key_id=keys.current_key_id(),
        timings={label: round(seconds, 3) for label, seconds in timings.items()},
    )


def _write_tag_files(
    entries: _Entries,
    facts: BundleFacts,
    manifest: list[str],
    payload_bytes: int,
    when: datetime,
    progress: _Progress,
) -> None:
    """bagit.txt, the public key, bag-info.txt, both manifests and the signature, which signs
    the exact bytes of the tag manifest (and so, through it, every file)."""
    public_pem = keys.public_key_pem()
    info = bag.format_bag_info(
        [
            ("Source-Organization", "Chorus"),
            ("Bagging-Date", when.date().isoformat()),
            ("External-Identifier", facts.case_public_id),
            ("External-Description", facts.case_title),
            ("Contact-Name", facts.authority),
            ("Payload-Oxum", f"{payload_bytes}.{len(manifest)}"),
            ("Bag-Size", bag.human_size(payload_bytes)),
            (bag.CASE_COMPANY, facts.company),
            (bag.SIGNATURES, str(facts.signatures)),
            (bag.VERSION_SHA256, facts.version_sha256),
            (bag.KEY_ID, keys.current_key_id()),
        ]
    )
    tagged: list[str] = []
    for name, data in (
        (bag.BAGIT, bag.BAGIT_TXT),
        (bag.PUBLIC_KEY, public_pem),
        (bag.BAG_INFO, info),
        (bag.MANIFEST, "".join(manifest).encode()),
    ):
        tagged.append(bag.manifest_line(entries.write_bytes(name, data), name))
        progress.step()
    tagmanifest = "".join(tagged).encode()
    entries.write_bytes(bag.TAGMANIFEST, tagmanifest)
    progress.step()
    entries.write_bytes(bag.SIGNATURE, base64.b64encode(keys.sign(tagmanifest)) + b"\n")
    progress.step()
