"""The bundle carries the signers' confirmed loss tables and, per signer, whether a statement
backs their claim; the verifier checks both files like every payload.

The demo's submitted case with the most signers (``tests/integration/test_bundle.py``) gets
loss tables written straight into its rows (a submitted case takes no new upload): the first
signer proves their whole claim plus a payment the second signer claims too, which therefore
backs neither of them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path
from typing import cast

from flask import Flask
from sqlalchemy.orm import Session

from extensions import db
from models import (
    Membership,
    StatementRow,
    StatementRowKind,
    StatementStatus,
    StatementTable,
    Submission,
    utcnow,
)
from services.bundle.loss_tables import BACKING, HOLDER_NAMED, HOLDER_STATED, LOSS_TABLES
from services.bundle.verify import verify_bundle
from services.bundle.writer import build_bundle
from services.petition.signing import signing_state
from services.platform.formatting import format_amount
from services.statements.tables import order_hash, order_key
from tests.integration.test_bundle import prepare


def _table(
    member: Membership, payments: list[tuple[str, int]], layout: str = "alipay_app"
) -> StatementTable:
    complaint = member.complaint
    assert complaint is not None
    key = order_key(member.case)
    table = StatementTable(
        case_id=member.case_id,
        membership_id=member.id,
        user_id=member.user_id,
        layout=layout,
        holder_named=layout == "alipay_app",
        status=StatementStatus.CONFIRMED,
        currency=complaint.currency,
        window_start=complaint.incident_date,
        window_end=complaint.incident_date,
        counterparty="云帆商城",
        rows_read=40,
        total_minor=sum(amount for _order, amount in payments),
        claimed_minor=complaint.amount_minor,
        claimed_currency=complaint.currency,
        confirmed_at=utcnow(),
    )
    table.rows = [
        StatementRow(
            case_id=member.case_id,
            position=index,
            occurred_at=datetime(2026, 10, 3, 12, index),
            kind=StatementRowKind.PAYMENT,
            amount_minor=amount,
            counterparty="云帆商城",
            description="会员费 客服电话[PHONE]",
            status="交易成功",
            order_hash=order_hash(key, order),
        )
        for index, (order, amount) in enumerate(payments)
    ]
    db.session.add(table)
    return table


def _csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_bundle_holds_loss_tables_and_who_a_statement_backs(
    app: Flask,  # noqa: ARG001 - needed for its side effect
    demo: None,  # noqa: ARG001 - needed for its side effect
    tmp_path: Path,
) -> None:
    submission: Submission = prepare(cast(Session, db.session))
    state = signing_state(db.session, submission.case, submission.version)
    signers = sorted(
        (e.membership for e in state.active.values() if e.membership), key=lambda m: m.id
    )
    first, second = signers[0], signers[1]
    assert first.complaint is not None
    claim = first.complaint.amount_minor
    _table(first, [("2026100322001405511000115432", claim), ("SHARED-ORDER-1", 100000)])
    _table(second, [("SHARED-ORDER-1", 100000)], layout="wechat_csv")
    db.session.commit()

    path = tmp_path / "case.zip"
    with path.open("wb") as out:
        build_bundle(db.session, submission, out)
    report = verify_bundle(path)
    assert report.ok, report.problems
    with zipfile.ZipFile(path) as archive:
        top = archive.namelist()[0].split("/")[0]
        rows = _csv(archive.read(f"{top}/{LOSS_TABLES}"))
        backing = {r["Complaint ID"]: r for r in _csv(archive.read(f"{top}/{BACKING}"))}
        manifest = archive.read(f"{top}/manifest-sha256.txt").decode()
    assert LOSS_TABLES in manifest
    assert BACKING in manifest

    assert [r["Complaint ID"] for r in rows] == [first.pseudonym] * 2 + [second.pseudonym]
    assert [r["Claimed by another member"] for r in rows] == ["No", "Yes", "Yes"]
    assert [r["Account holder"] for r in rows] == [HOLDER_NAMED] * 2 + [HOLDER_STATED]
    assert "2026100322001405511000115432" not in "".join(map(str, rows))
    assert rows[0]["Amount"] == format_amount(claim, first.complaint.currency)
    assert backing[first.pseudonym]["Backed by statement"] == "Yes"
    assert backing[first.pseudonym]["Backed amount"] == format_amount(
        claim, first.complaint.currency
    )
    assert backing[second.pseudonym]["Backed by statement"] == "No"
    assert len(backing) == len(signers)
    assert all(backing[m.pseudonym]["Backed by statement"] == "No" for m in signers[2:])

    # an edited byte in the loss tables is named like in any payload file
    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    name = f"{top}/{LOSS_TABLES}"
    files[name] = files[name].replace("交易成功".encode(), "交易失败".encode(), 1)
    tampered = io.BytesIO()
    with zipfile.ZipFile(tampered, "w") as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    problems = verify_bundle(io.BytesIO(tampered.getvalue())).problems
    assert any(p.startswith(f"{LOSS_TABLES}: SHA-256 mismatch") for p in problems), problems
