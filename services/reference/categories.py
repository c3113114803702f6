"""Reference data every installation has: the complaint categories."""

from __future__ import annotations

from sqlalchemy import select

from models import Category
from models.base import DbSession

#: (code, English label, Chinese label), in display order; from complaints about digital wallets
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("account_security", "Account security / theft", "账户安全 / 盗刷"),
    ("transaction_failed", "Transaction failed / money held", "交易失败 / 资金被扣留"),
    ("duplicate_charge", "Duplicate charge", "重复扣款"),
    ("refund", "Refund refused or slow", "退款被拒或迟缓"),
    ("topup_withdrawal", "Top-up or withdrawal delay", "充值或提现延迟"),
    ("account_frozen", "Account frozen or locked", "账户被冻结或锁定"),
    ("fees_limits", "Limits and hidden fees", "限额与隐藏费用"),
    ("customer_service", "Customer service unresponsive", "客服无响应"),
    ("unfair_terms", "Unclear or unfair terms", "条款不清或不公平"),
    ("data_leak", "Personal data leak", "个人信息泄露"),
    ("other", "Other", "其他"),
)


def ensure_categories(session: DbSession) -> int:
    """Insert missing categories and refresh labels; returns how many were added. Idempotent."""
    existing = {c.code: c for c in session.scalars(select(Category))}
    added = 0
    for position, (code, label_en, label_zh) in enumerate(CATEGORIES):
        category = existing.get(code)
        if category is None:
            session.add(
                Category(code=code, label_en=label_en, label_zh=label_zh, position=position)
            )
            added += 1
        else:
            category.label_en, category.label_zh, category.position = label_en, label_zh, position
    session.flush()
    return added
