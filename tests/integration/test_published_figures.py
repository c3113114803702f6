"""When a case's public figures change: in batches of members, at most once a day, and never by
aggregating on a visitor's request; and the timeline's joins as counts per day."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from extensions import db
from models import Company, Complaint, GroupCase, Membership, PublishedFigures, User
from services.cases import membership as group_cases
from services.complaints.filing import ComplaintInput, update_complaint
from tests.support.sql import statements_sent
from tests.support.web import EN

TODAY = date(2026, 11, 24)
STORY = "WalletPro froze my balance after a top-up ({n}) and support never answers me."


@pytest.fixture
def people(make_user: Callable[..., User]) -> list[User]:
    return [make_user(email=f"p{i}@example.org", locale="en") for i in range(10)]


@pytest.fixture
def case(
    people: list[User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> GroupCase:
    """Five members who lost 1,000.00 each: published at once, "about CN¥5,000"."""
    wallet = make_company("walletpro", "WalletPro", "钱包宝")
    complaints = [
        make_complaint(p, wallet, STORY.format(n=i), amount=100_000) for i, p in enumerate(people)
    ]
    started = group_cases.start_case(
        db.session, people[0], complaints[0], title="Frozen", summary="", invite_similar=False
    )
    for person, complaint in zip(people[1:5], complaints[1:5], strict=True):
        group_cases.join_case(db.session, person, started, complaint)
    db.session.commit()
    return started


def _total(client: FlaskClient, case: GroupCase) -> str | None:
    page = client.get(f"/cases/{case.public_id}", headers=EN).get_data(as_text=True)
    found = re.search(r"<dt>Total lost \(CNY\)</dt><dd>(.*?)</dd>", page)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else None  # the amount's own span


def _edit(person: User, amount: int) -> None:
    complaint = db.session.scalar(
        select(Complaint).join(Membership).where(Membership.user_id == person.id)
    )
    assert complaint is not None
    update_complaint(
        db.session,
        complaint,
        ComplaintInput(
            company_text="WalletPro",
            propose_company=False,
            category_id=complaint.category_id,
            incident_date=complaint.incident_date,
            amount_minor=amount,
            currency="CNY",
            narrative=complaint.narrative,
            demands=["refund"],
            demands_other=None,
        ),
        TODAY,
    )
    db.session.commit()


def _join(person: User, case: GroupCase) -> None:
    complaint = db.session.scalar(select(Complaint).where(Complaint.owner_id == person.id))
    assert complaint is not None
    group_cases.join_case(db.session, person, case, complaint)
    db.session.commit()


def _leave(person: User, case: GroupCase) -> None:
    membership = group_cases.membership_in(db.session, person, case)
    assert membership is not None
    group_cases.leave_case(db.session, membership)
    db.session.commit()


def test_figures_change_only_once_five_members_changed_each_counted_once(
    client: FlaskClient, people: list[User], case: GroupCase
) -> None:
    assert _total(client, case) == "about CN¥5,000"
    for amount in (200_000, 300_000, 400_000, 500_000, 600_000):  # one member, five edits
        _edit(people[1], amount)
    _join(people[5], case)  # joins and leaves again: nothing of hers is in any figure
    _leave(people[5], case)
    assert _total(client, case) == "about CN¥5,000"  # one member changed, not five
    for person, amount in zip(people[2:5], (123_456, 234_567, 345_678), strict=True):
        _edit(person, amount)
    assert _total(client, case) == "about CN¥5,000"  # four
    _join(people[6], case)  # the fifth: 1,000 + 6,000 + 1,234.56 + 2,345.67 + 3,456.78 + 1,000
    assert _total(client, case) == "about CN¥15,000"


def test_figures_change_at_most_once_a_day(
    app: Flask, client: FlaskClient, people: list[User], case: GroupCase
) -> None:
    app.config["CASE_FIGURES_REPUBLISH_AFTER"] = 24 * 3600
    for person in people[5:10]:
        _join(person, case)
    assert _total(client, case) == "about CN¥5,000"  # five joined, but within the day
    row = db.session.get(PublishedFigures, case.id)
    assert row is not None
    assert row.published_at is not None
    row.published_at -= timedelta(hours=25)
    db.session.commit()
    _edit(people[0], 200_000)  # the next change after the day publishes
    assert _total(client, case) == "about CN¥11,000"


def test_case_page_reads_published_figures_without_aggregating(
    client: FlaskClient, case: GroupCase
) -> None:
    with statements_sent() as statements:
        assert client.get(f"/cases/{case.public_id}").status_code == 200
    assert not [s for s in map(str.lower, statements) if "complaints" in s or "sum(" in s]


def test_timeline_counts_joins_per_day_without_pseudonyms(
    client: FlaskClient, people: list[User], case: GroupCase
) -> None:
    _leave(people[4], case)
    page = client.get(f"/cases/{case.public_id}", headers=EN).get_data(as_text=True)
    timeline = page[page.index('<ol class="timeline">') :]
    assert "4 members joined" in timeline
    assert "1 member left" in timeline
    for membership in db.session.scalars(select(Membership).where(Membership.case_id == case.id)):
        if membership.role.value == "member":
            assert membership.pseudonym not in page


def test_the_sweep_publishes_quiet_cases_once_due_and_cases_never_published(
    app: Flask, client: FlaskClient, people: list[User], case: GroupCase
) -> None:
    app.config["CASE_FIGURES_REPUBLISH_AFTER"] = 24 * 3600
    for person in people[5:10]:
        _join(person, case)
    assert _total(client, case) == "about CN¥5,000"  # five joined within the day
    runner = app.test_cli_runner()
    assert "0 case(s) queued" in runner.invoke(args=["jobs", "sweep"]).output  # not yet due
    assert _total(client, case) == "about CN¥5,000"

    row = db.session.get(PublishedFigures, case.id)
    assert row is not None
    assert row.published_at is not None
    row.published_at -= timedelta(hours=25)
    db.session.commit()
    # nobody changes anything more: the sweep from cron publishes the day's batch
    result = runner.invoke(args=["jobs", "sweep"])
    assert "1 case(s) queued for new published figures." in result.output, result.output
    assert _total(client, case) == "about CN¥10,000"

    # a case from before snapshots has none: the sweep gives it its first
    db.session.execute(delete(PublishedFigures))
    db.session.commit()
    assert _total(client, case) is None
    assert "1 case(s) queued" in runner.invoke(args=["jobs", "sweep"]).output
    assert _total(client, case) == "about CN¥10,000"
