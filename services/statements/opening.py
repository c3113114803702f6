"""Which layout an uploaded statement is, read from its content alone.

The first 64 KB must show a known preamble or header; the layout then reads the rest as a
stream. A file that is none of the layouts is refused with a message naming those read, so
the member knows which export to ask their wallet for.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import IO

from flask_babel import gettext as _

from services.statements import alipay, paypal, wechat
from services.statements.reading import (
    LAYOUT_NAMES,
    MAX_XLSX_ROWS,
    MAX_XLSX_UNPACKED,
    SNIFF_BYTES,
    Header,
    Layout,
    Line,
    Reader,
    StatementError,
    clean,
    csv_records,
    decode_stream,
    read_preamble_line,
    too_many_rows,
)

#: the most lines above the header row a layout may have (WeChat Pay writes 16, Alipay 24)
MAX_PREAMBLE = 40


def unknown_layout() -> StatementError:
    return StatementError(
        _(
            "This file is not a wallet statement Chorus can read. It reads: %(layouts)s. "
            "Export your transactions from the wallet and upload that file unchanged.",
            layouts="; ".join(str(name) for name in LAYOUT_NAMES),
        ),
        415,
    )


def open_statement(stream: IO[bytes]) -> Reader:
    """The statement in ``stream`` (seekable), its header read and its rows ready to iterate.

    Raises :class:`StatementError` for an unknown layout, a file in another encoding, a
    spreadsheet with formulas or too large to unpack."""
    head = stream.read(SNIFF_BYTES)
    if not head.strip():
        raise StatementError(_("This file is empty. Export the statement again."))
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(stream)
    text, _encoding = decode_stream(stream, head)
    records = csv_records(text)
    header = Header(layout=Layout.PAYPAL)
    for _index in range(MAX_PREAMBLE + 1):
        record = next(records, None)
        if record is None:
            break
        layout = _header_layout(record)
        if layout is None:
            read_preamble_line(header, ",".join(record))
            continue
        header.layout = layout
        return _reader(header, record, records, stream)
    raise unknown_layout()


def _header_layout(record: list[str]) -> Layout | None:
    if (layout := alipay.header_layout(record)) is not None:
        return layout
    if wechat.header_matches(record):
        return Layout.WECHAT_CSV
    if paypal.header_matches(record):
        return Layout.PAYPAL
    return None


def _columns(record: list[object]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(record):
        columns.setdefault(clean(cell), index)
    columns.pop("", None)
    return columns


def _reader(
    header: Header,
    record: list[str],
    records: Iterator[list[str]],
    stream: IO[bytes],
) -> Reader:
    columns = _columns(list(record))
    rows: Iterator[list[Line]]
    if header.layout is Layout.ALIPAY_APP:
        rows = alipay.app_rows(records, columns, len(record))
    elif header.layout is Layout.ALIPAY_WEB:
        rows = alipay.web_rows(records, columns, len(record))
    elif header.layout is Layout.WECHAT_CSV:
        rows = wechat.rows(iter(records), columns, len(record))  # type: ignore[arg-type]
    else:
        rows = paypal.rows(records, columns, len(record), day_first=_paypal_day_first(stream))
    return Reader(header=header, rows=rows)


def _paypal_day_first(stream: IO[bytes]) -> bool:
    """A first pass over the Date column of a PayPal file (a second reader on the same bytes,
    read as a stream too), since the order of day and month shows only in some dates."""
    position = stream.tell()
    stream.seek(0)
    text, _encoding = decode_stream(stream, stream.read(SNIFF_BYTES))
    records = csv_records(text)
    first = next(records, [])
    index = _columns(list(first)).get("Date", 0)
    try:
        return paypal.day_first(r[index] for r in records if len(r) > index)
    finally:
        text.detach()  # type: ignore[attr-defined]
        stream.seek(position)


def _open_xlsx(stream: IO[bytes]) -> Reader:
    """A WeChat Pay xlsx bill, read in openpyxl's read-only mode (rows stream from the zip)."""
    from openpyxl import load_workbook

    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _broken_xlsx() from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise StatementError(
            _(
                "This spreadsheet unpacks to more than %(size)s MB. Export a shorter period.",
                size=MAX_XLSX_UNPACKED // (1024 * 1024),
            ),
            413,
        )
    stream.seek(0)
    try:
        book = load_workbook(stream, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged file; all mean the same here
        raise _broken_xlsx() from None
    sheet = book.worksheets[0]
    declared = getattr(sheet, "max_row", None)  # from the sheet's <dimension>, before any row
    if isinstance(declared, int) and declared > MAX_XLSX_ROWS + MAX_PREAMBLE:
        book.close()
        raise too_many_rows(MAX_XLSX_ROWS)
    records = _xlsx_records(sheet.iter_rows())
    header = Header(layout=Layout.WECHAT_XLSX)
    for _index in range(MAX_PREAMBLE + 1):
        record = next(records, None)
        if record is None:
            break
        if wechat.header_matches([clean(cell) for cell in record]):
            rows = wechat.rows(records, _columns(record), len(record))
            return Reader(header=header, rows=_closing(rows, book))
        read_preamble_line(header, clean(record[0]) if record else "")
    book.close()
    raise unknown_layout()


def _xlsx_records(rows: Iterator[tuple[object, ...]]) -> Iterator[list[object]]:
    try:
        for row in rows:
            values: list[object] = []
            for cell in row:
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f" or (
                    isinstance(value, str) and value.startswith("=")
                ):
                    raise wechat.refuse_formula(cell.row, cell.column)  # type: ignore[attr-defined]
                values.append(value)
            yield values
    except (KeyError, ValueError, zipfile.BadZipFile, EOFError):
        raise _broken_xlsx() from None


def _closing(rows: Iterator[list[Line]], book: object) -> Iterator[list[Line]]:
    try:
        yield from rows
    finally:
        book.close()  # type: ignore[attr-defined]


def _broken_xlsx() -> StatementError:
    return StatementError(
        _(
            "This spreadsheet is damaged or cut short. Export the statement again and upload "
            "it unchanged."
        )
    )
