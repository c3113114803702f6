"""Names printed in evidence are proposed on the contributor's preview page: nothing is hidden
until they accept a name (then it is hidden like a word they chose), a rejected name stays, both
decisions survive a reload and a rescan, and the names leave the item when it is pooled. Driven
through the pages as a browser without script would (the section has no script)."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from extensions import db
from models import Company, Complaint, Evidence, EvidenceStatus, GroupCase, User
from services.anonymize.boxes import Box
from services.cases import membership as group_cases
from tests.support.font_screenshots import covered
from tests.support.forms import csrf_token, logged_in, upload_evidence
from tests.support.web import EN

LETTER = (
    "投诉书\n投诉人：陈晓梅\n被投诉人：钱包宝\n事由：账户被冻结，余额1999元无法提现。\n"
    "承办律师：赵丽华\nSigned: Daniel Brooks\n"
)
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

#: the database plays no part in what is proposed or hidden
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def case(
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> GroupCase:
    wallet = make_company("walletpro", "WalletPro", "钱包宝")
    owner = make_user(email="owner@example.org", display_name="张伟明", locale="en")
    other = make_user(email="other@example.org", display_name="李四", locale="en")
    complaint = make_complaint(owner, wallet, "钱包宝冻结了我的余额。")
    found = group_cases.start_case(db.session, owner, complaint, title="钱包宝冻结", summary="")
    db.session.flush()
    group_cases.join_case(db.session, other, found, make_complaint(other, wallet, "余额被冻结。"))
    db.session.commit()
    return found


def _upload(client: FlaskClient, case: GroupCase, name: str, data: bytes) -> str:
    response = upload_evidence(client, case.public_id, name, data)
    assert response.status_code == 201, response.get_data(as_text=True)
    public_id: str = response.get_json()["id"]
    assert _item(public_id).status is EvidenceStatus.PREVIEW, _item(public_id).error
    return public_id


def _item(public_id: str) -> Evidence:
    db.session.expire_all()
    item = db.session.scalar(select(Evidence).where(Evidence.public_id == public_id))
    assert item is not None
    return item


def _proposals(page: str) -> dict[str, tuple[str, int]]:
    """Each proposed name on the page: its state as shown and its place in the list."""
    found = {}
    pattern = re.compile(
        r'<span class="name-text">(.*?)</span>\s*<span class="name-state [^"]*">(.*?)</span>.*?'
        r'name="index" value="(\d+)"',
        re.S,
    )
    for name, state, index in pattern.findall(page):
        found[html.unescape(name)] = (state, int(index))
    return found


def _decide(client: FlaskClient, public_id: str, name: str, decision: str) -> str:
    page = client.get(f"/evidence/{public_id}", headers=EN).get_data(as_text=True)
    _state, index = _proposals(page)[name]
    response = client.post(
        f"/evidence/{public_id}/names",
        data={"csrf_token": csrf_token(page), "index": index, "decision": decision},
        headers=EN,
    )
    assert response.status_code == 302
    return client.get(response.headers["Location"], headers=EN).get_data(as_text=True)


def _text(client: FlaskClient, public_id: str) -> str:
    response = client.get(f"/evidence/{public_id}/file")
    text = response.get_data(as_text=True)
    response.close()
    return text


def test_names_are_proposed_hidden_only_when_accepted_and_kept_when_rejected(
    app: Flask, case: GroupCase
) -> None:
    client = logged_in(app, "owner@example.org")
    public_id = _upload(client, case, "letter.txt", LETTER.encode())

    page = client.get(f"/evidence/{public_id}", headers=EN).get_data(as_text=True)
    assert "Names found" in page
    assert {n: s for n, (s, _) in _proposals(page).items()} == {
        "陈晓梅": "Proposed",
        "赵丽华": "Proposed",
        "Daniel Brooks": "Proposed",
    }
    pooled_text = _text(client, public_id)
    assert "陈晓梅" in pooled_text  # nothing hidden yet
    assert "赵丽华" in pooled_text

    page = _decide(client, public_id, "陈晓梅", "accept")
    assert "The name will be hidden" in page
    assert "陈晓梅" not in _text(client, public_id)
    assert "投诉人：[REDACTED]" in _text(client, public_id)

    page = _decide(client, public_id, "赵丽华", "reject")
    assert "The name stays visible." in page
    assert "赵丽华" in _text(client, public_id)

    reloaded = client.get(f"/evidence/{public_id}", headers=EN).get_data(as_text=True)
    assert {n: s for n, (s, _) in _proposals(reloaded).items()} == {
        "陈晓梅": "Hidden",
        "赵丽华": "Kept visible",
        "Daniel Brooks": "Proposed",
    }

    # changing one's mind: the accepted name is shown again, after a rescan
    _decide(client, public_id, "陈晓梅", "reject")
    assert "投诉人：陈晓梅" in _text(client, public_id)
    _decide(client, public_id, "陈晓梅", "accept")

    # a rescan with new words keeps every decision
    page = client.get(f"/evidence/{public_id}", headers=EN).get_data(as_text=True)
    client.post(
        f"/evidence/{public_id}/words",
        data={"csrf_token": csrf_token(page), "words": "钱包宝"},
        headers=EN,
    )
    states = _proposals(client.get(f"/evidence/{public_id}", headers=EN).get_data(as_text=True))
    assert {n: s for n, (s, _) in states.items()}["陈晓梅"] == "Hidden"
    assert {n: s for n, (s, _) in states.items()}["赵丽华"] == "Kept visible"

    # pooled: the text as chosen; the names proposed are no longer held anywhere
    page = client.get(f"/evidence/{public_id}", headers=EN).get_data(as_text=True)
    response = client.post(
        f"/evidence/{public_id}/confirm", data={"csrf_token": csrf_token(page)}, headers=EN
    )
    assert response.status_code == 302
    item = _item(public_id)
    assert item.status is EvidenceStatus.POOLED
    assert "names" not in item.options
    member = logged_in(app, "other@example.org")
    shared = _text(member, public_id)
    assert "陈晓梅" not in shared
    assert "赵丽华" in shared
    assert "Names found" not in member.get(f"/evidence/{public_id}", headers=EN).get_data(
        as_text=True
    )


def test_an_accepted_name_in_a_picture_is_blacked_out(app: Flask, case: GroupCase) -> None:
    image = Image.new("RGB", (1080, 736), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 44, index=2)
    draw.text((60, 80), "投诉书", font=font, fill="black")
    draw.text((60, 200), "投诉人：", font=font, fill="black")
    left = 60 + font.getlength("投诉人：")
    draw.text((left, 200), "陈晓梅", font=font, fill="black")
    x0, y0, x1, y1 = draw.textbbox((left, 200), "陈晓梅", font=font)
    rect = (int(x0), int(y0), int(x1), int(y1))
    draw.text((60, 320), "金额 1,999.00 元", font=font, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")

    client = logged_in(app, "owner@example.org")
    public_id = _upload(client, case, "letter.png", buffer.getvalue())
    page = client.get(f"/evidence/{public_id}", headers=EN).get_data(as_text=True)
    assert _proposals(page)["陈晓梅"][0] == "Proposed"

    def boxes() -> list[Box]:
        return [Box.from_dict(b) for b in _item(public_id).options["boxes"]["0"]]

    assert covered(boxes(), rect) < 0.5  # proposed only: not blacked out
    _decide(client, public_id, "陈晓梅", "accept")
    assert covered(boxes(), rect) >= 0.95
    assert (
        _proposals(client.get(f"/evidence/{public_id}", headers=EN).get_data(as_text=True))[
            "陈晓梅"
        ][0]
        == "Hidden"
    )


def test_unreadable_choices_and_other_peoples_items_are_refused(
    app: Flask, case: GroupCase
) -> None:
    owner = logged_in(app, "owner@example.org")
    public_id = _upload(owner, case, "letter.txt", LETTER.encode())
    page = owner.get(f"/evidence/{public_id}", headers=EN).get_data(as_text=True)
    token = csrf_token(page)
    for data in ({"index": "0", "decision": "maybe"}, {"index": "x", "decision": "accept"}, {}):
        response = owner.post(
            f"/evidence/{public_id}/names", data={"csrf_token": token, **data}, headers=EN
        )
        assert response.status_code == 400
        assert "This choice could not be read" in response.get_data(as_text=True)
    response = owner.post(
        f"/evidence/{public_id}/names",
        data={"csrf_token": token, "index": "99", "decision": "accept"},
        headers=EN,
    )
    assert "This name is no longer proposed" in owner.get(
        response.headers["Location"], headers=EN
    ).get_data(as_text=True)

    other = logged_in(app, "other@example.org")
    other_page = other.get(f"/cases/{case.public_id}/evidence", headers=EN).get_data(as_text=True)
    response = other.post(
        f"/evidence/{public_id}/names",
        data={"csrf_token": csrf_token(other_page), "index": "0", "decision": "accept"},
        headers=EN,
    )
    assert response.status_code == 404
    assert all(e["state"] == "proposed" for e in _item(public_id).options["names"])
