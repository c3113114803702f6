"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask

from extensions import mail
from tests.support.net import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["To"]]


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def wait_for_account_mail(timeout: float = 10) -> None:
    """Account e-mails leave on a background thread after the commit: wait until they have."""
    from concurrent.futures import wait

    from services.accounts import mail as account_mail

    wait(list(account_mail.pending), timeout=timeout)


def link_in(message: Message, path_prefix: str) -> str:
    """The path of the first link in ``message`` under ``path_prefix`` (``/account/confirm/``)."""
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"\S+)", body)
    assert match, f"no {path_prefix} link in: {body}"
    return match.group(1)


@contextmanager
def mailbox(app: Flask) -> Iterator[Inbox]:
    """``app`` mails through a real SMTP server on loopback while the block runs."""
    saved = {key: app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_SUPPRESS_SEND")}
    with smtp_server() as (inbox, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False)
        mail.init_app(app)  # Flask-Mail reads its settings when bound
        try:
            yield inbox
            wait_for_account_mail()
        finally:
            app.config.update(saved)
            mail.init_app(app)
