"""Property-based tests of the parts of the upload check that need no database: any file name
is cleaned into one that holds no path separator, control character or text-direction mark and
fits :data:`NAME_MAX`, or is refused with a message; any bytes are recognised or refused with a
message, and the name never makes a binary type out of text or text out of a binary file. The
whole check, with storage and the database, is fuzzed in
``tests/integration/test_fuzz_uploads.py``.

Reproducible: see :mod:`tests.support.fuzz`.
"""

from __future__ import annotations

import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st

from services.anonymize.sniff import NAME_MAX, FileKind, UnreadableFile, clean_file_name, detect
from tests.support.fuzz import fuzz

FUZZ = fuzz(800)

names = st.one_of(
    st.text(),
    st.text(alphabet="./\\\x00\u202e\u2066:~ CONUL收据", max_size=20),
    st.tuples(st.text(min_size=100, max_size=400), st.sampled_from([".png", ".pdf", "", "."])).map(
        "".join
    ),
)


@FUZZ
@given(names)
@example("../../etc/passwd")
@example("C:\\evil.png")
@example("shot.png\x00.exe")
@example("\u202egnp.exe")
@example("x" * 10_000 + ".png")
@example(" " * 300 + ".png")
@example("a" * 119 + " .png")
def test_any_name_is_cleaned_or_refused(name: str) -> None:
    try:
        cleaned = clean_file_name(name)
    except UnreadableFile as refusal:
        message = refusal.message
    else:
        message = None
    if message is not None:
        assert message.strip()
        return
    assert cleaned.strip(".")
    assert 0 < len(cleaned) <= NAME_MAX
    assert "/" not in cleaned
    assert "\\" not in cleaned
    assert not any(unicodedata.category(c) == "Cc" for c in cleaned)
    assert not any("\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069" for c in cleaned)
    assert clean_file_name(cleaned) == cleaned  # cleaning is done once and for all


MAGIC = st.sampled_from(
    [
        b"",
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff",
        b"RIFF\x00\x00\x00\x00WEBP",
        b"%PDF-1.7\n",
        b"PK\x03\x04",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"GIF89a",
        b"<svg",
        b"<!DOCTYPE html>",
    ]
)
heads = st.one_of(
    st.binary(max_size=300),
    st.tuples(MAGIC, st.binary(max_size=100)).map(b"".join),
    st.text(max_size=200).map(str.encode),
)


@FUZZ
@given(heads, st.sampled_from(["x.png", "x.txt", "x.csv", "x.pdf", "x.exe", ""]))
def test_any_bytes_are_recognised_or_refused_and_the_name_only_chooses_text_or_csv(
    head: bytes, name: str
) -> None:
    try:
        detected = detect(head, name_hint=name)
    except UnreadableFile as refusal:
        assert refusal.message.strip()  # noqa: PT017 - the refusal is the expected outcome
        return
    for other in ("x.png", "x.txt", "x.csv", "x.pdf", "x.exe", ""):
        again = detect(head, name_hint=other)
        binary = {FileKind.IMAGE, FileKind.PDF}
        assert (again.kind in binary) == (detected.kind in binary)
        if detected.kind in binary:
            assert again == detected
