"""One file from its original to the bytes a contributor previews, inside a child process.

``services.evidence.processing`` writes a folder (``task.json``, the original, pages and
readings kept from an earlier run) and runs :func:`clean` on it with a memory ceiling
(:func:`services.platform.jobs.isolation.run_isolated`). Everything that holds decoded pixels,
a PDFium document or an OCR model happens here, so none of it ever lives in the web process
or the worker; what comes back is files in ``out/`` and a small JSON summary, which the parent
stores one file at a time.

Pages are handled one at a time (render, read, burn, encode, write, let go), so a 50-page
statement needs the memory of one page, not fifty.

``task.json`` holds: ``kind`` (image, pdf, text, csv); ``terms`` (words to remove);
``boxes`` (the contributor's edited boxes by page, or null for the proposal); ``max_pixels``,
``work_pixels``, ``max_pages``, ``dpi``; ``ocr_engines`` (in order of preference);
``kept_pages`` (how many ``work-N.png`` and ``reading-N.json`` an earlier run left, 0 if
none); ``columns`` and ``hash_key`` (hex) for tables.
"""

from __future__ import annotations

import io
import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from services.anonymize import hidden, image, names, pdf, plaintext, table
from services.anonymize.boxes import Box
from services.anonymize.ocr import (
    OcrLine,
    OcrUnavailable,
    OcrWord,
    PageFindings,
    boxes_for_text,
    engine_for,
    find_pii_boxes,
)
from services.anonymize.text import redact
from services.platform.jobs.isolation import report

log = logging.getLogger(__name__)

#: a page with fewer characters in its text layer than this is a scan: it is read by OCR
MIN_TEXT_LAYER_CHARS = 20
#: counts key for the areas blacked out in pictures and pages
AREAS = "AREA"
TASK = "task.json"
ORIGINAL = "original"
OUT = "out"
#: page encodings tried in turn until a rebuilt PDF fits its budget: (scale, JPEG quality)
PDF_LADDER = ((1.0, 85), (0.8, 75), (0.6, 65), (0.45, 55))


def work_page(number: int) -> str:
    return f"work-{number}.png"


def reading(number: int) -> str:
    return f"reading-{number}.json"


def page(number: int) -> str:
    return f"page-{number}.png"


@dataclass
class _Run:
    folder: Path
    task: dict[str, Any]
    result: dict[str, Any]

    @property
    def out(self) -> Path:
        return self.folder / OUT

    def progress(self, percent: int, step: str) -> None:
        report(self.folder, percent, step)

    def original(self) -> bytes:
        return (self.folder / ORIGINAL).read_bytes()


def preload() -> None:
    """Load, in the step server before it forks each anonymization
    (:mod:`services.platform.jobs.step_server`), what every run would load again: the image
    libraries the OCR imports when it reads (about 0.9 s) and the dictionary of given names
    (1.5 s). Nothing here may start a thread; ONNX Runtime does when it is imported, so the
    OCR and name models are loaded by each run."""
    import cv2  # noqa: F401 - loaded for the forked runs
    import numpy  # noqa: F401
    import pytesseract  # noqa: F401

    names.preload()


def clean(folder: Path) -> dict[str, Any]:
    """Anonymize the file described in ``folder``; the summary of what is in ``out/``:
    ``output`` and ``media_type``, ``thumbnail``, the new ``work_pages`` and ``readings``,
    the burned ``pages`` of a PDF, ``proposed`` boxes by page, ``counts`` (personal data and
    hidden data by kind), ``page_count``, ``ocr_unavailable``, for tables ``header`` and
    ``columns``, and the ``names`` found, to propose. Raises
    :class:`~services.anonymize.sniff.UnreadableFile` for a file that cannot be read."""
    task = json.loads((folder / TASK).read_text())
    run = _Run(folder, task, {"work_pages": [], "readings": [], "pages": [], "proposed": {}})
    run.out.mkdir(exist_ok=True)
    kind = task["kind"]
    if kind == "image":
        counts = _image(run)
    elif kind == "pdf":
        counts = _pdf(run)
    elif kind == "csv":
        counts = _csv(run)
    else:
        counts = _text(run)
    run.result["counts"] = dict(sorted((k, v) for k, v in counts.items() if v))
    run.result["names"] = _names(run)
    return run.result


def _names(run: _Run) -> list[str]:
    """People's names printed in the file, to propose to the contributor (nothing is hidden
    for them here: see :mod:`services.anonymize.names`)."""
    if run.task["kind"] in ("text", "csv"):
        return names.suggest_names([plaintext.decode_text(run.original())])
    readings = [*run.folder.glob("reading-*.json"), *run.out.glob("reading-*.json")]
    readings.sort(key=lambda path: int(path.stem.removeprefix("reading-")))
    return names.suggest_names(names.reading_text(json.loads(p.read_text())) for p in readings)


# --- pictures ------------------------------------------------------------------------------------


def _image(run: _Run) -> Counter[str]:
    task = run.task
    original = run.original()
    counts: Counter[str] = Counter(hidden.image_hidden(original))
    if task["kept_pages"]:
        clean_image = _load_png(run.folder / work_page(0))
    else:
        run.progress(10, "cleaning")
        clean_image = image.load_image(
            original, max_pixels=task["max_pixels"], work_pixels=task["work_pixels"]
        )
        _save_work_page(clean_image, run.out / work_page(0))
        run.result["work_pages"].append(0)
    del original
    run.progress(30, "reading")
    findings = _findings(run, 0, clean_image, None)
    run.progress(80, "blacking_out")
    boxes = _chosen(run, 0, clean_image, findings)
    burned = image.burn_boxes(clean_image, boxes)
    del clean_image
    lossy = image.is_photo(run.original())
    data, media_type, _extension = image.encode_upload(burned, lossy_source=lossy)
    _output(run, data, media_type)
    (run.out / "thumbnail.png").write_bytes(image.thumbnail_png(burned))
    run.result["thumbnail"] = "thumbnail.png"
    run.result["page_count"] = 1
    counts.update(findings.counts)
    counts[AREAS] += len(boxes)
    return counts


# --- PDFs ----------------------------------------------------------------------------------------


def _pdf(run: _Run) -> Counter[str]:
    task = run.task
    original = run.original()
    counts: Counter[str] = Counter(hidden.pdf_hidden(original))
    dpi = int(task["dpi"])
    burned_pages: list[Path] = []
    if task["kept_pages"]:
        count = int(task["kept_pages"])
        for number in range(count):
            run.progress(5 + 80 * number // count, "reading")
            page_image = _load_png(run.folder / work_page(number))
            burned_pages.append(_burn_page(run, number, page_image, None, counts))
    else:
        with pdf.opened_pdf(original, max_pages=task["max_pages"]) as document:
            count = len(document)
            for number, rendered in enumerate(pdf.render_pages(document, dpi=dpi)):
                run.progress(5 + 80 * number // max(1, count), "rendering")
                _save_work_page(rendered.image, run.out / work_page(number))
                run.result["work_pages"].append(number)
                burned_pages.append(_burn_page(run, number, rendered.image, rendered, counts))
                del rendered
    run.progress(88, "rebuilding")
    data = _fitting_pdf(burned_pages, dpi, budget=_budget(len(original), len(burned_pages)))
    _output(run, data, "application/pdf")
    with Image.open(burned_pages[0]) as first:
        (run.out / "thumbnail.png").write_bytes(image.thumbnail_png(first.convert("RGB")))
    run.result["thumbnail"] = "thumbnail.png"
    run.result["page_count"] = len(burned_pages)
    return counts


def _burn_page(
    run: _Run,
    number: int,
    page_image: Image.Image,
    layer: pdf.PdfPage | None,
    counts: Counter[str],
) -> Path:
    """Find, burn and write one page (the PNG the preview shows); its path."""
    findings = _findings(run, number, page_image, layer)
    boxes = _chosen(run, number, page_image, findings)
    path = run.out / page(number)
    _save_png(image.burn_boxes(page_image, boxes), path)
    run.result["pages"].append(number)
    counts.update(findings.counts)
    counts[AREAS] += len(boxes)
    return path


def _budget(original_size: int, pages: int) -> int:
    """How large the rebuilt PDF may be: :data:`pdf.SIZE_FACTOR` times the original, but a
    page of pixels always gets at least :data:`pdf.MIN_PAGE_BUDGET`."""
    return max(pdf.SIZE_FACTOR * original_size, pdf.MIN_PAGE_BUDGET * pages)


def _fitting_pdf(pages: list[Path], dpi: int, *, budget: int) -> bytes:
    """The PDF of the burned pages at the first step of :data:`PDF_LADDER` that fits
    ``budget`` (the last one if none does). Scaling down after burning keeps every box
    black: its edge only blends with black."""
    data = b""
    for scale, quality in PDF_LADDER:
        encoded: list[bytes] = []
        for path in pages:
            with Image.open(path) as burned:
                page_image = burned.convert("RGB")
            if scale < 1:
                width, height = page_image.size
                size = (max(1, round(width * scale)), max(1, round(height * scale)))
                page_image = page_image.resize(size, Image.Resampling.LANCZOS)
            encoded.append(pdf.encode_page(page_image, quality=quality))
            del page_image
        data = pdf.pages_to_pdf(encoded, dpi=max(1, round(dpi * scale)))
        if len(data) <= budget:
            break
        log.info("rebuilt PDF of %d bytes over its budget of %d", len(data), budget)
    return data


# --- reading and boxes ---------------------------------------------------------------------------


def _findings(
    run: _Run, number: int, page_image: Image.Image, layer: pdf.PdfPage | None
) -> PageFindings:
    """Personal data on one page, from what an earlier run read, the page's text layer, or
    OCR (read once per item: a rescan with new words does not read the page again)."""
    kept = run.folder / reading(number)
    terms = run.task["terms"]
    if kept.exists():
        page_reading = json.loads(kept.read_text())
    elif layer is not None and len(layer.text.strip()) >= MIN_TEXT_LAYER_CHARS:
        boxes = [None if b is None else b.as_dict() for b in layer.char_boxes]
        _keep_reading(run, number, {"text": layer.text, "char_boxes": boxes})
        return boxes_for_text(layer.text, layer.char_boxes, terms)
    else:
        lines = _ocr(run, page_image)
        page_reading = {"lines": [[_word_json(w) for w in line] for line in lines]}
        _keep_reading(run, number, page_reading)
    if "lines" in page_reading:
        lines = [[_word(w) for w in line] for line in page_reading["lines"]]
        return find_pii_boxes(lines, terms)
    char_boxes = [None if b is None else Box.from_dict(b) for b in page_reading["char_boxes"]]
    return boxes_for_text(page_reading["text"], char_boxes, terms)


def _keep_reading(run: _Run, number: int, page_reading: dict[str, Any]) -> None:
    """What was read on a page, kept with the item so a rescan with new words need not read
    the page again."""
    (run.out / reading(number)).write_text(json.dumps(page_reading, ensure_ascii=False))
    run.result["readings"].append(number)


def _chosen(run: _Run, number: int, page_image: Image.Image, findings: PageFindings) -> list[Box]:
    """The contributor's boxes when they edited them, else the proposal, grown to cover
    whole characters (returned, to be the editor's starting point)."""
    proposed = image.cover_glyphs(page_image, findings.boxes)
    run.result["proposed"][str(number)] = [b.as_dict() for b in proposed]
    edited = run.task.get("boxes")
    if edited is not None:
        return [Box.from_dict(b) for b in edited.get(str(number), [])]
    return proposed


def _ocr(run: _Run, page_image: Image.Image) -> list[OcrLine]:
    """What the first installed engine reads; nothing when none is (the contributor then
    places every box by hand, and is told so)."""
    for name in run.task["ocr_engines"]:
        try:
            return engine_for(name).read(page_image)
        except OcrUnavailable as error:
            log.warning("OCR engine %s unavailable: %s", name, error)
    run.result["ocr_unavailable"] = True
    return []


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


# --- text and tables -----------------------------------------------------------------------------


def _text(run: _Run) -> Counter[str]:
    run.progress(30, "anonymizing")
    redaction = redact(plaintext.decode_text(run.original()), run.task["terms"])
    _output(run, redaction.text.encode(), "text/plain; charset=utf-8")
    run.result["page_count"] = 1
    return Counter(redaction.counts)


def _csv(run: _Run) -> Counter[str]:
    run.progress(30, "anonymizing")
    terms = run.task["terms"]
    parsed = table.read_table(plaintext.decode_text(run.original()))
    chosen = run.task.get("columns")
    actions = (
        [table.ColumnAction(a) for a in chosen]
        if chosen and len(chosen) == len(parsed.header)
        else table.suggest_actions(parsed.header)
    )
    data, counts = table.anonymize_table(
        parsed, actions, hash_key=bytes.fromhex(run.task["hash_key"]), extra_terms=terms
    )
    run.result["header"] = [redact(cell, terms).text for cell in parsed.header]
    run.result["columns"] = [a.value for a in actions]
    run.result["page_count"] = 1
    _output(run, data, "text/csv; charset=utf-8")
    return Counter(counts)


# --- files ---------------------------------------------------------------------------------------


def _output(run: _Run, data: bytes, media_type: str) -> None:
    (run.out / "output").write_bytes(data)
    run.result["output"] = "output"
    run.result["media_type"] = media_type


def _save_png(page_image: Image.Image, path: Path, compress_level: int = 6) -> None:
    buffer = io.BytesIO()
    page_image.save(buffer, format="PNG", compress_level=compress_level)
    path.write_bytes(buffer.getvalue())


def _save_work_page(page_image: Image.Image, path: Path) -> None:
    """A page as read, kept only until the item is pooled so a rescan need not decode the
    upload again: compressed lightly (a phone's 12-megapixel photo: 0.9 s and 8.2 MB, against
    3.0 s and 6.5 MB at the default level)."""
    _save_png(page_image, path, compress_level=1)


def _load_png(path: Path) -> Image.Image:
    with Image.open(path) as stored:
        return stored.convert("RGB")
