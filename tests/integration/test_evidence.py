"""Contributing evidence through the pages: upload, preview, confirm, the pool, who sees what.

The anonymization itself is proved against the planted corpus in test_evidence_corpus.py; here
the flow around it: refused uploads leave nothing behind, previews are private, originals go on
confirmation, files are served only to those allowed and never as a page.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from extensions import db
from models import (
    Authority,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Company,
    Complaint,
    Evidence,
    EvidenceStatus,
    GroupCase,
    Submission,
    User,
    UserRole,
)
from services.cases import membership as group_cases
from services.evidence.files import current_storage
from services.petition import drafting
from tests.support.forms import csrf_token, logged_in, submit, upload_evidence
from tests.support.stored import stored_objects
from tests.support.web import EN, assert_redirects, is_redirect

CORPUS = Path(__file__).parents[1] / "data" / "evidence"
JSON = {"Accept": "application/json"}
NARRATIVE = "WalletPro froze my balance after a top-up and support never answers my tickets."


@pytest.fixture
def wallet(make_company: Callable[..., Company]) -> Company:
    return make_company("walletpro", "WalletPro", "钱包宝")


@pytest.fixture
def people(
    make_user: Callable[..., User], make_complaint: Callable[..., Complaint], wallet: Company
) -> dict[str, User]:
    """An organizer and a member of one case, and an outsider with no case."""
    organizer = make_user(email="org@example.org", display_name="张伟明", locale="en")
    member = make_user(email="member@example.org", display_name="李四", locale="en")
    outsider = make_user(email="out@example.org", display_name="王五", locale="en")
    case = group_cases.start_case(
        db.session,
        organizer,
        make_complaint(organizer, wallet, NARRATIVE),
        title="WalletPro freezes balances",
        summary="",
    )
    db.session.flush()
    group_cases.join_case(db.session, member, case, make_complaint(member, wallet, NARRATIVE))
    db.session.commit()
    return {"organizer": organizer, "member": member, "outsider": outsider}


@pytest.fixture
def case(people: dict[str, User]) -> GroupCase:  # noqa: ARG001 - needed for its side effect
    return db.session.scalar(select(GroupCase))


def _upload(
    client: FlaskClient,
    case: GroupCase,
    name: str,
    data: bytes,
    *,
    words: str = "",
    headers: dict[str, str] | None = None,
):
    return upload_evidence(client, case.public_id, name, data, words=words, headers=headers)


def _stored_files(app: Flask) -> dict[str, bytes]:
    with app.app_context():
        return stored_objects(current_storage())


def _png(color: str = "white", size: tuple[int, int] = (400, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def _item(public_id: str) -> Evidence:
    db.session.expire_all()
    return db.session.scalar(select(Evidence).where(Evidence.public_id == public_id))


# --- refused uploads -------------------------------------------------------------------------


BAD_FILES = [
    ("corrupt.png", "could not"),
    ("bomb.png", "too large"),
    ("polyglot.gif", "not accepted"),
    ("unknown.bin", "not accepted"),
    ("html_as.png", "not accepted"),
    ("empty.txt", "empty"),
]


@pytest.mark.parametrize(("name", "message"), BAD_FILES)
def test_bad_files_are_refused_with_a_message_and_leave_nothing(
    app: Flask, case: GroupCase, people: dict[str, User], name: str, message: str
) -> None:
    client = logged_in(app, people["member"].email)
    response = _upload(client, case, name, (CORPUS / name).read_bytes())
    assert response.status_code == 422
    assert message in response.get_json()["error"].lower()
    assert db.session.scalar(select(func.count(Evidence.id))) == 0
    assert _stored_files(app) == {}


def test_refusals_speak_the_users_language(
    app: Flask, case: GroupCase, people: dict[str, User]
) -> None:
    people["member"].locale = "zh"
    db.session.commit()
    client = logged_in(app, people["member"].email)
    response = _upload(client, case, "x.png", (CORPUS / "html_as.png").read_bytes())
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "PNG" in error
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error)


# the test client sends a backslash unescaped and the parser drops it: two arrive as one
@pytest.mark.parametrize("name", ["../escape.png", "dir/shot.png", "a\\\\b.png", "bell\x07.png"])
def test_names_with_separators_or_control_characters_are_refused(
    app: Flask, case: GroupCase, people: dict[str, User], name: str
) -> None:
    client = logged_in(app, people["member"].email)
    response = _upload(client, case, name, _png())
    assert response.status_code == 422
    assert "name" in response.get_json()["error"].lower()
    assert _stored_files(app) == {}


def test_a_file_over_the_limit_is_refused_with_413(
    app: Flask, case: GroupCase, people: dict[str, User]
) -> None:
    app.config["EVIDENCE_MAX_FILE_BYTES"] = 10_000
    client = logged_in(app, people["member"].email)
    response = _upload(client, case, "big.png", _png(size=(1200, 1200)) + b"\0" * 20_000)
    assert response.status_code == 413
    assert "larger than" in response.get_json()["error"]
    assert _stored_files(app) == {}


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_a_request_over_the_server_limit_gets_413_with_the_limit_and_the_way_back(
    app: Flask, case: GroupCase, people: dict[str, User], accept: str
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 5_000
    client = logged_in(app, people["member"].email)
    page = client.get(f"/cases/{case.public_id}/evidence", headers=EN)
    response = client.post(
        f"/cases/{case.public_id}/evidence",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "files": (io.BytesIO(b"x" * 10_000), "a.txt"),
        },
        headers={**EN, "Accept": accept},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    if accept == "application/json":
        assert "larger than 20 MB" in response.get_json()["error"]
        return
    body = response.get_data(as_text=True)
    assert "larger than 20 MB" in body
    assert f'href="/cases/{case.public_id}/evidence"' in body
    assert _stored_files(app) == {}


def test_the_allowance_per_member_and_case_is_enforced(
    app: Flask, case: GroupCase, people: dict[str, User]
) -> None:
    first = _png("white")
    app.config["EVIDENCE_MAX_MEMBER_CASE_BYTES"] = len(first) + 100
    client = logged_in(app, people["member"].email)
    assert _upload(client, case, "one.png", first).status_code == 201
    response = _upload(client, case, "two.png", _png("red"))
    assert response.status_code == 413
    assert "up to" in response.get_json()["error"]
    assert db.session.scalar(select(func.count(Evidence.id))) == 1


def test_only_members_can_upload(app: Flask, case: GroupCase, people: dict[str, User]) -> None:
    outsider = logged_in(app, people["outsider"].email)
    page = outsider.get(f"/cases/{case.public_id}/evidence", headers=EN)
    assert page.status_code == 403
    assert "Only members of this case can see its evidence." in page.get_data(as_text=True)
    response = _upload(outsider, case, "shot.png", _png())
    assert response.status_code in (400, 403)  # no form to take a token from: refused either way
    assert db.session.scalar(select(func.count(Evidence.id))) == 0
    anonymous = app.test_client()
    response = anonymous.post(f"/cases/{case.public_id}/evidence", headers=EN)
    assert is_redirect(response.status_code) or response.status_code == 400


def test_a_submitted_case_takes_no_new_evidence(
    app: Flask, case: GroupCase, people: dict[str, User]
) -> None:
    client = logged_in(app, people["member"].email)
    case.status = CaseStatus.SUBMITTED
    db.session.commit()
    response = _upload(client, case, "shot.png", _png())
    assert response.status_code == 422
    assert "submitted" in response.get_json()["error"]
    assert _stored_files(app) == {}


# --- preview, confirm, discard, withdraw -----------------------------------------------------


def test_text_preview_is_private_until_confirmed_then_the_original_is_gone(
    app: Flask, case: GroupCase, people: dict[str, User]
) -> None:
    author = logged_in(app, people["organizer"].email)
    other = logged_in(app, people["member"].email)
    text = "我是张伟明，手机 13812345678，退款被拒。Refund of 199.00 refused.".encode()
    response = _upload(author, case, "我的说明 13812345678.txt", text, words="退款被拒")
    assert response.status_code == 201
    body = response.get_json()
    item = _item(body["id"])
    assert item.status is EvidenceStatus.PREVIEW
    assert item.removed == {"NAME_OR_TERM": 2, "PHONE": 1}
    assert item.display_name == "我的说明 [PHONE].txt"

    page = author.get(body["url"], headers=EN).get_data(as_text=True)
    assert "Check before anyone else sees it" in page
    assert "[REDACTED]，手机 [PHONE]，[REDACTED]。Refund of 199.00 refused." in page
    pooled = author.get(f"/evidence/{item.public_id}/file")
    assert (
        pooled.get_data()
        == "我是[REDACTED]，手机 [PHONE]，[REDACTED]。Refund of 199.00 refused.".encode()
    )
    pooled.close()

    # nobody else sees a preview, not even that it exists
    assert other.get(body["url"]).status_code == 404
    assert other.get(f"/evidence/{item.public_id}/file").status_code == 404
    assert "我的说明" not in other.get(f"/cases/{case.public_id}/evidence").get_data(as_text=True)
    files_before = len(_stored_files(app))

    response = submit(author, body["url"], f"/evidence/{item.public_id}/confirm", headers=EN)
    assert_redirects(response)
    item = _item(body["id"])
    assert item.status is EvidenceStatus.POOLED
    assert item.files == []  # original and the words to remove: deleted
    assert len(_stored_files(app)) == files_before - 2
    assert text not in b"".join(_stored_files(app).values())
    event = db.session.scalar(
        select(CaseEvent).where(CaseEvent.kind == CaseEventKind.EVIDENCE_POOLED)
    )
    assert event.actor_pseudonym == item.contributor_pseudonym

    pool = other.get(f"/cases/{case.public_id}/evidence", headers=EN).get_data(as_text=True)
    assert "我的说明 [PHONE].txt" in pool
    assert "<li>1 phone number</li>" in pool  # one, in the singular
    download = other.get(f"/evidence/{item.public_id}/file")
    assert download.status_code == 200
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" in download.headers["Content-Disposition"]
    assert "sandbox" in download.headers["Content-Security-Policy"]
    download.close()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("statement.txt", b"Refund of 199.00 refused."),
        ("export.csv", (CORPUS / "account_export.csv").read_bytes()),
    ],
    ids=["text", "csv"],
)
def test_an_item_being_scanned_again_shows_its_progress_not_its_old_bytes(
    app: Flask, case: GroupCase, people: dict[str, User], name: str, data: bytes
) -> None:
    """A rescan's job stores the new bytes and deletes the old ones when it commits; a page
    that loaded the row just before that commit still names the old key. Its content is not
    shown while scanning, so it must not be read either (it was a 500)."""
    author = logged_in(app, people["organizer"].email)
    body = _upload(author, case, name, data).get_json()
    item = _item(body["id"])
    assert item.sha256 is not None
    current_storage().delete(item.sha256)  # the job's replacement committed, the old bytes gone
    item.status = EvidenceStatus.PROCESSING  # as this page's snapshot still has it
    db.session.commit()

    page = author.get(body["url"], headers=EN)
    assert page.status_code == 200
    assert "Anonymizing your file" in page.get_data(as_text=True)


def test_discarding_deletes_everything(
    app: Flask, case: GroupCase, people: dict[str, User]
) -> None:
    client = logged_in(app, people["member"].email)
    body = _upload(client, case, "shot.png", _png()).get_json()
    assert _stored_files(app)
    response = submit(client, body["url"], f"/evidence/{body['id']}/discard", headers=EN)
    assert_redirects(response)
    assert _item(body["id"]) is None
    assert _stored_files(app) == {}


def test_abandoned_uploads_are_purged_after_a_day(
    app: Flask, case: GroupCase, people: dict[str, User], runner
) -> None:
    client = logged_in(app, people["member"].email)
    old = _upload(client, case, "old.png", _png("red")).get_json()
    fresh = _upload(client, case, "fresh.png", _png("blue")).get_json()
    item = _item(old["id"])
    item.created_at = item.created_at - timedelta(hours=25)
    db.session.commit()
    result = runner.invoke(args=["evidence", "purge"])
    assert "Deleted 1 abandoned uploads" in result.output
    assert _item(old["id"]) is None
    assert _item(fresh["id"]) is not None


def test_withdrawing_deletes_the_bytes_until_the_case_is_submitted(
    app: Flask, case: GroupCase, people: dict[str, User]
) -> None:
    client = logged_in(app, people["member"].email)
    first = _upload(client, case, "a.png", _png("red")).get_json()
    submit(client, first["url"], f"/evidence/{first['id']}/confirm", headers=EN)
    pooled_key = _item(first["id"]).sha256
    response = submit(client, first["url"], f"/evidence/{first['id']}/withdraw", headers=EN)
    assert_redirects(response)
    item = _item(first["id"])
    assert item.status is EvidenceStatus.WITHDRAWN
    assert pooled_key not in _stored_files(app)
    assert client.get(first["url"]).status_code == 404

    second = _upload(client, case, "b.png", _png("blue")).get_json()
    submit(client, second["url"], f"/evidence/{second['id']}/confirm", headers=EN)
    case.status = CaseStatus.SUBMITTED
    db.session.commit()
    page = client.get(second["url"], headers=EN).get_data(as_text=True)
    assert "Withdraw from the pool" not in page
    token = csrf_token(page)
    response = client.post(
        f"/evidence/{second['id']}/withdraw", data={"csrf_token": token}, headers=EN
    )
    assert_redirects(response)
    assert _item(second["id"]).status is EvidenceStatus.POOLED


def test_identical_files_are_stored_once_and_kept_while_anyone_holds_them(
    app: Flask, case: GroupCase, people: dict[str, User]
) -> None:
    data = _png("green")
    first = logged_in(app, people["organizer"].email)
    second = logged_in(app, people["member"].email)
    one = _upload(first, case, "same.png", data).get_json()
    two = _upload(second, case, "same.png", data).get_json()
    assert _item(one["id"]).sha256 == _item(two["id"]).sha256
    submit(first, one["url"], f"/evidence/{one['id']}/confirm", headers=EN)
    submit(
        second, two["url"], f"/evidence/{two['id']}/discard", headers=EN
    )  # must not take the pooled copy
    pooled = first.get(f"/evidence/{one['id']}/file")
    assert pooled.status_code == 200
    pooled.close()


def test_after_submission_the_receiving_authority_sees_the_pool_and_nobody_else(
    app: Flask, case: GroupCase, people: dict[str, User], make_user: Callable[..., User]
) -> None:
    client = logged_in(app, people["member"].email)
    body = _upload(client, case, "a.png", _png("red")).get_json()
    submit(client, body["url"], f"/evidence/{body['id']}/confirm", headers=EN)
    receiving = Authority(slug="nfra", name_en="NFRA", name_zh="金融监管总局")
    other = Authority(slug="cca", name_en="CCA", name_zh="消协")
    db.session.add_all([receiving, other])
    db.session.flush()
    version_id = _open_version(case)
    db.session.add(Submission(case_id=case.id, version_id=version_id, authority_id=receiving.id))
    case.status = CaseStatus.SUBMITTED
    db.session.commit()
    allowed = make_user(email="reg@example.org", role=UserRole.REGULATOR, authority=receiving)
    refused = make_user(email="reg2@example.org", role=UserRole.REGULATOR, authority=other)
    file_url = f"/evidence/{body['id']}/file"
    response = logged_in(app, allowed.email).get(file_url)
    assert response.status_code == 200
    response.close()
    assert logged_in(app, refused.email).get(file_url).status_code == 404
    assert logged_in(app, people["outsider"].email).get(file_url).status_code == 404
    assert_redirects(app.test_client().get(file_url))  # to the login page


def _open_version(case: GroupCase) -> int:
    organizer = next(m for m in case.memberships if m.organizes)
    text = "We ask for refunds. " * 5
    draft = drafting.DraftInput(
        title="Complaint", authority_id=None, facts=text, demands=text, body_md=text
    )
    return drafting.save_version(db.session, case, organizer, draft).id


# --- the contributor's choices ---------------------------------------------------------------


def test_boxes_drawn_by_the_contributor_are_burned_into_the_pixels(
    app: Flask, case: GroupCase, people: dict[str, User]
) -> None:
    client = logged_in(app, people["member"].email)
    body = _upload(client, case, "plain.png", _png("white")).get_json()
    item = _item(body["id"])
    assert item.removed.get("AREA", 0) == 0
    boxes = {"0": [{"left": 10, "top": 20, "width": 100, "height": 50}]}
    response = submit(
        client,
        body["url"],
        f"/evidence/{body['id']}/boxes",
        {"boxes": json.dumps(boxes)},
        headers=EN,
    )
    assert_redirects(response)
    item = _item(body["id"])
    assert item.status is EvidenceStatus.PREVIEW
    assert item.removed["AREA"] == 1
    pooled = client.get(f"/evidence/{body['id']}/file")
    with Image.open(io.BytesIO(pooled.get_data())) as picture:
        assert picture.getpixel((50, 40)) == (0, 0, 0)
        assert picture.getpixel((300, 200)) == (255, 255, 255)
    pooled.close()
    # the editor's page is the contributor's alone, and only before pooling
    work = client.get(f"/evidence/{body['id']}/work/0")
    assert work.status_code == 200
    work.close()
    organizer = logged_in(app, people["organizer"].email)
    assert organizer.get(f"/evidence/{body['id']}/work/0").status_code == 404


@pytest.mark.parametrize(
    "boxes",
    [
        '{"0": [{"left": 1}]}',
        '{"7": []}',
        "[1, 2]",
        "not json",
        '{"0": [{"left": 1, "top": 1, "width": -5, "height": 3}]}',
    ],
)
def test_malformed_boxes_are_refused_without_losing_the_preview(
    app: Flask, case: GroupCase, people: dict[str, User], boxes: str
) -> None:
    client = logged_in(app, people["member"].email)
    body = _upload(client, case, "plain.png", _png()).get_json()
    key = _item(body["id"]).sha256
    response = submit(
        client,
        body["url"],
        f"/evidence/{body['id']}/boxes",
        {"boxes": boxes},
        follow_redirects=True,
        headers=EN,
    )
    assert response.status_code == 200
    assert "could not be read" in response.get_data(as_text=True)
    item = _item(body["id"])
    assert item.status is EvidenceStatus.PREVIEW
    assert item.sha256 == key


def test_csv_columns_can_be_hashed_or_dropped(
    app: Flask, case: GroupCase, people: dict[str, User]
) -> None:
    client = logged_in(app, people["member"].email)
    data = (CORPUS / "account_export.csv").read_bytes()
    body = _upload(client, case, "export.csv", data).get_json()
    item = _item(body["id"])
    header = item.options["header"]
    assert item.options["columns"][header.index("对方账户")] == "hash"
    pooled = client.get(f"/evidence/{body['id']}/file")
    text = pooled.get_data().decode("utf-8-sig")
    pooled.close()
    assert "2088123412341234" not in text
    assert "h:" in text
    choices = {f"column-{n}": a for n, a in enumerate(item.options["columns"])}
    choices[f"column-{header.index('备注')}"] = "drop"
    submit(client, body["url"], f"/evidence/{body['id']}/columns", choices, headers=EN)
    item = _item(body["id"])
    assert item.removed.get("COLUMN_DROPPED") == 1
    pooled = client.get(f"/evidence/{body['id']}/file")
    assert "备注" not in pooled.get_data().decode("utf-8-sig")
    pooled.close()


def test_job_progress_is_reported_to_its_owner_only(
    app: Flask, case: GroupCase, people: dict[str, User]
) -> None:
    client = logged_in(app, people["member"].email)
    body = _upload(client, case, "a.png", _png()).get_json()
    status = client.get(body["job"]).get_json()
    assert status["status"] == "done"
    assert status["progress"] == 100
    assert logged_in(app, people["organizer"].email).get(body["job"]).status_code == 404


def test_plain_form_upload_without_javascript(
    app: Flask, case: GroupCase, people: dict[str, User]
) -> None:
    client = logged_in(app, people["member"].email)
    page = client.get(f"/cases/{case.public_id}/evidence", headers=EN)
    response = client.post(
        f"/cases/{case.public_id}/evidence",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "files": [(io.BytesIO(_png("red")), "a.png"), (io.BytesIO(b"\x7fELF\x02"), "b.png")],
        },
        headers=EN,
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "b.png: This type of file is not accepted" in html
    assert "a.png" in html  # waiting for a check, listed for its contributor
    assert db.session.scalar(select(func.count(Evidence.id))) == 1


def test_leaving_the_case_deletes_unconfirmed_uploads_and_keeps_pooled_ones(
    app: Flask, case: GroupCase, people: dict[str, User]
) -> None:
    client = logged_in(app, people["member"].email)
    kept = _upload(client, case, "kept.png", _png("red")).get_json()
    submit(client, kept["url"], f"/evidence/{kept['id']}/confirm", headers=EN)
    dropped = _upload(client, case, "dropped.png", _png("blue")).get_json()
    submit(client, f"/cases/{case.public_id}", f"/cases/{case.public_id}/leave", headers=EN)
    assert _item(dropped["id"]) is None
    item = _item(kept["id"])
    assert item.status is EvidenceStatus.POOLED
    assert item.contributor_pseudonym


def test_without_any_ocr_engine_the_contributor_is_told_to_place_boxes(
    app: Flask,
    case: GroupCase,
    people: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # the job's child process finds neither engine: RapidOCR fails to import, no tesseract
    missing = tmp_path / "no-ocr" / "rapidocr_onnxruntime"
    missing.mkdir(parents=True)
    (missing / "__init__.py").write_text('raise ImportError("not installed here")\n')
    monkeypatch.setenv("PYTHONPATH", str(missing.parent))
    monkeypatch.setenv("PATH", str(tmp_path))
    client = logged_in(app, people["member"].email)
    body = _upload(client, case, "shot.png", (CORPUS / "screenshot_zh.png").read_bytes()).get_json()
    item = _item(body["id"])
    assert item.status is EvidenceStatus.PREVIEW
    assert item.options["ocr_unavailable"] is True
    page = client.get(body["url"], headers=EN).get_data(as_text=True)
    assert "draw a box over every name, number and address yourself" in page


def test_an_upload_by_a_non_member_with_a_valid_form_token_gets_403(
    app: Flask, case: GroupCase, people: dict[str, User]
) -> None:
    outsider = logged_in(app, people["outsider"].email)
    token = csrf_token(outsider.get("/account/", headers=EN).get_data(as_text=True))
    response = outsider.post(
        f"/cases/{case.public_id}/evidence",
        data={"csrf_token": token, "files": (io.BytesIO(_png()), "shot.png")},
        headers={**EN, **JSON},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert "Join it first" in response.get_json()["error"]
    assert _stored_files(app) == {}
