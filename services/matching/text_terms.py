"""Turning complaint text into index terms, for Chinese and English alike.

Chinese has no spaces, so text is segmented with jieba (search mode, which also emits the
shorter words inside long ones); traditional characters are folded to simplified first, and
English words are stemmed so "refunds" meets "refunded". Single Chinese characters, digits and
common function words carry no signal about *which* problem someone had, and are dropped.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import cache
from pathlib import Path

import jieba
import snowballstemmer

from services.reference.company_names import to_simplified

#: terms are cut to this many characters, the length of the term columns
#: (``models.matching.TERM_MAX``; a test holds them equal). Not imported from there: the
#: evidence anonymizer's child process segments text with this module, and the models package
#: would cost it 0.7 s of start-up per upload.
TERM_MAX = 40


def _load_stopwords(language: str) -> frozenset[str]:
    path = Path(__file__).with_name("stopwords") / f"{language}.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"^[a-z][a-z0-9'-]*$")

ZH_STOPWORDS = _load_stopwords("zh")

EN_STOPWORDS = _load_stopwords("en")


@cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@cache
def load_segmenter() -> bool:
    """Load jieba's dictionary (about a second), once per process; see
    :mod:`services.platform.warm` for why gunicorn's master does it before forking."""
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return True


def normalize_text(text: str) -> str:
    """Full-width to ASCII, case-folded, traditional to simplified."""
    return to_simplified(unicodedata.normalize("NFKC", text).casefold())


def extract_terms(text: str) -> set[str]:
    """The distinct index terms of ``text``."""
    load_segmenter()
    terms: set[str] = set()
    latin: list[str] = []
    for token in jieba.cut_for_search(normalize_text(text)):
        token = token.strip()
        if not token:
            continue
        if _CJK.search(token):
            if len(token) >= 2 and token not in ZH_STOPWORDS:
                terms.add(token[:TERM_MAX])
        elif _LATIN_WORD.match(token):
            word = token.replace("'", "")
            if len(word) >= 2 and word not in EN_STOPWORDS:
                latin.append(word)
    terms.update(stem[:TERM_MAX] for stem in _stemmer().stemWords(latin) if len(stem) >= 2)
    return terms


def surface_forms(text: str) -> dict[str, str]:
    """Stemmed term -> the word as written in ``text`` ("devic" -> "device"), for showing
    shared terms to the person who wrote the text."""
    forms: dict[str, str] = {}
    words = [
        w
        for w in re.findall(r"[a-z][a-z0-9'-]*", normalize_text(text))
        if w.replace("'", "") not in EN_STOPWORDS
    ]
    for word, stem in zip(
        words, _stemmer().stemWords([w.replace("'", "") for w in words]), strict=True
    ):
        forms.setdefault(stem[:TERM_MAX], word)
    return forms
