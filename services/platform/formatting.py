"""Formatting stored values for people, in the current locale."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import format_currency

from models import ZERO_DECIMAL_CURRENCIES


def money(amount_minor: int, currency: str) -> str:
    """Minor units to a localized amount: 12345, CNY -> CN¥123.45 (en) / ¥123.45 (zh)."""
    amount = amount_minor if currency in ZERO_DECIMAL_CURRENCIES else amount_minor / 100
    return str(format_currency(amount, currency))


def rounded_money(amount_minor: int, currency: str) -> str:
    """A whole amount without its minor unit, for figures already rounded: ¥36,000."""
    amount = amount_minor if currency in ZERO_DECIMAL_CURRENCIES else amount_minor // 100
    return str(format_currency(amount, currency, format="¤#,##0", currency_digits=False))


def format_amount(amount_minor: int, currency: str) -> str:
    """ "1234.50" from 123450: a decimal string, exact, in the currency's own minor unit."""
    if currency in ZERO_DECIMAL_CURRENCIES:
        return str(amount_minor)
    return str(Decimal(amount_minor).scaleb(-2))
