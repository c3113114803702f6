"""Numbers glued to their label: OCR drops the space between a label and its value with some
fonts ("Phone13812340000", "ID110101199003077774", "card6222021234567890128"), and people type
them that way too. The value is personal data whatever touches it, as long as the letters are a
label; a number glued to a code ("SN:X13800138000") or to an order label stays, as before."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.cn import ric

from services.anonymize.text import PLACEHOLDERS, PiiKind, find_pii, redact
from tests.support.fuzz import fuzz
from tests.unit.test_fuzz_anonymizer import cards, mobiles, resident_ids

ID_GLUED = "110101199003077774"  # the example with its right check character
CARD_19 = "6222021234567890128"


def test_the_fixtures_are_valid() -> None:
    assert ric.is_valid(ID_GLUED)
    assert luhn.is_valid(CARD_19)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Phone13812340000", "Phone[PHONE]"),
        ("PHONE13812340000", "PHONE[PHONE]"),
        ("Tel:+8613812340000", "Tel:[PHONE]"),
        ("Tel+8613812340000", "Tel[PHONE]"),
        ("TEL13812340000", "TEL[PHONE]"),
        ("Mobile13812340000", "Mobile[PHONE]"),
        ("PhoneNo13812340000", "PhoneNo[PHONE]"),
        ("Phone No13812340000", "Phone No[PHONE]"),
        ("Contact me at13812340000", "Contact me at[PHONE]"),
        (f"ID{ID_GLUED}", "ID[ID]"),
        (f"IDcard{ID_GLUED}", "IDcard[ID]"),
        ("ID11010519491231002X", "ID[ID]"),
        (f"card{CARD_19}", "card[CARD]"),
        (f"CardNo{CARD_19}", "CardNo[CARD]"),
        (f"账号{CARD_19}", "账号[CARD]"),
        (f"卡号{CARD_19}", "卡号[CARD]"),
        ("Phone13812340000Email", "Phone[PHONE]Email"),
        (f"Mobile13812340000Name:陈晓梅 ID{ID_GLUED}", "Mobile[PHONE]Name:陈晓梅 ID[ID]"),
    ],
)
def test_a_value_glued_to_its_label_is_replaced(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("账号 1234567890123", "账号 [ACCOUNT]"),
        ("账号1234567890123", "账号[ACCOUNT]"),
        ("卡号：0012345678", "卡号：[ACCOUNT]"),
        ("account 001234567890", "account [ACCOUNT]"),
        ("acct12345678901", "acct[ACCOUNT]"),
        ("Account No. 1234 5678 9012", "Account No. [ACCOUNT]"),
        ("收款账户 310066726018010123456", "收款账户 [ACCOUNT]"),
    ],
)
def test_a_labelled_account_number_is_replaced_without_a_checksum(text: str, expected: str) -> None:
    result = redact(text)
    assert result.text == expected
    assert result.counts == {"ACCOUNT": 1}
    assert result.low_confidence == 1  # no checksum: the contributor should look


@pytest.mark.parametrize(
    "text",
    [
        "A13800138000",  # a code, not a label
        "SN:X13800138000",
        "SN13800138000",
        "13800138000B",
        "auto13800138000",  # a word that merely ends in a label ("to")
        "hotel13800138000",  # ... ("tel")
        "OrderNo13812340000",  # an order label glued to its number: evidence, kept
        "Order ID:13812340000",
        "订单号13812340000",
        "TransactionID6222021234567890128",
        "account 2024-05-01",  # a date after the label is no account
        "账户余额 12345678",  # the label does not end where the number starts
        "账号 1234567",  # too short for an account number
    ],
)
def test_codes_order_numbers_and_dates_stay(text: str) -> None:
    assert find_pii(text) == []


# -- properties ---------------------------------------------------------------------------------

LABELS = {
    PiiKind.PHONE: ("Phone", "phone", "PHONE", "Tel", "TEL", "Mobile", "Mob", "Cell", "PhoneNo"),
    PiiKind.ID: ("ID", "Id", "IDcard", "IDNo", "Identity"),
    PiiKind.CARD: ("card", "Card", "CardNo", "Account", "acct", "ACCT"),
}
STRATEGIES = {PiiKind.PHONE: mobiles(), PiiKind.ID: resident_ids(), PiiKind.CARD: cards()}
AFTER = ("", " ", "，", "Email", "Name", "。谢谢", "\n")


@st.composite
def glued(draw: st.DrawFn) -> tuple[str, str, str, PiiKind]:
    """(text, expected redaction, canonical value, kind): a label, no space, the value as
    people and OCR write it, then nothing, a boundary, or the next label glued on."""
    kind = draw(st.sampled_from(list(LABELS)))
    label = draw(st.sampled_from(LABELS[kind]))
    written, canonical = draw(STRATEGIES[kind])
    colon = draw(st.sampled_from(("", ":", "：")))
    after = draw(st.sampled_from(AFTER))
    text = f"{label}{colon}{written}{after}"
    return text, f"{label}{colon}{PLACEHOLDERS[kind]}{after}", canonical, kind


@fuzz(400)
@given(glued())
@example(("Tel+8613812340000", "Tel[PHONE]", "13812340000", PiiKind.PHONE))
def test_any_value_glued_to_any_label_is_replaced(case: tuple[str, str, str, PiiKind]) -> None:
    text, expected, canonical, _kind = case
    result = redact(text)
    assert result.text == expected
    assert canonical not in result.text.replace(" ", "")
    assert redact(result.text).text == result.text


@fuzz(300)
@given(
    st.sampled_from(("A", "X", "SN", "B", "Z", "SN:X", "auto", "hotel", "item", "OrderNo")),
    mobiles().filter(lambda m: m[0] == m[1]),
)
def test_a_mobile_glued_to_a_code_is_kept(code: str, mobile: tuple[str, str]) -> None:
    assert find_pii(f"{code}{mobile[0]}") == []


# -- what OCR makes of labels and addresses -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Phome13812340000", "Phome[PHONE]"),  # n read as m (Pillow's bitmap font)
        ("Ph0ne13812340000", "Ph0ne[PHONE]"),
        ("Te1:+8613812340000", "Te1:[PHONE]"),
        (f"1D{ID_GLUED}", "1D[ID]"),
        ("Acc0unt No.110061234567890", "Acc0unt No.[ACCOUNT]"),
        ("Accoumt No. 110061234567890", "Accoumt No. [ACCOUNT]"),
        ("Acc0untNo.110061234567890", "Acc0untNo.[ACCOUNT]"),
        # the "I" of "ID" dropped: a resident ID with its right check character still shows
        (f"D{ID_GLUED}", "D[ID]"),
        ("Email: zhang. wm@example. com", "Email: [EMAIL]"),
        ("邮箱 zhang.wm@example. com 谢谢", "邮箱 [EMAIL] 谢谢"),
    ],
)
def test_labels_and_addresses_as_ocr_misreads_them(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        f"D{ID_GLUED[:-1]}5",  # a wrong check character beside a letter: a code
        f"M{CARD_19}",  # a card number beside a letter: a code (Luhn passes one in ten)
    ],
)
def test_numbers_beside_a_letter_without_a_checked_id_stay(text: str) -> None:
    assert find_pii(text) == []


def test_the_sentence_after_an_address_is_not_its_domain() -> None:
    assert redact("Write to chen@qq.com. Thanks").text == "Write to [EMAIL]. Thanks"
