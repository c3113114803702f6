"""Names printed in evidence are found to be proposed for black-out: Chinese by LAC, English
and pinyin by given names and cues; found where they stand, never anything else of the text.
The recognisers' recall and precision on the hand-labelled texts stay where the bench put them
(bench/name_suggestions.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.anonymize.names import MAX_SUGGESTIONS, find_names, suggest_names
from tests.support.fuzz import fuzz

LABELLED = json.loads(
    (Path(__file__).parents[1] / "data" / "names" / "labelled.json").read_text(encoding="utf-8")
)["texts"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("本报记者 王磊 报道：多名用户反映余额被冻结。", ["王磊"]),
        ("此致\n敬礼！\n申请人：欧阳娜娜\n2024年7月2日", ["欧阳娜娜"]),
        ("北京市金杜律师事务所\n承办律师：赵丽华", ["赵丽华"]),
        ("By Sarah Johnson, Staff Writer", ["Sarah Johnson"]),
        ("Sincerely,\nMichael Thompson\n1234 Elm Street", ["Michael Thompson"]),
        ("LAW OFFICES OF PATRICIA GOMEZ\n500 Market Street", ["PATRICIA GOMEZ"]),
        ("Dear Ms. Reed,\nthank you.", ["Reed"]),
        ("Prepared by: Chen Xiaomei", ["Chen Xiaomei"]),
    ],
)
def test_bylines_signatures_and_letterheads_name_people(text: str, expected: list[str]) -> None:
    assert [hit.name for hit in find_names(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "微信支付客服中心电话95017，工作时间为每天8:00至22:00。",
        "Dear Customer,\nYour dispute has been received.\nPayPal Customer Service",
        "Mark my words: if Venmo does not refund us, we will go to the Attorney General.",
        "Grace period ends on May 1. After that, Will Pay Later charges a fee.",
        "According to Chase, the charge came from a merchant in Los Angeles, California.",
    ],
)
def test_companies_places_and_capitalised_words_are_no_names(text: str) -> None:
    assert find_names(text) == []


def test_suggestions_are_distinct_most_frequent_first_and_leave_out_removed_words() -> None:
    texts = ["收款人：郭子涵\n付款人：宋浩然", "From: Robert Wilson\nTo: 宋浩然", "签名：陈晓梅"]
    assert suggest_names(texts, exclude=["陈 晓梅"]) == ["宋浩然", "郭子涵", "Robert Wilson"]


def test_suggestions_are_capped() -> None:
    many = "\n".join(
        f"收款人：{s}{g}"
        for s in "王李张刘陈杨黄赵吴周徐孙"
        for g in ("伟明", "秀英", "志强", "海燕")
    )
    assert len(suggest_names([many])) <= MAX_SUGGESTIONS


def _score(texts: list[dict[str, object]]) -> tuple[float, float]:
    tp = fp = fn = 0
    for item in texts:
        gold = {"".join(str(n).split()).casefold() for n in item["names"]}  # type: ignore[attr-defined]
        found = {"".join(h.name.split()).casefold() for h in find_names(str(item["text"]))}
        tp, fp, fn = tp + len(gold & found), fp + len(found - gold), fn + len(gold - found)
    return tp / (tp + fn), tp / (tp + fp)


def test_recall_and_precision_on_the_labelled_texts() -> None:
    """The bench's figures (0.95 / 0.93 without the seed articles; 0.87 / 0.87 held out) with
    a little room: a drop below means the recognisers changed for the worse."""
    recall, precision = _score(LABELLED)
    assert recall >= 0.93, recall
    assert precision >= 0.90, precision
    held_out = [t for t in LABELLED if t.get("held_out")]
    recall, precision = _score(held_out)
    assert recall >= 0.85, recall
    assert precision >= 0.85, precision


PIECES = st.sampled_from(
    [
        *(
            "投诉人：",
            "签名：",
            "记者 ",
            "王",
            "欧阳",
            "娜娜",
            "陈晓梅",
            "，",
            "。",
            "\n",
            " ",
            "\u3000",
        ),
        *("Dear ", "Ms. ", "Mr. ", "By ", "Daniel", "Brooks", "O'Connor", "A.", "PAYPAL", ", "),
        *("支付宝", "Customer Service", "13800138000", "[REDACTED]", "ＡＢＣ", "😀", "\t"),
    ]
)


@fuzz(300)
@given(st.one_of(st.text(max_size=120), st.lists(PIECES, max_size=30).map("".join)))
def test_any_text_gives_names_where_they_stand(text: str) -> None:
    hits = find_names(text)
    end = 0
    for hit in hits:
        assert end <= hit.start < hit.end <= len(text)
        assert text[hit.start : hit.end] == hit.name
        assert hit.name.strip() == hit.name
        end = hit.end
    excluded = [hit.name for hit in hits]
    assert suggest_names([text], exclude=excluded) == []
