"""Picking the user's language and the localized fields of bilingual rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from babel.lists import format_list
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

LOCALE_SESSION_KEY = "locale"


def select_locale() -> str:
    """The explicit choice (switch or account setting) first, then the browser's preference.

    Browsers send ``zh-CN``, ``zh-TW``, ``zh-Hans``... all of which mean the Chinese interface.
    """
    languages: list[str] = current_app.config["LANGUAGES"]
    default: str = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    chosen = session.get(LOCALE_SESSION_KEY)
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    if current_user.is_authenticated and current_user.locale in languages:
        account_locale: str = current_user.locale
        return account_locale
    for tag, _quality in request.accept_languages:
        primary = tag.split("-")[0].split("_")[0].lower()
        if primary in languages:
            return primary
    return default


def current_language() -> str:
    return str(get_locale() or "en").split("_")[0]


def localized(obj: object, field: str) -> str:
    """``obj.<field>_zh`` or ``obj.<field>_en`` for the current language, the other if empty."""
    first, second = ("zh", "en") if current_language() == "zh" else ("en", "zh")
    value: str = getattr(obj, f"{field}_{first}", "") or getattr(obj, f"{field}_{second}", "")
    return value


def names_list(names: Sequence[str]) -> str:
    """Names joined as the current language lists them ("A, B and C" / "A、B和C")."""
    return format_list(list(names), locale=current_language()) if names else ""


def localized_names(objs: Iterable[object]) -> str:
    """The ``name`` of each object in the current language, listed ("PBOC and NFRA")."""
    return names_list([localized(obj, "name") for obj in objs])
