"""The viewer's time zone, and the one way every stored time is shown.

Times are stored in UTC (models.base.UTCDateTime). People read them in their own zone: the one
kept on their account (account settings), else the one their browser reports, which
``static/js/app.js`` copies from ``Intl.DateTimeFormat().resolvedOptions().timeZone`` into a
cookie. A name is used only if the zone database knows it, so a forged cookie changes nothing
but its sender's own clock. The bundle and the API do not come through here: they keep UTC
with its offset.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import get_timezone, get_timezone_location
from flask import has_request_context, request
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

TIME_ZONE_COOKIE = "tz"
DEFAULT_ZONE = "UTC"


#: the regions of the zones offered in account settings ("Asia/Shanghai"); the others are
#: aliases and fixed offsets ("US/Eastern", "Etc/GMT+5"), still accepted from a browser
REGIONS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)


def _formattable(name: str) -> bool:
    try:
        get_timezone(name)
    except LookupError:  # in the system's database but not Babel's ("Factory")
        return False
    return True


@cache
def known_zones() -> frozenset[str]:
    """Every IANA name both the zone database and Babel know (about 600), read once."""
    return frozenset(name for name in available_timezones() if _formattable(name))


def zone_choices() -> list[tuple[str, str]]:
    """The zones a person can pick, named in the current language ("中国（上海）时间"),
    in the order of those names."""
    locale = get_locale()
    named = [
        (name, get_timezone_location(name, locale=locale))
        for name in known_zones()
        if name.startswith(REGIONS)
    ]
    return [(DEFAULT_ZONE, DEFAULT_ZONE), *sorted(named, key=lambda pair: (pair[1], pair[0]))]


def valid_zone(name: object) -> str | None:
    """``name`` if it names a known zone, else None (an unknown or forged value)."""
    if isinstance(name, str) and name in known_zones():
        return name
    return None


def browser_zone() -> str | None:
    """The zone the browser's script reported in its cookie, when it is a known one."""
    if not has_request_context():
        return None
    return valid_zone(request.cookies.get(TIME_ZONE_COOKIE))


def account_zone() -> str | None:
    """The zone kept on the logged-in account, if any."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    return valid_zone(current_user.time_zone)


def select_timezone() -> str:
    """Flask-Babel's choice for this request: the account's zone, the browser's, else UTC."""
    return account_zone() or browser_zone() or DEFAULT_ZONE


def guessed_offset_minutes() -> int | None:
    """The UTC offset, in minutes now, of the zone this page is shown in when it is only
    what the browser last said (no zone on the account): the browser's script compares it
    with its own and reloads once if they differ (its first visit, or a trip abroad)."""
    if account_zone() is not None:
        return None
    offset = datetime.now(ZoneInfo(select_timezone())).utcoffset()
    return None if offset is None else int(offset.total_seconds()) // 60


def when(
    value: datetime | date | None, style: str = "short", *, zone: bool = True, day: bool = False
) -> str:
    """A stored time as the viewer reads it: in their zone, in their language, and followed
    by that zone's offset ("GMT+08:00") unless ``zone`` is False. With ``day``, only the
    date (in the viewer's zone: 01:00 UTC on the 3rd is the 2nd in New York); a date stays
    a date."""
    if value is None:
        return ""
    if day or not isinstance(value, datetime):
        return str(format_date(value, "medium" if style == "short" else style))
    text = str(format_datetime(value, style))
    return f"{text} {format_datetime(value, 'ZZZZ')}" if zone else text
