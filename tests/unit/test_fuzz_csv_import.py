"""Property-based tests of the formula guard of exported CSV cells: ``neutralize`` and
``unneutralize`` round-trip every string exactly, and no neutralized cell starts with what a
spreadsheet takes for a formula (``= + - @``, tab, CR) unless it is a plain signed number,
which spreadsheets read as a number. The importer itself, which needs a database, is fuzzed in
``tests/integration/test_fuzz_csv_import.py``.

Every test runs with ``derandomize=True`` and no example database, so CI is reproducible: the
seed comes from the test's own source, the same command on the same commit tries the same
examples on every machine, and no local ``.hypothesis`` directory changes what a run covers.
(Hypothesis also draws literals from the modules loaded, so this file alone and the whole suite
try different, each fixed, sets.) A failing example found once is kept as an explicit example.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from services.complaint_csv import FORMULA_STARTS, PLAIN_NUMBER, neutralize, unneutralize

FUZZ = settings(max_examples=1500, derandomize=True, database=None, deadline=None)

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
