"""Registering as a person does: the form, the mail, the link, the password."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.support.forms import submit
from tests.support.smtp import link_in, mailbox
from tests.support.web import EN, assert_redirects


def register_and_confirm(app: Flask, client: FlaskClient, **data: Any) -> None:
    """Register through the page with ``data`` (email, display_name, password, locale), then
    follow the confirmation link the real SMTP server received; ``client`` ends logged in."""
    fields = {"confirm": data["password"], **data}
    with mailbox(app) as inbox:
        assert_redirects(submit(client, "/account/register", data=fields, headers=EN))
    address = data["email"].strip().lower()
    (message,) = [m for m in inbox.messages if m["To"] == address]
    link = link_in(message, "/account/confirm/")
    confirmed = submit(client, link, data={"password": data["password"]}, headers=EN)
    assert_redirects(confirmed, to="/me/")
