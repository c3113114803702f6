"""Routing by licence: licensed entities on the command line, the authority proposed from a
member's two answers with its reason, the member's own windows, bad answers refused in the
member's language, and a joint complaint addressed from the members' answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from extensions import db
from models import Authority, Company, Complaint, ComplaintRouting, LicensedEntity, User
from services.cases import membership as group_cases
from services.demo.licences import load_licensed_entities
from services.routing import answers
from tests.support.forms import logged_in, submit
from tests.support.web import EN

NARRATIVE = "My wallet balance was frozen after a transfer and nobody answers my tickets."


@pytest.fixture
def world(
    app: Flask,  # noqa: ARG001 - needed for its side effect
    make_company: Callable[..., Company],
) -> dict[str, Company]:
    """Alipay, WeChat Pay and PayPal with the demo's licensed entities, and the three
    authorities that are on Chorus here (12315, the CSSF and the others are not)."""
    companies = {
        "alipay": make_company("alipay", "Alipay", "支付宝"),
        "wechat-pay": make_company("wechat-pay", "WeChat Pay", "微信支付"),
        "paypal": make_company("paypal", "PayPal", "贝宝"),
    }
    for slug, en, zh in (
        ("pboc-fcpb", "PBoC Financial Consumer Protection Bureau", "人民银行金融消费权益保护局"),
        ("nfra-cpb", "NFRA Consumer Protection Bureau", "金融监管总局消保局"),
        ("cfpb", "Consumer Financial Protection Bureau", "美国消费者金融保护局"),
    ):
        db.session.add(Authority(slug=slug, name_en=en, name_zh=zh))
    assert load_licensed_entities(db.session, companies) == 4
    db.session.commit()
    return companies


def _complaint(
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    company: Company,
    email: str = "member@example.org",
    locale: str = "en",
    incident: date = date(2026, 10, 1),
) -> Complaint:
    owner = make_user(email=email, display_name="Member", locale=locale)
    return make_complaint(owner, company, NARRATIVE, incident_date=incident)


# -- the command line ----------------------------------------------------------------------------


@pytest.mark.usefixtures("world")
def test_entities_are_kept_on_the_command_line_with_a_source(runner: FlaskCliRunner) -> None:
    listed = runner.invoke(args=["companies", "entities", "list", "alipay"])
    assert listed.exit_code == 0
    assert "支付宝（中国）网络技术有限公司" in listed.output
    assert "Z2000133000019" in listed.output

    added = runner.invoke(
        args=[
            *("companies", "entities", "add", "alipay", "--kind", "consumer_finance"),
            *("--jurisdiction", "cn", "--legal-name", "重庆蚂蚁消费金融有限公司"),
            *("--supervisor", "NFRA", "--source", "https://example.org/register"),
        ]
    )
    assert added.exit_code == 0, added.output
    entity = db.session.scalar(
        select(LicensedEntity).where(LicensedEntity.legal_name == "重庆蚂蚁消费金融有限公司")
    )
    assert entity is not None
    assert entity.jurisdiction == "CN"

    for args, message in (
        (["--source", "not a link"], "Give the source as an http(s) address"),
        (["--source", "https://example.org/register"], "is already recorded for alipay"),
        (["--jurisdiction", "mars"], "Unknown jurisdiction MARS"),
    ):
        base = {
            "--kind": "consumer_finance",
            "--jurisdiction": "CN",
            "--legal-name": "重庆蚂蚁消费金融有限公司",
            "--source": "https://example.org/register",
        }
        base.update(dict(zip(args[::2], args[1::2], strict=True)))
        flat = [part for pair in base.items() for part in pair]
        result = runner.invoke(args=["companies", "entities", "add", "alipay", *flat])
        assert result.exit_code == 1
        assert message in result.output
        assert "Traceback" not in result.output
    unknown = runner.invoke(args=["companies", "entities", "list", "nosuch"])
    assert unknown.exit_code == 1
    assert "No company nosuch." in unknown.output

    removed = runner.invoke(args=["companies", "entities", "remove", str(entity.id)])
    assert removed.exit_code == 0
    assert db.session.scalar(select(func.count(LicensedEntity.id))) == 4


# -- the proposal --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("company", "affected", "residence", "slug", "words"),
    [
        ("alipay", "wallet_balance", "CN", "pboc-fcpb", "支付宝（中国）网络技术有限公司"),
        ("wechat-pay", "wallet_balance", "CN", "pboc-fcpb", "财付通支付科技有限公司"),
        ("alipay", "bank_card", "CN", "nfra-cpb", "Complaints about a bank go to"),
        ("alipay", "credit", "CN", "nfra-cpb", "consumer-finance company"),
        ("alipay", "merchant_goods", "CN", "samr-12315", "does not receive cases on Chorus yet"),
        ("paypal", "wallet_balance", "EU", "cssf", "PayPal (Europe) S.à r.l. et Cie, S.C.A."),
        ("paypal", "wallet_balance", "US", "cfpb", "PayPal, Inc."),
        ("paypal", "wallet_balance", "GB", "fos", "Financial Ombudsman Service"),
    ],
)
def test_the_answers_propose_the_authority_that_supervises_the_entity(
    world: dict[str, Company],
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    company: str,
    affected: str,
    residence: str,
    slug: str,
    words: str,
) -> None:
    complaint = _complaint(make_user, make_complaint, world[company])
    proposal = answers.propose(db.session, complaint, affected, residence)
    assert proposal.authority_slug == slug
    assert words in proposal.reason
    on_chorus = slug in {"pboc-fcpb", "nfra-cpb", "cfpb"}
    assert (proposal.authority is not None) is on_chorus


# -- the page ------------------------------------------------------------------------------------


def test_a_member_answers_and_sees_the_authority_and_their_windows(
    app: Flask,
    world: dict[str, Company],
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
) -> None:
    incident = date.today() - timedelta(days=20)
    complaint = _complaint(make_user, make_complaint, world["paypal"], incident=incident)
    client = logged_in(app, "member@example.org")
    page = f"/complaints/{complaint.public_id}/authority"
    response = submit(
        client,
        page,
        data={
            "affected": "wallet_balance",
            "residence": "US",
            "complained_first": "yes",
            "complained_on": (incident + timedelta(days=2)).isoformat(),
            "company_reference": "PP-D-123456",
        },
        headers=EN,
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your answers were saved." in html
    assert "Proposed authority: Consumer Financial Protection Bureau" in html
    assert "PayPal, Inc., licensed as a payment institution" in html
    paypal_closes = incident + timedelta(days=180)
    assert "Open a PayPal dispute" in html
    assert paypal_closes.strftime("%b") in html
    routing = db.session.get(ComplaintRouting, complaint.id)
    assert routing is not None
    assert routing.authority_slug == "cfpb"
    assert routing.company_reference == "PP-D-123456"
    assert routing.complained_on == incident + timedelta(days=2)

    windows = answers.windows(complaint, routing)
    assert windows[0].closes_on == paypal_closes
    month_end = incident.replace(day=28)
    while (month_end + timedelta(days=1)).month == incident.month:
        month_end += timedelta(days=1)
    assert windows[1].closes_on == month_end + timedelta(days=60)
    assert not any(w.closed for w in windows)

    detail = client.get(f"/complaints/{complaint.public_id}", headers=EN).get_data(as_text=True)
    assert "Consumer Financial Protection Bureau" in detail
    assert "Open a PayPal dispute: closes on" in detail


def test_eu_members_see_psd2s_13_months(
    world: dict[str, Company],
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
) -> None:
    complaint = _complaint(make_user, make_complaint, world["paypal"], incident=date(2025, 1, 31))
    routing = ComplaintRouting(complaint_id=complaint.id, affected="wallet_balance", residence="EU")
    found = {w.name: w for w in answers.windows(complaint, routing)}
    psd2 = found["Report an unauthorised payment to your provider"]
    assert psd2.closes_on == date(2026, 2, 28)  # 13 months, clamped to the month's last day
    assert psd2.closed


def test_bad_answers_are_refused_in_the_members_language(
    app: Flask,
    world: dict[str, Company],
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
) -> None:
    complaint = _complaint(make_user, make_complaint, world["alipay"], locale="zh")
    client = logged_in(app, "member@example.org")
    page = f"/complaints/{complaint.public_id}/authority"
    empty = submit(client, page, data={})
    assert empty.status_code == 422
    assert "请选择受影响的是什么。" in empty.get_data(as_text=True)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    future = submit(
        client,
        page,
        data={
            "affected": "wallet_balance",
            "residence": "CN",
            "complained_first": "yes",
            "complained_on": tomorrow,
        },
    )
    assert future.status_code == 422
    assert "那一天还没有到。" in future.get_data(as_text=True)
    nonsense = submit(client, page, data={"affected": "moon", "residence": "CN"})
    assert nonsense.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ComplaintRouting)) == 0

    make_user(email="other@example.org", display_name="Other", locale="en")
    other = logged_in(app, "other@example.org")
    assert other.get(page).status_code == 404


def test_the_joint_complaint_is_addressed_from_the_members_answers(
    app: Flask,
    world: dict[str, Company],
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
) -> None:
    organizer = make_user(email="org@example.org", display_name="Organizer", locale="en")
    first = make_complaint(organizer, world["alipay"], NARRATIVE)
    case = group_cases.start_case(db.session, organizer, first, title="Frozen", summary="")
    members = [first]
    for n in range(2):
        member = make_user(email=f"m{n}@example.org", display_name=f"M{n}", locale="en")
        complaint = make_complaint(member, world["alipay"], NARRATIVE)
        group_cases.join_case(db.session, member, case, complaint)
        members.append(complaint)
    for complaint, affected in zip(
        members, ("wallet_balance", "wallet_balance", "bank_card"), strict=True
    ):
        answers.save_answers(
            db.session,
            complaint.owner,
            complaint,
            affected=affected,
            residence="CN",
            complained_first=False,
            complained_on=None,
            company_reference="",
        )
    db.session.commit()
    routed = answers.case_routing(db.session, case)
    assert routed is not None
    assert routed.authority.slug == "pboc-fcpb"
    assert (routed.members, routed.answered) == (2, 3)

    client = logged_in(app, "org@example.org")
    html = client.get(f"/cases/{case.public_id}/petition/edit", headers=EN).get_data(as_text=True)
    assert f'<option selected value="{routed.authority.id}">' in html or (
        f'value="{routed.authority.id}" selected' in html
    )
    assert "(2 of 3 members who answered the routing questions)" in html
