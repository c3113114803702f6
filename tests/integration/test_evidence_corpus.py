"""Nothing planted in the corpus survives anonymization, and what matters stays readable.

Every file of ``tests/data/evidence`` (see its README) goes through the real upload route and
the real job, as a contributor named 张伟明 who adds their name in pinyin as a word to remove.
The bytes that would be pooled are then searched three ways: as raw bytes (and, for PDFs, every
decompressed stream), through the metadata readers a curious recipient would use, and by OCR of
what the pages show. The same OCR must still find the words that make the evidence useful.

SQLite only: the database plays no part in what the bytes contain.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytesseract
import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select

from extensions import db
from models import Company, Complaint, Evidence, EvidenceStatus, User
from services.anonymize import table
from services.cases import membership as group_cases
from tests.conftest import PASSWORD
from tests.support.forms import csrf_token, login

CORPUS = Path(__file__).parents[1] / "data" / "evidence"
PLANTED = json.loads((CORPUS / "planted.json").read_text(encoding="utf-8"))
GOOD = sorted(name for name, entry in PLANTED.items() if entry["kind"] != "bad")
WORDS = "Zhang Weiming"

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def pooled(
    app: Flask,
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> Callable[[str], tuple[Evidence, bytes]]:
    """Upload a corpus file as 张伟明 and return the item and its bytes as they would be pooled."""
    company = make_company("walletpro", "WalletPro", "钱包宝")
    user = make_user(email="zhang@example.org", display_name="张伟明", locale="en")
    case = group_cases.start_case(
        db.session,
        user,
        make_complaint(user, company, "钱包宝冻结了我的余额，客服一直不回复，要求退款。"),
        title="钱包宝冻结余额",
        summary="",
    )
    db.session.commit()
    client = app.test_client()
    login(client, user.email, PASSWORD)

    def upload(name: str) -> tuple[Evidence, bytes]:
        page = client.get(f"/cases/{case.public_id}/evidence")
        response = client.post(
            f"/cases/{case.public_id}/evidence",
            data={
                "csrf_token": csrf_token(page.get_data(as_text=True)),
                "words": WORDS,
                "files": (io.BytesIO((CORPUS / name).read_bytes()), name),
            },
            headers={"Accept": "application/json"},
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        item = db.session.scalar(
            select(Evidence).where(Evidence.public_id == response.get_json()["id"])
        )
        assert item.status is EvidenceStatus.PREVIEW, item.error
        download = client.get(f"/evidence/{item.public_id}/file")
        data = download.get_data()
        download.close()
        return item, data

    return upload


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def _variants(value: str) -> Iterator[bytes]:
    for candidate in {value, value.casefold(), value.upper()}:
        yield candidate.encode("utf-8")
        yield candidate.encode("utf-16-le")
        yield candidate.encode("utf-16-be")


def _pdf_streams(data: bytes) -> Iterator[bytes]:
    with pikepdf.open(io.BytesIO(data)) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Stream):  # decompressed; image data (JPEG) as stored
                try:
                    yield obj.read_bytes()
                except pikepdf.PdfError:
                    yield obj.read_raw_bytes()


def _ocr(picture: Image.Image) -> str:
    # the corpus screenshots use 40-56 px text: read at the size they were drawn
    return pytesseract.image_to_string(picture, lang="chi_sim+eng")


def _pages(data: bytes, kind: str) -> list[Image.Image]:
    if kind == "image":
        with Image.open(io.BytesIO(data)) as picture:
            return [picture.convert("RGB")]
    document = pdfium.PdfDocument(data)
    try:
        pages = []
        for page in document:
            bitmap = page.render(scale=2)
            pages.append(bitmap.to_pil().convert("RGB"))
            bitmap.close()
            page.close()
        return pages
    finally:
        document.close()


@pytest.mark.parametrize("name", GOOD)
def test_no_planted_value_survives_in_the_pooled_bytes(
    name: str, pooled: Callable[[str], tuple[Evidence, bytes]]
) -> None:
    item, data = pooled(name)
    entry = PLANTED[name]
    haystacks = [data]
    if entry["kind"] == "pdf":
        haystacks.extend(_pdf_streams(data))
    if entry["kind"] in ("csv", "text"):
        haystacks.append(_squash(data.decode("utf-8-sig")).encode())
    for value in entry["planted"]:
        for needle in _variants(value):
            assert not any(needle in hay for hay in haystacks), f"{value!r} survived in {name}"
        if entry["kind"] in ("csv", "text"):
            assert _squash(value).encode() not in haystacks[-1], f"{value!r} survived in {name}"
    assert item.removed, "what was removed is recorded"


@pytest.mark.parametrize("name", [n for n in GOOD if PLANTED[n]["kind"] == "image"])
def test_pooled_pictures_carry_no_metadata(
    name: str, pooled: Callable[[str], tuple[Evidence, bytes]]
) -> None:
    _item, data = pooled(name)
    with Image.open(io.BytesIO(data)) as picture:
        assert not picture.getexif()
        assert set(picture.info) <= {"dpi", "jfif", "jfif_version", "jfif_unit", "jfif_density"}
        assert picture.format in ("PNG", "JPEG")
    if name == "photo_exif_gps.jpg":  # the EXIF orientation was applied to the pixels
        with Image.open(io.BytesIO(data)) as picture:
            assert picture.size == (600, 800)


def test_the_pooled_pdf_is_pictures_only(pooled: Callable[[str], tuple[Evidence, bytes]]) -> None:
    _item, data = pooled("statement.pdf")
    with pikepdf.open(io.BytesIO(data)) as document:
        assert not document.docinfo.keys() - {"/Producer"} or not len(document.docinfo)
        assert "/Metadata" not in document.Root
        for key in ("/Names", "/OpenAction", "/AA", "/AcroForm"):
            assert key not in document.Root
        for page in document.pages:
            assert "/Annots" not in page
    assert data.count(b"%%EOF") == 1  # no earlier revision to cut back to
    document = pdfium.PdfDocument(data)
    try:
        for page in document:
            text_page = page.get_textpage()
            assert text_page.get_text_range().strip() == ""
            text_page.close()
            page.close()
    finally:
        document.close()


@pytest.mark.parametrize(
    "name", [n for n in GOOD if PLANTED[n]["kind"] in ("image", "pdf") and n != "polyglot.png"]
)
def test_ocr_of_the_pooled_pages_finds_no_planted_value_but_the_visible_content(
    name: str, pooled: Callable[[str], tuple[Evidence, bytes]]
) -> None:
    _item, data = pooled(name)
    entry = PLANTED[name]
    read = _squash("\n".join(_ocr(page) for page in _pages(data, entry["kind"])))
    for value in entry["planted"]:
        assert _squash(value) not in read, f"OCR still reads {value!r} in {name}"
    missing = [v for v in entry["visible"] if _squash(v) not in read]
    assert not missing, f"{name}: visible content lost: {missing}"


@pytest.mark.parametrize("name", [n for n in GOOD if PLANTED[n]["kind"] in ("csv", "text")])
def test_tables_and_text_keep_what_is_not_personal(
    name: str, pooled: Callable[[str], tuple[Evidence, bytes]]
) -> None:
    _item, data = pooled(name)
    text = data.decode("utf-8-sig")
    expected = PLANTED[name]["visible"]
    if PLANTED[name]["kind"] == "csv":  # values of account columns are replaced by codes
        parsed = table.read_table((CORPUS / name).read_text(encoding="utf-8-sig"))
        actions = table.suggest_actions(parsed.header)
        hashed = {row[i] for row in parsed.rows for i, a in enumerate(actions) if a != "keep"}
        expected = [v for v in expected if v not in hashed]
    missing = [v for v in expected if v not in text]
    assert not missing, f"{name}: lost {missing}"
