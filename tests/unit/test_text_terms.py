"""Index terms for Chinese, English, traditional and mixed text."""

from __future__ import annotations

from services.matching.text_terms import extract_terms


def test_chinese_is_segmented_into_words_without_function_words() -> None:
    terms = extract_terms("8月14日凌晨我的支付宝账户被陌生设备登录盗刷,客服拒绝赔付")
    assert {
        "凌晨",
        "支付宝",
        "账户",
        "陌生",
        "设备",
        "登录",
        "盗刷",
        "客服",
        "拒绝",
        "赔付",
    } <= terms
    assert not {"我", "的", "被", "8", "14"} & terms  # single characters and digits carry nothing


def test_traditional_characters_meet_simplified() -> None:
    traditional = extract_terms("我的支付寶賬戶被凍結,客服一直不回覆")
    simplified = extract_terms("我的支付宝账户被冻结,客服一直不回复")
    assert traditional == simplified


def test_english_is_stemmed_and_stopwords_dropped() -> None:
    assert extract_terms("refunds") == extract_terms("refunded") == {"refund"}
    terms = extract_terms("PayPal denied my refunds and froze the accounts")
    assert {"paypal", "refund", "account", "froze", "deni"} <= terms
    assert not {"my", "and", "the"} & terms


def test_mixed_language_and_full_width_text() -> None:
    terms = extract_terms("ＰａｙＰａｌ 的 dispute 被 close 了,退款没到账")
    assert {"paypal", "disput", "close", "退款"} <= terms


def test_empty_and_punctuation_only_text_has_no_terms() -> None:
    assert extract_terms("") == set()
    assert extract_terms("!!! ??? 。。。 123 456") == set()
