"""200 members sign the same case at once through gunicorn with four worker processes: no
signature lost, none duplicated, the chain valid, on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from bench.signing_setup import build_signing_case
from extensions import db
from models import GroupCase, SignatureAction, SignatureEntry
from services.petition.signing import signing_state, verify_case_chain
from tests.support.browserless import HttpUser
from tests.support.server import gunicorn_server
from tests.support.web import is_redirect

MEMBERS = 200
PASSWORD = "concurrent signing"
HASH = re.compile(r'name="version_sha256" type="hidden" value="([0-9a-f]{64})"')


def _sign(base_url: str, case_id: str, email: str) -> int:
    user = HttpUser(base_url)
    status, _ = user.submit(
        "/account/login", "/account/login", {"email": email, "password": PASSWORD}
    )
    assert is_redirect(status), f"login of {email} answered {status}"
    _status, page = user.get(f"/cases/{case_id}/petition")
    version_hash = HASH.search(page)
    assert version_hash, "no signing form"
    status, _ = user.submit(
        f"/cases/{case_id}/petition",
        f"/cases/{case_id}/petition/sign",
        {
            "version_sha256": version_hash.group(1),
            "facts_confirmed": "y",
            "share_identity": "pseudonym",
        },
    )
    return status


def test_two_hundred_members_sign_at_once(app: Flask, database_url: str, tmp_path: Path) -> None:
    with app.test_request_context():
        case_id, emails = build_signing_case(db.session, MEMBERS, PASSWORD)
    db.session.remove()
    with (
        gunicorn_server(
            database_url, tmp_path / "served", workers=4, RATELIMIT_ENABLED="false"
        ) as base_url,
        ThreadPoolExecutor(max_workers=50) as pool,
    ):
        statuses = list(pool.map(lambda email: _sign(base_url, case_id, email), emails))
    assert len(statuses) == MEMBERS
    assert all(is_redirect(status) for status in statuses), sorted(set(statuses))

    case = db.session.scalar(select(GroupCase).where(GroupCase.public_id == case_id))
    entries = db.session.scalars(
        select(SignatureEntry).where(SignatureEntry.case_id == case.id).order_by(SignatureEntry.seq)
    ).all()
    assert [e.seq for e in entries] == list(range(1, MEMBERS + 1))
    assert all(e.action is SignatureAction.SIGN for e in entries)
    assert len({e.membership_id for e in entries}) == MEMBERS
    assert signing_state(db.session, case).count == MEMBERS
    # the count kept by each entry, under concurrent signers, agrees with the log
    assert entries[-1].version.signature_count == MEMBERS
    report = verify_case_chain(db.session, case)
    assert report.ok, report.problem
