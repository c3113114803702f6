"""The company's side: respondent accounts, what they see, the answer and private offers."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from extensions import db
from models import (
    AuditEvent,
    CaseEvent,
    CaseEventKind,
    CompanyAnswer,
    MemberOffer,
    Notification,
    OfferStatus,
    SubmissionStatus,
    User,
)
from services.accounts import users as accounts
from services.submissions import lifecycle
from tests.conftest import PASSWORD
from tests.support.forms import csrf_token, logged_in, login
from tests.support.respondents import MEMBER_NAMES, World, forward
from tests.support.respondents import world as world  # fixture
from tests.support.web import EN

ZH = {"Accept-Language": "zh"}


def _post(client: FlaskClient, page: str, action: str, data: dict[str, str], headers=EN):
    token = csrf_token(client.get(page, headers=headers).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **data}, headers=headers)


def test_admin_creates_and_verifies_a_respondent_on_the_command_line(
    app: Flask, runner: FlaskCliRunner, world: World
) -> None:
    result = runner.invoke(
        args=[
            "respondents",
            "create",
            "--email",
            "Help@WalletPro.example",
            "--name",
            "Li Na",
            "--company",
            "walletpro",
            "--locale",
            "en",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    assert "verify it with" in result.output
    user = accounts.find_by_email(db.session, "help@walletpro.example")
    assert user is not None
    assert user.is_respondent
    forward(world.regulator, world.case)

    # not verified yet: after the second step, every respondent page is a clean 403
    client = app.test_client()
    login(client, user.email, PASSWORD, headers=EN)
    response = client.get("/company/", headers=EN)
    assert response.status_code == 403
    assert "not been verified" in response.get_data(as_text=True)
    assert client.get(f"/company/cases/{world.case.public_id}", headers=EN).status_code == 403

    assert runner.invoke(args=["respondents", "verify", "help@walletpro.example"]).exit_code == 0
    again = runner.invoke(args=["respondents", "verify", "help@walletpro.example"])
    assert again.exit_code != 0
    assert "already verified" in again.output
    listing = runner.invoke(args=["respondents", "list"]).output
    assert "walletpro\thelp@walletpro.example\t" in listing
    assert "two-step on" in listing  # enrolled at the login above
    unknown = runner.invoke(
        args=[
            "respondents",
            "create",
            "--email",
            "x@y.example",
            "--name",
            "X",
            "--company",
            "nosuchco",
            "--password",
            PASSWORD,
        ]
    )
    assert unknown.exit_code != 0
    assert "nosuchco" in unknown.output
    page = client.get(f"/company/cases/{world.case.public_id}", headers=EN)
    assert page.status_code == 200
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"respondent.created", "respondent.verified", "login.succeeded"} <= actions


def test_a_respondent_must_set_up_two_step_verification_first(app: Flask, world: World) -> None:
    client = app.test_client()
    response = client.post(
        "/account/login",
        data={
            "email": world.respondent.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(client.get("/account/login").get_data(as_text=True)),
        },
        headers=EN,
    )
    assert response.status_code in (302, 303)
    home = client.get("/company/", headers=EN)
    assert home.status_code == 302
    assert home.headers["Location"].endswith("/account/two-step/setup")


def test_a_case_shows_only_once_forwarded_and_only_to_its_own_company(
    app: Flask, world: World
) -> None:
    wallet = logged_in(app, world.respondent.email)
    shop = logged_in(app, world.other_respondent.email)
    url = f"/company/cases/{world.case.public_id}"
    # submitted but not forwarded: as if it did not exist
    assert wallet.get(url, headers=EN).status_code == 404
    assert world.case.public_id not in wallet.get("/company/", headers=EN).get_data(as_text=True)

    forward(world.regulator, world.case)
    page = wallet.get(url, headers=EN)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    membership = world.membership(world.members[1])
    assert f"Member {membership.pseudonym}" in body
    assert "Joint complaint" in body
    for user in world.members:
        assert user.email not in body
        assert user.display_name not in body
    for name in MEMBER_NAMES:
        assert name not in body
    assert "1,234.56" not in body
    assert "1234.56" not in body

    # ShopFast's respondent: WalletPro's case is a 404, exactly like a made-up id
    refused = shop.get(url, headers=EN)
    made_up = shop.get("/company/cases/abcdefghjkmn", headers=EN)
    assert refused.status_code == made_up.status_code == 404
    assert world.case.public_id not in shop.get("/company/", headers=EN).get_data(as_text=True)
    assert world.shop_case.public_id in shop.get("/company/", headers=EN).get_data(as_text=True)
    # and a member or a regulator is no respondent
    member = logged_in(app, world.members[1].email)
    assert member.get(url, headers=EN).status_code == 403
    assert logged_in(app, world.regulator.email).get(url, headers=EN).status_code == 403


def test_the_organizer_can_open_a_case_to_the_company_before_it_is_forwarded(
    app: Flask, world: World
) -> None:
    wallet = logged_in(app, world.respondent.email)
    url = f"/company/cases/{world.case.public_id}"
    assert wallet.get(url, headers=EN).status_code == 404
    case_page = f"/cases/{world.case.public_id}"
    member = logged_in(app, world.members[1].email)
    refused = _post(member, case_page, f"{case_page}/open-to-company", {})
    assert refused.status_code == 403
    assert wallet.get(url, headers=EN).status_code == 404

    organizer = logged_in(app, world.members[0].email)
    assert "Open the case to WalletPro" in organizer.get(case_page, headers=EN).get_data(
        as_text=True
    )
    _post(organizer, case_page, f"{case_page}/open-to-company", {})
    assert wallet.get(url, headers=EN).status_code == 200
    kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == world.case.id))
    assert CaseEventKind.OPENED_TO_COMPANY in set(kinds)
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "case.opened_to_company"))
        == 1
    )


def test_the_answer_moves_the_case_to_company_answered_and_reaches_everyone(
    app: Flask, world: World
) -> None:
    forward(world.regulator, world.case)
    wallet = logged_in(app, world.respondent.email)
    page = f"/company/cases/{world.case.public_id}"
    text = "We have unfrozen every balance named in the complaint and will refund fees."
    response = _post(wallet, page, f"{page}/answer", {"body": text})
    assert response.status_code == 302
    assert world.submission.status is SubmissionStatus.COMPANY_ANSWERED
    assert CaseEventKind.COMPANY_ANSWERED in set(
        db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == world.case.id))
    )
    for user in (*world.members, world.regulator):
        kinds = set(
            db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id))
        )
        assert "company_answered" in kinds, user.email
    member = logged_in(app, world.members[2].email)
    assert text in member.get(f"/cases/{world.case.public_id}", headers=EN).get_data(as_text=True)
    notes = member.get("/notifications/", headers=EN).get_data(as_text=True)
    assert "WalletPro answered WalletPro freezes balances." in notes
    # in each recipient's own language: a member who reads Chinese reads it in Chinese
    world.members[3].locale = "zh"
    db.session.commit()
    notes = logged_in(app, world.members[3].email).get("/notifications/").get_data(as_text=True)
    assert "钱包宝回应了" in notes
    regulator = logged_in(app, world.regulator.email)
    assert text in regulator.get(f"/regulator/cases/{world.case.public_id}", headers=EN).get_data(
        as_text=True
    )

    # a second answer (a double click, another respondent) is refused and changes nothing
    again = _post(wallet, page, f"{page}/answer", {"body": "A second, different answer text here."})
    assert again.status_code == 409
    assert "already answered" in again.get_data(as_text=True)
    assert db.session.scalar(select(CompanyAnswer.body)) == text
    assert db.session.scalar(select(func.count()).select_from(CompanyAnswer)) == 1


def test_no_answer_after_the_case_closed(app: Flask, world: World) -> None:
    forward(world.regulator, world.case)
    lifecycle.record_status(
        db.session, world.regulator, world.submission, SubmissionStatus.RESOLVED, outcome="refund"
    )
    db.session.commit()
    wallet = logged_in(app, world.respondent.email)
    page = f"/company/cases/{world.case.public_id}"
    assert "no longer takes an answer" in wallet.get(page, headers=EN).get_data(as_text=True)
    response = wallet.post(
        f"{page}/answer",
        data={
            "csrf_token": csrf_token(wallet.get("/company/", headers=EN).get_data(as_text=True)),
            "body": "We answer anyway, after the case was closed by the authority.",
        },
        headers=EN,
    )
    assert response.status_code == 409
    assert "This case is closed" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CompanyAnswer)) == 0
    assert world.submission.status is SubmissionStatus.RESOLVED


def test_a_case_rejected_before_it_was_forwarded_stays_hidden(app: Flask, world: World) -> None:
    lifecycle.record_status(
        db.session, world.regulator, world.submission, SubmissionStatus.REJECTED, note="No."
    )
    db.session.commit()
    wallet = logged_in(app, world.respondent.email)
    assert wallet.get(f"/company/cases/{world.case.public_id}", headers=EN).status_code == 404


def test_offers_with_bad_amounts_are_refused_in_the_users_language(
    app: Flask, world: World
) -> None:
    forward(world.regulator, world.case)
    wallet = logged_in(app, world.respondent.email)
    page = f"/company/cases/{world.case.public_id}"
    code = world.membership(world.members[1]).pseudonym
    for amount, english, chinese in (
        ("abc", "more than 0 and at most 100,000,000", "大于 0"),
        ("0", "more than 0", "大于 0"),
        ("-5", "more than 0", "大于 0"),
        ("1.234", "at most 2 decimals", "2 位小数"),
        ("1e12", "at most 100,000,000", "100,000,000"),
        ("NaN", "more than 0", "大于 0"),
    ):
        for locale, expected in (("en", english), ("zh", chinese)):
            world.respondent.locale = locale  # the account's language wins over the browser's
            db.session.commit()
            response = _post(
                wallet,
                page,
                f"{page}/offers",
                {"pseudonym": code, "amount": amount, "message": "Sorry."},
            )
            assert response.status_code == 422, amount
            assert expected in response.get_data(as_text=True), (amount, locale)
    world.respondent.locale = "en"
    db.session.commit()
    unknown = _post(wallet, page, f"{page}/offers", {"pseudonym": "ZZZZ", "amount": "10"})
    assert unknown.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(MemberOffer)) == 0

    ok = _post(
        wallet,
        page,
        f"{page}/offers",
        {"pseudonym": code, "amount": "1,000.50", "message": "Our offer."},
    )
    assert ok.status_code == 302
    twice = _post(wallet, page, f"{page}/offers", {"pseudonym": code, "amount": "2000"})
    assert twice.status_code == 422
    assert "already has an offer" in twice.get_data(as_text=True)
    offer = db.session.scalar(select(MemberOffer))
    assert offer is not None
    assert offer.amount_minor == 100_050
    assert offer.currency == "CNY"


def test_an_offer_is_private_to_its_member_who_alone_decides_once(app: Flask, world: World) -> None:
    forward(world.regulator, world.case)
    wallet = logged_in(app, world.respondent.email)
    page = f"/company/cases/{world.case.public_id}"
    code = world.membership(world.members[1]).pseudonym
    _post(
        wallet,
        page,
        f"{page}/offers",
        {"pseudonym": code, "amount": "777.77", "message": "For you."},
    )
    offer = db.session.scalar(select(MemberOffer))
    assert offer is not None
    mine = f"/cases/{world.case.public_id}/my-outcome"
    owner = logged_in(app, world.members[1].email)
    other = logged_in(app, world.members[2].email)
    assert "777.77" in owner.get(mine, headers=EN).get_data(as_text=True)
    for page_url in (mine, f"/cases/{world.case.public_id}", "/notifications/"):
        assert "777.77" not in other.get(page_url, headers=EN).get_data(as_text=True)
    # another member cannot answer it: 404, like an offer that does not exist
    refused = _post(other, mine, f"/offers/{offer.public_id}", {"decision": "accept"})
    assert refused.status_code == 404
    assert _post(other, mine, "/offers/abcdefghjkmn", {"decision": "accept"}).status_code == 404
    # the company cannot accept its own offer either
    assert wallet.post(f"/offers/{offer.public_id}", data={"decision": "accept"}).status_code in (
        400,
        404,
    )
    accepted = _post(owner, mine, f"/offers/{offer.public_id}", {"decision": "accept"})
    assert accepted.status_code == 302
    again = _post(owner, mine, f"/offers/{offer.public_id}", {"decision": "decline"})
    assert again.status_code == 409
    assert "already answered this offer" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MemberOffer, offer.id).status is OfferStatus.ACCEPTED
    assert "Accepted" in wallet.get(page, headers=EN).get_data(as_text=True)
    audit = set(db.session.scalars(select(AuditEvent.action)))
    assert {"offer.made", "offer.accepted"} <= audit


def test_every_respondent_action_is_audited(app: Flask, world: World) -> None:
    forward(world.regulator, world.case)
    wallet = logged_in(app, world.respondent.email)
    page = f"/company/cases/{world.case.public_id}"
    _post(wallet, page, f"{page}/answer", {"body": "An answer long enough to be accepted here."})
    rows = db.session.execute(
        select(AuditEvent.action, AuditEvent.actor_user_id).where(
            AuditEvent.actor_user_id == world.respondent.id
        )
    ).all()
    assert ("company.answered", world.respondent.id) in rows
    assert db.session.get(User, world.respondent.id).two_factor_enabled
