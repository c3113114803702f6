"""``flask complaints import`` and ``export``: complaints collected elsewhere, in and out as CSV."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from extensions import db
from models import (
    Category,
    Company,
    CompanyStatus,
    Complaint,
    ComplaintTerm,
    Job,
    JobStatus,
    User,
)
from services.complaints.filing import ComplaintInput, file_complaint, resolve_company
from services.matching import meaning, term_index
from services.reference.companies import create_company

DATA = Path(__file__).parent.parent / "data"
CFPB_SAMPLE = DATA / "cfpb_sample.csv"
CHORUS_SAMPLE = DATA / "chorus_export_sample.csv"
OWNER = "association@example.org"

#: what the CFPB sample's good rows must become: Complaint ID -> (company slug, category)
CFPB_EXPECTED = {
    "8512001": ("paypal", "account_security"),
    "8512002": ("paypal", "account_frozen"),
    "8512003": ("venmo", "transaction_failed"),
    "8512004": ("cash-app", "topup_withdrawal"),
    "8512005": ("cash-app", "account_security"),
    "8512006": ("paypal", "customer_service"),
    "8512007": ("venmo", "fees_limits"),
    "8512008": (None, "unfair_terms"),
    "8512009": (None, "duplicate_charge"),
    "8512010": ("paypal", "refund"),
    "8512013": (None, "other"),
    "8512014": ("venmo", "data_leak"),
    "8512015": ("cash-app", "transaction_failed"),
}
CFPB_SUMMARY = "13 complaints (1 new companies, 0 duplicates skipped, 2 bad rows)."
CFPB_BAD_ROWS = [
    "line 14: cannot read the date “13/45/23”",
    "line 15: the date 2099-01-01 is in the future",
]


def run_import(runner: FlaskCliRunner, path: Path, *options: str, owner: str = OWNER) -> Result:
    return runner.invoke(args=["complaints", "import", str(path), "--owner", owner, *options])


def output_lines(result: Result) -> list[str]:
    return result.output.strip().splitlines()


def owned_by(email: str) -> list[Complaint]:
    return list(
        db.session.scalars(
            select(Complaint).join(User, Complaint.owner_id == User.id).where(User.email == email)
        )
    )


def facts(complaints: list[Complaint]) -> list[tuple[object, ...]]:
    """Everything a complaint says, without who owns it or where it came from."""
    return sorted(
        (
            c.narrative,
            c.company_id,
            c.category_id,
            c.incident_date,
            c.amount_minor,
            c.currency,
            tuple(c.demands),
            c.created_at,
        )
        for c in complaints
    )


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def association(make_user: Callable[..., User]) -> User:
    """A consumer association importing complaints it collected elsewhere."""
    return make_user(email=OWNER, display_name="消费者协会")


@pytest.fixture
def wallets(app: object) -> dict[str, Company]:  # noqa: ARG001 - needed for its side effect
    """A few companies with their Chinese names, without the whole demo."""
    companies = {
        slug: create_company(db.session, slug=slug, name_en=en, name_zh=zh)
        for slug, en, zh in (
            ("alipay", "Alipay", "支付宝"),
            ("wechat-pay", "WeChat Pay", "微信支付"),
            ("paypal", "PayPal", "贝宝"),
        )
    }
    db.session.commit()
    return companies


@pytest.mark.usefixtures("demo")
def test_cfpb_file_is_imported_with_categories_companies_and_bad_lines(
    runner: FlaskCliRunner, association: User
) -> None:
    result = run_import(runner, CFPB_SAMPLE)

    assert result.exit_code == 0, result.output
    assert output_lines(result) == [f"Imported {CFPB_SUMMARY}", *CFPB_BAD_ROWS]
    imported = {c.source.removeprefix("import:cfpb:"): c for c in owned_by(OWNER)}
    assert set(imported) == set(CFPB_EXPECTED)
    proposed = db.session.scalars(
        select(Company).where(Company.status == CompanyStatus.PROPOSED)
    ).all()
    assert [(c.name_en, c.proposed_by_id) for c in proposed] == [
        ("Quillfin Payments, LLC", association.id)
    ]
    for complaint_id, (slug, category) in CFPB_EXPECTED.items():
        complaint = imported[complaint_id]
        assert (complaint.company.slug if slug else complaint.company, complaint.category.code) == (
            slug or proposed[0],
            category,
        ), complaint_id
        assert (complaint.amount_minor, complaint.currency, complaint.demands) == (0, "USD", [])
    assert imported["8512002"].incident_date == date(2024, 3, 2)
    assert imported["8512015"].incident_date == date(2023, 8, 24)
    assert imported["8512002"].narrative.splitlines() == [
        "PayPal froze my account without warning and is holding {$3400.00} of my sales money "
        "for 180 days.",
        "I have sent every document they asked for twice.",
        "Nobody can tell me why the account is limited or when I will get my money back.",
    ]
    assert (
        imported["8512005"].narrative
        == "Complaint to the CFPB about: Fraud or scam; Unauthorized transactions."
    )


@pytest.mark.usefixtures("demo", "association")
def test_imported_complaints_are_in_the_term_index(runner: FlaskCliRunner) -> None:
    assert run_import(runner, CFPB_SAMPLE).exit_code == 0
    terms = {c.source: term_index.complaint_terms(db.session, c.id) for c in owned_by(OWNER)}

    assert all(terms.values()), [source for source, found in terms.items() if not found]
    assert {"phish", "paypal"} <= set(terms["import:cfpb:8512001"])
    assert {"fraud", "scam", "unauthor"} <= set(terms["import:cfpb:8512005"])


@pytest.mark.usefixtures("association")
def test_imported_complaints_are_read_for_meaning_once_the_import_is_committed(
    runner: FlaskCliRunner,
) -> None:
    assert run_import(runner, CFPB_SAMPLE).exit_code == 0

    db.session.expire_all()
    jobs = db.session.scalars(select(Job).where(Job.kind == meaning.VECTOR_JOB)).all()
    assert len(jobs) == len(owned_by(OWNER)) == 13
    assert {job.status for job in jobs} == {JobStatus.DONE}


@pytest.mark.usefixtures("demo", "association")
def test_importing_again_skips_every_complaint_already_imported(runner: FlaskCliRunner) -> None:
    assert run_import(runner, CFPB_SAMPLE).exit_code == 0
    companies, terms = count(Company), count(ComplaintTerm)

    again = run_import(runner, CFPB_SAMPLE)

    assert again.exit_code == 0, again.output
    assert output_lines(again) == [
        "Imported 0 complaints (0 new companies, 13 duplicates skipped, 2 bad rows).",
        *CFPB_BAD_ROWS,
    ]
    assert len(owned_by(OWNER)) == 13
    assert (count(Company), count(ComplaintTerm)) == (companies, terms)


@pytest.mark.usefixtures("demo", "association")
def test_dry_run_reports_what_an_import_would_do_and_writes_nothing(
    runner: FlaskCliRunner,
) -> None:
    before = (count(Complaint), count(Company), count(ComplaintTerm))

    dry = run_import(runner, CFPB_SAMPLE, "--dry-run")

    assert dry.exit_code == 0, dry.output
    assert output_lines(dry) == [
        f"Dry run, nothing was written: would have imported {CFPB_SUMMARY}",
        *CFPB_BAD_ROWS,
    ]
    assert (count(Complaint), count(Company), count(ComplaintTerm)) == before
    real = run_import(runner, CFPB_SAMPLE)
    assert output_lines(real)[0] == f"Imported {CFPB_SUMMARY}"


@pytest.mark.usefixtures("association")
def test_refused_files_and_owners_write_nothing_and_exit_1(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    spreadsheet = tmp_path / "complaints.csv"
    spreadsheet.write_text("Date received,Company,Issue,Narrative\n2024-01-02,PayPal,Scam,x\n")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(CHORUS_SAMPLE.read_text(encoding="utf-8-sig").encode("gbk"))

    header = run_import(runner, spreadsheet)
    assert header.exit_code == 1
    assert "Missing columns" in header.output
    assert "Sub-issue" in header.output
    assert "Complaint ID" in header.output
    not_utf8 = run_import(runner, gbk)
    assert not_utf8.exit_code == 1
    assert "UTF-8" in not_utf8.output
    missing = run_import(runner, tmp_path / "nowhere.csv")
    assert missing.exit_code == 1
    assert "Cannot read" in missing.output
    stranger = run_import(runner, CFPB_SAMPLE, owner="nobody@example.org")
    assert stranger.exit_code == 1
    assert "No account with the e-mail nobody@example.org" in stranger.output
    assert (count(Complaint), count(Company)) == (0, 0)


@pytest.mark.usefixtures("demo", "association")
def test_an_unexpected_error_rolls_back_the_whole_file(
    runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = (count(Complaint), count(Company), count(ComplaintTerm))
    index = term_index.index_complaint
    calls: list[Complaint] = []

    def index_then_fail(session: Session, complaint: Complaint) -> None:
        calls.append(complaint)
        if len(calls) == 9:  # 8 complaints and the unknown company are written by now
            raise RuntimeError("disk full")
        index(session, complaint)

    monkeypatch.setattr(term_index, "index_complaint", index_then_fail)
    result = run_import(runner, CFPB_SAMPLE)

    assert isinstance(result.exception, RuntimeError)
    assert result.exit_code == 1
    db.session.rollback()
    assert (count(Complaint), count(Company), count(ComplaintTerm)) == before


@pytest.mark.usefixtures("demo", "association")
def test_a_row_failing_while_saved_leaves_nothing_behind_and_the_rest_is_imported(
    runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = term_index.index_complaint

    def refuse_advertising(session: Session, complaint: Complaint) -> None:
        index(session, complaint)  # terms written, company created: all must go again
        if complaint.source == "import:cfpb:8512008":
            raise IntegrityError("INSERT ...", {}, ValueError("name taken meanwhile"))

    monkeypatch.setattr(term_index, "index_complaint", refuse_advertising)
    result = run_import(runner, CFPB_SAMPLE)

    assert result.exit_code == 0, result.output
    assert output_lines(result) == [
        "Imported 12 complaints (1 new companies, 0 duplicates skipped, 3 bad rows).",
        "line 11: not saved: name taken meanwhile",
        *CFPB_BAD_ROWS,
    ]
    sources = {c.source for c in owned_by(OWNER)}
    assert "import:cfpb:8512008" not in sources
    assert len(sources) == 12
    quillfin = db.session.scalars(select(Company).where(Company.name_en.ilike("quillfin%"))).all()
    assert [c.name_en for c in quillfin] == ["QUILLFIN PAYMENTS LLC"]
    orphan_terms = select(func.count()).select_from(ComplaintTerm)
    orphan_terms = orphan_terms.where(ComplaintTerm.complaint_id.not_in(select(Complaint.id)))
    assert db.session.scalar(orphan_terms) == 0


@pytest.mark.usefixtures("association")
def test_chorus_layout_is_imported_with_amounts_currencies_and_chinese_names(
    runner: FlaskCliRunner, wallets: dict[str, Company]
) -> None:
    result = run_import(runner, CHORUS_SAMPLE)

    assert result.exit_code == 0, result.output
    assert output_lines(result) == [
        "Imported 6 complaints (2 new companies, 0 duplicates skipped, 3 bad rows).",
        "line 6: unknown category “lost_money”",
        "line 7: the amount 12.345 has more than 2 decimals for CNY",
        "line 8: unknown demands: money_back",
    ]
    imported = {c.source.removeprefix("import:chorus:"): c for c in owned_by(OWNER)}
    summary = {
        key: (c.company.name_en or c.company.name_zh, c.amount_minor, c.currency, c.demands)
        for key, c in imported.items()
    }
    assert summary == {
        "k7m2x9p4q8rs": ("Alipay", 325000, "CNY", ["refund", "compensation"]),
        "t3wq8zn5v2ha": ("WeChat Pay", 5850, "CNY", ["refund"]),
        "p9rc4mx7y3dk": ("PayPal", 12999, "USD", ["refund", "apology"]),
        "j2fx6tb8n4we": ("PayPay", 15000, "JPY", ["refund", "fix_service"]),
        "w6pa9dq2x5me": ("Alipay", 0, "CNY", ["fix_service"]),
        "r3yt8kc5n2bv": ("AlipayHK", 80000, "HKD", []),
    }
    assert imported["t3wq8zn5v2ha"].narrative.startswith("=SUM(B2:B3) 是我在表格里算的")
    assert imported["w6pa9dq2x5me"].narrative == (
        "我的支付寶帳戶被凍結了，\n客服說要等待審核，已經兩個星期沒有任何消息。"
    )
    assert imported["k7m2x9p4q8rs"].created_at.isoformat() == "2024-05-03T08:15:30.123456+00:00"
    assert imported["w6pa9dq2x5me"].category.code == "account_frozen"
    new = {c.name_en for c in db.session.scalars(select(Company)) if c.slug not in wallets}
    assert new == {"PayPay", "AlipayHK"}


def file(owner: User, company: str, category: str, narrative: str, **values: Any) -> None:
    category_id = db.session.scalar(select(Category.id).where(Category.code == category))
    data = ComplaintInput(
        company_text=company,
        propose_company=True,
        category_id=category_id,
        incident_date=values.get("incident_date", date(2024, 6, 1)),
        amount_minor=values.get("amount_minor", 12345),
        currency=values.get("currency", "CNY"),
        narrative=narrative,
        demands=values.get("demands", ["refund"]),
        demands_other=None,
    )
    file_complaint(db.session, owner, data, date.today())


TRICKY_NARRATIVES = (
    '=HYPERLINK("http://evil.example","点击领取退款") 这是骗子短信里的原文，我点了之后账户被盗。',
    "+86 138 0000 0000 自称支付宝客服打来电话，骗走了我的短信验证码，随后被转走五千元。",
    "-500 CNY were taken twice for one order, and the merchant blames the wallet.",
    "@PayPal support on social media keeps sending me a form link that does not work.",
    "'Twas the night before payday when my account was frozen without any reason.",
)


@pytest.mark.usefixtures("association", "wallets")
def test_export_then_import_reproduces_every_complaint_exactly(
    runner: FlaskCliRunner,
    make_user: Callable[..., User],
    tmp_path: Path,
) -> None:
    member = make_user(email="member@example.org")
    file(member, "支付寶", "account_security", TRICKY_NARRATIVES[0], amount_minor=500000)
    file(member, "Alipay", "account_security", TRICKY_NARRATIVES[1], demands=[])
    file(member, "微信支付", "duplicate_charge", TRICKY_NARRATIVES[2], amount_minor=5)
    file(member, "PayPal", "customer_service", TRICKY_NARRATIVES[3], currency="USD")
    file(member, "PayPay", "account_frozen", TRICKY_NARRATIVES[4], currency="JPY")
    file(
        member,
        "贝宝",
        "refund",
        "退款申请已经提交三十天了，\n贝宝一直说在处理中。",
        amount_minor=99,
    )
    db.session.commit()
    exported = tmp_path / "out.csv"

    export = runner.invoke(args=["complaints", "export", str(exported)])
    assert export.exit_code == 0, export.output
    assert "Exported 6 complaints" in export.output
    raw = exported.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = read_rows(exported)
    narratives = {row["narrative"] for row in rows}
    assert {"'" + text for text in TRICKY_NARRATIVES} <= narratives
    assert {(row["amount"], row["currency"]) for row in rows} >= {
        ("5000.00", "CNY"),
        ("0.05", "CNY"),
        ("12345", "JPY"),
        ("0.99", "CNY"),
    }

    result = run_import(runner, exported)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Imported 6 complaints (0 new companies, 0 duplicates")

    assert facts(owned_by(OWNER)) == facts(owned_by("member@example.org"))


@pytest.mark.usefixtures("wallets")
def test_export_filters_by_company_slug(
    runner: FlaskCliRunner,
    make_user: Callable[..., User],
    tmp_path: Path,
) -> None:
    member = make_user()
    file(member, "Alipay", "refund", "支付宝退款三十天还没有到账，客服一直说在处理中。")
    file(member, "PayPal", "refund", "PayPal has not refunded my order after the seller agreed.")
    db.session.commit()
    exported = tmp_path / "alipay.csv"

    result = runner.invoke(args=["complaints", "export", str(exported), "--company", "alipay"])

    assert result.exit_code == 0, result.output
    rows = read_rows(exported)
    assert [(row["company"], row["company_zh"]) for row in rows] == [("Alipay", "支付宝")]
    unknown = runner.invoke(args=["complaints", "export", str(exported), "--company", "nope"])
    assert unknown.exit_code == 1
    assert "No company with the slug nope" in unknown.output


@pytest.mark.usefixtures("demo", "association")
def test_every_demo_complaint_survives_export_and_import(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    exported = tmp_path / "demo.csv"
    assert runner.invoke(args=["complaints", "export", str(exported)]).exit_code == 0
    originals = list(db.session.scalars(select(Complaint)))

    result = run_import(runner, exported)

    assert result.exit_code == 0, result.output
    assert output_lines(result) == [
        f"Imported {len(originals)} complaints (0 new companies, 0 duplicates skipped, 0 bad rows)."
    ]
    assert facts(owned_by(OWNER)) == facts(originals)


@pytest.mark.usefixtures("association")
def test_banks_legal_names_resolve_from_the_names_people_type(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    with CFPB_SAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header, row = reader.fieldnames, next(reader)
    assert header is not None
    path = tmp_path / "banks.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        for number, legal in enumerate(("CITIBANK, N.A.", "WELLS FARGO & COMPANY")):
            writer.writerow({**row, "Company": legal, "Complaint ID": f"99{number}"})
    assert run_import(runner, path).exit_code == 0
    by_name = {c.name_en: c for c in db.session.scalars(select(Company))}
    citi, wells = by_name["CITIBANK, N.A."], by_name["WELLS FARGO & COMPANY"]
    for typed, company in [
        ("Citibank", citi),
        ("Citi", citi),
        ("citi bank", citi),
        ("Wells Fargo", wells),
        ("wells-fargo", wells),
    ]:
        assert resolve_company(db.session, typed) == company, typed
