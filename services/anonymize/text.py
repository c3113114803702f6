"""Finding and replacing personal data in complaint text: Chinese and English, typed or OCR'd.

Why patterns, checksums and exact terms rather than a language model: what exposes a
contributor in payment evidence is mostly numbers and handles with a known shape (mobile
numbers, resident ID numbers with their MOD 11-2 check character, Luhn-checked bank cards,
mod-97 IBANs, Alipay user ids, WeChat ids, e-mail addresses). Names cannot be recognised
reliably enough to remove on a guess, so here they are removed by exact matching of what the
contributor tells us (their own name, any words they add, the proposed names they accepted):
``extra_terms``. ``services.anonymize.names`` only proposes names; it never hides one.

Deliberately kept, because it is the evidence or names the company rather than the person: order
and transaction numbers (labelled ones, and digit runs too long to be any personal number),
amounts, dates, company names, 400/800 hotlines, 95xxx short numbers and US toll-free numbers,
and landlines labelled as a hotline.

How it reads text:

- each character is folded on its own with ``services.matching.text_terms.normalize_text``
  (full-width to
  ASCII, case-folded, traditional to simplified) into a *view* that remembers which original
  character every one of its characters came from; patterns run on the view, findings come back
  at original offsets, so the redacted text keeps everything else exactly as written;
- ``\\b`` does not work next to Chinese characters, so boundaries are ``(?<![0-9a-z])`` guards;
- digits are read as *chains*: digit groups separated by one space or dash, as people and OCR
  write them ("138 0013 8000", "6222-0213-...", "1 3 8 0 0 ..."). Any run of whole groups of a
  chain can be a finding; its kind comes from its digits, its checksum and how it is grouped;
- a chain glued to letters is part of a code ("SN:X13800138000"), unless the letters are
  labels: OCR drops the space between a label and its value with some fonts
  ("Phone13812340000", "ID110101...", "card6222..."), so those are read as if spaced;
- digits labelled as a bank account (账号, 卡号, account, acct) that are no card are an
  ``ACCOUNT``: no checksum can confirm them, so they count as low confidence;
- overlapping findings: the longer wins, then the more certain, then the more specific.
"""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum, StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.cn import ric

from services.matching.text_terms import normalize_text

Confidence = Literal["high", "low"]


class PiiKind(StrEnum):
    """What a finding is. Landlines, Hong Kong, Macau, US and other international numbers are
    all ``PHONE``: the placeholder need not say which."""

    PHONE = "PHONE"
    EMAIL = "EMAIL"
    ID = "ID"  # Chinese resident ID, 18 characters or the old 15 digits
    CARD = "CARD"
    ACCOUNT = "ACCOUNT"  # digits labelled as a bank account (账号, 卡号, account, acct)
    IBAN = "IBAN"
    ALIPAY = "ALIPAY"  # 2088... user ids and values labelled as an Alipay account
    WECHAT = "WECHAT"  # wxid_... and values labelled as a WeChat id
    NAME_OR_TERM = "NAME_OR_TERM"  # the contributor's name and words they asked to remove


PLACEHOLDERS: Mapping[PiiKind, str] = MappingProxyType(
    {kind: f"[{kind.value}]" for kind in PiiKind} | {PiiKind.NAME_OR_TERM: "[REDACTED]"}
)


@dataclass(frozen=True, slots=True)
class Finding:
    """Where personal data is in the original text (``text[start:end]``); never the value."""

    kind: PiiKind
    start: int
    end: int
    confidence: Confidence


@dataclass(frozen=True, slots=True)
class Redaction:
    """The text with every finding replaced by its placeholder, and how many of each kind were
    replaced (``low_confidence`` of them on weaker evidence: worth a human look). Never the
    values: this is what may be logged and shown."""

    text: str
    counts: dict[str, int] = field(default_factory=dict)
    low_confidence: int = 0


def find_pii(text: str, extra_terms: Sequence[str] = ()) -> list[Finding]:
    """Personal data in ``text``, in order, without overlaps.

    ``extra_terms`` (the contributor's name, words they add) are matched whole, ignoring case,
    full-width/half-width, traditional/simplified and spaces or dashes inside them; they win over
    the order-number exception (the contributor asked for them) but never touch a placeholder.
    """
    view = _View(text)
    placeholders = [m.span() for m in _PLACEHOLDER.finditer(view.text)]
    folded = _mask(view.text, placeholders)
    protected = _reference_spans(folded)
    chains = list(_chains(folded, protected))  # adds the spans of long grouped numbers
    blocked = _Occupied(protected + placeholders)

    candidates = [
        _without_typographic_dashes(c, view, text)
        for c in _pattern_candidates(folded)
        if not blocked.overlaps(c.start, c.end)
    ]
    for chain in chains:
        candidates.extend(c for c in chain.strong if not blocked.overlaps(c.start, c.end))
    candidates.extend(_term_candidates(folded, extra_terms))  # placeholders are masked
    accepted = _resolve(candidates)
    accepted.extend(_whole_segments(chains, accepted, protected + placeholders))

    findings: list[Finding] = []
    for candidate in sorted(accepted, key=lambda c: c.start):
        start, end = view.original(candidate.start, candidate.end)
        if findings and start < findings[-1].end:  # both touch one original character
            findings[-1] = dataclasses.replace(findings[-1], end=max(end, findings[-1].end))
            continue
        findings.append(Finding(candidate.kind, start, end, candidate.confidence))
    return findings


def redact(text: str, extra_terms: Sequence[str] = ()) -> Redaction:
    """``text`` with each finding replaced by its typed placeholder (``[PHONE]``, ``[ID]``, ...,
    ``[REDACTED]`` for extra terms). Redacting the result again changes nothing.

    The result is searched again until nothing is found (almost always once): a value that
    only stands on its own once its neighbours are replaced is removed too, and the promise
    above holds by construction rather than by the patterns never interacting."""
    counts: Counter[str] = Counter()
    low_confidence = 0
    current = text
    for _ in range(_MAX_PASSES):
        findings = find_pii(current, extra_terms)
        if not findings:
            break
        pieces: list[str] = []
        position = 0
        for finding in findings:
            pieces.append(current[position : finding.start])
            pieces.append(PLACEHOLDERS[finding.kind])
            position = finding.end
        pieces.append(current[position:])
        current = "".join(pieces)
        counts.update(finding.kind.value for finding in findings)
        low_confidence += sum(finding.confidence == "low" for finding in findings)
    return Redaction(
        text=current,
        counts={kind.value: counts[kind.value] for kind in PiiKind if counts[kind.value]},
        low_confidence=low_confidence,
    )


_MAX_PASSES = 4


# -- the folded view ---------------------------------------------------------------------------

_TYPOGRAPHIC_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_DASHES = str.maketrans(dict.fromkeys(_TYPOGRAPHIC_DASHES, "-"))


@lru_cache(maxsize=16384)
def _fold(char: str) -> str:
    """One character as the patterns see it: ``normalize_text`` plus typographic dashes as "-".
    Folding character by character (not phrase by phrase) is what keeps offsets exact; the
    extra terms are folded the same way, so both sides always agree."""
    return normalize_text(char).translate(_DASHES)


class _View:
    """The folded text and, for each of its characters, the index of the original character."""

    __slots__ = ("origin", "text")

    def __init__(self, text: str) -> None:
        pieces: list[str] = []
        origin: list[int] = []
        for index, char in enumerate(text):
            folded = _fold(char)
            pieces.append(folded)
            origin.extend([index] * len(folded))
        self.text = "".join(pieces)
        self.origin = origin

    def original(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin[end - 1] + 1


def _without_typographic_dashes(candidate: _Candidate, view: _View, text: str) -> _Candidate:
    """An e-mail address starting after the last dash the fold made in its local part: "-"
    is allowed there, but a dash written as "—" or "–" is punctuation before the address
    ("联系我——chen@163.com", "wallet—chen@163.com"), which must stay in the text. Other kinds
    are returned as they are: a dash inside a digit chain is a separator the fold is there to
    read."""
    if candidate.kind is not PiiKind.EMAIL:
        return candidate
    at = view.text.find("@", candidate.start, candidate.end)
    start = candidate.start
    for position in range(candidate.start, at):
        if text[view.origin[position]] in _TYPOGRAPHIC_DASHES:
            start = position + 1
    return dataclasses.replace(candidate, start=start)


# -- labels --------------------------------------------------------------------------------------


def _spaced(*words: str) -> str:
    """Alternatives that tolerate spaces between characters ("订 单 号" from OCR)."""
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(r"\s*".join(re.escape(c) for c in w if not c.isspace()) for w in ordered)


_VALUE_SEP = r"\s*(?:[:#]|是|为|is)?\s*"


def _label_before(*alternatives: str) -> re.Pattern[str]:
    """A label that ends right where a number starts (searched with ``endpos``)."""
    return re.compile(rf"(?:{'|'.join(alternatives)})\s*(?:[:#(]|是|为|is)?\s*$")


_REFERENCE = re.compile(
    "(?:"
    + _spaced(
        "单号",  # 订单号, 交易单号, 商户单号, 退款单号, 快递单号, 工单号, 投诉单号 ...
        "订单编号",
        "订单id",
        "流水号",
        "交易号",
        "交易编号",
        "凭证号",
        "参考号",
        "业务号",
        "批次号",
        "投诉编号",
        "受理编号",
        "案件编号",
    )
    + r"|(?<![a-z])(?:order|transaction|txn|trans|payment|reference|ref|confirmation|case"
    r"|ticket|dispute|claim|complaint|invoice|receipt|tracking)\s*"
    r"(?:id|no\.?|number|num|#|code|ref(?:erence)?)(?![a-z])"
    ")" + _VALUE_SEP
)
_REFERENCE_VALUE = re.compile(r"[0-9a-z](?:[0-9a-z_\-/]*[0-9a-z])?(?![0-9a-z])")
_NEXT_DIGIT_GROUP = re.compile(r" {1,2}[0-9]+(?![0-9a-z])")

_CARD_LABEL = _label_before(
    _spaced("卡号", "银行卡", "信用卡", "借记卡", "储蓄卡", "账号", "帐号", "账户", "帐户"),
    r"(?<![a-z])(?:card|acc[o0]u[nm]t|acct|a/c)\s*(?:[nm][o0]\.?|[nm]umber|[nm]um|#)?",
)
_ID_LABEL = _label_before(
    _spaced("身份证号码", "身份证号", "身份证", "证件号码", "证件号", "公民身份号码", "身份号码"),
    r"(?<![a-z])(?:id\s*card|identity\s*card|resident\s*id|id)\s*(?:no\.?|number)?",
)
_HOTLINE_LABEL = _label_before(
    _spaced("客服电话", "客服热线", "服务热线", "热线电话", "官方热线", "官方电话", "服务电话")
    + "|"
    + _spaced("客服", "热线"),
    r"(?<![a-z])(?:hotline|helpline|customer\s*service(?:\s*(?:number|line|phone|hotline))?"
    r"|support\s*(?:line|number|phone))",
)

_WECHAT_HINT = re.compile(
    "(?:(?:"
    + _spaced("微信号", "微信帐号", "微信账号", "微信账户", "微信帐户", "微信id")
    + r"|(?<![a-z])(?:wechat|weixin|wx)\s*(?:id|account))"
    + _VALUE_SEP
    + "|(?:"
    + _spaced("微信")
    + r"|(?<![a-z])(?:wechat|weixin|wx|vx))\s*(?::|号?是|号?为|is))"
    r"\s*(?P<value>[0-9a-z][0-9a-z_\-]{5,19})(?![0-9a-z_\-\ue000])"
)
_ALIPAY_HINT = re.compile(
    "(?:(?:"
    + _spaced(
        "支付宝账号",
        "支付宝帐号",
        "支付宝账户",
        "支付宝帐户",
        "支付宝id",
        "支付宝用户id",
        "支付宝用户名",
        "支付宝登录名",
    )
    + r"|(?<![a-z])alipay\s*(?:account|user\s*id|id|username|login))"
    + _VALUE_SEP
    + "|(?:"
    + _spaced("支付宝")
    + r"|(?<![a-z])alipay)\s*\()"
    r"\s*(?P<value>[0-9a-z*](?:[0-9a-z_.@*+\-]{2,62}[0-9a-z*])?)(?![0-9a-z_@*+\-\ue000])"
)

_MASK = "\ue000"
_PLACEHOLDER = re.compile(r"\[(?:phone|email|id|card|account|iban|alipay|wechat|redacted)\]")

# -- patterns that are not digit chains ----------------------------------------------------------

#: OCR puts spaces around the dots of an address ("zhang. wm@example. com"): one space after a
#: dot is allowed in the local part, and before a common top-level domain.
_EMAIL = re.compile(
    r"(?<![0-9a-z_.%+\-\ue000])(?:[0-9a-z_.%+\-]*[0-9a-z_%+\-]\. )?[0-9a-z_.%+\-]+"
    r" ?@ ?[0-9a-z\-]+(?:\.[0-9a-z\-]+)*"
    r"(?:\.[a-z]{2,}|\. (?:com|net|org|cn|edu|gov|co|io|uk|hk|tw|de|jp|info|me)(?![a-z]))"
    r"(?![0-9a-z\ue000])"
)
_WXID = re.compile(r"(?<![0-9a-z_\-\ue000])wxid_[0-9a-z_\-]{4,40}(?![0-9a-z_\-\ue000])")
_IBAN = re.compile(r"(?<![0-9a-z\ue000])[a-z]{2}[0-9]{2}(?: ?[0-9a-z]){11,30}(?![0-9a-z\ue000])")
# US style, only when clearly formatted: (415) 555-0123, 415-555-0123, 415.555.0123, +1 415 ...
_US_PHONE = re.compile(
    r"(?<![0-9a-z+\ue000])(?:(?:\+ ?1|1)[ .\-]?)?"
    r"(?:\((?P<area1>[0-9]{3})\) ?|(?P<area2>[0-9]{3})[ .\-])"
    r"(?P<exchange>[0-9]{3})[ .\-][0-9]{4}(?![0-9a-z\ue000])"
)
_US_TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})

# -- digit chains --------------------------------------------------------------------------------

_CHAIN = re.compile(
    r"(?<![0-9])(\+ ?)?([0-9]+x?(?:(?: {1,2}|-| - )[0-9]+x?)*(?: {1,2}x(?![0-9a-z]))?)"
)  # the last group may be a lone "x": the check character of a spaced-out resident ID
#: what a number cannot touch: letters, digits, a placeholder (masked as U+E000)
_GLUED = re.compile(r"[0-9a-z\ue000]")
_TOKEN = re.compile(r"[0-9]+x?|x")
#: label words a value may be glued to: OCR drops the space in "Phone 138...", "ID 1101...",
#: "card 6222...". The whole run of letters must be made of them ("PhoneNo", "IDcard", "Tel"),
#: so that codes ("SN", "A", "X") and words that merely end in one ("auto", "hotel") still glue.
#: OCR's usual confusions are allowed inside them: o/0, l/1/i, n/m ("Ph0ne", "Te1", "1D",
#: "Accoumt"), as read from Pillow's bitmap font and DejaVu by both engines.
_GLUE_LABELS = (
    "telephone|ph[o0][nm]e|te[l1i]|m[o0]bile|m[o0]b|ce[l1i]{2}(?:ph[o0][nm]e)?|c[o0][nm]tact|"
    "ca[l1i]{2}|fax|whatsapp|sms|[nm]umber|[nm]um|[nm][o0]|identity|[i1l]d(?:card)?|card|"
    "acc[o0]u[nm]t|acct|iban|is|at|to|me|my"
)
_GLUED_LABEL_BEFORE = re.compile(rf"(?<![a-z\ue000])(?:{_GLUE_LABELS})+$")
_GLUED_LABEL_AFTER = re.compile(
    rf"(?:{_GLUE_LABELS}|e-?mail|mail|name|address|addr|wechat|weixin|wx|qq|alipay)+(?![a-z])"
)
_PAREN_PREFIX = re.compile(r"\((\+ ?)?([0-9]{1,4})\) ?-?$")
#: digits of a labelled bank account number that is not a card (8 in the US, up to 22 or so
#: for mainland corporate accounts)
_ACCOUNT_DIGITS = (8, 24)
_MAX_DIGITS = 24  # 19-digit card or "+"/"00" with country code and number, plus a prefix

#: first two digits of a resident ID: the province-level division
_PROVINCES = frozenset(
    {
        *("11", "12", "13", "14", "15"),
        *("21", "22", "23"),
        *("31", "32", "33", "34", "35", "36", "37"),
        *("41", "42", "43", "44", "45", "46"),
        *("50", "51", "52", "53", "54"),
        *("61", "62", "63", "64", "65"),
        *("71", "81", "82", "83"),
    }
)

_RANK = {
    PiiKind.ALIPAY: 7,
    PiiKind.WECHAT: 7,
    PiiKind.ID: 6,
    PiiKind.CARD: 5,
    PiiKind.ACCOUNT: 2,
    PiiKind.IBAN: 5,
    PiiKind.PHONE: 4,
    PiiKind.EMAIL: 3,
    PiiKind.NAME_OR_TERM: 1,
}


@dataclass(frozen=True, slots=True)
class _Candidate:
    kind: PiiKind
    start: int  # in the folded view
    end: int
    confidence: Confidence


@dataclass(slots=True)
class _Chain:
    tokens: list[tuple[int, int]]
    strong: list[_Candidate] = field(default_factory=list)
    #: every classification of each run of whole groups (i, j), for the whole-segment pass
    by_run: dict[tuple[int, int], list[_Candidate]] = field(default_factory=dict)


def _overlaps(candidate: _Candidate, spans: Sequence[tuple[int, int]]) -> bool:
    return any(candidate.start < end and start < candidate.end for start, end in spans)


def _resolve(candidates: Sequence[_Candidate]) -> list[_Candidate]:
    """Non-overlapping findings: in each group of overlapping candidates, the longer wins, then
    the more certain, then the more specific. If the winners would leave a piece of a losing
    candidate uncovered ("wxid_wxid_" beside a card), the group becomes one finding of the
    winner's kind over all of it: no fragment of personal data is left behind, and redacting
    again finds nothing new."""
    chosen: list[_Candidate] = []
    for group in _overlapping_groups(candidates):
        ordered = sorted(
            group, key=lambda c: (c.start - c.end, c.confidence != "high", -_RANK[c.kind], c.start)
        )
        taken: list[_Candidate] = []
        for candidate in ordered:
            if not _overlaps(candidate, [(t.start, t.end) for t in taken]):
                taken.append(candidate)
        covered = {i for t in taken for i in range(t.start, t.end)}
        if all(i in covered for c in group for i in range(c.start, c.end)):
            chosen.extend(taken)
        else:
            best = ordered[0]
            start, end = min(c.start for c in group), max(c.end for c in group)
            chosen.append(_Candidate(best.kind, start, end, best.confidence))
    return chosen


def _overlapping_groups(candidates: Sequence[_Candidate]) -> Iterator[list[_Candidate]]:
    """Candidates in groups linked by overlaps, in text order."""
    group: list[_Candidate] = []
    group_end = 0
    for candidate in sorted(candidates, key=lambda c: c.start):
        if group and candidate.start >= group_end:
            yield group
            group = []
        if not group:
            group_end = candidate.end
        group.append(candidate)
        group_end = max(group_end, candidate.end)
    if group:
        yield group


def _mask(text: str, placeholders: Sequence[tuple[int, int]]) -> str:
    """Placeholders masked with a private-use character that every value pattern treats as
    part of a word (and no label does): a placeholder stands where a value was, so its neighbours
    are not read as a value of their own the second time ("wxid_" before ``[PHONE]``, "+" after
    ``[CARD]``)."""
    if not placeholders:
        return text
    chars = list(text)
    for start, end in placeholders:
        chars[start:end] = _MASK * (end - start)
    return "".join(chars)


def _reference_spans(text: str) -> list[tuple[int, int]]:
    """Values labelled as order, transaction, reference or ticket numbers: evidence, kept.

    OCR may split a long number with a space: following digit groups join the value when they
    make it 20 to 32 digits long (transaction ids are 28-32 digits; a phone number after a short
    order number stays apart)."""
    spans: list[tuple[int, int]] = []
    for label in _REFERENCE.finditer(text):
        value = _REFERENCE_VALUE.match(text, label.end())
        if value is None:
            continue
        end = value.end()
        if value.group().isdigit():
            total, position = len(value.group()), end
            while (group := _NEXT_DIGIT_GROUP.match(text, position)) is not None:
                total += len(group.group().strip())
                if total > 32:
                    break
                position = group.end()
                if total >= 20:
                    end = position
        spans.append((value.start(), end))
    return spans


def _pattern_candidates(text: str) -> Iterator[_Candidate]:
    for match in _EMAIL.finditer(text):
        yield _Candidate(PiiKind.EMAIL, *match.span(), "high")
    for match in _WXID.finditer(text):
        yield _Candidate(PiiKind.WECHAT, *match.span(), "high")
    for match in _WECHAT_HINT.finditer(text):
        yield _Candidate(PiiKind.WECHAT, *match.span("value"), "high")
    for match in _ALIPAY_HINT.finditer(text):
        # an Alipay login is a phone number or an e-mail, often masked: "Alipay (China)" is not
        if any(c.isdigit() or c in "@*" for c in match.group("value")):
            yield _Candidate(PiiKind.ALIPAY, *match.span("value"), "high")
    yield from _ibans(text)
    for match in _US_PHONE.finditer(text):
        area = match.group("area1") or match.group("area2")
        if _nanp(area + match.group("exchange") + "0000") == "phone" and not _label_ends_at(
            _HOTLINE_LABEL, text, match.start()
        ):
            yield _Candidate(PiiKind.PHONE, *match.span(), "high")


def _ibans(text: str) -> Iterator[_Candidate]:
    """IBANs, valid by country format and mod 97; the pattern may run into the next words, so
    shorter readings (ending at a space) are tried too."""
    position = 0
    while (match := _IBAN.search(text, position)) is not None:
        ends = [match.end()] + [
            i for i in range(match.end() - 1, match.start(), -1) if text[i] == " "
        ]
        valid = next(
            (
                end
                for end in ends
                if stdnum_iban.is_valid(text[match.start() : end].replace(" ", "").upper())
            ),
            None,
        )
        if valid is None:
            position = match.start() + 1
            continue
        yield _Candidate(PiiKind.IBAN, match.start(), valid, "high")
        position = valid


def _term_candidates(text: str, terms: Sequence[str]) -> Iterator[_Candidate]:
    pattern = _terms_pattern(tuple(terms))
    if pattern is not None:
        for match in pattern.finditer(text):
            yield _Candidate(PiiKind.NAME_OR_TERM, *match.span(), "high")


_TERM_GAP = r"[\s\-_.·・]*"
_TERM_GAP_CHARS = re.compile(_TERM_GAP.replace("*", "+"))


@lru_cache(maxsize=256)
def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for all terms, longest first. Spaces, dashes and dots inside a term are
    optional and may appear anywhere ("Daniel Brooks" matches "DanielBrooks" and "Daniel-Brooks",
    "陈晓梅" matches "陈 晓梅"). Terms shorter than two characters are ignored: a one-letter term
    would erase the text. Latin and digit ends get word guards, Chinese ends cannot."""
    compact = {_TERM_GAP_CHARS.sub("", "".join(_fold(c) for c in term)) for term in terms}
    alternatives = []
    for term in sorted((t for t in compact if len(t) >= 2), key=len, reverse=True):
        body = _TERM_GAP.join(re.escape(c) for c in term)
        if re.match(r"[0-9a-z]", term[0]):
            body = r"(?<![0-9a-z\ue000])" + body
        if re.match(r"[0-9a-z]", term[-1]):
            body += r"(?![0-9a-z\ue000])"
        alternatives.append(body)
    return re.compile("|".join(alternatives)) if alternatives else None


def _label_ends_at(pattern: re.Pattern[str], text: str, position: int) -> bool:
    return pattern.search(text, max(0, position - 48), position) is not None


def _chains(text: str, protected: list[tuple[int, int]]) -> Iterator[_Chain]:
    """Digit chains with their candidate findings.

    A chain is the whole run of digit groups; a reading may not start at a group glued to a
    letter, a digit, "+" or a placeholder before it, nor end at one glued to what follows ("SN
    X13800138000" is a code, not a phone). A chain of three or more equal groups adding up to 20
    digits or more is one long number written in groups (a transaction id): it is protected,
    not searched."""
    for match in _CHAIN.finditer(text):
        digits_start = match.start(2)
        tokens = [
            (digits_start + t.start(), digits_start + t.end())
            for t in _TOKEN.finditer(match.group(2))
        ]
        lengths = [end - start for start, end in tokens]
        if (
            len(tokens) >= 3
            and sum(lengths) >= 20
            and lengths[0] <= 8
            and all(length == lengths[0] for length in lengths[:-1])
            and lengths[-1] <= lengths[0]
        ):
            protected.append(match.span())
            continue
        plus = match.group(1) is not None
        glued_before = _glued_before(text, match.start())
        glued_after = _glued_after(text, match.end())
        last = len(tokens) - 1
        prefix = (
            None if plus else _PAREN_PREFIX.search(text, max(0, match.start() - 12), match.start())
        )
        label_end = prefix.start() if prefix else match.start()
        labels = {
            "card_label": _label_ends_at(_CARD_LABEL, text, label_end),
            "id_label": _label_ends_at(_ID_LABEL, text, label_end),
            "hotline": _label_ends_at(_HOTLINE_LABEL, text, label_end),
        }
        chain = _Chain(tokens)
        for i in range(len(tokens)):
            if i == 0 and glued_before is _Glue.HARD:
                continue
            digits, groups = "", []
            for j in range(i, len(tokens)):
                token = text[tokens[j][0] : tokens[j][1]]
                digits += token
                groups.append(len(token))
                if len(digits) > _MAX_DIGITS:
                    break
                if j == last and glued_after is _Glue.HARD:
                    break
                end = tokens[j][1]
                #: glued to a word that is no label: only a resident ID with its right check
                #: character stands out from a code ("D110101..." where OCR dropped the "I")
                checked_only = (i == 0 and glued_before is _Glue.LETTERS) or (
                    j == last and glued_after is _Glue.LETTERS
                )
                if i > 0:  # after a separator: no prefix, no label
                    readings = [(tokens[i][0], _classify(digits, groups, plus=False))]
                else:
                    start = match.start() if plus else tokens[0][0]
                    readings = [(start, _classify(digits, groups, plus=plus, **labels))]
                    if prefix is not None:
                        prefix_digits = prefix.group(2)
                        combined = _classify(
                            prefix_digits + digits,
                            [len(prefix_digits), *groups],
                            plus=prefix.group(1) is not None,
                            **labels,
                        )
                        readings.append((prefix.start(), combined))
                for start, classified in readings:
                    for kind, confidence, strong in classified:
                        if checked_only and (kind, confidence) != (PiiKind.ID, "high"):
                            continue
                        candidate = _Candidate(kind, start, end, confidence)
                        chain.by_run.setdefault((i, j), []).append(candidate)
                        if strong:
                            chain.strong.append(candidate)
        yield chain


class _Glue(Enum):
    """What touches a digit chain: nothing that matters (a space, punctuation, Chinese, or a
    label), letters of a word that is no label, or a digit, "+" or placeholder."""

    FREE = "free"
    LETTERS = "letters"
    HARD = "hard"


def _glued_before(text: str, start: int) -> _Glue:
    """What the number starting at ``start`` is glued to. OCR drops the space between a label
    and its value ("Phone13812340000", "ID110101...", "card6222..."), so letters that spell
    labels ("phone", "tel", "no", "id", "card", "acct" ...) only count as a word of their own;
    a single letter or another code ("A13800138000", "SN:X13800138000") glues."""
    if not start:
        return _Glue.FREE
    before = text[start - 1]
    if before == "+" or before.isdigit() or before == _MASK:
        return _Glue.HARD
    if _GLUED.match(before) is None:
        return _Glue.FREE
    if _GLUED_LABEL_BEFORE.search(text, max(0, start - 40), start) is not None:
        return _Glue.FREE
    return _Glue.LETTERS


def _glued_after(text: str, end: int) -> _Glue:
    """What the number ending at ``end`` runs into; letters that spell the label of the next
    value ("13812340000Email", "...0128Name") count as a word of their own."""
    if end >= len(text) or _GLUED.match(text[end]) is None:
        return _Glue.FREE
    if text[end].isdigit() or text[end] == _MASK:
        return _Glue.HARD
    return _Glue.FREE if _GLUED_LABEL_AFTER.match(text, end) is not None else _Glue.LETTERS


def _whole_segments(
    chains: Sequence[_Chain], accepted: Sequence[_Candidate], blocked: Sequence[tuple[int, int]]
) -> list[_Candidate]:
    """Odd groupings ("13 800 138 000", one digit per group from OCR) are accepted only when they
    make up a whole stretch of a chain left free by the other findings: inside a longer run of
    numbers, an odd grouping is more likely a coincidence than a number."""
    occupied = _Occupied([*blocked, *((c.start, c.end) for c in accepted)])
    added: list[_Candidate] = []
    for chain in chains:
        free = [not occupied.overlaps(start, end) for start, end in chain.tokens]
        i = 0
        while i < len(chain.tokens):
            if not free[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(chain.tokens) and free[j + 1]:
                j += 1
            options = [
                c for c in chain.by_run.get((i, j), []) if not occupied.overlaps(c.start, c.end)
            ]
            if options:
                best = max(
                    options,
                    key=lambda c: (c.end - c.start, c.confidence == "high", _RANK[c.kind]),
                )
                added.append(best)
                occupied.add(best.start, best.end)
            i = j + 1
    return added


class _Occupied:
    """Spans of text already taken, merged and sorted, asked about by bisection."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [start for start, _ in merged]
        self._ends = [end for _, end in merged]

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect_right(self._starts, start) - 1
        if index >= 0 and self._ends[index] > start:
            return True
        return index + 1 < len(self._starts) and self._starts[index + 1] < end

    def add(self, start: int, end: int) -> None:
        """Record a span that overlaps none recorded so far."""
        index = bisect_right(self._starts, start)
        self._starts.insert(index, start)
        self._ends.insert(index, end)


# -- what a run of digits is ---------------------------------------------------------------------


def _classify(
    digits: str,
    groups: Sequence[int],
    *,
    plus: bool,
    card_label: bool = False,
    id_label: bool = False,
    hotline: bool = False,
) -> list[tuple[PiiKind, Confidence, bool]]:
    """Every reading of ``digits`` (as grouped by ``groups``) as (kind, confidence, strong).

    *Strong* readings are grouped the way that kind is written (or not grouped at all), or
    labelled as that kind, and stand on their own; the others only count for a whole free
    stretch of a chain. Low confidence:
    a wrong check character, no separators where a landline has them, a card's grouping without
    its checksum."""
    found: list[tuple[PiiKind, Confidence, bool]] = []
    length = len(digits)
    single = len(groups) == 1
    rest = groups[1:]
    if "x" in digits[:-1]:
        return found
    if digits.endswith("x"):
        if length == 18 and (confidence := _id18(digits, id_label)) is not None:
            found.append((PiiKind.ID, confidence, id_label or _id_grouped(groups, confidence)))
        return found

    if plus or digits.startswith("00"):
        kind = _international(digits if plus else digits[2:], plus=plus)
        if kind in ("mobile", "landline", "phone") and not (hotline and kind != "mobile"):
            found.append((PiiKind.PHONE, "high", True))
        if found or plus or not card_label:
            return found  # a "+" or "00" number is nothing else, unless labelled an account
        return _account(length, groups)

    if length == 11 and groups[0] == 1 and digits[0] == "1" and all(g >= 3 for g in rest):
        if _nanp(digits[1:]) == "phone" and not hotline:  # 1-415-555-0123
            found.append((PiiKind.PHONE, "high", True))
        return found
    if _is_mobile(digits):
        found.append((PiiKind.PHONE, "high", all(g >= 3 for g in groups)))
    elif length == 13 and digits.startswith("86") and _is_mobile(digits[2:]):
        grouped = groups[0] == 2 and all(g >= 3 for g in rest)
        found.append((PiiKind.PHONE, "high", single or grouped))
    elif (
        length == 11
        and digits[:3] in ("852", "853")
        and digits[3] in "23456789"
        and not single
        and groups[0] == 3
        and all(g >= 3 for g in rest)
        and not hotline
    ):
        found.append((PiiKind.PHONE, "high", True))
    elif digits[0] == "0" and length > 8:
        kind = _cn_national(digits[1:])
        if kind == "mobile":
            found.append((PiiKind.PHONE, "high", all(g >= 3 for g in groups[1:])))
        elif kind == "landline" and not hotline:
            area = 3 if digits[1] in "12" else 4
            if single:
                found.append((PiiKind.PHONE, "low", True))
            elif groups[0] == area and all(g >= 3 for g in rest):
                found.append((PiiKind.PHONE, "high", True))

    if length == 18 and (confidence := _id18(digits, id_label)) is not None:
        found.append((PiiKind.ID, confidence, id_label or _id_grouped(groups, confidence)))
    if length == 15 and _id15(digits):
        confidence = "high" if id_label else "low"
        found.append((PiiKind.ID, confidence, id_label or single or list(groups) == [6, 6, 3]))
    if length == 16 and digits.startswith("2088"):
        found.append((PiiKind.ALIPAY, "high", single or list(groups) == [4, 4, 4, 4]))
    if 13 <= length <= 19 and _card_prefix(digits):
        card_grouped = _card_grouped(groups)
        if luhn.is_valid(digits):
            strong = single or card_grouped or card_label or all(g >= 4 for g in groups)
            found.append((PiiKind.CARD, "high", strong))
        elif card_grouped or card_label:
            found.append((PiiKind.CARD, "low", True))
    if not found and card_label:
        return _account(length, groups)
    return found


def _account(length: int, groups: Sequence[int]) -> list[tuple[PiiKind, Confidence, bool]]:
    """A number labelled as a bank account or card that is no card: an account number has no
    checksum to test, only its label says what it is (low: worth a look). Groups of one or two
    digits ("2024-05-01") are a date or an amount, not an account."""
    if _ACCOUNT_DIGITS[0] <= length <= _ACCOUNT_DIGITS[1] and all(g >= 3 for g in groups):
        return [(PiiKind.ACCOUNT, "low", True)]
    return []


def _is_mobile(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"


def _cn_national(number: str) -> str | None:
    """A mainland number without its trunk 0: "mobile", "landline", "hotline" (400/800, the
    company's number, kept) or None."""
    if _is_mobile(number):
        return "mobile"
    if len(number) == 10 and number[:3] in ("400", "800"):
        return "hotline"
    if number[:2] == "10" or number[:1] == "2":
        area = 2
    elif number[:1] in tuple("3456789"):
        area = 3
    else:
        return None
    subscriber = number[area:]
    if subscriber[:1] in tuple("23456789") and (
        len(subscriber) == 8 or (area == 3 and len(subscriber) == 7)
    ):
        return "landline"
    return None


def _nanp(number: str) -> str | None:
    """A ten-digit North American number: "phone", "hotline" (toll-free, or a Chinese 400
    number written 3-3-4: the company's line, kept) or None."""
    if len(number) != 10 or number[0] in "01" or number[3] in "01":
        return None
    if number[:3] in _US_TOLL_FREE or number[:3] == "400":
        return "hotline"
    return "phone"


def _international(body: str, *, plus: bool) -> str | None:
    """A number after "+" or "00": mainland, Hong Kong and Macau, North America checked by
    their rules (so "+86 400 820" of a hotline is nothing); after "+", 8 to 15 digits with any
    other country code (E.164) are a phone number."""
    if body.startswith("86"):
        national = body[2:]
        return _cn_national(national[1:] if national.startswith("0") else national)
    if body.startswith(("852", "853")):
        national = body[3:]
        return "phone" if len(national) == 8 and national[0] in "23456789" else None
    if body.startswith("1"):
        return _nanp(body[1:])
    if plus and 8 <= len(body) <= 15 and body[0] != "0":
        return "phone"
    return None


def _birth_date(yyyymmdd: str) -> date | None:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    return born if 1900 <= born.year <= date.today().year else None


def _id18(digits: str, id_label: bool) -> Confidence | None:
    """An 18-character resident ID: high with a plausible province and birth date and the right
    MOD 11-2 check character; low (still removed) with a wrong one, or when labelled as an ID."""
    number = digits.upper()
    if number[:2] not in _PROVINCES:
        return None
    born = _birth_date(number[6:14])
    if born is not None and ric.calc_check_digit(number) == number[-1]:
        return "high"
    if born is not None or id_label:
        return "low"
    return None


def _id15(digits: str) -> bool:
    """The old 15-digit ID: province, then birth date as YYMMDD in the 1900s, no check digit."""
    return digits[:2] in _PROVINCES and _birth_date("19" + digits[6:12]) is not None


def _id_grouped(groups: Sequence[int], confidence: Confidence) -> bool:
    if len(groups) == 1 or list(groups) == [6, 8, 4]:
        return True
    return confidence == "high" and all(g >= 3 for g in groups[:-1])


def _card_prefix(digits: str) -> bool:
    """Issuer prefixes of payment cards (Amex/JCB 3, Visa 4, Mastercard 5 and 2221-2720,
    UnionPay 62, older domestic 9): order numbers starting with 1, 7, 8 or a year are not cards."""
    return digits[0] in "34569" or (digits[0] == "2" and 2221 <= int(digits[:4]) <= 2720)


def _card_grouped(groups: Sequence[int]) -> bool:
    """Written like a card: groups of four (the last one to four digits), or Amex 4-6-5."""
    if len(groups) >= 3 and all(g == 4 for g in groups[:-1]) and 1 <= groups[-1] <= 4:
        return True
    return list(groups) in ([4, 6, 5], [4, 6, 4])
