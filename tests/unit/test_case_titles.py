"""Which title a reader sees, and which translations are refused."""

from __future__ import annotations

import pytest

from models import GroupCase
from models.case import title_language
from services.cases.titles import checked_title_other
from services.errors import DomainError


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("支付宝账户被盗", "zh"),
        ("PayPal 冻结账户", "zh"),  # a Chinese title naming a company in Latin letters
        ("PayPal froze accounts", "en"),
        ("Refunds refused: 2026 flights", "en"),
    ],
)
def test_title_language(text: str, language: str) -> None:
    assert title_language(text) == language


def test_readers_see_their_language_where_one_is_given() -> None:
    case = GroupCase(title="支付宝账户被盗", title_other="Alipay accounts stolen")
    assert case.title_in("en") == "Alipay accounts stolen"
    assert case.title_in("zh") == "支付宝账户被盗"
    assert GroupCase(title="支付宝账户被盗").title_in("en") == "支付宝账户被盗"
    english = GroupCase(title="PayPal froze accounts", title_other="PayPal 冻结账户")
    assert (english.title_in("zh"), english.title_in("en")) == (
        "PayPal 冻结账户",
        "PayPal froze accounts",
    )


def test_a_translation_must_be_in_the_other_language() -> None:
    assert checked_title_other("支付宝账户被盗", "  Alipay accounts stolen ") == (
        "Alipay accounts stolen"
    )
    assert checked_title_other("支付宝账户被盗", "   ") is None
    for title, same in (("支付宝账户被盗", "支付宝被盗"), ("PayPal froze accounts", "Frozen")):
        with pytest.raises(DomainError) as refused:
            checked_title_other(title, same)
        assert refused.value.field == "title_other"
    with pytest.raises(DomainError):
        checked_title_other("PayPal froze accounts", "冻" * 201)
