"""The anonymization job: from an uploaded original to the bytes the contributor previews.

Every run starts from the original (or from working files derived from it earlier), never from
a previous output, so adding a word or moving a box can never compound an earlier mistake.
Expensive steps keep their results as private working files for the next run: the clean page
rasters (no metadata, not yet blacked out) and what OCR read on them. All of these hold personal
data and are deleted with the original when the item is confirmed, discarded or abandoned.

- pictures: decoded and re-encoded from pixels (nothing but pixels survives), OCR proposes
  boxes over personal data, the boxes are burned into the pixels;
- PDFs: every page rendered to pixels, personal data found in the page's own text layer (exact
  positions) or by OCR when a page has no text, boxes burned, a new PDF built from the images;
- text: personal data replaced by typed placeholders;
- CSV: columns kept, hashed or dropped as the contributor chose, placeholders in kept cells.

The work on the file itself (:func:`services.anonymize.pipeline.clean`) runs in a child process
with a memory ceiling (``EVIDENCE_JOB_MEMORY_BYTES``): decoded pixels, PDFium and the OCR model
never live in the web process or the worker, whose memory stays flat however large the
pictures are. This module only moves bytes between storage and the child's folder and records
the outcome. A file the child cannot handle within the ceiling fails with a message saying so;
since the item is only ever changed after the child succeeded, a failure leaves nothing half
done, and nothing is pooled before its contributor confirms.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path, PurePath
from typing import Any

from flask import current_app

from extensions import db
from models import Evidence, EvidenceKind, EvidenceStatus, FileRole, Job
from services.anonymize import pipeline
from services.anonymize.ocr import ENGINES
from services.anonymize.text import redact
from services.evidence import files as evidence_files
from services.evidence import suggestions
from services.evidence.contributions import csv_hash_key, terms_of
from services.platform.jobs import runner as jobs
from services.platform.jobs.isolation import remove_stale_folders, run_isolated

log = logging.getLogger(__name__)

#: counts key for the areas blacked out in pictures and pages
AREAS = pipeline.AREAS
CLEAN_STEP = "services.anonymize.pipeline:clean"
FOLDER_PREFIX = "chorus-clean-"


def mark_failed(job: Job, message: str) -> None:
    """The upload failed for good: its contributor sees why on the upload page."""
    evidence = db.session.get(Evidence, job.payload.get("evidence_id"))
    if evidence is not None and evidence.status is EvidenceStatus.PROCESSING:
        evidence.status = EvidenceStatus.FAILED
        evidence.error = message


def anonymize(job: Job, report: jobs.Report) -> None:
    """Run the cleaning of one item in a child process and record what it made. Raises what
    :func:`~services.platform.jobs.isolation.run_isolated` raises: a refusal or running out
    of memory fails the job with its message."""
    evidence = db.session.get(Evidence, job.payload["evidence_id"])
    if evidence is None or evidence.status is not EvidenceStatus.PROCESSING:
        return  # discarded (or already done) while queued
    terms = _terms(evidence)
    config = current_app.config
    remove_stale_folders(FOLDER_PREFIX, older_than=2 * float(config["EVIDENCE_JOB_TIMEOUT"]))
    with tempfile.TemporaryDirectory(prefix=FOLDER_PREFIX) as name:
        folder = Path(name)
        _write_task(folder, evidence, terms)
        db.session.commit()  # no transaction held open while the child works
        summary = run_isolated(
            CLEAN_STEP,
            folder,
            memory_bytes=int(config["EVIDENCE_JOB_MEMORY_BYTES"]),
            timeout=float(config["EVIDENCE_JOB_TIMEOUT"]),
            progress=report,
        )
        evidence = db.session.get(Evidence, job.payload["evidence_id"])
        if evidence is None or evidence.status is not EvidenceStatus.PROCESSING:
            return  # discarded while the child worked
        _record(folder / pipeline.OUT, evidence, summary)
    evidence.display_name = _anonymized_name(evidence, terms)
    evidence.status = EvidenceStatus.PREVIEW
    evidence.error = None


def _terms(evidence: Evidence) -> list[str]:
    """The contributor's own name (their display name), the words they asked to remove and
    the proposed names they accepted (:mod:`services.evidence.suggestions`)."""
    words = _own_words(evidence)
    words.extend(name for name in suggestions.accepted_names(evidence) if name not in words)
    return words


def _own_words(evidence: Evidence) -> list[str]:
    words = terms_of(evidence)
    name = evidence.contributor.display_name.strip() if evidence.contributor else ""
    if len(name) >= 2 and name not in words:
        words.insert(0, name)
    return words


def _write_task(folder: Path, evidence: Evidence, terms: list[str]) -> None:
    """The child's folder: the original, pages and readings an earlier run kept, and what
    to do (see :mod:`services.anonymize.pipeline`)."""
    config = current_app.config
    original = evidence_files.file_of(evidence, FileRole.ORIGINAL)
    if original is None:
        raise RuntimeError("the original of an unconfirmed item is missing")
    (folder / pipeline.ORIGINAL).write_bytes(evidence_files.read(original.key))
    kept = _kept_pages(evidence)
    for number in range(kept):
        work = evidence_files.file_of(evidence, FileRole.WORK_PAGE, number)
        assert work is not None  # _kept_pages checked
        (folder / pipeline.work_page(number)).write_bytes(evidence_files.read(work.key))
    for record in evidence_files.files_of(evidence, FileRole.OCR):
        if record.page < kept:
            (folder / pipeline.reading(record.page)).write_bytes(evidence_files.read(record.key))
    options = evidence.options
    task: dict[str, Any] = {
        "kind": evidence.kind.value,
        "terms": terms,
        "boxes": options.get("boxes", {}) if options.get("boxes_edited") else None,
        "max_pixels": int(config["EVIDENCE_MAX_PIXELS"]),
        "work_pixels": int(config["EVIDENCE_WORK_PIXELS"]),
        "max_pages": int(config["EVIDENCE_MAX_PDF_PAGES"]),
        "dpi": int(config["EVIDENCE_PDF_DPI"]),
        "ocr_engines": list(dict.fromkeys([config["OCR_ENGINE"], *ENGINES])),
        "kept_pages": kept,
    }
    if evidence.kind is EvidenceKind.CSV:
        task["columns"] = options.get("columns")
        task["hash_key"] = csv_hash_key(evidence.case).hex()
    (folder / pipeline.TASK).write_text(json.dumps(task, ensure_ascii=False))


def _kept_pages(evidence: Evidence) -> int:
    """How many pages an earlier run left rendered and read, so a rescan can start from them
    (0: start from the original). A run that failed half-way kept nothing (the child's
    outputs are only stored once it succeeded), and a picture or PDF whose every page has
    its working copy and its reading is complete."""
    if evidence.kind not in (EvidenceKind.IMAGE, EvidenceKind.PDF):
        return 0
    count = evidence.page_count
    complete = all(
        evidence_files.file_of(evidence, role, page) is not None
        for page in range(count)
        for role in (FileRole.WORK_PAGE, FileRole.OCR)
    )
    pages = len(evidence_files.files_of(evidence, FileRole.WORK_PAGE))
    return count if complete and pages == count else 0


def _record(out: Path, evidence: Evidence, summary: dict[str, Any]) -> None:
    """Store what the child made, one file at a time, and the choices it proposed."""
    session = db.session
    for number in summary["work_pages"]:
        _attach(out / pipeline.work_page(number), evidence, FileRole.WORK_PAGE, "image/png", number)
    for number in summary["readings"]:
        _attach(out / pipeline.reading(number), evidence, FileRole.OCR, "application/json", number)
    for number in summary["pages"]:
        _attach(out / pipeline.page(number), evidence, FileRole.PAGE, "image/png", number)
    if summary.get("thumbnail"):
        _attach(out / summary["thumbnail"], evidence, FileRole.THUMBNAIL, "image/png", 0)
    stored = evidence_files.current_storage().put((out / summary["output"]).read_bytes())
    evidence_files.set_pooled_bytes(session, evidence, stored.key)
    evidence.size_bytes = stored.size
    evidence.media_type = summary["media_type"]
    evidence.page_count = int(summary.get("page_count") or evidence.page_count)
    options = dict(evidence.options)
    if not options.get("boxes_edited") and evidence.kind in (EvidenceKind.IMAGE, EvidenceKind.PDF):
        options["boxes"] = summary["proposed"]
    if summary.get("ocr_unavailable"):
        options["ocr_unavailable"] = True
    if evidence.kind is EvidenceKind.CSV:
        options["header"] = summary["header"]
        options["columns"] = summary["columns"]
    options[suggestions.OPTION] = suggestions.merged(
        evidence, summary.get("names", []), _own_words(evidence)
    )
    evidence.options = options
    evidence.removed = dict(sorted(summary["counts"].items()))


def _attach(path: Path, evidence: Evidence, role: FileRole, media_type: str, page: int) -> None:
    evidence_files.attach(db.session, evidence, role, path.read_bytes(), media_type, page=page)


# --- output ------------------------------------------------------------------------------------

EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "application/pdf": ".pdf",
    "text/plain; charset=utf-8": ".txt",
    "text/csv; charset=utf-8": ".csv",
}


def _anonymized_name(evidence: Evidence, terms: list[str]) -> str:
    """The file name others see: personal data in it replaced, the extension of the output."""
    original = evidence.options.get("original_name") or evidence.display_name
    stem = PurePath(original).stem or evidence.kind.value
    cleaned = redact(stem, terms).text.strip() or evidence.kind.value
    return cleaned[:120] + EXTENSIONS.get(evidence.media_type, "")
