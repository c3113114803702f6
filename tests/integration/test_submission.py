"""Submitting the signed complaint, and the regulator's inbox, case page and status reports."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from extensions import db
from models import (
    Authority,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Company,
    Complaint,
    GroupCase,
    Notification,
    Submission,
    SubmissionStatus,
    User,
    UserRole,
)
from services.petition import signing
from services.routing.answers import save_answers
from tests.support.forms import csrf_token, logged_in, submit
from tests.support.petitions import case_open_for_signing, sign_by
from tests.support.web import EN


@pytest.fixture
def authorities() -> dict[str, Authority]:
    nfra = Authority(slug="nfra", name_en="NFRA Consumer Protection", name_zh="金融监管总局消保局")
    cca = Authority(slug="cca", name_en="China Consumers Association", name_zh="中国消费者协会")
    db.session.add_all([nfra, cca])
    db.session.commit()
    return {"nfra": nfra, "cca": cca}


@pytest.fixture
def signed_case(
    app: Flask,  # noqa: ARG001 - needed for its side effect
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
    authorities: dict[str, Authority],
) -> GroupCase:
    """A case of an organizer and three members with version 1 (to NFRA, 3 signatures needed)
    open for signing and signed by the organizer and one member (who shares their identity)."""
    case, version = case_open_for_signing(
        make_user,
        make_complaint,
        make_company("walletpro", "WalletPro", "钱包宝"),
        authorities["nfra"],
        organizer_email="org@example.org",
        members=[(f"m{n}@example.org", "en") for n in range(3)],
    )
    members = sorted(case.memberships, key=lambda m: m.id)
    for membership, share in ((members[0], False), (members[1], True)):
        signing.sign(
            db.session,
            case,
            membership,
            version_sha256=version.content_sha256,
            facts_confirmed=True,
            share_identity=share,
        )
    db.session.commit()
    return case


def _sign_third(case: GroupCase) -> None:
    membership = sorted(case.memberships, key=lambda m: m.id)[2]
    signing.sign(
        db.session,
        case,
        membership,
        version_sha256=signing.open_version(db.session, case).content_sha256,
        facts_confirmed=True,
        share_identity=False,
    )
    db.session.commit()


def _submit(app: Flask, case: GroupCase):
    organizer = logged_in(app, "org@example.org")
    page = f"/cases/{case.public_id}/petition"
    return submit(organizer, page, f"{page}/submit", headers=EN, follow_redirects=True)


def _regulator(make_user: Callable[..., User], authority: Authority, email: str) -> User:
    return make_user(email=email, role=UserRole.REGULATOR, authority=authority, locale="en")


def _regulator_page(app: Flask, case: GroupCase) -> str:
    """The case's page as NFRA's regulator reads it, in English."""
    client = logged_in(app, "nfra@example.org")
    return client.get(f"/regulator/cases/{case.public_id}", headers=EN).get_data(as_text=True)


def test_submitting_needs_the_authoritys_minimum_of_signatures(
    app: Flask, signed_case: GroupCase
) -> None:
    organizer = logged_in(app, "org@example.org")
    page = organizer.get(f"/cases/{signed_case.public_id}/petition", headers=EN)
    html = page.get_data(as_text=True)
    assert "NFRA Consumer Protection needs at least 3 signatures; this version has 2." in html
    assert "Submit the complaint" not in html

    response = _submit(app, signed_case)
    assert "needs at least 3 signatures" in response.get_data(as_text=True)
    db.session.expire_all()
    assert signed_case.status is CaseStatus.SIGNING
    assert db.session.scalar(select(func.count(Submission.id))) == 0


def test_the_organizer_submits_and_everything_freezes(app: Flask, signed_case: GroupCase) -> None:
    _sign_third(signed_case)
    response = _submit(app, signed_case)
    assert response.status_code == 200
    assert "Submitted to NFRA Consumer Protection" in response.get_data(as_text=True)
    db.session.expire_all()
    case = db.session.get(GroupCase, signed_case.id)
    assert case.status is CaseStatus.SUBMITTED
    submission = db.session.scalar(select(Submission))
    assert submission.status is SubmissionStatus.SUBMITTED
    assert submission.version.number == 1
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.kind == CaseEventKind.SUBMITTED))
    assert event.data == {"authority": "nfra", "signatures": 3}
    assert (
        db.session.scalar(
            select(func.count(Notification.id)).where(Notification.kind == "case_submitted")
        )
        == 4
    )

    # the case page shows it on the timeline; nothing can change any more
    member = logged_in(app, "m2@example.org")
    assert "Submitted to the authority" in member.get(
        f"/cases/{case.public_id}", headers=EN
    ).get_data(as_text=True)
    again = _submit(app, case)
    assert db.session.scalar(select(func.count(Submission.id))) == 1
    assert "already been submitted" in again.get_data(as_text=True)
    withdraw = submit(
        member,
        f"/cases/{case.public_id}/petition",
        f"/cases/{case.public_id}/petition/withdraw",
        headers=EN,
        follow_redirects=True,
    )
    assert withdraw.status_code == 200
    assert len(signing.signing_state(db.session, case, submission.version).active) == 3


def test_only_an_organizer_can_submit(app: Flask, signed_case: GroupCase) -> None:
    _sign_third(signed_case)
    member = logged_in(app, "m0@example.org")
    page = f"/cases/{signed_case.public_id}/petition"
    response = submit(member, page, f"{page}/submit", headers=EN, follow_redirects=True)
    assert "Only the organizers of this case can submit it." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Submission.id))) == 0


def test_the_regulator_sees_only_their_authoritys_cases(
    app: Flask,
    signed_case: GroupCase,
    authorities: dict[str, Authority],
    make_user: Callable[..., User],
) -> None:
    _sign_third(signed_case)
    _submit(app, signed_case)
    _regulator(make_user, authorities["nfra"], "nfra@example.org")
    _regulator(make_user, authorities["cca"], "cca@example.org")
    own = logged_in(app, "nfra@example.org")
    inbox = own.get("/regulator/", headers=EN).get_data(as_text=True)
    assert "WalletPro freezes balances" in inbox
    page = own.get(f"/regulator/cases/{signed_case.public_id}", headers=EN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Submitted on" in html
    assert "m0@example.org" in html  # shared their identity
    assert "Member 0" in html
    assert "org@example.org" not in html  # did not
    assert "m1@example.org" not in html

    other = logged_in(app, "cca@example.org")
    assert "WalletPro freezes balances" not in other.get("/regulator/", headers=EN).get_data(
        as_text=True
    )
    assert other.get(f"/regulator/cases/{signed_case.public_id}").status_code == 404
    assert other.get("/regulator/cases/doesnotexist").status_code == 404
    member = logged_in(app, "m0@example.org")
    assert member.get("/regulator/").status_code == 403


def test_the_regulator_sees_who_complained_to_the_company_first(
    app: Flask,
    signed_case: GroupCase,
    authorities: dict[str, Authority],
    make_user: Callable[..., User],
) -> None:
    _sign_third(signed_case)
    members = {m.user.email: m for m in signed_case.memberships}
    answers = {
        "m0@example.org": (True, date(2026, 9, 3), "WP-5521"),  # shares their identity
        "m1@example.org": (True, date(2026, 9, 4), "WP-8830"),  # does not
        "org@example.org": (False, None, ""),
    }
    for email, (first, day, reference) in answers.items():
        membership = members[email]
        save_answers(
            db.session,
            membership.user,
            membership.complaint,
            affected="wallet_balance",
            residence="CN",
            complained_first=first,
            complained_on=day,
            company_reference=reference,
        )
    db.session.commit()
    _submit(app, signed_case)
    _regulator(make_user, authorities["nfra"], "nfra@example.org")

    html = _regulator_page(app, signed_case)

    assert "2 of 3 signatories say they complained to the company first." in html
    assert "Yes, on Sep 3, 2026" in html
    assert "Reference: WP-5521" in html
    assert "Yes, on Sep 4, 2026" in html
    assert "WP-8830" not in html  # the company's number would name who chose not to be named
    assert "<td>No</td>" in html


def test_inbox_filters(
    app: Flask,
    signed_case: GroupCase,
    authorities: dict[str, Authority],
    make_user: Callable[..., User],
) -> None:
    _sign_third(signed_case)
    _submit(app, signed_case)
    _regulator(make_user, authorities["nfra"], "nfra@example.org")
    client = logged_in(app, "nfra@example.org")
    company = signed_case.company_id
    submitted = db.session.scalar(select(Submission)).submitted_at.date()
    cases = {
        "": True,
        f"company={company}": True,
        f"company={company + 100}": False,
        "status=submitted": True,
        "status=resolved": False,
        "min_members=4": True,
        "min_members=5": False,
        f"from={submitted.isoformat()}": True,
        f"from={(submitted + timedelta(days=1)).isoformat()}": False,
        f"to={(submitted - timedelta(days=1)).isoformat()}": False,
        "company=&category=&status=&from=&to=&min_members=&sort=size": True,  # a blank form
    }
    for query, listed in cases.items():
        html = client.get(f"/regulator/?{query}", headers=EN).get_data(as_text=True)
        assert ("WalletPro freezes balances" in html) is listed, query


INBOX_BAD_FILTERS = [
    ("company=abc", "company", "Choose a value from the list."),
    ("category=-1", "category", "Choose a value from the list."),
    ("status=bogus", "status", "Choose a value from the list."),
    ("sort=biggest", "sort", "Choose a value from the list."),
    ("from=not-a-date", "from", "Please enter the date as YYYY-MM-DD."),
    ("to=9999-12-31", "to", "Enter a date between 2000-01-01 and 2999-12-31."),
    ("from=2025-03-05&to=2025-03-01", "to", "The end of the date range is before its start."),
    ("min_members=ten", "min_members", "Enter the number of members as a whole number, e.g. 10."),
    ("min_members=0", "min_members", "Enter a number of members of 1 or more."),
    ("min_members=99999999999999999999", "min_members", "Enter a number of members of 1 or more."),
]


def test_inbox_refuses_unreadable_filters_next_to_their_fields(
    app: Flask,
    signed_case: GroupCase,
    authorities: dict[str, Authority],
    make_user: Callable[..., User],
) -> None:
    """A filter quietly reset would list cases the regulator believes were excluded."""
    _sign_third(signed_case)
    _submit(app, signed_case)
    _regulator(make_user, authorities["nfra"], "nfra@example.org")
    client = logged_in(app, "nfra@example.org")
    for query, name, message in INBOX_BAD_FILTERS:
        response = client.get(f"/regulator/?{query}", headers=EN)
        assert response.status_code == 400, query
        html = response.get_data(as_text=True)
        assert f'<p class="field-error" id="{name}-error">{message}</p>' in html, query
        assert html.count('class="field-error"') == 1, query
        assert "WalletPro freezes balances" not in html, query
    make_user(
        email="nfra.zh@example.org",
        role=UserRole.REGULATOR,
        authority=authorities["nfra"],
        locale="zh",
    )
    chinese = logged_in(app, "nfra.zh@example.org").get("/regulator/?min_members=ten")
    assert chinese.status_code == 400
    assert "请输入整数形式的成员人数，例如 10。" in chinese.get_data(as_text=True)


def test_inbox_filters_keep_their_names_and_page_links(
    app: Flask,
    signed_case: GroupCase,
    authorities: dict[str, Authority],
    make_user: Callable[..., User],
) -> None:
    """Links already shared keep working: the query string's names and values are unchanged."""
    _sign_third(signed_case)
    _submit(app, signed_case)
    _regulator(make_user, authorities["nfra"], "nfra@example.org")
    client = logged_in(app, "nfra@example.org")
    query = (
        f"company={signed_case.company_id}&category={signed_case.category_id}&status=submitted"
        "&from=2000-01-01&to=2999-12-31&min_members=2&sort=oldest"
    )
    html = client.get(f"/regulator/?{query}", headers=EN).get_data(as_text=True)
    assert "WalletPro freezes balances" in html
    for name in ("company", "category", "status", "from", "to", "min_members", "sort"):
        assert f'<label for="{name}">' in html
        assert f'name="{name}"' in html
    assert 'value="2000-01-01"' in html
    assert '<option selected value="oldest">' in html
    assert f'<option selected value="{signed_case.company_id}">' in html


def test_status_reports_reach_the_members_and_a_final_one_closes_the_case(
    app: Flask,
    signed_case: GroupCase,
    authorities: dict[str, Authority],
    make_user: Callable[..., User],
) -> None:
    _sign_third(signed_case)
    _submit(app, signed_case)
    _regulator(make_user, authorities["nfra"], "nfra@example.org")
    client = logged_in(app, "nfra@example.org")
    page = f"/regulator/cases/{signed_case.public_id}"
    action = f"{page}/status"

    token = csrf_token(client.get(page, headers=EN).get_data(as_text=True))
    refused = client.post(
        action, data={"csrf_token": token, "status": "company_answered"}, headers=EN
    )
    assert refused.status_code == 422
    assert "answer for the members." in refused.get_data(as_text=True)
    refused = client.post(action, data={"csrf_token": token, "status": "resolved"}, headers=EN)
    assert refused.status_code == 422
    assert "Choose what the resolution gave the members." in refused.get_data(as_text=True)

    answered = submit(
        client,
        page,
        action,
        {"status": "company_answered", "note": "WalletPro will refund."},
        headers=EN,
        follow_redirects=True,
    )
    assert "The status was recorded" in answered.get_data(as_text=True)
    member = logged_in(app, "m0@example.org")
    case_page = member.get(f"/cases/{signed_case.public_id}", headers=EN).get_data(as_text=True)
    assert "Company answered" in case_page
    assert "WalletPro will refund." in case_page
    user = db.session.scalar(select(User).where(User.email == "m0@example.org"))
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id))
    assert "status_changed" in list(kinds)

    submit(
        client,
        page,
        action,
        {"status": "resolved", "outcome": "refund", "note": "Refunded."},
        headers=EN,
        follow_redirects=True,
    )
    db.session.expire_all()
    case = db.session.get(GroupCase, signed_case.id)
    assert case.status is CaseStatus.CLOSED
    submission = db.session.scalar(select(Submission))
    assert submission.status is SubmissionStatus.RESOLVED
    assert submission.outcome == "refund"
    late = submit(
        client,
        page,
        action,
        {"status": "rejected", "note": "No."},
        headers=EN,
        follow_redirects=True,
    )
    assert "This case is closed" in late.get_data(as_text=True)
    assert db.session.scalar(select(Submission)).status is SubmissionStatus.RESOLVED


def test_a_regulator_of_another_authority_cannot_report(
    app: Flask,
    signed_case: GroupCase,
    authorities: dict[str, Authority],
    make_user: Callable[..., User],
) -> None:
    _sign_third(signed_case)
    _submit(app, signed_case)
    _regulator(make_user, authorities["nfra"], "nfra@example.org")
    _regulator(make_user, authorities["cca"], "cca@example.org")
    other = logged_in(app, "cca@example.org")
    other_token = csrf_token(other.get("/regulator/", headers=EN).get_data(as_text=True))
    response = other.post(
        f"/regulator/cases/{signed_case.public_id}/status",
        data={"csrf_token": other_token, "status": "rejected", "note": "x"},
    )
    assert response.status_code == 404
    assert db.session.scalar(select(Submission)).status is SubmissionStatus.SUBMITTED


def test_the_bundle_is_built_on_submission_and_downloads_with_ranges(
    app: Flask,
    signed_case: GroupCase,
    authorities: dict[str, Authority],
    make_user: Callable[..., User],
) -> None:
    from models import AuditEvent
    from services.bundle.verify import verify_bundle

    _sign_third(signed_case)
    _submit(app, signed_case)
    submission = db.session.scalar(select(Submission))
    assert submission.bundle_sha256  # built by the job the submission started
    _regulator(make_user, authorities["nfra"], "nfra@example.org")
    _regulator(make_user, authorities["cca"], "cca@example.org")
    client = logged_in(app, "nfra@example.org")
    page = client.get(f"/regulator/cases/{signed_case.public_id}", headers=EN)
    assert "Download the bundle" in page.get_data(as_text=True)

    url = f"/regulator/cases/{signed_case.public_id}/bundle.zip"
    whole = client.get(url)
    assert whole.status_code == 200
    assert whole.headers["Accept-Ranges"] == "bytes"
    data = whole.get_data()
    whole.close()
    report = verify_bundle(io.BytesIO(data))
    assert report.ok, report.problems

    tail = client.get(url, headers={"Range": "bytes=100-"})  # a broken download resumes
    assert tail.status_code == 206
    assert tail.get_data() == data[100:]
    tail.close()
    downloads = db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "bundle.downloaded")
    )
    assert downloads == 1  # the resumed tail is the same download

    assert logged_in(app, "cca@example.org").get(url).status_code == 404
    assert logged_in(app, "m0@example.org").get(url).status_code == 403


def test_notifications_say_what_happened_who_did_it_and_link_to_it(
    app: Flask,
    signed_case: GroupCase,
    authorities: dict[str, Authority],
    make_user: Callable[..., User],
) -> None:
    _regulator(make_user, authorities["nfra"], "nfra@example.org")
    _regulator(make_user, authorities["cca"], "cca@example.org")
    _sign_third(signed_case)
    _submit(app, signed_case)
    organizer = next(m for m in signed_case.memberships if m.organizes)

    member = logged_in(app, "m0@example.org")
    page = member.get("/notifications/", headers=EN).get_data(as_text=True)
    assert (
        "WalletPro freezes balances was submitted to NFRA Consumer Protection by Member "
        f"{organizer.pseudonym}: version 1, signed by 3 members." in page
    )
    assert f'href="/cases/{signed_case.public_id}"' in page

    # the authority's regulators learn that a case arrived, and nobody else's do
    regulator = logged_in(app, "nfra@example.org")
    arrived = regulator.get("/notifications/", headers=EN).get_data(as_text=True)
    assert (
        "A group case arrived in your inbox: WalletPro freezes balances, against WalletPro, "
        "signed by 3 members." in arrived
    )
    assert f'href="/regulator/cases/{signed_case.public_id}"' in arrived
    other = logged_in(app, "cca@example.org")
    assert "WalletPro freezes balances" not in other.get("/notifications/", headers=EN).get_data(
        as_text=True
    )

    # a status report says which status, what the authority wrote and what members got
    case_page = f"/regulator/cases/{signed_case.public_id}"
    submit(
        regulator,
        case_page,
        f"{case_page}/status",
        {"status": "resolved", "outcome": "refund", "note": "WalletPro refunded every member."},
        headers=EN,
        follow_redirects=True,
    )
    page = member.get("/notifications/", headers=EN).get_data(as_text=True)
    assert "NFRA Consumer Protection moved WalletPro freezes balances to: Resolved." in page
    assert "Outcome: Refund" in page
    assert "WalletPro refunded every member." in page


def test_the_regulators_page_counts_members_steps_per_day_and_keeps_the_cases_steps(
    app: Flask,
    signed_case: GroupCase,
    authorities: dict[str, Authority],
    make_user: Callable[..., User],
) -> None:
    """A viral case logs a join and a signature per member: the page counts them per day
    (the bundle keeps each); the case's own steps stay one by one."""
    members = sorted(signed_case.memberships, key=lambda m: m.id)
    for action in (signing.withdraw, signing.sign, signing.withdraw):  # member 1 hesitates
        if action is signing.sign:
            version = signing.open_version(db.session, signed_case)
            assert version is not None
            action(
                db.session,
                signed_case,
                members[1],
                version_sha256=version.content_sha256 or "",
                facts_confirmed=True,
                share_identity=True,
            )
        else:
            action(db.session, signed_case, members[1])
    db.session.commit()
    _sign_third(signed_case)
    sign_by(signed_case, version, [members[3]])
    db.session.commit()
    _submit(app, signed_case)
    _regulator(make_user, authorities["nfra"], "nfra@example.org")

    html = _regulator_page(app, signed_case)
    timeline = html[html.index('id="timeline-title"') :]

    assert "Submitted on" in html
    assert "with 3 signatures." in html  # the one who hesitated withdrew last
    assert "3 members joined" in timeline  # the organizer started it
    assert "5 signatures" in timeline  # entries signed that day; withdrawals apart
    assert "2 signatures withdrawn" in timeline
    assert "A member joined" not in timeline
    assert ">Signed<" not in timeline
    assert "Submitted to the authority" in timeline  # the case's own step, with its time
    assert "Opened for signing" in timeline
