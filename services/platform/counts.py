"""Counts said the way each language says them: "1 e-mail address", "3 e-mail addresses",
"3 个邮箱地址". Each phrase goes through the catalog's plural forms (ngettext), so English
picks singular or plural and Chinese (one form) carries its measure word.

What anonymization removed is shown to every member of a case, so it speaks of "the
contributor", never of "you".
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import ngettext

#: codes of services.anonymize, counted (never their values)
REMOVED: dict[str, Callable[[int], str]] = {
    "PHONE": lambda n: ngettext("%(num)d phone number", "%(num)d phone numbers", n),
    "EMAIL": lambda n: ngettext("%(num)d e-mail address", "%(num)d e-mail addresses", n),
    "ID": lambda n: ngettext("%(num)d ID card number", "%(num)d ID card numbers", n),
    "CARD": lambda n: ngettext("%(num)d bank card number", "%(num)d bank card numbers", n),
    "ACCOUNT": lambda n: ngettext("%(num)d bank account number", "%(num)d bank account numbers", n),
    "IBAN": lambda n: ngettext("%(num)d IBAN", "%(num)d IBANs", n),
    "ALIPAY": lambda n: ngettext("%(num)d Alipay account", "%(num)d Alipay accounts", n),
    "WECHAT": lambda n: ngettext("%(num)d WeChat ID", "%(num)d WeChat IDs", n),
    "NAME_OR_TERM": lambda n: ngettext(
        "%(num)d name or word the contributor chose",
        "%(num)d names or words the contributor chose",
        n,
    ),
    "AREA": lambda n: ngettext("%(num)d area blacked out", "%(num)d areas blacked out", n),
    "COLUMN_DROPPED": lambda n: ngettext("%(num)d column removed", "%(num)d columns removed", n),
    "COLUMN_HASHED": lambda n: ngettext(
        "%(num)d column replaced by codes", "%(num)d columns replaced by codes", n
    ),
    "LOCATION": lambda n: ngettext(
        "%(num)d hidden location (GPS)", "%(num)d hidden locations (GPS)", n
    ),
    "CAMERA": lambda n: ngettext(
        "%(num)d hidden camera detail (make, model, serial number)",
        "%(num)d hidden camera details (make, model, serial number)",
        n,
    ),
    "AUTHOR": lambda n: ngettext(
        "%(num)d hidden author or owner name", "%(num)d hidden author or owner names", n
    ),
    "DATES": lambda n: ngettext(
        "%(num)d hidden date taken or changed", "%(num)d hidden dates taken or changed", n
    ),
    "HISTORY": lambda n: ngettext(
        "%(num)d hidden entry of editing software and history",
        "%(num)d hidden entries of editing software and history",
        n,
    ),
    "THUMBNAIL": lambda n: ngettext("%(num)d hidden thumbnail", "%(num)d hidden thumbnails", n),
    "DESCRIPTION": lambda n: ngettext(
        "%(num)d hidden comment, title or keyword",
        "%(num)d hidden comments, titles and keywords",
        n,
    ),
    "SCRIPT": lambda n: ngettext("%(num)d script", "%(num)d scripts", n),
    "ATTACHMENT": lambda n: ngettext(
        "%(num)d attached or appended file", "%(num)d attached or appended files", n
    ),
    "ANNOTATION": lambda n: ngettext(
        "%(num)d PDF comment or form field", "%(num)d PDF comments and form fields", n
    ),
}


def removed_count(code: str, count: int) -> str:
    """``removed_count("EMAIL", 1)`` -> "1 e-mail address"; an unknown code as itself."""
    phrase = REMOVED.get(code)
    return phrase(count) if phrase is not None else f"{count} {code}"
