"""E-mails to account holders: confirm the address, reset the password, finish a login.

Each is written in the recipient's language, collected on the database session and handed to a
background thread only after the commit: a rolled-back request mails nobody, and the time an
answer takes does not depend on whether a mail was sent (so it cannot tell whether an address
has an account). Without ``MAIL_SERVER`` a development server logs the mail, links included,
so that a developer can follow them; production logs only that it could not send.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from flask_mail import Message

from extensions import mail
from models.base import DbSession
from services.platform.after_commit import after_commit

log = logging.getLogger(__name__)
_sender = ThreadPoolExecutor(max_workers=2, thread_name_prefix="account-mail")

#: the deliveries of the last commit, for tests and for the command line to wait on
pending: list[Future[None]] = []


def queue(
    session: DbSession, *, to: str, locale: str | None, template: str, **context: Any
) -> None:
    """Write ``emails/<template>.txt`` (and its subject) now, send it after the commit."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = render_template(f"emails/{template}.subject.txt", **context).strip()
        body = render_template(f"emails/{template}.txt", **context)
    message = Message(subject=subject, recipients=[to], body=body)
    after_commit(session, partial(_send_in_background, message), what="send an account e-mail")


def _send_in_background(message: Message) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    pending[:] = [f for f in pending if not f.done()]
    pending.append(_sender.submit(_deliver, app, message))


def _deliver(app: Flask, message: Message) -> None:
    with app.app_context():
        if not app.config.get("MAIL_SERVER"):
            if app.config["ENV"] == "development":
                log.warning(
                    "MAIL_SERVER is not set; this e-mail was not sent:\nTo: %s\nSubject: %s\n\n%s",
                    ", ".join(str(to) for to in message.recipients),
                    message.subject,
                    message.body,
                )
            elif app.config["ENV"] != "testing":
                log.error("MAIL_SERVER is not set: an account e-mail could not be sent")
            return
        try:
            mail.send(message)
        except Exception:
            log.exception("could not send an account e-mail")
