"""What each member got: their own outcome and rating, a dispute for the authority, the case's
outcome figures, and the signed outcome report that names the frozen bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from extensions import db
from models import (
    AuditEvent,
    CaseEvent,
    CaseEventKind,
    ClockKind,
    CompanyAnswer,
    MemberOutcome,
    Notification,
    OutcomeState,
)
from services.accounts import api_tokens
from services.bundle.job import bundle_for
from services.cases import published
from services.clocks import running as clock_running
from services.evidence.files import read
from tests.support.forms import csrf_token, logged_in
from tests.support.respondents import AMOUNTS, World, forward
from tests.support.respondents import world as world  # fixture
from tests.support.web import EN

REASON = "They refunded only the fee, not the frozen balance itself."


def _post(client, page: str, action: str, data: dict[str, str]):
    token = csrf_token(client.get(page, headers=EN).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **data}, headers=EN)


def test_a_member_records_and_corrects_their_own_outcome(app: Flask, world: World) -> None:
    member = logged_in(app, world.members[1].email)
    page = f"/cases/{world.case.public_id}/my-outcome"
    claimed = AMOUNTS[1]  # 2,345.67
    for data, message in (
        ({"state": "partly_refunded", "amount": ""}, "Please enter the amount refunded"),
        ({"state": "partly_refunded", "amount": "abc"}, "more than 0"),
        ({"state": "partly_refunded", "amount": "2345.67"}, "choose “fully refunded”"),
        ({"state": "partly_refunded", "amount": "-1"}, "more than 0"),
        ({"state": "no_such_state"}, "Choose a value from the list."),
        ({"state": "refused", "rating": "ecstatic"}, "Choose a value from the list."),
    ):
        response = _post(member, page, page, data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    assert db.session.scalar(select(func.count()).select_from(MemberOutcome)) == 0

    ok = _post(
        member, page, page, {"state": "partly_refunded", "amount": "1,000", "rating": "partly"}
    )
    assert ok.status_code == 302
    row = db.session.scalar(select(MemberOutcome))
    assert row is not None
    assert (row.state, row.refunded_minor, row.rating.value) == (
        OutcomeState.PARTLY_REFUNDED,
        100_000,
        "partly",
    )
    _post(member, page, page, {"state": "fully_refunded", "rating": "satisfied"})
    db.session.expire_all()
    row = db.session.scalar(select(MemberOutcome))
    assert row is not None
    assert row.refunded_minor == claimed
    assert "Fully refunded" in member.get(page, headers=EN).get_data(as_text=True)
    # nobody else reads it: another member's page and the case page show none of it
    other = logged_in(app, world.members[2].email)
    for url in (page, f"/cases/{world.case.public_id}"):
        body = other.get(url, headers=EN).get_data(as_text=True)
        assert "2,345.67" not in body
    # a stranger is refused outright
    stranger = logged_in(app, world.other_respondent.email)
    assert stranger.get(page, headers=EN).status_code == 403


def test_outcomes_wait_for_submission(
    app: Flask,
    make_user,
    make_company,
    make_complaint,
) -> None:
    from services.cases import membership as group_cases

    user = make_user(email="early@example.org", locale="en")
    case = group_cases.start_case(
        db.session,
        user,
        make_complaint(
            user,
            make_company("earlyco", "EarlyCo", "早早"),
            "EarlyCo kept my deposit and never answered.",
        ),
        title="EarlyCo keeps deposits",
        summary="",
    )
    db.session.commit()
    client = logged_in(app, user.email)
    page = f"/cases/{case.public_id}/my-outcome"
    assert "once the case has been submitted" in client.get(page, headers=EN).get_data(as_text=True)
    refused = _post(client, page, page, {"state": "refused"})
    assert refused.status_code == 422
    assert "once the case has been submitted" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MemberOutcome)) == 0


def test_a_dispute_reaches_the_authority_and_no_other_member(app: Flask, world: World) -> None:
    member = logged_in(app, world.members[1].email)
    page = f"/cases/{world.case.public_id}/my-outcome"
    early = _post(member, page, f"{page}/dispute", {"reason": REASON})
    assert early.status_code == 409
    assert "Record what you got first" in early.get_data(as_text=True)
    _post(member, page, page, {"state": "refused", "rating": "not_satisfied"})
    short = _post(member, page, f"{page}/dispute", {"reason": "No."})
    assert short.status_code == 422
    assert _post(member, page, f"{page}/dispute", {"reason": REASON}).status_code == 302
    again = _post(member, page, f"{page}/dispute", {"reason": REASON + " Again."})
    assert again.status_code == 409
    assert "already disputed" in again.get_data(as_text=True)
    pseudonym = world.membership(world.members[1]).pseudonym

    regulator = logged_in(app, world.regulator.email)
    case_page = regulator.get(f"/regulator/cases/{world.case.public_id}", headers=EN)
    body = case_page.get_data(as_text=True)
    assert REASON in body
    assert "A member disputes their outcome" in body
    notes = regulator.get("/notifications/", headers=EN).get_data(as_text=True)
    assert f"Member {pseudonym} disputes their outcome" in notes
    inbox = regulator.get("/regulator/", headers=EN).get_data(as_text=True)
    assert 'class="badge badge-disputed">1 dispute</span>' in inbox
    assert (
        db.session.scalar(
            select(func.count()).where(
                Notification.user_id == world.regulator.id, Notification.kind == "outcome_disputed"
            )
        )
        == 1
    )
    # the case page of members and visitors says nothing of it
    other = logged_in(app, world.members[2].email)
    for client in (other, app.test_client()):
        body = client.get(f"/cases/{world.case.public_id}", headers=EN).get_data(as_text=True)
        assert REASON not in body
        assert "disputes their outcome" not in body
    assert (
        db.session.scalar(
            select(func.count()).where(CaseEvent.kind == CaseEventKind.OUTCOME_DISPUTED)
        )
        == 1
    )
    assert "outcome.disputed" in set(db.session.scalars(select(AuditEvent.action)))


def test_the_case_shows_outcome_figures_only_in_its_published_snapshot(
    app: Flask, world: World
) -> None:
    path = f"/cases/{world.case.public_id}"
    for n, user in enumerate(world.members[:5]):
        member = logged_in(app, user.email)
        page = f"{path}/my-outcome"
        state = "fully_refunded" if n % 2 else "refused"
        _post(
            member,
            page,
            page,
            {"state": state, "rating": "satisfied" if n % 2 else "not_satisfied"},
        )
    body = app.test_client().get(path, headers=EN).get_data(as_text=True)
    assert "Money recovered of the money claimed (CNY)" in body
    shown = published.published_figures(db.session, world.case)
    # the satisfied share needs about 5 raters, counted with noise: shown or not, never exact
    assert ("Members satisfied with the outcome" in body) is (shown.satisfied is not None)
    # the figures are read from the snapshot: changing one outcome does not move them
    before = published.published_figures(db.session, world.case)
    member = logged_in(app, world.members[5].email)
    _post(member, f"{path}/my-outcome", f"{path}/my-outcome", {"state": "fully_refunded"})
    after = published.published_figures(db.session, world.case)
    assert (before.recovered, before.satisfied, before.published_at) == (
        after.recovered,
        after.satisfied,
        after.published_at,
    )
    assert all(percent % 10 == 0 for _currency, percent in after.recovered)


def test_the_outcome_report_is_signed_names_the_bundle_and_verifies(
    app: Flask, world: World, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    forward(world.regulator, world.case)
    wallet = logged_in(app, world.respondent.email)
    page = f"/company/cases/{world.case.public_id}"
    answer = "We refunded every member who sent us their order number."
    _post(wallet, page, f"{page}/answer", {"body": answer})
    code = world.membership(world.members[1]).pseudonym
    _post(wallet, page, f"{page}/offers", {"pseudonym": code, "amount": "500"})
    member = logged_in(app, world.members[1].email)
    mine = f"/cases/{world.case.public_id}/my-outcome"
    _post(member, mine, mine, {"state": "partly_refunded", "amount": "500", "rating": "partly"})
    _post(member, mine, f"{mine}/dispute", {"reason": REASON})

    regulator = logged_in(app, world.regulator.email)
    url = f"/cases/{world.case.public_id}/outcome-report.json"
    assert member.get(url).status_code == 404  # the authority's only
    assert wallet.get(url).status_code == 404
    response = regulator.get(url)
    assert response.status_code == 200
    document = json.loads(response.get_data())
    report = document["report"]
    assert report["bundle_sha256"] == world.submission.bundle_sha256
    assert report["answer"]["text"] == answer
    assert report["offers"] == [
        {**report["offers"][0], "member": code, "amount_minor": 50_000, "status": "pending"}
    ]
    assert report["outcomes"][0]["refunded_minor"] == 50_000
    assert report["disputes"][0]["reason"] == REASON
    text = response.get_data(as_text=True)
    for user in world.members:
        assert user.email not in text
        assert user.display_name not in text

    key = bundle_for(world.submission)
    assert key is not None
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(read(key))
    addendum = tmp_path / "outcomes.json"
    addendum.write_bytes(response.get_data())
    ok = runner.invoke(args=["bundle", "verify", str(bundle), "--addendum", str(addendum)])
    assert ok.exit_code == 0, ok.output
    assert "Outcome report OK" in ok.output

    # an edited report, or one naming another bundle, fails
    document["report"]["outcomes"][0]["refunded_minor"] = 99_999_99
    addendum.write_text(json.dumps(document))
    edited = runner.invoke(args=["bundle", "verify", str(bundle), "--addendum", str(addendum)])
    assert edited.exit_code == 1
    assert "signature does not match" in edited.output
    other = tmp_path / "other.zip"
    shop_key = bundle_for(
        db.session.scalar(
            select(type(world.submission)).where(
                type(world.submission).case_id == world.shop_case.id
            )
        )
    )
    assert shop_key is not None
    other.write_bytes(read(shop_key))
    addendum.write_bytes(response.get_data())
    wrong = runner.invoke(args=["bundle", "verify", str(other), "--addendum", str(addendum)])
    assert wrong.exit_code == 1
    assert "the addendum names bundle" in wrong.output


def test_the_outcome_report_says_whether_each_deadline_was_kept(app: Flask, world: World) -> None:
    clock_running.set_rule_set(db.session, "nfra", "nfra-2020")
    assert clock_running.start(db.session, world.submission) == 1
    reason = "The company asked for every member's order number."
    answer = ClockKind.ANSWER
    clock_running.extend(db.session, world.regulator, world.submission, answer, 30, reason)
    db.session.commit()
    forward(world.regulator, world.case)
    wallet = logged_in(app, world.respondent.email)
    page = f"/company/cases/{world.case.public_id}"
    _post(wallet, page, f"{page}/answer", {"body": "Every frozen balance is released today."})

    regulator = logged_in(app, world.regulator.email)
    response = regulator.get(f"/cases/{world.case.public_id}/outcome-report.json")

    assert response.status_code == 200
    [deadline] = json.loads(response.get_data())["report"]["deadlines"]
    assert (deadline["kind"], deadline["rule_set"], deadline["state"]) == (
        "answer",
        "nfra-2020",
        "met",
    )
    assert (deadline["period"], deadline["extended"]) == (30, True)
    [extension] = deadline["extensions"]
    assert (extension["period"], extension["reason"]) == (30, reason)
    assert extension["due_at"] == deadline["due_at"]
    assert extension["previous_due_at"] < extension["due_at"]
    assert deadline["stopped_at"] < deadline["due_at"]


def test_the_api_gives_the_authority_answers_and_outcomes(app: Flask, world: World) -> None:
    forward(world.regulator, world.case)
    wallet = logged_in(app, world.respondent.email)
    page = f"/company/cases/{world.case.public_id}"
    _post(wallet, page, f"{page}/answer", {"body": "Every frozen balance is released today."})
    member = logged_in(app, world.members[2].email)
    mine = f"/cases/{world.case.public_id}/my-outcome"
    _post(member, mine, mine, {"state": "fully_refunded", "rating": "satisfied"})
    token = api_tokens.create_token(db.session, world.regulator, "outcomes").secret
    db.session.commit()
    client = app.test_client()
    url = f"/api/v1/cases/{world.case.public_id}/outcomes"
    assert client.get(url).status_code == 401
    answer = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["status"] == "company_answered"
    assert data["answer"]["text"] == "Every frozen balance is released today."
    assert data["outcomes"] == [
        {**data["outcomes"][0], "state": "fully_refunded", "refunded_minor": AMOUNTS[2]}
    ]
    other = client.get(
        f"/api/v1/cases/{world.shop_case.public_id}/outcomes".replace(
            world.shop_case.public_id, "abcdefghjkmn"
        ),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert other.status_code == 404
    assert other.get_json()["error"]


@pytest.mark.usefixtures("demo")
def test_the_demo_shows_an_answer_refunds_and_a_dispute(app: Flask) -> None:
    answers = db.session.scalars(select(CompanyAnswer)).all()
    assert [answer.case.company.slug for answer in answers] == ["paypal"]
    states = db.session.scalars(select(MemberOutcome.state)).all()
    assert states.count(OutcomeState.FULLY_REFUNDED) >= 5
    assert OutcomeState.PARTLY_REFUNDED in states
    assert (
        db.session.scalar(select(func.count()).where(MemberOutcome.disputed_at.is_not(None))) == 1
    )
    paypal = answers[0].case
    figures = published.published_figures(db.session, paypal)
    assert figures.recovered, "the PayPal case publishes what came back"
    regulator = logged_in(app, "regulator.cfpb@example.org", "chorus-demo-2026")
    body = regulator.get(f"/regulator/cases/{paypal.public_id}", headers=EN).get_data(as_text=True)
    assert "Disputed" in body
    assert "Response from PayPal" in body
    respondent = logged_in(app, "respondent.paypal@example.org", "chorus-demo-2026")
    assert paypal.public_id in respondent.get("/company/", headers=EN).get_data(as_text=True)


def test_a_members_export_holds_their_offer_and_outcome(app: Flask, world: World) -> None:
    forward(world.regulator, world.case)
    wallet = logged_in(app, world.respondent.email)
    page = f"/company/cases/{world.case.public_id}"
    code = world.membership(world.members[1]).pseudonym
    _post(wallet, page, f"{page}/offers", {"pseudonym": code, "amount": "321.00"})
    member = logged_in(app, world.members[1].email)
    mine = f"/cases/{world.case.public_id}/my-outcome"
    _post(member, mine, mine, {"state": "partly_refunded", "amount": "321", "rating": "partly"})
    data = member.get("/me/data/export.json", headers=EN).get_json()
    assert [(o["amount_minor"], o["status"]) for o in data["offers"]] == [(32_100, "pending")]
    assert [(o["state"], o["refunded_minor"]) for o in data["outcomes"]] == [
        ("partly_refunded", 32_100)
    ]
    other = logged_in(app, world.members[2].email).get("/me/data/export.json").get_json()
    assert other["offers"] == []
    assert other["outcomes"] == []
