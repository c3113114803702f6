"""Both languages are complete: a user-facing string without a Chinese translation fails."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def test_catalog_covers_every_string_in_the_code(tmp_path: Path) -> None:
    """Extract afresh: a new string that never reached the catalog fails here."""
    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            "--ignore-dirs",
            ".venv migrations tests bench",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(pot) if m.id}
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in _catalog(ROOT / "translations/zh/LC_MESSAGES/messages.po")
        if m.id
    }
    missing = sorted(in_code - translated)
    assert not missing, f"strings without a Chinese entry (run `make translations`): {missing}"


def test_every_chinese_entry_is_translated_with_the_same_placeholders() -> None:
    problems = []
    for message in _catalog(ROOT / "translations/zh/LC_MESSAGES/messages.po"):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {source!r}")
            continue
        if any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(source)) for s in strings):
            problems.append(f"placeholders differ: {source!r}")
    assert not problems, "\n".join(problems)


#: what ``%`` formatting allows in a message: named placeholders and a doubled percent sign
FORMAT_TOKEN = re.compile(r"%\(\w+\)[sd]|%%")


def test_every_percent_sign_is_a_placeholder_or_doubled() -> None:
    """Templates format every message, with or without variables: a lone ``%`` before a
    Chinese character fails the page (a 500) and before a letter prints the variables."""
    problems = []
    for message in _catalog(ROOT / "translations/zh/LC_MESSAGES/messages.po"):
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for text in [*ids, *strings]:
            if text and "%" in FORMAT_TOKEN.sub("", text):
                problems.append(text[:80])
    assert not problems, "\n".join(problems)
