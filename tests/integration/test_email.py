"""Notification e-mails through a real SMTP server, each in its recipient's language."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email.header import decode_header, make_header
from email.message import Message

import pytest
from flask import Flask

from extensions import db, mail
from models import Company, Complaint, User
from services.cases import membership as group_cases
from services.petition import drafting
from services.reference.authorities import create_authority
from tests.support.smtp import Inbox, smtp_server


@pytest.fixture
def inbox(app: Flask) -> Iterator[Inbox]:
    with smtp_server() as (received, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False)
        mail.init_app(app)  # Flask-Mail reads its settings when bound
        yield received


def _text(message: Message) -> tuple[str, str]:
    subject = str(make_header(decode_header(message["Subject"])))
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    return subject, body


def _case_ready_to_open(
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> tuple[object, ...]:
    company = make_company("walletpro", "WalletPro", "钱包宝")
    organizer = make_user(email="org@example.org", locale="en")
    chinese = make_user(email="zh@example.org", locale="zh", display_name="李娜")
    english = make_user(email="en@example.org", locale="en", display_name="Ann")
    text = "WalletPro froze my balance and customer service never answered my calls."
    case = group_cases.start_case(
        db.session,
        organizer,
        make_complaint(organizer, company, text),
        title="Frozen balances",
        summary="",
        invite_similar=False,
    )
    for person in (chinese, english):
        group_cases.join_case(db.session, person, case, make_complaint(person, company, text))
    authority = create_authority(db.session, slug="fcp", name_en="Office", name_zh="办公室")
    organizer_membership = group_cases.membership_in(db.session, organizer, case)
    version = drafting.save_version(
        db.session,
        case,
        organizer_membership,
        drafting.DraftInput(
            title="Complaint", authority_id=authority.id, facts="", demands="", body_md="# Text"
        ),
    )
    db.session.commit()
    return case, organizer_membership, version


def test_opening_signing_mails_members_in_their_language_after_commit(
    app: Flask,
    inbox: Inbox,
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> None:
    case, organizer, version = _case_ready_to_open(make_user, make_company, make_complaint)
    with app.test_request_context():
        drafting.open_for_signing(db.session, case, organizer, version)
        assert inbox.messages == []  # nothing leaves before the commit
        db.session.commit()

    assert len(inbox.messages) == 2
    zh_subject, zh_body = _text(inbox.to("zh@example.org")[0])
    en_subject, en_body = _text(inbox.to("en@example.org")[0])
    assert zh_subject == "请联署：Frozen balances"
    assert "李娜" in zh_body
    assert en_subject == "Please sign: Frozen balances"
    assert f"/cases/{case.public_id}" in en_body
    assert inbox.to("org@example.org") == []  # the organizer opened it


def test_rolled_back_actions_send_nothing(
    app: Flask,
    inbox: Inbox,
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> None:
    case, organizer, version = _case_ready_to_open(make_user, make_company, make_complaint)
    with app.test_request_context():
        drafting.open_for_signing(db.session, case, organizer, version)
        db.session.rollback()
        db.session.commit()
    assert inbox.messages == []
