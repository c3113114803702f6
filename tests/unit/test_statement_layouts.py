"""Reading wallet statements: every layout, as the wallets write them, and every bad file.

The fixtures follow public samples byte for byte in their layout (``docs/statements.md``);
their data is fictional. Each bad file must be refused with its own message, never read in
part.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest

from services.statements.opening import open_statement
from services.statements.reading import (
    MAX_ROWS,
    MAX_XLSX_ROWS,
    Kind,
    Layout,
    Line,
    StatementError,
)
from tests.support import statements as samples


def _read(data: bytes) -> tuple[Layout, list[Line], int]:
    reader = open_statement(io.BytesIO(data))
    rows = list(reader.rows)
    return reader.header.layout, [line for lines in rows for line in lines], len(rows)


def _net(lines: list[Line], counterparty: str) -> int:
    return sum(
        (line.amount_minor if line.kind is Kind.PAYMENT else -line.amount_minor)
        for line in lines
        if line.counterparty == counterparty and not line.closed
    )


def test_the_committed_csv_fixtures_are_what_the_builders_make() -> None:
    for name, make in samples.FILES.items():
        if name.endswith(".csv"):
            assert (samples.FIXTURES / name).read_bytes() == make(), name


def test_alipay_app_export_in_gb18030_with_its_preamble() -> None:
    data = (samples.FIXTURES / "alipay-app.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really GB18030, as Alipay writes it
    reader = open_statement(io.BytesIO(data))
    assert reader.header.layout is Layout.ALIPAY_APP
    assert reader.header.holder_name == samples.HOLDER
    assert reader.header.declared_rows == len(samples.ALIPAY_ROWS)
    lines = [line for lines in reader.rows for line in lines]
    refund = next(line for line in lines if line.amount_minor == 5000)
    assert refund.kind is Kind.REFUND
    assert refund.order == "2026100922001405511000118822"  # the payment it refunds, no tab
    closed = [line for line in lines if line.closed]
    assert {line.amount_minor for line in closed} == {19900, 5900}
    assert all(line.currency == "CNY" for line in lines)
    assert not any(line.counterparty == "张*" for line in lines)  # income is not a loss


def test_alipay_web_export_reads_refunds_from_their_own_column() -> None:
    layout, lines, rows = _read((samples.FIXTURES / "alipay-web.csv").read_bytes())
    assert layout is Layout.ALIPAY_WEB
    assert rows == 4
    assert _net(lines, samples.MERCHANT) == samples.ALIPAY_WEB_NET


def test_wechat_bill_csv_and_xlsx_read_alike() -> None:
    layout_csv, from_csv, _rows = _read((samples.FIXTURES / "wechat.csv").read_bytes())
    layout_xlsx, from_xlsx, _rows = _read((samples.FIXTURES / "wechat.xlsx").read_bytes())
    assert (layout_csv, layout_xlsx) == (Layout.WECHAT_CSV, Layout.WECHAT_XLSX)
    assert from_csv == from_xlsx
    assert _net(from_csv, samples.MERCHANT) == samples.WECHAT_NET
    assert from_csv[0].when == datetime(2026, 10, 3, 3, 12, 5)
    assert from_csv[0].order == "4200002611202610031234567890"


def test_paypal_activity_with_or_without_byte_order_mark() -> None:
    for data in (samples.paypal_csv(), samples.paypal_csv(bom=True)):
        layout, lines, _rows = _read(data)
        assert layout is Layout.PAYPAL
        assert _net(lines, "Sunny Gadgets Ltd") == samples.PAYPAL_NET
        assert lines[0].when == datetime(2026, 10, 3, 3, 46, 20)
        refund = next(line for line in lines if line.kind is Kind.REFUND)
        assert refund.order == "3LM45678NP901234Q"


def test_paypal_dates_are_read_day_first_when_one_cannot_be_month_first() -> None:
    rows = tuple(
        (f"{day}/10/2026", *row[1:])
        for day, row in zip(("03", "03", "09", "21", "25"), samples.PAYPAL_ROWS, strict=True)
    )
    _layout, lines, _rows = _read(samples.paypal_csv(rows))
    assert [line.when.day for line in lines] == [3, 9, 21, 25]


def test_an_unknown_layout_names_the_layouts_read() -> None:
    with pytest.raises(StatementError) as refused:
        open_statement(io.BytesIO(b"date,amount,payee\n2026-10-01,12.00,Shop\n"))
    assert refused.value.status == 415
    for name in ("Alipay", "WeChat Pay", "PayPal"):
        assert name in refused.value.message


def test_a_file_in_the_wrong_encoding_is_refused() -> None:
    utf16 = samples.wechat_csv().decode("utf-8").encode("utf-16")
    with pytest.raises(StatementError, match="UTF-16"):
        open_statement(io.BytesIO(utf16))
    # a WeChat bill whose rows were saved as Big5 by another program, under a UTF-8 preamble
    good = samples.wechat_csv()
    split = good.index(b"2026-10-09")
    broken = good[:split] + "微信支付商戶".encode("big5") * 40000 + good[split:]
    with pytest.raises(StatementError, match="encoding"):
        _read(broken)


def test_a_cut_file_is_refused_whatever_the_layout() -> None:
    app_cut = samples.alipay_app()
    with pytest.raises(StatementError, match="cut short"):
        _read(app_cut[: app_cut.rindex(b"\n", 0, len(app_cut) - 1) - 30])
    with pytest.raises(StatementError, match="cut short"):
        _read(samples.alipay_web(truncate=True))
    paypal = samples.paypal_csv()
    with pytest.raises(StatementError, match="cut short"):
        _read(paypal[: len(paypal) - 90])
    xlsx = samples.wechat_xlsx()
    with pytest.raises(StatementError, match="damaged or cut short"):
        _read(xlsx[: len(xlsx) // 2])


def test_a_spreadsheet_with_a_formula_is_refused_naming_the_cell() -> None:
    with pytest.raises(StatementError, match="F23"):
        _read(samples.wechat_xlsx(formula=True))


def test_a_statement_longer_than_the_limit_is_refused_while_streaming() -> None:
    from services.statements import tables

    reader = open_statement(io.BytesIO(samples.many_rows(50)))
    with pytest.raises(StatementError, match="more than 40 rows") as refused:
        tables._matching(reader.rows, ["nobody"], date(2026, 1, 1), date(2026, 12, 31), 40)
    assert refused.value.status == 413
    assert MAX_XLSX_ROWS == 50_000
    assert MAX_ROWS == 200_000  # the bench reads 100,000 rows of every layout within these


def test_an_xlsx_declaring_more_rows_than_the_limit_is_refused_before_reading_them() -> None:
    from services.statements import opening

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(opening, "MAX_XLSX_ROWS", 3)
        with pytest.raises(StatementError, match="more than 3 rows") as refused:
            open_statement(io.BytesIO(samples.wechat_xlsx(samples.WECHAT_ROWS * 10)))
    assert refused.value.status == 413
