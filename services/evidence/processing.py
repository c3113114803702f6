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
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from pathlib import PurePath
from typing import Any

from flask import current_app
from PIL import Image

from extensions import db
from models import Evidence, EvidenceKind, EvidenceStatus, FileRole, Job
from services.anonymize import image, pdf, plaintext, table
from services.anonymize.boxes import Box
from services.anonymize.ocr import (
    ENGINES,
    OcrLine,
    OcrUnavailable,
    OcrWord,
    PageFindings,
    boxes_for_text,
    engine_for,
    find_pii_boxes,
)
from services.anonymize.text import redact
from services.evidence import files as evidence_files
from services.evidence.contributions import csv_hash_key, terms_of
from services.platform.jobs import runner as jobs

log = logging.getLogger(__name__)

#: a page with fewer characters in its text layer than this is a scan: it is read by OCR
MIN_TEXT_LAYER_CHARS = 20
#: counts key for the areas blacked out in pictures and pages
AREAS = "AREA"


def mark_failed(job: Job, message: str) -> None:
    """The upload failed for good: its contributor sees why on the upload page."""
    evidence = db.session.get(Evidence, job.payload.get("evidence_id"))
    if evidence is not None and evidence.status is EvidenceStatus.PROCESSING:
        evidence.status = EvidenceStatus.FAILED
        evidence.error = message


def anonymize(job: Job, report: jobs.Report) -> None:
    evidence = db.session.get(Evidence, job.payload["evidence_id"])
    if evidence is None or evidence.status is not EvidenceStatus.PROCESSING:
        return  # discarded (or already done) while queued
    terms = _terms(evidence)
    if evidence.kind is EvidenceKind.IMAGE:
        counts = _anonymize_image(evidence, terms, report)
    elif evidence.kind is EvidenceKind.PDF:
        counts = _anonymize_pdf(evidence, terms, report)
    elif evidence.kind is EvidenceKind.CSV:
        counts = _anonymize_csv(evidence, terms, report)
    else:
        counts = _anonymize_text(evidence, terms, report)
    evidence.removed = dict(sorted(counts.items()))
    evidence.display_name = _anonymized_name(evidence, terms)
    evidence.status = EvidenceStatus.PREVIEW
    evidence.error = None


def _terms(evidence: Evidence) -> list[str]:
    """The contributor's own name (their display name) and the words they asked to remove."""
    words = terms_of(evidence)
    name = evidence.contributor.display_name.strip() if evidence.contributor else ""
    if len(name) >= 2 and name not in words:
        words.insert(0, name)
    return words


def _original(evidence: Evidence) -> bytes:
    record = evidence_files.file_of(evidence, FileRole.ORIGINAL)
    if record is None:
        raise RuntimeError("the original of an unconfirmed item is missing")
    return evidence_files.read(record.key)


# --- pictures and pages ------------------------------------------------------------------------


def _anonymize_image(evidence: Evidence, terms: list[str], report: jobs.Report) -> Counter[str]:
    config = current_app.config
    work = evidence_files.file_of(evidence, FileRole.WORK_PAGE)
    if work is None:
        report(10, "cleaning")
        clean = image.load_image(_original(evidence), max_pixels=config["EVIDENCE_MAX_PIXELS"])
        _store_png(evidence, FileRole.WORK_PAGE, clean, 0)
    else:
        clean = _load_png(work.key)
    report(30, "reading")
    findings = _page_findings(evidence, 0, clean, None, terms)
    report(80, "blacking_out")
    boxes = _boxes(evidence, {0: findings.boxes})[0]
    burned = image.burn_boxes(clean, boxes)
    photo = evidence.options.get("source_type") == "image/jpeg"
    data, media_type, _ext = image.encode_image(burned, photo=photo)
    _set_output(evidence, data, media_type)
    evidence_files.attach(
        db.session, evidence, FileRole.THUMBNAIL, image.thumbnail_png(burned), "image/png"
    )
    counts = Counter(findings.counts)
    counts[AREAS] = len(boxes)
    return counts


def _anonymize_pdf(evidence: Evidence, terms: list[str], report: jobs.Report) -> Counter[str]:
    config = current_app.config
    dpi = int(config["EVIDENCE_PDF_DPI"])
    pages: list[Image.Image] = []
    layers: list[dict[str, Any] | None] = []
    if not _pages_kept(evidence):
        original = _original(evidence)
        with pdf.opened_pdf(original, max_pages=config["EVIDENCE_MAX_PDF_PAGES"]) as document:
            for number, page in enumerate(pdf.render_pages(document, dpi=dpi)):
                report(5 + 45 * number // max(1, evidence.page_count), "rendering")
                pages.append(page.image)
                _store_png(evidence, FileRole.WORK_PAGE, page.image, number)
                layers.append(
                    {"text": page.text, "char_boxes": [_box_json(b) for b in page.char_boxes]}
                )
        evidence.page_count = len(pages)
    else:
        pages = [_load_png(f.key) for f in evidence_files.files_of(evidence, FileRole.WORK_PAGE)]
        layers = [None] * len(pages)

    counts: Counter[str] = Counter()
    proposed: dict[int, list[Box]] = {}
    for number, page_image in enumerate(pages):
        report(50 + 35 * number // max(1, len(pages)), "reading")
        findings = _page_findings(evidence, number, page_image, layers[number], terms)
        proposed[number] = findings.boxes
        counts.update(findings.counts)
    report(88, "rebuilding")
    boxes = _boxes(evidence, proposed)
    burned = [image.burn_boxes(p, boxes.get(n, [])) for n, p in enumerate(pages)]
    _set_output(evidence, pdf.images_to_pdf(burned, dpi=dpi), "application/pdf")
    for number, page_image in enumerate(burned):
        _store_png(evidence, FileRole.PAGE, page_image, number)
    evidence_files.attach(
        db.session, evidence, FileRole.THUMBNAIL, image.thumbnail_png(burned[0]), "image/png"
    )
    counts[AREAS] = sum(len(b) for b in boxes.values())
    return counts


def _pages_kept(evidence: Evidence) -> bool:
    """Whether an earlier run left every page rendered and read, so a rescan can start from
    them. A run killed half-way through commits the pages it reached (progress reports
    commit): starting from those would preview part of the document as the whole of it, and
    read by OCR pages whose text layer was never kept."""
    count = evidence.page_count
    return len(evidence_files.files_of(evidence, FileRole.WORK_PAGE)) == count and all(
        evidence_files.file_of(evidence, FileRole.OCR, page) is not None for page in range(count)
    )


def _page_findings(
    evidence: Evidence,
    page: int,
    page_image: Image.Image,
    text_layer: dict[str, Any] | None,
    terms: list[str],
) -> PageFindings:
    """Personal data on one page, from what was read before, the page's text layer, or OCR
    (read once per item and kept: a rescan with new words does not read the page again)."""
    record = evidence_files.file_of(evidence, FileRole.OCR, page)
    reading = evidence_files.read_json(record)
    if reading is None:
        if text_layer is not None and len(text_layer["text"].strip()) >= MIN_TEXT_LAYER_CHARS:
            reading = text_layer
        else:
            lines = _read(page_image)
            if lines is None:
                evidence.options = {**evidence.options, "ocr_unavailable": True}
                lines = []
            reading = {"lines": [[_word_json(w) for w in line] for line in lines]}
        evidence_files.attach_json(db.session, evidence, FileRole.OCR, reading, page=page)
    if "lines" in reading:
        return find_pii_boxes([[_word(w) for w in line] for line in reading["lines"]], terms)
    char_boxes = [None if b is None else Box.from_dict(b) for b in reading["char_boxes"]]
    return boxes_for_text(reading["text"], char_boxes, terms)


def _boxes(evidence: Evidence, proposed: dict[int, list[Box]]) -> dict[int, list[Box]]:
    """The contributor's boxes when they edited them, else the proposal (then remembered as the
    starting point of the editor)."""
    if evidence.options.get("boxes_edited"):
        saved = evidence.options.get("boxes", {})
        return {int(page): [Box.from_dict(b) for b in boxes] for page, boxes in saved.items()}
    evidence.options = {
        **evidence.options,
        "boxes": {str(page): [b.as_dict() for b in boxes] for page, boxes in proposed.items()},
    }
    return proposed


def _store_png(evidence: Evidence, role: FileRole, page_image: Image.Image, page: int) -> None:
    buffer = io.BytesIO()
    page_image.save(buffer, format="PNG")
    evidence_files.attach(db.session, evidence, role, buffer.getvalue(), "image/png", page=page)


def _load_png(key: str) -> Image.Image:
    with Image.open(io.BytesIO(evidence_files.read(key))) as stored:
        return stored.convert("RGB")


def _box_json(box: Box | None) -> dict[str, int] | None:
    return None if box is None else box.as_dict()


def _read(page_image: Image.Image) -> list[OcrLine] | None:
    """What the configured OCR engine reads, or the other one when it is not installed; None
    when neither is (the contributor then places every box by hand, and is told so)."""
    for name in dict.fromkeys([current_app.config["OCR_ENGINE"], *ENGINES]):
        try:
            return engine_for(name).read(page_image)
        except OcrUnavailable as error:
            log.warning("OCR engine %s unavailable: %s", name, error)
    return None


def _word_json(word: OcrWord) -> dict[str, Any]:
    return {
        "text": word.text,
        "box": word.box.as_dict(),
        "confidence": word.confidence,
        "char_boxes": [b.as_dict() for b in word.char_boxes],
    }


def _word(data: dict[str, Any]) -> OcrWord:
    return OcrWord(
        data["text"],
        Box.from_dict(data["box"]),
        data["confidence"],
        tuple(Box.from_dict(b) for b in data.get("char_boxes", ())),
    )


# --- text and tables ---------------------------------------------------------------------------


def _anonymize_text(evidence: Evidence, terms: list[str], report: jobs.Report) -> Counter[str]:
    report(30, "anonymizing")
    redaction = redact(plaintext.decode_text(_original(evidence)), terms)
    _set_output(evidence, redaction.text.encode(), "text/plain; charset=utf-8")
    return Counter(redaction.counts)


def _anonymize_csv(evidence: Evidence, terms: list[str], report: jobs.Report) -> Counter[str]:
    report(30, "anonymizing")
    parsed = table.read_table(plaintext.decode_text(_original(evidence)))
    chosen = evidence.options.get("columns")
    actions = (
        [table.ColumnAction(a) for a in chosen]
        if chosen and len(chosen) == len(parsed.header)
        else table.suggest_actions(parsed.header)
    )
    data, counts = table.anonymize_table(
        parsed, actions, hash_key=csv_hash_key(evidence.case), extra_terms=terms
    )
    evidence.options = {
        **evidence.options,
        "header": [redact(cell, terms).text for cell in parsed.header],
        "columns": [a.value for a in actions],
    }
    _set_output(evidence, data, "text/csv; charset=utf-8")
    return Counter(counts)


# --- output ------------------------------------------------------------------------------------

EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "application/pdf": ".pdf",
    "text/plain; charset=utf-8": ".txt",
    "text/csv; charset=utf-8": ".csv",
}


def _set_output(evidence: Evidence, data: bytes, media_type: str) -> None:
    stored = evidence_files.current_storage().put(data)
    evidence_files.set_pooled_bytes(db.session, evidence, stored.key)
    evidence.size_bytes = stored.size
    evidence.media_type = media_type


def _anonymized_name(evidence: Evidence, terms: list[str]) -> str:
    """The file name others see: personal data in it replaced, the extension of the output."""
    original = evidence.options.get("original_name") or evidence.display_name
    stem = PurePath(original).stem or evidence.kind.value
    cleaned = redact(stem, terms).text.strip() or evidence.kind.value
    return cleaned[:120] + EXTENSIONS.get(evidence.media_type, "")
