"""Uploads as a contributor meets them: a file too big for the memory ceiling fails with a
message and pools nothing, the web process does not grow however large the pictures, an
iPhone's HEIC comes back as a JPEG, "What was removed" names the hidden data a photo carried,
a refused upload without the page's script answers 4xx with the form, and an item left
unconfirmed when the case was submitted says why and can be deleted."""

from __future__ import annotations

import gc
import io
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from extensions import db
from models import (
    CaseStatus,
    Company,
    Complaint,
    Evidence,
    EvidenceStatus,
    FileRole,
    GroupCase,
    User,
)
from services.cases import membership as group_cases
from services.evidence.files import current_storage
from tests.support.forms import csrf_token, logged_in, submit, upload_evidence
from tests.support.stored import stored_objects
from tests.support.web import EN

DATA = Path(__file__).parents[1] / "data"
NARRATIVE = "WalletPro froze my balance after a top-up and support never answers my tickets."
OUT_OF_MEMORY = "needs more memory to anonymize than the server allows"


@pytest.fixture
def case(
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> GroupCase:
    wallet = make_company("walletpro", "WalletPro", "钱包宝")
    organizer = make_user(email="org@example.org", display_name="张伟明", locale="en")
    member = make_user(email="member@example.org", display_name="李四", locale="en")
    started = group_cases.start_case(
        db.session,
        organizer,
        make_complaint(organizer, wallet, NARRATIVE),
        title="WalletPro freezes balances",
        summary="",
    )
    db.session.flush()
    group_cases.join_case(db.session, member, started, make_complaint(member, wallet, NARRATIVE))
    db.session.commit()
    return started


@pytest.fixture
def member(app: Flask, case: GroupCase) -> FlaskClient:  # noqa: ARG001 - the case must exist
    return logged_in(app, "member@example.org")


def _item(public_id: str) -> Evidence:
    db.session.expire_all()
    return db.session.scalar(select(Evidence).where(Evidence.public_id == public_id))


def _forty_megapixels() -> bytes:
    """An 8000 x 5000 PNG: a long screenshot's worth of pixels, mostly flat, as quick to read as
    a real one (a page strewn with thousands of specks keeps OCR busy for half a minute)."""
    picture = Image.new("RGB", (8000, 5000), "white")
    draw = ImageDraw.Draw(picture)
    rng = random.Random(7)
    for _ in range(150):
        x, y = rng.randrange(8000), rng.randrange(5000)
        draw.rectangle((x, y, x + rng.randrange(4, 60), y + rng.randrange(4, 30)), fill="#336")
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def _resident_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


# --- the memory ceiling -----------------------------------------------------------------------


def test_a_job_over_the_memory_ceiling_fails_with_a_message_and_pools_nothing(
    app: Flask, case: GroupCase, member: FlaskClient
) -> None:
    # the check passes under 700 MB; reading the screenshot with RapidOCR maps 1.4 GB
    app.config.update(EVIDENCE_JOB_MEMORY_BYTES=700 * 1024 * 1024, OCR_ENGINE="rapidocr")
    shot = (DATA / "evidence" / "screenshot_zh.png").read_bytes()
    body = upload_evidence(member, case.public_id, "shot.png", shot).get_json()

    item = _item(body["id"])
    assert item.status is EvidenceStatus.FAILED
    assert OUT_OF_MEMORY in (item.error or "")
    assert item.sha256 is None  # no anonymized bytes: nothing to preview, nothing to pool
    assert {f.role for f in item.files} == {FileRole.ORIGINAL}
    page = member.get(body["url"], headers=EN).get_data(as_text=True)
    assert OUT_OF_MEMORY in page
    refused = submit(member, body["url"], f"/evidence/{body['id']}/confirm", headers=EN)
    assert refused.status_code in (302, 303, 422)
    assert _item(body["id"]).status is EvidenceStatus.FAILED


def test_the_failure_is_told_in_the_contributors_language(
    app: Flask, case: GroupCase, member: FlaskClient
) -> None:
    app.config.update(EVIDENCE_JOB_MEMORY_BYTES=700 * 1024 * 1024, OCR_ENGINE="rapidocr")
    shot = (DATA / "evidence" / "screenshot_zh.png").read_bytes()
    body = upload_evidence(member, case.public_id, "shot.png", shot).get_json()
    user = db.session.scalar(select(User).where(User.email == "member@example.org"))
    user.locale = "zh"
    db.session.commit()
    page = member.get(body["url"]).get_data(as_text=True)
    assert "内存超过了服务器对单个文件的上限" in page


def test_a_picture_too_big_for_the_ceiling_is_refused_at_once_leaving_nothing(
    app: Flask, case: GroupCase, member: FlaskClient
) -> None:
    app.config["EVIDENCE_JOB_MEMORY_BYTES"] = 200 * 1024 * 1024
    response = upload_evidence(member, case.public_id, "long.png", _forty_megapixels())
    assert response.status_code == 422
    assert OUT_OF_MEMORY in response.get_json()["error"]
    assert db.session.scalar(select(func.count(Evidence.id))) == 0
    with app.app_context():
        assert stored_objects(current_storage()) == {}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_web_process_stays_flat_across_large_uploads(
    app: Flask, case: GroupCase, member: FlaskClient
) -> None:
    # the whole picture is decoded (in the child); reading a reduced copy keeps the test quick
    app.config.update(OCR_ENGINE="tesseract", EVIDENCE_WORK_PIXELS=1_000_000)
    picture = _forty_megapixels()
    assert len(picture) < 1024 * 1024
    first = upload_evidence(member, case.public_id, "long-0.png", picture).get_json()
    assert _item(first["id"]).status is EvidenceStatus.PREVIEW  # warmed up: caches, pools
    gc.collect()
    before = _resident_kib()
    for number in range(1, 5):  # bench/evidence_memory.py does 50
        body = upload_evidence(member, case.public_id, f"long-{number}.png", picture).get_json()
        assert _item(body["id"]).status is EvidenceStatus.PREVIEW
        submit(member, body["url"], f"/evidence/{body['id']}/discard", headers=EN)
    gc.collect()
    grown = _resident_kib() - before
    # decoding one such picture in this process took 240 MB and kept most of it
    assert grown < 40 * 1024, f"the web process grew by {grown} KiB over 4 uploads"


# --- HEIC, photos and what was removed --------------------------------------------------------


def test_an_iphone_heic_is_previewed_as_a_jpeg_with_its_hidden_data_counted(
    app: Flask, case: GroupCase, member: FlaskClient
) -> None:
    app.config.update(OCR_ENGINE="tesseract", EVIDENCE_WORK_PIXELS=2_000_000)
    heic = (DATA / "real" / "iphone_arrow.heic").read_bytes()
    body = upload_evidence(member, case.public_id, "IMG_0001.HEIC", heic).get_json()
    item = _item(body["id"])
    assert item.status is EvidenceStatus.PREVIEW
    assert item.media_type == "image/jpeg"
    assert item.display_name == "IMG_0001.jpg"
    assert {"CAMERA", "THUMBNAIL", "DATES"} <= item.removed.keys()
    served = member.get(f"/evidence/{body['id']}/file")
    assert b"iPhone" not in served.data
    assert b"Exif" not in served.data
    with Image.open(io.BytesIO(served.data)) as pooled:
        assert pooled.format == "JPEG"
        assert pooled.height > pooled.width  # upright, as the phone showed it
    served.close()
    page = member.get(body["url"], headers=EN).get_data(as_text=True)
    assert "hidden camera details (make, model, serial number)" in page
    assert "hidden thumbnail" in page  # one or more, in the count's plural form


def test_what_was_removed_lists_the_location_of_a_gps_photo(
    app: Flask, case: GroupCase, member: FlaskClient
) -> None:
    app.config["OCR_ENGINE"] = "tesseract"
    photo = (DATA / "evidence" / "photo_exif_gps.jpg").read_bytes()
    body = upload_evidence(member, case.public_id, "photo.jpg", photo).get_json()
    item = _item(body["id"])
    assert item.removed["LOCATION"] >= 1
    assert item.removed["CAMERA"] == 3
    page = member.get(body["url"], headers=EN).get_data(as_text=True)
    assert "hidden locations (GPS)" in page
    assert "39.9042" not in page  # counts, never values
    assert "PlantedCam" not in page
    submit(member, body["url"], f"/evidence/{body['id']}/confirm", headers=EN)
    pool = member.get(f"/cases/{case.public_id}/evidence", headers=EN).get_data(as_text=True)
    assert "hidden locations (GPS)" in pool


# --- refusals without the page's script -----------------------------------------------------


def _post_form(client: FlaskClient, case: GroupCase, files: list[tuple[bytes, str]]):
    page = client.get(f"/cases/{case.public_id}/evidence", headers=EN)
    return client.post(
        f"/cases/{case.public_id}/evidence",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "words": "王小明",
            "files": [(io.BytesIO(data), name) for data, name in files],
        },
        headers=EN,
        content_type="multipart/form-data",
    )


def test_a_refused_upload_without_script_answers_422_with_the_form_and_the_message(
    case: GroupCase, member: FlaskClient
) -> None:
    response = _post_form(member, case, [(b"\x7fELF\x02\x01\x01", "tool.png")])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="files-error"' in html
    assert "This type of file is not accepted" in html
    assert 'id="upload-form"' in html
    assert "王小明" in html  # the words typed are kept


def test_several_refused_files_without_script_answer_4xx_with_each_reason(
    case: GroupCase, member: FlaskClient
) -> None:
    response = _post_form(member, case, [(b"\x7fELF\x02", "a.png"), (b"", "b.txt")])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "a.png: This type of file is not accepted" in html
    assert "b.txt: " in html


def test_an_upload_form_without_a_file_answers_422(case: GroupCase, member: FlaskClient) -> None:
    response = _post_form(member, case, [])
    assert response.status_code == 422
    assert "Choose at least one file to upload." in response.get_data(as_text=True)


# --- an item left behind by the submission ----------------------------------------------------


def test_an_unconfirmed_item_of_a_submitted_case_says_why_and_can_be_deleted(
    app: Flask, case: GroupCase, member: FlaskClient
) -> None:
    app.config["OCR_ENGINE"] = "tesseract"
    text = "转账记录 2026-10-01 退款未到账".encode()
    body = upload_evidence(member, case.public_id, "notes.txt", text).get_json()
    assert _item(body["id"]).status is EvidenceStatus.PREVIEW
    case.status = CaseStatus.SUBMITTED
    db.session.commit()

    page = member.get(body["url"], headers=EN).get_data(as_text=True)
    assert "This file can no longer join the pool" in page
    assert "The case was submitted to the authority before you added this file" in page
    assert "Add to the pool" not in page
    assert f'action="/evidence/{body["id"]}/discard"' in page
    deleted = submit(member, body["url"], f"/evidence/{body['id']}/discard", headers=EN)
    assert deleted.status_code in (302, 303)
    assert _item(body["id"]) is None
