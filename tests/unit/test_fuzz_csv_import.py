"""Property-based tests of the formula guard of exported CSV cells: ``neutralize`` and
``unneutralize`` round-trip every string exactly, and no neutralized cell starts with what a
spreadsheet takes for a formula (``= + - @``, tab, CR) unless it is a plain signed number,
which spreadsheets read as a number. The importer itself, which needs a database, is fuzzed in
``tests/integration/test_fuzz_csv_import.py``.

Reproducible: see :mod:`tests.support.fuzz`.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from services.platform.spreadsheet import FORMULA_STARTS, PLAIN_NUMBER, neutralize, unneutralize
from tests.support.fuzz import fuzz

FUZZ = fuzz(1500)

#: strings that start like formulas, quotes and numbers far more often than random text does
cells = st.one_of(
    st.text(),
    st.tuples(
        st.sampled_from([*FORMULA_STARTS, "'", "''", "'=", "-1", "+86", " =", "\ufeff="]), st.text()
    ).map("".join),
    st.from_regex(r"[+-]?[0-9]+(\.[0-9]+)?", fullmatch=True),
)


@FUZZ
@given(cells)
@example("'")
@example("''=1")
@example("-199.00")
@example("-1e3")
@example("+86 138 0013 8000")
@example("\t=cmd")
@example("-")
def test_neutralize_round_trips_and_never_leaves_a_formula(cell: str) -> None:
    guarded = neutralize(cell)
    assert unneutralize(guarded) == cell
    if guarded.startswith(FORMULA_STARTS):
        assert PLAIN_NUMBER.fullmatch(guarded), guarded
        assert guarded == cell
    assert neutralize(cell) == guarded  # the same cell always exports the same way


@FUZZ
@given(cells)
def test_unneutralize_of_what_nobody_guarded_changes_at_most_one_quote(cell: str) -> None:
    """A cell typed by hand (not exported by us) loses at most its first "'"."""
    assert unneutralize(cell) in (cell, cell[1:])
