"""Admins review the companies members proposed."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskCliRunner
from sqlalchemy import select

from extensions import db
from models import Company, CompanyStatus, Complaint, ComplaintTerm, User
from services.complaints.filing import resolve_company


def _propose(user: User, name: str) -> Company:
    company = resolve_company(db.session, name, user=user, propose=True)
    db.session.commit()
    return company


def test_list_approve_and_reject(runner: FlaskCliRunner, make_user: Callable[..., User]) -> None:
    user = make_user()
    proposed = _propose(user, "Quillfin Pay")
    listing = runner.invoke(args=["companies", "proposed"])
    assert proposed.slug in listing.output
    assert "Quillfin Pay" in listing.output

    result = runner.invoke(
        args=[
            "companies",
            "approve",
            proposed.slug,
            "--slug",
            "quillfin",
            "--name-zh",
            "奎尔芬支付",
        ]
    )
    assert result.exit_code == 0, result.output
    company = db.session.scalar(select(Company).where(Company.slug == "quillfin"))
    assert company.status is CompanyStatus.APPROVED
    assert resolve_company(db.session, "奎尔芬支付").id == company.id
    assert "No company is waiting" in runner.invoke(args=["companies", "proposed"]).output

    other = _propose(user, "Shady Wallet")
    assert runner.invoke(args=["companies", "reject", other.slug]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Company, other.id).status is CompanyStatus.REJECTED


def test_merge_moves_complaints_terms_and_names(
    runner: FlaskCliRunner,
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> None:
    user = make_user()
    alipay = make_company("alipay", "Alipay", "支付宝")
    duplicate = _propose(user, "Alipay Singapore Ltd")
    complaint = make_complaint(
        user, duplicate, "My Alipay Singapore top-up never arrived, support ignores me."
    )
    result = runner.invoke(args=["companies", "merge", duplicate.slug, "--into", "alipay"])
    assert result.exit_code == 0, result.output
    assert "1 complaints moved to alipay" in result.output
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).company_id == alipay.id
    assert resolve_company(db.session, "alipay singapore ltd").id == alipay.id
    assert set(
        db.session.scalars(
            select(ComplaintTerm.company_id).where(ComplaintTerm.complaint_id == complaint.id)
        )
    ) == {alipay.id}
    refused = runner.invoke(args=["companies", "merge", "alipay", "--into", "alipay"])
    assert refused.exit_code == 1
    assert "cannot be merged into itself" in refused.output
    unknown = runner.invoke(args=["companies", "approve", "nope"])
    assert "No company with the short name nope." in unknown.output
