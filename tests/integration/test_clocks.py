"""Deadlines after submission: submitting starts them, the authority's statuses stop them, an
extension moves them, and the sweep tells members before and after, each notice once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message

import holidays
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from extensions import db
from models import (
    AuditEvent,
    ClockKind,
    Notification,
    Submission,
    SubmissionClock,
    SubmissionStatus,
    User,
    UserRole,
    utcnow,
)
from services import clocks
from services.accounts import api_tokens
from services.clocks import calendar
from services.clocks.reading import view as clock_view
from services.errors import DomainError, NotFound
from services.submissions import lifecycle
from tests.support.clocks import authorities as authorities
from tests.support.clocks import submit_case as submit_case
from tests.support.forms import csrf_token, logged_in, submit
from tests.support.smtp import mailbox
from tests.support.web import EN

#: Friday 25 Sep 2026, 10:00 in Beijing: the National Day week and its 调休 Saturday follow
BEFORE_NATIONAL_DAY = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)


def _clock(submission: Submission, kind: ClockKind) -> SubmissionClock:
    clock = db.session.scalar(
        select(SubmissionClock).where(
            SubmissionClock.submission_id == submission.id, SubmissionClock.kind == kind
        )
    )
    assert clock is not None
    return clock


def _regulator(make_user: Callable[..., User], authority: object, email: str) -> User:
    return make_user(email=email, role=UserRole.REGULATOR, authority=authority, locale="en")


def test_submitting_starts_the_authoritys_clocks(
    submit_case: Callable[..., Submission],
) -> None:
    samr = submit_case("samr", at=BEFORE_NATIONAL_DAY)
    accept = _clock(samr, ClockKind.ACKNOWLEDGE)
    # 7 working days across the holiday week, the adjusted Saturday 10 Oct counted
    rules = clocks.rule_set("samr-12315")
    assert rules is not None
    assert calendar.last_day(rules, accept.due_at) == date(2026, 10, 12)
    # mediation's 45 working days run from acceptance, not yet
    close = _clock(samr, ClockKind.CLOSE)
    assert close.started_at is None
    assert close.due_at is None

    nfra = submit_case("nfra", at=datetime(2026, 9, 16, 2, 0, tzinfo=UTC), title="Second")
    answer = _clock(nfra, ClockKind.ANSWER)
    # 15 days would end on National Day itself: the period ends on the next working day
    assert calendar.last_day(clocks.rule_set("nfra-2020"), answer.due_at) == date(2026, 10, 8)


def test_an_authority_without_rules_runs_no_clock(
    submit_case: Callable[..., Submission],
) -> None:
    submission = submit_case("cca", at=BEFORE_NATIONAL_DAY)
    assert (
        db.session.scalar(
            select(func.count(SubmissionClock.id)).where(
                SubmissionClock.submission_id == submission.id
            )
        )
        == 0
    )


def test_statuses_stop_their_clocks_and_acceptance_starts_mediation(
    submit_case: Callable[..., Submission],
    make_user: Callable[..., User],
    authorities: dict[str, object],
) -> None:
    samr = submit_case("samr", at=BEFORE_NATIONAL_DAY)
    regulator = _regulator(make_user, authorities["samr"], "samr@example.org")
    lifecycle.record_status(db.session, regulator, samr, SubmissionStatus.RECEIVED)
    db.session.commit()
    accept, close = _clock(samr, ClockKind.ACKNOWLEDGE), _clock(samr, ClockKind.CLOSE)
    assert accept.stopped_at is not None
    assert close.started_at is not None
    assert close.stopped_at is None
    assert close.due_at is not None
    lifecycle.record_status(
        db.session, regulator, samr, SubmissionStatus.RESOLVED, outcome="refund"
    )
    db.session.commit()
    assert _clock(samr, ClockKind.CLOSE).stopped_at is not None

    nfra = submit_case("nfra", at=BEFORE_NATIONAL_DAY, title="Second")
    officer = _regulator(make_user, authorities["nfra"], "nfra@example.org")
    lifecycle.record_status(db.session, officer, nfra, SubmissionStatus.UNDER_REVIEW)
    assert _clock(nfra, ClockKind.ANSWER).stopped_at is None  # reviewing is not answering
    lifecycle.record_status(
        db.session, officer, nfra, SubmissionStatus.COMPANY_ANSWERED, note="We refund."
    )
    db.session.commit()
    assert _clock(nfra, ClockKind.ANSWER).stopped_at is not None


def test_an_extension_moves_the_due_date_within_the_rules_limit(
    submit_case: Callable[..., Submission],
    make_user: Callable[..., User],
    authorities: dict[str, object],
) -> None:
    nfra = submit_case("nfra", at=datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    officer = _regulator(make_user, authorities["nfra"], "nfra@example.org")
    other = _regulator(make_user, authorities["samr"], "samr@example.org")
    with pytest.raises(NotFound):
        clocks.extend(db.session, other, nfra, ClockKind.ANSWER, 30, "complex")
    with pytest.raises(DomainError, match="at most 60"):
        clocks.extend(db.session, officer, nfra, ClockKind.ANSWER, 61, "complex")
    with pytest.raises(DomainError, match="reason"):
        clocks.extend(db.session, officer, nfra, ClockKind.ANSWER, 30, "  ")
    clocks.extend(db.session, officer, nfra, ClockKind.ANSWER, 30, "Complex: 400 members")
    db.session.commit()
    answer = _clock(nfra, ClockKind.ANSWER)
    assert answer.period == 30
    # 2 Nov + 30 days is Wednesday 2 Dec 2026
    assert calendar.last_day(clocks.rule_set("nfra-2020"), answer.due_at) == date(2026, 12, 2)
    assert answer.extensions[0].reason == "Complex: 400 members"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "clock.extended"))
    assert event is not None
    assert event.actor_user_id == officer.id
    # a 12315 acceptance deadline cannot be extended at all
    samr = submit_case("samr", at=BEFORE_NATIONAL_DAY, title="Second")
    with pytest.raises(DomainError, match="allow no extension"):
        clocks.extend(db.session, other, samr, ClockKind.ACKNOWLEDGE, 10, "busy")


def test_after_an_extension_members_are_told_of_the_new_date_in_their_turn(
    submit_case: Callable[..., Submission],
    make_user: Callable[..., User],
    authorities: dict[str, object],
) -> None:
    nfra = submit_case("nfra", at=datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    officer = _regulator(make_user, authorities["nfra"], "nfra@example.org")
    first_due = _clock(nfra, ClockKind.ANSWER).due_at  # end of Tuesday 17 Nov in Beijing
    clocks.send_due(db.session, now=first_due - timedelta(days=2))
    clocks.send_due(db.session, now=first_due + timedelta(hours=1))
    db.session.commit()
    assert (len(_notices("clock_due_soon")), len(_notices("clock_overdue"))) == (3, 3)

    clocks.extend(db.session, officer, nfra, ClockKind.ANSWER, 30, "Complex: 400 members")
    db.session.commit()
    new_due = _clock(nfra, ClockKind.ANSWER).due_at  # end of Wednesday 2 Dec
    assert clocks.send_due(db.session, now=first_due + timedelta(days=1)).notifications == 0
    soon = clocks.send_due(db.session, now=new_due - timedelta(days=2))
    db.session.commit()
    assert soon.notifications == 3
    assert [n.data["due_date"] for n in _notices("clock_due_soon")[3:]] == ["2026-12-02"] * 3
    late = clocks.send_due(db.session, now=new_due + timedelta(minutes=1))
    db.session.commit()
    assert late.notifications == 3
    assert len(_notices("clock_overdue")) == 6


def test_a_working_day_deadline_counts_the_days_left_in_working_days(
    app: Flask, submit_case: Callable[..., Submission]
) -> None:
    samr = submit_case("samr", at=BEFORE_NATIONAL_DAY)
    accept = clock_view(_clock(samr, ClockKind.ACKNOWLEDGE), BEFORE_NATIONAL_DAY)
    assert accept is not None
    # 7 working days to Monday 12 Oct across the National Day week: 17 calendar days
    assert accept.days_left == 7
    assert calendar.days_left(accept.rules, accept.due_at, BEFORE_NATIONAL_DAY) == 17
    on_the_day = clock_view(
        _clock(samr, ClockKind.ACKNOWLEDGE), datetime(2026, 10, 12, 1, 0, tzinfo=UTC)
    )
    late = clock_view(_clock(samr, ClockKind.ACKNOWLEDGE), datetime(2026, 10, 14, 1, 0, tzinfo=UTC))
    assert on_the_day is not None
    assert late is not None
    assert (on_the_day.days_left, late.days_left) == (0, -2)  # late in calendar days

    fresh = submit_case("samr", at=utcnow(), title="Fresh case")
    page = f"/cases/{fresh.case.public_id}"
    english = logged_in(app, "m1-1@example.org").get(page, headers=EN).get_data(as_text=True)
    assert "7 working days left" in english
    chinese = logged_in(app, "m1-0@example.org")
    assert "剩余 7 个工作日" in chinese.get(page, headers={"Accept-Language": "zh"}).get_data(
        as_text=True
    )
    as_json = clock_view(_clock(fresh, ClockKind.ACKNOWLEDGE), utcnow())
    assert as_json is not None
    assert (as_json.as_json()["days_left"], as_json.as_json()["days_left_unit"]) == (
        7,
        "working_days",
    )


def _notices(kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.kind == kind).order_by(Notification.id)
        )
    )


def test_the_sweep_tells_every_member_three_days_before_and_once_overdue_each_once(
    submit_case: Callable[..., Submission],
) -> None:
    nfra = submit_case("nfra", at=datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    due = _clock(nfra, ClockKind.ANSWER).due_at  # end of Tuesday 17 Nov in Beijing
    early = clocks.send_due(db.session, now=due - timedelta(days=4))
    assert early.notifications == 0
    soon = clocks.send_due(db.session, now=due - timedelta(days=2))
    db.session.commit()
    assert (soon.due_soon, soon.overdue, soon.notifications) == (1, 0, 3)
    again = clocks.send_due(db.session, now=due - timedelta(days=1))
    assert again.notifications == 0
    notes = _notices("clock_due_soon")
    assert len(notes) == 3  # the organizer and both members
    assert notes[0].data["due_date"] == "2026-11-17"
    assert notes[0].data["authority"] == "nfra"
    assert notes[0].data["clock"] == "answer"

    late = clocks.send_due(db.session, now=due + timedelta(minutes=1))
    twice = clocks.send_due(db.session, now=due + timedelta(days=3))
    db.session.commit()
    assert (late.overdue, late.notifications, twice.notifications) == (1, 3, 0)
    assert len(_notices("clock_overdue")) == 3


def test_a_deadline_met_in_time_sends_no_overdue_notice(
    submit_case: Callable[..., Submission],
    make_user: Callable[..., User],
    authorities: dict[str, object],
) -> None:
    nfra = submit_case("nfra", at=datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    officer = _regulator(make_user, authorities["nfra"], "nfra@example.org")
    lifecycle.record_status(
        db.session, officer, nfra, SubmissionStatus.COMPANY_ANSWERED, note="Refunded."
    )
    db.session.commit()
    due = _clock(nfra, ClockKind.ANSWER).due_at
    assert clocks.send_due(db.session, now=due + timedelta(days=1)).notifications == 0


def test_the_sweep_command_mails_each_member_in_their_language(
    app: Flask,
    runner: FlaskCliRunner,
    submit_case: Callable[..., Submission],
) -> None:
    # submitted 14 days ago: the answer is due tomorrow, whatever today is
    now = datetime.now(UTC)
    submit_case("nfra", at=now - timedelta(days=13, hours=1))
    with mailbox(app) as inbox:
        result = runner.invoke(args=["jobs", "sweep"])
        assert result.exit_code == 0, result.output
        assert "1 deadline(s) three days away and 0 passed: 3 notification(s)." in result.output
        again = runner.invoke(args=["jobs", "sweep"])
        assert "0 deadline(s) three days away and 0 passed: 0 notification(s)." in again.output
    assert len(inbox.messages) == 3
    chinese_subject, chinese = _text(inbox.to("m0-0@example.org")[0])
    english_subject, english = _text(inbox.to("org0@example.org")[0])
    assert "金融监管总局消保局" in chinese
    assert "答复" in chinese_subject or "截止" in chinese_subject
    assert "NFRA Consumer Protection" in english
    assert "WalletPro freezes balances: Company's answer due on" in english_subject


def _text(message: Message) -> tuple[str, str]:
    subject = str(make_header(decode_header(message["Subject"])))
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    return subject, body


# --- what pages and the API show ------------------------------------------------------------


def _web_cases(
    submit_case: Callable[..., Submission],
    make_user: Callable[..., User],
    authorities: dict[str, object],
) -> tuple[Submission, Submission, Submission]:
    """Three NFRA cases: one overdue (submitted 20 days ago), one due in two days (13 days
    ago), one answered in time; and an NFRA regulator."""
    now = datetime.now(UTC)
    overdue = submit_case("nfra", at=now - timedelta(days=20), title="Overdue case")
    soon = submit_case("nfra", at=now - timedelta(days=13), title="Due soon case")
    answered = submit_case("nfra", at=now - timedelta(days=5), title="Answered case")
    officer = _regulator(make_user, authorities["nfra"], "nfra@example.org")
    lifecycle.record_status(
        db.session, officer, answered, SubmissionStatus.COMPANY_ANSWERED, note="Refunded."
    )
    db.session.commit()
    return overdue, soon, answered


def test_the_inbox_shows_sorts_and_filters_by_deadline(
    app: Flask,
    submit_case: Callable[..., Submission],
    make_user: Callable[..., User],
    authorities: dict[str, object],
) -> None:
    _web_cases(submit_case, make_user, authorities)
    officer = logged_in(app, "nfra@example.org")
    html = officer.get("/regulator/", headers=EN).get_data(as_text=True)
    assert "Next deadline" in html
    assert "Overdue" in html
    assert "days late" in html

    by_due = officer.get("/regulator/?sort=due", headers=EN).get_data(as_text=True)
    # the overdue case first, the one due soon next, the answered one (no running clock) last
    assert (
        by_due.index("Overdue case") < by_due.index("Due soon case") < by_due.index("Answered case")
    )
    overdue_only = officer.get("/regulator/?deadline=overdue", headers=EN).get_data(as_text=True)
    assert "Overdue case" in overdue_only
    assert "Due soon case" not in overdue_only
    soon_only = officer.get("/regulator/?deadline=due_soon", headers=EN).get_data(as_text=True)
    assert "Due soon case" in soon_only
    assert "Overdue case" not in soon_only
    bad = officer.get("/regulator/?deadline=tomorrow", headers=EN)
    assert bad.status_code == 400
    assert "Choose a value from the list." in bad.get_data(as_text=True)
    make_user(
        email="nfra.zh@example.org",
        role=UserRole.REGULATOR,
        authority=authorities["nfra"],
        locale="zh",
    )
    chinese = logged_in(app, "nfra.zh@example.org").get("/regulator/?deadline=overdue")
    html = chinese.get_data(as_text=True)
    assert "下一个时限" in html
    assert "已逾期" in html
    assert "逾期" in html


def test_the_regulator_extends_a_deadline_on_the_case_page(
    app: Flask,
    submit_case: Callable[..., Submission],
    make_user: Callable[..., User],
    authorities: dict[str, object],
) -> None:
    overdue, _soon, _answered = _web_cases(submit_case, make_user, authorities)
    case_id = overdue.case.public_id
    officer = logged_in(app, "nfra@example.org")
    page = f"/regulator/cases/{case_id}"
    html = officer.get(page, headers=EN).get_data(as_text=True)
    assert "Deadlines" in html
    assert "Under the rules of NFRA Consumer Protection" in html
    assert "Extend: Company&#39;s answer" in html

    action = f"{page}/deadlines/extend"
    refused = submit(
        officer, page, action, {"clock": "answer", "period": "90", "reason": "complex"}, headers=EN
    )
    assert refused.status_code == 422
    assert "at most 60" in refused.get_data(as_text=True)
    no_reason = submit(
        officer, page, action, {"clock": "answer", "period": "30", "reason": ""}, headers=EN
    )
    assert no_reason.status_code == 422
    assert "Give the reason for the extension." in no_reason.get_data(as_text=True)
    done = submit(
        officer,
        page,
        action,
        {"clock": "answer", "period": "30", "reason": "Complex case"},
        headers=EN,
        follow_redirects=True,
    )
    assert "The deadline was extended." in done.get_data(as_text=True)
    assert "(extended from 15)" in done.get_data(as_text=True)
    token = csrf_token(officer.get(page, headers=EN).get_data(as_text=True))
    nonsense = officer.post(
        action,
        data={"csrf_token": token, "clock": "nonsense", "period": "30", "reason": "x"},
        headers=EN,
    )
    assert nonsense.status_code == 422
    assert "Choose a value from the list." in nonsense.get_data(as_text=True)

    # another authority's regulator learns nothing of the case, nor can extend its clocks
    _regulator(make_user, authorities["samr"], "samr@example.org")
    stranger = logged_in(app, "samr@example.org")
    assert stranger.get(page, headers=EN).status_code == 404
    assert "Overdue case" not in stranger.get("/regulator/", headers=EN).get_data(as_text=True)
    token_page = stranger.get("/regulator/", headers=EN).get_data(as_text=True)
    response = stranger.post(
        action,
        data={
            "csrf_token": csrf_token(token_page),
            "clock": "answer",
            "period": "60",
            "reason": "x",
        },
    )
    assert response.status_code == 404


def test_members_see_the_deadlines_and_visitors_do_not(
    app: Flask,
    submit_case: Callable[..., Submission],
    make_user: Callable[..., User],
    authorities: dict[str, object],
) -> None:
    overdue, _soon, _answered = _web_cases(submit_case, make_user, authorities)
    case_page = f"/cases/{overdue.case.public_id}"
    member = logged_in(app, "m0-1@example.org")
    html = member.get(case_page, headers=EN).get_data(as_text=True)
    assert "Under the rules of NFRA Consumer Protection" in html
    assert "Overdue" in html
    dashboard = member.get("/me/", headers=EN).get_data(as_text=True)
    assert "NFRA Consumer Protection · Company&#39;s answer" in dashboard
    assert "days late" in dashboard
    chinese = logged_in(app, "m0-0@example.org")
    assert "逾期" in chinese.get(case_page, headers={"Accept-Language": "zh"}).get_data(
        as_text=True
    )
    visitor = app.test_client().get(case_page, headers=EN).get_data(as_text=True)
    assert "Under the rules of" not in visitor


def test_the_api_gives_each_case_its_clocks_in_utc(
    app: Flask,
    submit_case: Callable[..., Submission],
    make_user: Callable[..., User],
    authorities: dict[str, object],
) -> None:
    _overdue, _soon, answered = _web_cases(submit_case, make_user, authorities)
    officer = db.session.scalar(select(User).where(User.email == "nfra@example.org"))
    secret = api_tokens.create_token(db.session, officer, "case system").secret
    db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    listing = client.get("/api/v1/cases?deadline=overdue&sort=due", headers=headers).get_json()
    assert [c["title"] for c in listing["cases"]] == ["Overdue case"]
    case = listing["cases"][0]
    assert case["overdue"] is True
    clock = case["clocks"][0]
    assert clock["kind"] == "answer"
    assert clock["rule_set"] == "nfra-2020"
    assert clock["state"] == "overdue"
    assert clock["due_at"].endswith("+00:00")
    assert clock["days_left"] < 0
    assert clock["time_zone"] == "Asia/Shanghai"
    assert case["next_due"]["kind"] == "answer"

    detail = client.get(f"/api/v1/cases/{answered.case.public_id}", headers=headers).get_json()
    assert detail["overdue"] is False
    assert detail["clocks"][0]["state"] == "met"
    assert detail["next_due"] is None
    bad = client.get("/api/v1/cases?deadline=late", headers=headers)
    assert bad.status_code == 400
    assert bad.get_json()["field"] == "deadline"


def test_two_sweeps_at_once_send_each_notice_once(
    app: Flask,
    database_url: str,
    submit_case: Callable[..., Submission],
) -> None:
    """Cron and a worker sweeping in the same second: the UPDATE that claims a notice lets
    only one of them send it (PostgreSQL: the second waits for the first's row, then finds
    it claimed; SQLite: writers take turns)."""
    nfra = submit_case("nfra", at=datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    late = _clock(nfra, ClockKind.ANSWER).due_at + timedelta(hours=1)
    db.session.remove()
    barrier = threading.Barrier(2)
    results: list[int] = []

    def sweep() -> None:
        with app.app_context(), Session(db.engine) as session:
            barrier.wait()
            results.append(clocks.send_due(session, now=late).notifications)
            session.commit()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [0, 3], database_url
    assert len(_notices("clock_overdue")) == 3


#: Friday 26 Sep 2031, 10:00 in Beijing: 2031's official schedule (its 调休) is years away
BEFORE_AN_UNPUBLISHED_NATIONAL_DAY = datetime(2031, 9, 26, 2, 0, tzinfo=UTC)


def test_a_deadline_across_an_unpublished_schedule_is_provisional_and_moves_once_it_is_out(
    app: Flask,
    submit_case: Callable[..., Submission],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    samr = submit_case("samr", at=BEFORE_AN_UNPUBLISHED_NATIONAL_DAY)
    accept = _clock(samr, ClockKind.ACKNOWLEDGE)
    # 7 working days: Mon 29, Tue 30 Sep, then (National Day, weekend) 6 to 10 Oct
    assert calendar.last_day(clocks.rule_set("samr-12315"), accept.due_at) == date(2031, 10, 10)
    shown = clock_view(accept, BEFORE_AN_UNPUBLISHED_NATIONAL_DAY)
    assert shown is not None
    assert (shown.provisional, shown.unpublished_year) == (True, 2031)
    assert shown.as_json()["provisional"] is True
    # the Chinese calendar is known for this year: a deadline counted in it is not provisional
    known = submit_case("samr", at=BEFORE_NATIONAL_DAY, title="Known year")
    known_view = clock_view(_clock(known, ClockKind.ACKNOWLEDGE), BEFORE_NATIONAL_DAY)
    assert known_view is not None
    assert known_view.provisional is False
    member = logged_in(app, "m0-1@example.org")
    page = member.get(f"/cases/{samr.case.public_id}", headers=EN).get_data(as_text=True)
    assert "provisional" in page
    assert "The official holiday schedule of 2031 is not out yet" in page
    clocks.send_due(db.session, now=accept.due_at - timedelta(days=2))
    db.session.commit()
    told = len(_notices("clock_due_soon"))
    assert told == 3

    # the State Council's notice comes out (here: a release of the calendar that makes
    # Saturday 27 Sep a working day): the sweep moves the last day to Thursday 9 Oct
    published = holidays.country_holidays("CN")
    published.get(date(2031, 1, 1))
    published.weekend_workdays.add(date(2031, 9, 27))
    monkeypatch.setattr(calendar, "_calendar", lambda _country, _subdivision: published)
    result = app.test_cli_runner().invoke(args=["jobs", "sweep"])
    assert result.exit_code == 0, result.output
    assert "1 deadline(s) moved to a newly published holiday schedule." in result.output
    db.session.expire_all()
    moved = _clock(samr, ClockKind.ACKNOWLEDGE)
    assert calendar.last_day(clocks.rule_set("samr-12315"), moved.due_at) == date(2031, 10, 9)
    now_shown = clock_view(moved, BEFORE_AN_UNPUBLISHED_NATIONAL_DAY)
    assert now_shown is not None
    assert now_shown.provisional is False
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "clock.rescheduled")
        )
        == 1
    )
    # the three-day notice spoke of the old date: members hear of the new one in its turn
    clocks.send_due(db.session, now=moved.due_at - timedelta(days=2))
    db.session.commit()
    assert [n.data["due_date"] for n in _notices("clock_due_soon")[told:]] == ["2031-10-09"] * 3
