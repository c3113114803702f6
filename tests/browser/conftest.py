"""Browser tests: the app served by a real HTTP server in a thread, Debian's Chromium driving it.

Playwright never downloads a browser here: pytest-playwright's launch arguments are overridden
to start ``/usr/bin/chromium`` (``make test`` installs it when missing).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from extensions import db
from services.demo import load_demo
from services.reference.categories import ensure_categories
from tests.conftest import app_config
from tests.support.live_server import served_in_a_thread
from tests.support.smtp import Inbox, smtp_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    # no DNS for anything but loopback: the browser must not reach out
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_smtp() -> Iterator[tuple[Inbox, int]]:
    """The real SMTP server the live app mails through (links to confirm an address...)."""
    with smtp_server() as (inbox, port):
        yield inbox, port


@pytest.fixture(scope="session")
def live_mailbox(live_smtp: tuple[Inbox, int]) -> Inbox:
    return live_smtp[0]


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory, live_smtp: tuple[Inbox, int]) -> Flask:
    """The served app, with demo data on SQLite: for what only the command line does (an
    operator creating a company's respondent account)."""
    tmp_path: Path = tmp_path_factory.mktemp("live")
    # jobs on the thread pool, as served for real: the pages must follow their progress
    app = create_app(
        app_config(
            tmp_path,
            f"sqlite:///{tmp_path / 'live.sqlite3'}",
            JOBS_MODE="thread",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=live_smtp[1],
            MAIL_SUPPRESS_SEND=False,
        )
    )
    with app.app_context():
        db.create_all()
        ensure_categories(db.session)
        load_demo(db.session)
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The app with demo data on SQLite, served over HTTP on a free loopback port."""
    with served_in_a_thread(live_app) as base:
        yield base
