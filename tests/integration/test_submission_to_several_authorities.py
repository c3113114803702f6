"""One signed version addressed to several authorities: each gets its own submission, status,
clocks and bundle, sees only its own copy, and the case closes when every copy has closed."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from extensions import db
from models import (
    Authority,
    CaseStatus,
    Company,
    Complaint,
    GroupCase,
    Notification,
    PetitionVersion,
    Submission,
    SubmissionClock,
    SubmissionStatus,
    User,
    UserRole,
)
from services.bundle import job as bundle_job
from services.bundle.bag import COMPLAINT_MD
from services.bundle.verify import verify_bundle
from services.cases import membership as group_cases
from services.evidence.files import current_storage
from services.petition import signing
from services.petition.chain import version_hash
from tests.support.forms import logged_in, submit
from tests.support.petitions import NARRATIVE, sign_by
from tests.support.web import EN


@pytest.fixture
def authorities() -> dict[str, Authority]:
    pboc = Authority(
        slug="pboc",
        name_en="PBOC Consumer Protection",
        name_zh="人民银行消保局",
        min_signatures=3,
        clock_rules="pboc-2020",
    )
    nfra = Authority(
        slug="nfra",
        name_en="NFRA Consumer Protection",
        name_zh="金融监管总局消保局",
        min_signatures=3,
        clock_rules="nfra-2020",
    )
    cca = Authority(slug="cca", name_en="China Consumers Association", name_zh="中国消费者协会")
    db.session.add_all([pboc, nfra, cca])
    db.session.commit()
    return {"pboc": pboc, "nfra": nfra, "cca": cca}


@pytest.fixture
def case(
    app: Flask,  # noqa: ARG001 - needed for its side effect
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> GroupCase:
    """An organizer and three members of one case, nothing drafted yet."""
    wallet = make_company("walletpro", "WalletPro", "钱包宝")
    organizer = make_user(email="org@example.org", display_name="Organizer", locale="en")
    case = group_cases.start_case(
        db.session,
        organizer,
        make_complaint(organizer, wallet, NARRATIVE),
        title="WalletPro froze balances and cards",
        summary="",
    )
    for n in range(3):
        member = make_user(email=f"m{n}@example.org", display_name=f"Member {n}", locale="en")
        group_cases.join_case(db.session, member, case, make_complaint(member, wallet, NARRATIVE))
    db.session.commit()
    return case


def _draft(organizer: FlaskClient, case: GroupCase, **fields: object) -> str:
    page = f"/cases/{case.public_id}/petition/edit"
    data = {
        "title": "Joint complaint",
        "facts": "Balances frozen; cards blocked.",
        "demands": "Unfreeze and refund.",
        "body_md": "We ask both authorities to act.",
        **fields,
    }
    response = submit(organizer, page, data=data, headers=EN, follow_redirects=True)
    assert response.status_code in (200, 422)
    return response.get_data(as_text=True)


def _open_and_sign(organizer: FlaskClient, case: GroupCase, signers: int) -> PetitionVersion:
    petition = f"/cases/{case.public_id}/petition"
    submit(organizer, petition, f"{petition}/versions/1/open", headers=EN)
    db.session.expire_all()
    version = signing.open_version(db.session, case)
    assert version is not None
    sign_by(case, version, sorted(case.memberships, key=lambda m: m.id)[:signers])
    db.session.commit()
    return version


def _regulator(app: Flask, make_user: Callable[..., User], authority: Authority) -> FlaskClient:
    email = f"{authority.slug}@example.org"
    make_user(email=email, role=UserRole.REGULATOR, authority=authority, locale="en")
    return logged_in(app, email)


def _report(client: FlaskClient, case: GroupCase, status: str, **fields: str) -> str:
    page = f"/regulator/cases/{case.public_id}"
    response = submit(
        client,
        page,
        f"{page}/status",
        {"status": status, **fields},
        headers=EN,
        follow_redirects=True,
    )
    return response.get_data(as_text=True)


def test_one_signed_version_goes_to_each_authority_and_each_tracks_its_own(
    app: Flask,
    case: GroupCase,
    authorities: dict[str, Authority],
    make_user: Callable[..., User],
) -> None:
    pboc, nfra = authorities["pboc"], authorities["nfra"]
    organizer = logged_in(app, "org@example.org")
    form = organizer.get(f"/cases/{case.public_id}/petition/edit", headers=EN)
    assert "Also addressed to" in form.get_data(as_text=True)
    _draft(organizer, case, authority=str(pboc.id), also_to=[str(nfra.id)])
    version = _open_and_sign(organizer, case, signers=3)
    assert [a.slug for a in version.addressees] == ["pboc", "nfra"]
    # the signed text names both: the hash covers the second authority too
    assert version.content_sha256 == version_hash(case.public_id, version, "pboc", ["nfra"])
    assert version.content_sha256 != version_hash(case.public_id, version, "pboc")
    petition = organizer.get(f"/cases/{case.public_id}/petition", headers=EN)
    text = petition.get_data(as_text=True)
    assert "Addressed to PBOC Consumer Protection and NFRA Consumer Protection" in text
    assert "each of them sees and tracks only its own copy" in text

    sent = submit(
        organizer,
        f"/cases/{case.public_id}/petition",
        f"/cases/{case.public_id}/petition/submit",
        headers=EN,
        follow_redirects=True,
    )
    assert "Submitted to PBOC Consumer Protection and NFRA Consumer Protection" in sent.get_data(
        as_text=True
    )
    db.session.expire_all()
    copies = db.session.scalars(select(Submission).order_by(Submission.id)).all()
    assert [(c.authority.slug, c.version_id) for c in copies] == [
        ("pboc", version.id),
        ("nfra", version.id),
    ]
    # each copy has its own clocks and its own bundle, which names the other authority
    for copy, other in ((copies[0], "NFRA Consumer Protection"), (copies[1], "PBOC")):
        assert db.session.scalars(
            select(SubmissionClock).where(SubmissionClock.submission_id == copy.id)
        ).all()
        key = bundle_job.bundle_for(copy)
        assert key is not None
        with current_storage().open(key) as stored:
            data = stored.read()
        assert verify_bundle(io.BytesIO(data)).ok
        bag = zipfile.ZipFile(io.BytesIO(data))
        markdown = bag.read(next(n for n in bag.namelist() if n.endswith(COMPLAINT_MD))).decode()
        assert "Also sent to" in markdown
        assert other in markdown
    member = db.session.scalar(select(User).where(User.email == "m2@example.org"))
    told = db.session.scalars(
        select(Notification.data).where(
            Notification.user_id == member.id, Notification.kind == "case_submitted"
        )
    ).all()
    assert sorted(d["authority"] for d in told) == ["nfra", "pboc"]
    inbox = logged_in(app, "m2@example.org").get("/notifications/", headers=EN)
    html = inbox.get_data(as_text=True)
    assert "was submitted to PBOC Consumer Protection" in html
    assert "was submitted to NFRA Consumer Protection" in html

    # each authority sees the case, with its own copy's status
    at_pboc, at_nfra = _regulator(app, make_user, pboc), _regulator(app, make_user, nfra)
    outsider = _regulator(app, make_user, authorities["cca"])
    for client in (at_pboc, at_nfra):
        assert "WalletPro froze balances" in client.get("/regulator/", headers=EN).get_data(
            as_text=True
        )
    assert outsider.get(f"/regulator/cases/{case.public_id}").status_code == 404

    assert "The status was recorded" in _report(
        at_nfra, case, "resolved", outcome="refund", note="Refunded."
    )
    db.session.expire_all()
    assert db.session.get(GroupCase, case.id).status is CaseStatus.SUBMITTED  # PBOC still open
    assert copies[0].status is SubmissionStatus.SUBMITTED
    pboc_page = at_pboc.get(f"/regulator/cases/{case.public_id}", headers=EN)
    assert "Refunded." not in pboc_page.get_data(as_text=True)  # NFRA's copy is NFRA's
    public = logged_in(app, "m0@example.org").get(f"/cases/{case.public_id}", headers=EN)
    page = public.get_data(as_text=True)
    assert page.count('class="stages"') == 2
    assert "PBOC Consumer Protection</h3>" in page
    assert "NFRA Consumer Protection</h3>" in page

    _report(at_pboc, case, "rejected", note="Outside our remit.")
    db.session.expire_all()
    assert db.session.get(GroupCase, case.id).status is CaseStatus.CLOSED
    status_notes = db.session.scalars(
        select(Notification.data).where(
            Notification.user_id == member.id, Notification.kind == "status_changed"
        )
    ).all()
    assert sorted(d["authority"] for d in status_notes) == ["nfra", "pboc"]


def test_every_authority_needs_its_own_number_of_signatures(
    app: Flask, case: GroupCase, authorities: dict[str, Authority]
) -> None:
    authorities["nfra"].min_signatures = 4
    db.session.commit()
    organizer = logged_in(app, "org@example.org")
    _draft(organizer, case, authority=str(authorities["pboc"].id), also_to=[authorities["nfra"].id])
    _open_and_sign(organizer, case, signers=3)
    page = organizer.get(f"/cases/{case.public_id}/petition", headers=EN).get_data(as_text=True)
    assert "NFRA Consumer Protection needs at least 4 signatures; this version has 3." in page
    submit(
        organizer,
        f"/cases/{case.public_id}/petition",
        f"/cases/{case.public_id}/petition/submit",
        headers=EN,
    )
    assert db.session.scalars(select(Submission)).all() == []


def test_a_draft_names_its_other_authorities_only_from_the_list_and_after_the_first(
    app: Flask, case: GroupCase, authorities: dict[str, Authority]
) -> None:
    organizer = logged_in(app, "org@example.org")
    unknown = _draft(organizer, case, authority=str(authorities["pboc"].id), also_to=["9999"])
    assert "Please choose the authorities from the list." in unknown
    assert "Joint complaint" in unknown  # the draft stays in the form
    assert "Version 1 saved" not in unknown
    garbled = _draft(organizer, case, authority=str(authorities["pboc"].id), also_to=["x"])
    assert "Please choose the authorities from the list." in garbled
    first_missing = _draft(organizer, case, authority="0", also_to=[authorities["nfra"].id])
    assert "Choose the first authority before the others it also goes to." in first_missing
    assert db.session.scalars(select(PetitionVersion)).all() == []

    # the same authority twice is one addressee
    _draft(organizer, case, authority=str(authorities["pboc"].id), also_to=[authorities["pboc"].id])
    version = db.session.scalars(select(PetitionVersion)).one()
    assert [a.slug for a in version.addressees] == ["pboc"]
    edit = organizer.get(f"/cases/{case.public_id}/petition/edit", headers=EN)
    assert edit.status_code == 200
    # the next version starts from this one's addressees
    _draft(organizer, case, authority=str(authorities["pboc"].id), also_to=[authorities["nfra"].id])
    again = organizer.get(f"/cases/{case.public_id}/petition/edit", headers=EN)
    checked = re.findall(
        r'<input checked id="also_to-\d+" name="also_to"[^>]*value="(\d+)"', again.text
    )
    assert checked == [str(authorities["nfra"].id)]
