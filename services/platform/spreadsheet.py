"""Cells that spreadsheets must not run: every CSV the platform writes (complaint exports, the
audit log, bundle tables, cleaned tables) passes its cells through :func:`neutralize`, and
every reader of such a file through :func:`unneutralize`."""

from __future__ import annotations

import re

#: a cell starting with one of these is a formula to a spreadsheet: exported with a "'" first
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def neutralize(cell: str) -> str:
    """Prefix "'" so spreadsheets show formulas as text; cells already starting with "'" get
    one more, so :func:`unneutralize` can always remove exactly one and round-trip exactly.
    A plain signed number ("-199.00", a refund in a statement) is no formula and stays as is."""
    if PLAIN_NUMBER.fullmatch(cell):
        return cell
    return f"'{cell}" if cell.startswith((*FORMULA_STARTS, "'")) else cell


def unneutralize(cell: str) -> str:
    """Undo :func:`neutralize`; a lone "'" someone typed before plain text stays."""
    return cell[1:] if cell[:1] == "'" and cell[1:].startswith((*FORMULA_STARTS, "'")) else cell
