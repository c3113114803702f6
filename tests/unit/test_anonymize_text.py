"""Personal data in Chinese and English text, typed and OCR'd: found, replaced by typed
placeholders, counted without values; evidence (order numbers, amounts, dates, hotlines) kept."""

from __future__ import annotations

import dataclasses
import itertools
import random
import re
from collections.abc import Callable

import pytest
from stdnum import luhn
from stdnum.cn import ric

from services.anonymize.text import PLACEHOLDERS, Finding, PiiKind, find_pii, redact

VALID_ID = "11010519491231002X"  # check character X
VALID_ID_2 = "360426199101010071"
WRONG_CHECK_ID = "110105194912310021"  # the right check character is X
OLD_ID = "110105491231002"  # 15 digits, born 1949-12-31
VISA = "4111111111111111"
UNIONPAY_16 = "6222021380013800"
UNIONPAY_19 = "6222021380013800128"
BAD_LUHN_16 = "6222021380013801"
LUHN_ORDER_19 = "9876543210123456785"  # passes Luhn: only its label says it is an order number
IBAN_GB = "GB82 WEST 1234 5698 7654 32"
IBAN_DE = "DE89370400440532013000"


def test_the_fixtures_are_what_they_claim() -> None:
    assert ric.is_valid(VALID_ID)
    assert ric.is_valid(VALID_ID_2)
    assert not ric.is_valid(WRONG_CHECK_ID)
    assert ric.calc_check_digit(WRONG_CHECK_ID) == "X"
    for card in (VISA, UNIONPAY_16, UNIONPAY_19, LUHN_ORDER_19):
        assert luhn.is_valid(card)
    assert not luhn.is_valid(BAD_LUHN_16)


def _only(text: str, extra_terms: tuple[str, ...] = ()) -> tuple[PiiKind, str]:
    """The single finding in ``text``: its kind and confidence."""
    findings = find_pii(text, extra_terms)
    assert len(findings) == 1, findings
    return findings[0].kind, findings[0].confidence


# -- realistic snippets ---------------------------------------------------------------------------


def test_customer_service_chat_in_chinese() -> None:
    chat = (
        "客服小美：您好，请问有什么可以帮您？\n"
        "用户：我的支付宝账户被盗了，2024-05-01 22:13 被转走 ¥1,999.00。\n"
        "客服小美：请提供您的手机号和身份证号以便核实。\n"
        f"用户：手机 138 0013 8000，身份证 {VALID_ID}，我叫陈晓梅。\n"
        "客服小美：已登记，投诉单号 TS20240502000123，可拨打 95188 或 400-820-8820 查询。\n"
        "用户：好的，我的邮箱是 chenxm@163.com，微信号：chenxm_1990。"
    )
    result = redact(chat, ["陈晓梅"])
    assert result.text == (
        "客服小美：您好，请问有什么可以帮您？\n"
        "用户：我的支付宝账户被盗了，2024-05-01 22:13 被转走 ¥1,999.00。\n"
        "客服小美：请提供您的手机号和身份证号以便核实。\n"
        "用户：手机 [PHONE]，身份证 [ID]，我叫[REDACTED]。\n"
        "客服小美：已登记，投诉单号 TS20240502000123，可拨打 95188 或 400-820-8820 查询。\n"
        "用户：好的，我的邮箱是 [EMAIL]，微信号：[WECHAT]。"
    )
    assert result.counts == {"PHONE": 1, "EMAIL": 1, "ID": 1, "WECHAT": 1, "NAME_OR_TERM": 1}
    assert result.low_confidence == 0


def test_customer_service_chat_in_english() -> None:
    chat = (
        "Agent (PayPal): Hi, this is Mark from PayPal. How can I help?\n"
        "Me: Someone took $2,450.00 from my account on May 1, 2024. I'm Daniel Brooks, "
        "phone (415) 555-0134, email daniel.brooks+pp@example.com.\n"
        "Agent: I opened case number PP-D-123456789. You can also call 1-888-221-1161.\n"
        f"Me: My card is 4111 1111 1111 1111 and my IBAN is {IBAN_GB}."
    )
    result = redact(chat, ["Daniel Brooks"])
    assert result.text == (
        "Agent (PayPal): Hi, this is Mark from PayPal. How can I help?\n"
        "Me: Someone took $2,450.00 from my account on May 1, 2024. I'm [REDACTED], "
        "phone [PHONE], email [EMAIL].\n"
        "Agent: I opened case number PP-D-123456789. You can also call 1-888-221-1161.\n"
        "Me: My card is [CARD] and my IBAN is [IBAN]."
    )
    assert result.counts == {"PHONE": 1, "EMAIL": 1, "CARD": 1, "IBAN": 1, "NAME_OR_TERM": 1}


def test_bank_statement_line_in_chinese() -> None:
    line = (
        "2024-05-01 14:32:10 | 网银转账 | 对方户名：陈晓梅 | 对方账号：6222 0213 8001 3800 128 | "
        "支出 -1,999.00 | 余额 3,250.00 | 流水号 202405011432100001"
    )
    result = redact(line, ["陈晓梅"])
    assert result.text == (
        "2024-05-01 14:32:10 | 网银转账 | 对方户名：[REDACTED] | 对方账号：[CARD] | "
        "支出 -1,999.00 | 余额 3,250.00 | 流水号 202405011432100001"
    )


def test_bank_statement_line_in_english() -> None:
    line = (
        "05/01/2024  ZELLE PAYMENT TO DANIEL BROOKS CONF# 7HX2K9QPL  -$1,999.00  "
        f"BAL $3,250.17  CARD {VISA}  REF NO 20240501143210000123"
    )
    result = redact(line, ["daniel brooks"])
    assert result.text == (
        "05/01/2024  ZELLE PAYMENT TO [REDACTED] CONF# 7HX2K9QPL  -$1,999.00  "
        "BAL $3,250.17  CARD [CARD]  REF NO 20240501143210000123"
    )


def test_ocr_screenshot_with_odd_spacing() -> None:
    screenshot = (
        "支付宝 账单详情\n"
        "付款方式  招商银行信用卡(6225 8812 3456 7898)\n"
        "对方账户  陈 晓 梅  138****8000\n"
        "手 机 号  1 3 8  0 0 1 3  8 0 0 0\n"
        "身份证号 110105 19491231 002X\n"
        "订 单 号  2024050122001400011234567890\n"
        "商家订单号 T200P2024050112345678\n"
        "创建时间 2024-05-01 14:32:10\n"
        "金额 -1,999.00"
    )
    result = redact(screenshot, ["陈晓梅"])
    assert result.text == (
        "支付宝 账单详情\n"
        "付款方式  招商银行信用卡([CARD])\n"
        "对方账户  [REDACTED]  138****8000\n"
        "手 机 号  [PHONE]\n"
        "身份证号 [ID]\n"
        "订 单 号  2024050122001400011234567890\n"
        "商家订单号 T200P2024050112345678\n"
        "创建时间 2024-05-01 14:32:10\n"
        "金额 -1,999.00"
    )
    assert result.counts == {"PHONE": 1, "ID": 1, "CARD": 1, "NAME_OR_TERM": 1}


# -- phones ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "138 00138000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "+8613800138000",
        "0086 13800138000",
        "0086-138-0013-8000",
        "(+86) 138 0013 8000",
        "８６１３８００１３８０００",
        "１３８－００１３－８０００",
        "138–0013–8000",  # en dashes
        "1 3 8 0 0 1 3 8 0 0 0",
        "19912345678",
    ],
)
def test_mainland_mobile_numbers_become_phone_placeholders(number: str) -> None:
    assert redact(f"手机{number}，请回电").text == "手机[PHONE]，请回电"
    assert redact(f"Call me at {number}.").text == "Call me at [PHONE]."


@pytest.mark.parametrize(
    "text",
    [
        "12800138000",  # no mobile prefix starts 12
        "1380013800",  # ten digits
        "138001380001",  # twelve digits
        "A13800138000",  # part of a code
        "13800138000B",
        "SN:X13800138000",
    ],
)
def test_numbers_that_are_not_mobiles_are_kept(text: str) -> None:
    assert find_pii(text) == []


@pytest.mark.parametrize(
    "number",
    ["010-62345678", "0755-8888 9999", "(0755) 88889999", "021 6888 8888", "(010)62345678"],
)
def test_landlines_become_high_confidence_phones(number: str) -> None:
    assert redact(f"家里电话{number}。").text == "家里电话[PHONE]。"
    assert _only(number) == (PiiKind.PHONE, "high")


def test_unformatted_landline_is_a_low_confidence_phone() -> None:
    assert _only("电话01062345678") == (PiiKind.PHONE, "low")


@pytest.mark.parametrize(
    "text",
    [
        "支付宝客服 95188",
        "客服热线 400-820-8820",
        "拨打4008208820",
        "400 820 8820",
        "800-820-8820",
        "+86 400 820 8820",
        "PayPal: 1-888-221-1161",
        "(800) 555-0199",
        "客服电话：0571-88158090",
        "Hotline: (212) 555-0147",
        "customer service 021-6888 8888",
    ],
)
def test_company_hotlines_are_kept(text: str) -> None:
    """400/800 and toll-free numbers, and landlines labelled as a hotline, name the company."""
    assert find_pii(text) == []


def test_an_unlabelled_landline_is_not_a_hotline() -> None:
    assert redact("0571-88158090").text == "[PHONE]"


@pytest.mark.parametrize(
    "number",
    [
        "+852 9123 4567",
        "(852) 9123-4567",
        "00852 9123 4567",
        "852 9123 4567",
        "+853 6612 3456",
        "(415) 555-0123",
        "415-555-0123",
        "415.555.0123",
        "+1 415 555 0123",
        "1-415-555-0123",
        "+44 20 7946 0958",
    ],
)
def test_hong_kong_us_and_international_numbers(number: str) -> None:
    assert redact(f"tel: {number} (evenings)").text == "tel: [PHONE] (evenings)"


@pytest.mark.parametrize("text", ["4155550123", "9123 4567", "100 200 3000", "415-555-012"])
def test_unclear_foreign_numbers_are_left(text: str) -> None:
    assert find_pii(text) == []


# -- e-mail ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("邮箱zhang.san@163.com联系我", "邮箱[EMAIL]联系我"),
        ("邮箱：ｚｈａｎｇｓａｎ＠１６３．ｃｏｍ。", "邮箱：[EMAIL]。"),
        ("mail daniel.brooks+venmo@mail.example.co.uk, thanks", "mail [EMAIL], thanks"),
        ("OCR: zhangsan @163.com", "OCR: [EMAIL]"),
        ("Write to Chen_XM-88@QQ.COM.", "Write to [EMAIL]."),
    ],
)
def test_email_addresses_are_replaced(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize("text", ["user@localhost", "支付宝@小助手", "@alipay 官方", "a@b"])
def test_text_that_only_looks_like_an_email_is_kept(text: str) -> None:
    assert find_pii(text) == []


# -- resident ID ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        VALID_ID,
        VALID_ID.lower(),
        VALID_ID_2,
        "110105 19491231 002X",
        "１１０１０５１９４９１２３１００２Ｘ",
    ],
)
def test_resident_id_with_right_check_character_is_high(number: str) -> None:
    assert _only(f"身份证{number}。") == (PiiKind.ID, "high")
    assert redact(f"ID {number} ok").text == "ID [ID] ok"


def test_resident_id_with_wrong_check_character_is_low_but_redacted() -> None:
    assert _only(f"身份证号：{WRONG_CHECK_ID}") == (PiiKind.ID, "low")
    result = redact(f"身份证号：{WRONG_CHECK_ID}")
    assert result.text == "身份证号：[ID]"
    assert result.low_confidence == 1


def test_resident_id_spaced_out_by_ocr() -> None:
    assert _only(f"身份证号 {' '.join(VALID_ID)}") == (PiiKind.ID, "high")
    # wrong check character, oddly grouped: the label says what it is ("0519 4912 3100" alone
    # would read as a Changzhou landline)
    assert _only("身份证号 1101 0519 4912 3100 21") == (PiiKind.ID, "low")
    # unlabelled and spaced out: still one number, read whole
    assert _only(f"号码 {' '.join(WRONG_CHECK_ID)}。") == (PiiKind.ID, "low")


def test_old_fifteen_digit_id() -> None:
    assert _only(f"旧身份证 {OLD_ID}") == (PiiKind.ID, "high")  # labelled
    assert _only(f"号码 {OLD_ID}") == (PiiKind.ID, "low")
    assert redact(f"号码 {OLD_ID}").text == "号码 [ID]"


@pytest.mark.parametrize(
    "text",
    [
        "110105194913310021",  # month 13, not labelled
        "990105194912310021",  # no province 99
        "11010519491231002",  # 17 digits
        "11010519491231002Y",
    ],
)
def test_numbers_that_are_not_resident_ids_are_not_taken_for_ids(text: str) -> None:
    assert [f.kind for f in find_pii(text)] != [PiiKind.ID]
    assert PiiKind.ID.value not in redact(text).counts


# -- cards ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        VISA,
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        UNIONPAY_16,
        UNIONPAY_19,
        "6222 0213 8001 3800 128",
        "3782 822463 10005",  # Amex 4-6-5
    ],
)
def test_luhn_valid_cards_are_high(number: str) -> None:
    assert _only(f"卡{number}。") == (PiiKind.CARD, "high")
    assert redact(f"card {number} was charged").text == "card [CARD] was charged"


def test_card_formatted_number_failing_luhn_is_low_but_redacted() -> None:
    grouped = " ".join(BAD_LUHN_16[i : i + 4] for i in range(0, 16, 4))
    assert _only(grouped) == (PiiKind.CARD, "low")
    assert redact(f"银行卡 {grouped}").text == "银行卡 [CARD]"


def test_labelled_contiguous_number_failing_luhn_is_low_but_redacted() -> None:
    assert _only(f"卡号：{BAD_LUHN_16}") == (PiiKind.CARD, "low")


def test_unlabelled_contiguous_number_failing_luhn_is_kept() -> None:
    """Sixteen digits in a row without a card label or card grouping are more likely an order
    number (evidence) than a mistyped card."""
    assert find_pii(f"编号 {BAD_LUHN_16}") == []


@pytest.mark.parametrize("text", ["1714530225000", "7001234567890123", "20240501102345"])
def test_numbers_without_a_card_issuer_prefix_are_not_cards(text: str) -> None:
    assert find_pii(text) == []


# -- IBAN -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"IBAN: {IBAN_GB} is mine", "IBAN: [IBAN] is mine"),
        (f"Konto {IBAN_DE}.", "Konto [IBAN]."),
        (f"{IBAN_GB.lower()}", "[IBAN]"),
        (f"账户{IBAN_DE}转账", "账户[IBAN]转账"),
    ],
)
def test_valid_ibans_are_replaced(text: str, expected: str) -> None:
    assert redact(text).text == expected


def test_invalid_iban_is_kept() -> None:
    assert find_pii("GB82 WEST 1234 5698 7654 33") == []
    assert find_pii("DE89370400440532013001") == []


# -- Alipay and WeChat ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("用户ID 2088102122458271", "用户ID [ALIPAY]"),
        ("uid 2088 1021 2245 8271.", "uid [ALIPAY]."),
        ("支付宝账号：zhang***@163.com", "支付宝账号：[ALIPAY]"),
        ("支付寶帳號: 138****8000", "支付寶帳號: [ALIPAY]"),
        ("支付宝账号 13800138000", "支付宝账号 [ALIPAY]"),
        ("对方 支付宝(138******00)", "对方 支付宝([ALIPAY])"),
        ("Alipay account: dan***@gmail.com.", "Alipay account: [ALIPAY]."),
    ],
)
def test_alipay_ids_and_account_hints(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    ["支付宝账户被冻结了", "Alipay (China) Network Technology", "Alipay account was frozen"],
)
def test_text_that_is_no_alipay_account_is_kept(text: str) -> None:
    assert find_pii(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("加我 wxid_abcdefg123456 谢谢", "加我 [WECHAT] 谢谢"),
        ("微信号：zhangsan_88", "微信号：[WECHAT]"),
        ("微信號：zhangsan_88", "微信號：[WECHAT]"),
        ("微 信 号 chen-xm2024", "微 信 号 [WECHAT]"),
        ("我的微信是danielb88。", "我的微信是[WECHAT]。"),
        ("WeChat ID: danielb88", "WeChat ID: [WECHAT]"),
        ("wechat: Brooks_D_1990", "wechat: [WECHAT]"),
        ("微信：13800138000", "微信：[WECHAT]"),
    ],
)
def test_wechat_ids_are_replaced(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    ["微信支付 customer service", "WeChat Pay refund denied", "微信号被封了", "wechat: abc"],
)
def test_text_that_is_no_wechat_id_is_kept(text: str) -> None:
    assert find_pii(text) == []


# -- evidence that must stay ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2024050122001400011234567890",
        "交易单号：4200001234202405011234567890",
        "订单号：2024 0501 2200 1400 0112 3456 7890",
        "订单号 20240501 22001400011234567890",
        f"订单号 2024050122 {VISA}",  # split by OCR: the tail alone would pass for a card
        "商户单号 M20240501123456789",
        "订 单 号 2024050122001400011234567890",
        "2024 0501 2200 1400 0112 3456 7890",
        f"Order ID: {LUHN_ORDER_19}",
        f"Transaction ID {UNIONPAY_16}",
        f"订单号：{VALID_ID_2}",
        "Case No. 1234567890123",
        "¥1,999.00",
        "$2,000.00 and -1999.00 CNY",
        "2024-05-01 14:32:10",
        "2024年5月1日",
        "05/01/2024",
        "2024.05.01",
        "支付宝（中国）网络技术有限公司 财付通 PayPal Venmo",
    ],
)
def test_order_numbers_amounts_dates_and_companies_stay(text: str) -> None:
    assert find_pii(text) == []
    assert redact(text).text == text


def test_the_label_is_what_keeps_a_luhn_valid_order_number() -> None:
    assert _only(LUHN_ORDER_19) == (PiiKind.CARD, "high")


def test_a_phone_after_a_short_order_number_is_still_found() -> None:
    assert redact("订单号 12345678 13800138000").text == "订单号 12345678 [PHONE]"


def test_a_phone_next_to_a_date_is_found_and_the_date_kept() -> None:
    assert redact("2024-05-01 13800138000").text == "2024-05-01 [PHONE]"


def test_numbers_side_by_side_are_each_found() -> None:
    assert redact(f"13800138000 {UNIONPAY_16} 13900139000").text == "[PHONE] [CARD] [PHONE]"
    assert (
        redact(
            f"138 0013 8000 {UNIONPAY_16[:4]} {UNIONPAY_16[4:8]} {UNIONPAY_16[8:12]} "
            f"{UNIONPAY_16[12:]}"
        ).text
        == "[PHONE] [CARD]"
    )


# -- extra terms ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "我是陈晓梅。",
        "我是陳曉梅。",
        "我是陈 晓梅。",
        "我是陳 曉 梅。",
    ],
)
def test_extra_terms_across_traditional_and_spacing(text: str) -> None:
    assert redact(text, ["陈晓梅"]).text == "我是[REDACTED]。"


@pytest.mark.parametrize(
    "text",
    [
        "DANIEL BROOKS",
        "daniel brooks",
        "ＤＡＮＩＥＬ　ＢＲＯＯＫＳ",
        "Daniel-Brooks",
        "DanielBrooks",
    ],
)
def test_extra_terms_ignore_case_and_width(text: str) -> None:
    assert redact(f"from {text}, thanks", ["Daniel Brooks"]).text == "from [REDACTED], thanks"


def test_extra_term_in_traditional_matches_simplified_text() -> None:
    assert redact("张伟的账户", ["張偉"]).text == "[REDACTED]的账户"


def test_extra_term_offsets_are_those_of_the_original_text() -> None:
    text = "证人：陳曉梅（ＡＮＮ）"
    findings = find_pii(text, ["陈晓梅", "ann"])
    assert [text[f.start : f.end] for f in findings] == ["陳曉梅", "ＡＮＮ"]
    assert {f.kind for f in findings} == {PiiKind.NAME_OR_TERM}


def test_extra_terms_do_not_match_inside_words() -> None:
    assert find_pii("Annual planning with Joanne, Joann and Leeann", ["Ann"]) == []
    assert redact("Ann's annual plan", ["Ann"]).text == "[REDACTED]'s annual plan"


def test_one_character_terms_are_ignored() -> None:
    assert find_pii("王先生说", ["王", "", " "]) == []


def test_extra_terms_win_over_the_order_number_exception() -> None:
    assert redact("订单号 ABC123456 已退款", ["abc123456"]).text == "订单号 [REDACTED] 已退款"


# -- offsets, overlaps, placeholders, counts ------------------------------------------------------


def test_offsets_point_into_the_original_full_width_text() -> None:
    text = "电话：１３８ ００１３ ８０００。"
    (finding,) = find_pii(text)
    assert text[finding.start : finding.end] == "１３８ ００１３ ８０００"


def test_findings_are_ordered_and_do_not_overlap() -> None:
    text = f"13800138000@163.com {VALID_ID} wxid_13800138000x 支付宝账号：13800138000"
    findings = find_pii(text)
    assert [f.kind for f in findings] == [
        PiiKind.EMAIL,
        PiiKind.ID,
        PiiKind.WECHAT,
        PiiKind.ALIPAY,
    ]
    for before, after in itertools.pairwise(findings):
        assert before.end <= after.start


def test_the_longer_finding_wins() -> None:
    result = redact("zhang.san@example.com 13800138000@qq.com", ["zhang"])
    assert result.text == "[EMAIL] [EMAIL]"
    assert result.counts == {"EMAIL": 2}


def test_a_labelled_value_is_typed_by_its_label() -> None:
    """The same span read as an e-mail and as the Alipay account it is labelled as: the
    more specific reading wins."""
    assert redact("支付宝账号：zhang.san@163.com").counts == {"ALIPAY": 1}
    assert redact("WeChat ID: 13800138000").counts == {"WECHAT": 1}


def test_no_fragment_of_a_losing_reading_is_left_behind() -> None:
    """A WeChat id glued to a card number: the card is the longer reading, and the id's
    remaining characters go with it instead of staying in the text."""
    assert redact("微信 wxid_chen_4111 1111 1111 1111 谢谢").text == "微信 [CARD] 谢谢"


def test_redaction_reaches_a_fixed_point() -> None:
    """OCR glued a WeChat id to the "Order" of "Order ID": once the id is replaced, the number
    after it is no longer labelled as an order number, so redacting again would find a card.
    ``redact`` searches its own result until nothing is found, so the card goes at once."""
    text = "微信：chen88Order ID: 4111 1111 1111 1111"
    once = redact(text)
    assert once.text == "微信：[WECHAT] ID: [CARD]"
    assert once.counts == {"WECHAT": 1, "CARD": 1}
    assert redact(once.text).text == once.text


def test_placeholders_are_typed() -> None:
    assert {kind.value: text for kind, text in PLACEHOLDERS.items()} == {
        "PHONE": "[PHONE]",
        "EMAIL": "[EMAIL]",
        "ID": "[ID]",
        "CARD": "[CARD]",
        "ACCOUNT": "[ACCOUNT]",
        "IBAN": "[IBAN]",
        "ALIPAY": "[ALIPAY]",
        "WECHAT": "[WECHAT]",
        "NAME_OR_TERM": "[REDACTED]",
    }


RICH = (
    f"陈晓梅 13800138000 chen@163.com {VALID_ID} {VISA} {IBAN_DE} 2088102122458271 "
    "wxid_chen1990abc 微信号：chenxm88 +852 9123 4567"
)
RICH_VALUES = [
    "陈晓梅",
    "13800138000",
    "chen@163.com",
    VALID_ID,
    VISA,
    IBAN_DE,
    "2088102122458271",
    "wxid_chen1990abc",
    "chenxm88",
    "9123 4567",
]


def test_counts_never_contain_values() -> None:
    result = redact(RICH, ["陈晓梅"])
    assert result.counts == {
        "PHONE": 2,
        "EMAIL": 1,
        "ID": 1,
        "CARD": 1,
        "IBAN": 1,
        "ALIPAY": 1,
        "WECHAT": 2,
        "NAME_OR_TERM": 1,
    }
    assert all(isinstance(count, int) for count in result.counts.values())
    shown = repr(result.counts) + repr(find_pii(RICH, ["陈晓梅"]))
    for value in RICH_VALUES:
        assert value not in result.text
        assert value not in shown
        assert value.replace(" ", "") not in shown


def test_a_finding_carries_no_value() -> None:
    assert [f.name for f in dataclasses.fields(Finding)] == ["kind", "start", "end", "confidence"]


IDEMPOTENCE_SAMPLES = [
    RICH,
    "手 机 号 1 3 8 0 0 1 3 8 0 0 0 和 13800138000 6222 0213 8001 3801",
    "+86 138 0013 8000 (010) 6234 5678 1-415-555-0123 00852 9123 4567",
    f"订单号 12345678 13800138000 {WRONG_CHECK_ID} {OLD_ID}",
    "支付宝账号：zhang***@163.com 微信：wxid_abcdefg123 Alipay account: 138****8000",
    f"IBAN {IBAN_GB} and card 3782 822463 10005 and {BAD_LUHN_16}",
]


@pytest.mark.parametrize("text", IDEMPOTENCE_SAMPLES)
def test_redacting_redacted_text_changes_nothing(text: str) -> None:
    terms = ["陈晓梅", "phone", "ID", "redacted"]
    once = redact(text, terms)
    assert once.counts  # there was something to redact
    twice = redact(once.text, terms)
    assert twice.text == once.text
    assert twice.counts == {}
    assert find_pii(once.text, terms) == []


def test_terms_that_spell_a_placeholder_leave_it_alone() -> None:
    assert redact("[PHONE] 和 [REDACTED]", ["phone", "redacted"]).text == "[PHONE] 和 [REDACTED]"


def test_empty_text_finds_nothing_and_stays_empty() -> None:
    assert find_pii("") == []
    assert redact("", ["陈晓梅"]).text == ""
    assert redact("").counts == {}


# -- many generated values ------------------------------------------------------------------------

_CONTEXTS = [
    ("手机", "，谢谢"),
    ("我的号码是", "。"),
    ("Tel: ", " (mobile)"),
    ("联系", "联系"),
    ("\n", "\n"),
    ("（", "）"),
    ("num ", ", ok"),
]
_REGIONS = ["110105", "310104", "440305", "360426", "510107", "330106", "420106", "610113"]
_IINS = ["4", "51", "55", "62", "622", "35", "2221"]


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def _phone(rng: random.Random) -> str:
    number = "1" + rng.choice("3456789") + _digits(rng, 9)
    style = rng.randrange(8)
    if style == 0:
        return number
    if style == 1:
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    if style == 2:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if style == 3:
        return "+86 " + number
    if style == 4:
        return f"+86-{number[:3]}-{number[3:7]}-{number[7:]}"
    if style == 5:
        return "0086" + number
    if style == 6:
        return _full_width(number)
    return " ".join(number)


def _resident_id(rng: random.Random) -> str:
    born = f"{rng.randint(1930, 2010)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = rng.choice(_REGIONS) + born + _digits(rng, 3)
    number = body + ric.calc_check_digit(body + "0")
    style = rng.randrange(3)
    if style == 1:
        return number.lower()
    if style == 2:
        return f"{number[:6]} {number[6:14]} {number[14:]}"
    return number


def _card(rng: random.Random) -> str:
    length = rng.choice([16, 16, 17, 18, 19])
    prefix = rng.choice(_IINS)
    body = prefix + _digits(rng, length - len(prefix) - 1)
    number = body + luhn.calc_check_digit(body)
    if rng.random() < 0.5:
        return number
    separator = rng.choice([" ", "-"])
    return separator.join(number[i : i + 4] for i in range(0, len(number), 4))


@pytest.mark.parametrize(
    ("make", "placeholder"),
    [(_phone, "[PHONE]"), (_resident_id, "[ID]"), (_card, "[CARD]")],
)
def test_generated_values_never_survive(
    make: Callable[[random.Random], str], placeholder: str
) -> None:
    rng = random.Random(20240501)
    for _ in range(300):
        value = make(rng)
        before, after = rng.choice(_CONTEXTS)
        text = f"{before}{value}{after}"
        result = redact(text)
        assert result.text == f"{before}{placeholder}{after}", text
        digits = re.sub(r"\D", "", value)
        assert digits[-8:] not in re.sub(r"\D", "", result.text), text
