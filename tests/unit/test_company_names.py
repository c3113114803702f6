"""Company names typed in any form meet in one normalized key."""

from __future__ import annotations

import pytest

from services.reference.company_names import normalize_name


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("支付寶", "支付宝"),  # traditional
        (" Alipay ", "alipay"),
        ("ＡＬＩＰＡＹ", "alipay"),  # full-width
        ("Cash App", "cashapp"),
        ("八達通 Octopus", "八达通octopus"),
        ("WeChat·Pay", "wechatpay"),
    ],
)
def test_every_spelling_of_a_name_normalizes_to_one_key(typed: str, expected: str) -> None:
    assert normalize_name(typed) == expected
