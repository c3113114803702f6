"""Property-based tests of ``services.complaints.csv_exchange.import_file`` on both databases:
random
CSV documents (the real layouts' headers, shuffled or broken, cells with quotes, newlines,
formula characters, NUL, BOMs, other encodings, huge fields, ragged rows) are imported, reported
row by row, or refused whole with :class:`CsvRefused`, never with another exception, and what
is reported adds up to what was written; and complaints exported with ``export_file`` import
back with their narratives byte for byte.

Reproducible: see :mod:`tests.support.fuzz`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func, select

from extensions import db
from models import Company, Complaint, User
from services.complaints.csv_exchange import (
    CFPB_COLUMNS,
    EXPORT_COLUMNS,
    CsvRefused,
    export_file,
    import_file,
)
from tests.support.fuzz import fuzz

TODAY = date(2026, 11, 24)


# -- documents -----------------------------------------------------------------------------------

awkward = st.sampled_from(
    [
        "",
        " ",
        '"',
        '""',
        "a,b",
        "line\nbreak",
        "cr\rhere",
        "=1+1",
        "+86 138",
        "-199.00",
        "@SUM(A1)",
        "\t=cmd",
        "'=quoted",
        "\x00",
        "nul\x00inside",
        "\ufeff",
        "钱包冻结",
        "２０２６-０１-０１",
        "Infinity",
        "NaN",
        "1e400",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01",
        "9999-12-31",
        "refund;apology;refund",
        "x" * 100,
        # plausible fields' wrong values
        "-1",
        "100000000.01",
        "0.001",
        "XXX",
        "nope",
        "bribe",
        "yesterday",
        "2099-01-01",
    ]
)
cell = st.one_of(awkward, st.text(max_size=30), st.text(alphabet="=+-@'\"\t\r\n,;", max_size=6))


@st.composite
def chorus_rows(draw: st.DrawFn) -> list[str]:
    """A row of our own export, each field usually plausible, sometimes not."""

    def field(plausible: st.SearchStrategy[str]) -> str:
        return draw(cell) if draw(st.integers(0, 11)) == 0 else draw(plausible)

    return [
        field(st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True)),
        field(st.sampled_from(["WalletPro", "PayPal Holdings, Inc.", "钱包宝", "Block, Inc."])),
        field(st.sampled_from(["", "钱包宝", "支付宝"])),
        field(st.sampled_from(["refund", "account_frozen", "other"])),
        field(st.dates(date(1990, 1, 1), TODAY).map(date.isoformat)),
        field(st.sampled_from(["0", "12.50", "1999", "100000000"])),
        field(st.sampled_from(["CNY", "usd", "JPY"])),
        field(st.text(min_size=15, max_size=80).map(lambda t: "余额被冻结，客服不回复。" + t)),
        field(st.sampled_from(["", "refund", "refund;apology"])),
        field(st.sampled_from(["", "2026-05-01T10:00:00+00:00", "2026-05-01 10:00"])),
    ]


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """The bytes of a CSV file."""
    header_kind = draw(st.sampled_from(["chorus", "chorus", "cfpb", "shuffled", "random", "none"]))
    if header_kind == "chorus":
        header = list(EXPORT_COLUMNS)
    elif header_kind == "cfpb":
        header = list(CFPB_COLUMNS)
    elif header_kind == "shuffled":
        header = draw(st.permutations([*EXPORT_COLUMNS, "extra"]))
    elif header_kind == "random":
        header = draw(st.lists(cell, max_size=6))
    else:
        header = []
    rows: list[list[str]] = []
    for _ in range(draw(st.integers(0, 5))):
        if header_kind in ("chorus", "shuffled") and draw(st.integers(0, 3)) > 0:
            row = draw(chorus_rows())
            if header_kind == "shuffled":
                by_name = dict(zip(EXPORT_COLUMNS, row, strict=True))
                row = [by_name.get(name, "") for name in header]
        else:
            row = draw(st.lists(cell, max_size=len(header) + 2))
        if draw(st.integers(0, 9)) == 0:  # ragged
            row = row[: draw(st.integers(0, len(row)))]
        rows.append(row)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\r\n", "\n", "\r"])))
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    if draw(st.integers(0, 14)) == 0:
        text += '"' + "x" * 140_000 + '"\n'  # past the csv module's field limit
    if draw(st.integers(0, 9)) == 0:
        text = text[: draw(st.integers(0, len(text)))]  # cut anywhere, even in a quote
    encoding = draw(
        st.sampled_from(["utf-8"] * 5 + ["utf-8-sig", "utf-8-sig", "gb18030", "utf-16", "raw"])
    )
    if encoding == "raw":
        return draw(st.binary(max_size=300))
    return text.encode(encoding, errors="replace")


@pytest.fixture
def owner(make_user: Callable[..., User], make_company: Callable[..., Company]) -> User:
    make_company("walletpro", "WalletPro", "钱包宝")
    user = make_user(email="importer@example.org")
    db.session.commit()
    return user


def _count() -> int:
    return db.session.scalar(select(func.count(Complaint.id))) or 0


@fuzz(80)
@given(document=documents(), dry_run=st.booleans())
@example(
    document=(
        ",".join(EXPORT_COLUMNS) + "\r\nid\x001,WalletPro,,refund,2026-01-01,1,CNY,"
        "余额被冻结，客服一直不回复，已经三个月了。,,\r\n"
    ).encode(),
    dry_run=False,
)
@example(
    document=(
        ",".join(EXPORT_COLUMNS) + "\r\nA1,WalletPro,,refund,2026-01-01,1,CNY,"
        "余额被冻结，客服一直不回复，已经三个月了。,,0001-01-01T00:00:00+14:00\r\n"
    ).encode(),
    dry_run=False,
)
def test_any_document_is_imported_reported_or_refused(
    owner: User, tmp_path: Path, document: bytes, dry_run: bool
) -> None:
    path = tmp_path / "complaints.csv"
    path.write_bytes(document)
    before = _count()
    try:
        try:
            result = import_file(db.session, path, owner=owner, today=TODAY, dry_run=dry_run)
        except CsvRefused as refusal:
            message = refusal.message
        else:
            message = None
        if message is not None:
            assert message.strip()
            assert _count() == before  # a refused file writes nothing
            return
        if not dry_run:
            db.session.flush()
        assert _count() == before + (0 if dry_run else result.imported)
        assert result.imported >= 0
        assert result.duplicates >= 0
        for bad in result.bad_rows:
            assert bad.line >= 2
            assert bad.reason.strip()
        assert result.summary()
    finally:
        db.session.rollback()


# -- export, then import ------------------------------------------------------------------------

narratives = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    min_size=25,
    max_size=200,
).filter(lambda t: len(t.strip()) >= 20)


@fuzz(25)
@given(texts=st.lists(narratives, min_size=1, max_size=3))
@example(texts=['=HYPERLINK("http://evil.example") 钱包把我的余额冻结了，客服不回复。'])
@example(texts=["'=already quoted, then a formula, then more words to be long enough"])
@example(texts=["-199.00 refunded? no. The wallet froze my balance and never replied."])
@example(texts=['line one\r\nline two\rline three\n\ttabbed, "quoted", enough words'])
def test_exported_narratives_import_back_byte_for_byte(
    owner: User,
    make_complaint: Callable[..., Complaint],
    tmp_path: Path,
    texts: list[str],
) -> None:
    company = db.session.scalar(select(Company).where(Company.slug == "walletpro"))
    path = tmp_path / "export.csv"
    try:
        originals = []
        for text in texts:
            complaint = make_complaint(owner, company, text)
            originals.append((complaint.public_id, complaint.narrative))
        assert export_file(db.session, path, company_slug="walletpro") >= len(texts)
        result = import_file(db.session, path, owner=owner, today=TODAY)
        assert result.bad_rows == []
        for public_id, narrative in originals:
            copy = db.session.scalar(
                select(Complaint).where(Complaint.source == f"import:chorus:{public_id}")
            )
            assert copy is not None
            assert copy.narrative == narrative
            assert copy.narrative.encode() == narrative.encode()
    finally:
        db.session.rollback()
        for complaint in db.session.scalars(select(Complaint)):
            db.session.delete(complaint)
        db.session.commit()
