"""What every template can use: navigation for the current role, localized labels, formats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from babel.dates import format_skeleton
from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime, get_locale, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from extensions import db
from models import GroupCase
from models.case import title_language
from services.cases.joins_over_time import Period
from services.notifications import inbox as notifications
from services.petition.markdown import render_markdown
from services.platform.counts import removed_count
from services.platform.formatting import money, rounded_money
from services.platform.i18n import current_language, localized, localized_names
from services.platform.labels import label
from services.platform.time_zones import guessed_offset_minutes, when


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any


VISITOR_NAV = (NavItem("cases.index", _l("Cases")),)
MEMBER_NAV = (
    NavItem("cases.index", _l("Cases")),
    NavItem("me.dashboard", _l("My complaints")),
    NavItem("complaints.new", _l("File a complaint")),
)
REGULATOR_NAV = (
    NavItem("regulator.inbox", _l("Inbox")),
    NavItem("cases.index", _l("Cases")),
    NavItem("regulator.tokens", _l("API tokens")),
)


RESPONDENT_NAV = (NavItem("respondent.index", _l("Cases for the company")),)


def navigation() -> tuple[NavItem, ...]:
    if not current_user.is_authenticated:
        return VISITOR_NAV
    if current_user.is_regulator:
        return REGULATOR_NAV
    if current_user.is_respondent:
        return RESPONDENT_NAV
    return MEMBER_NAV


def case_title(case: GroupCase) -> str:
    """The case's title in the reader's language where the organizers gave one."""
    return case.title_in(current_language())


def text_lang(text: str) -> str:
    """The ``lang`` attribute of a title people wrote, so screen readers read it aloud in its
    own language on a page in the other one."""
    return "zh-CN" if title_language(text) == "zh" else "en"


def pseudonym(code: str) -> str:
    return _("Member %(code)s", code=code)


def _amount(text: str) -> Markup:
    """An amount as one unbreakable piece: "¥112,596.10" never ends a line at its comma."""
    return Markup('<span class="amount">{}</span>').format(text)


PERIOD_HEADINGS = {Period.DAY: _l("Date"), Period.WEEK: _l("Week"), Period.MONTH: _l("Month")}


def period_heading(period: Period) -> str:
    return str(PERIOD_HEADINGS[period])


def period_label(start: date, period: Period) -> str:
    """A row of the joins table: "3 Dec 2026", "Week of 30 Nov 2026", "December 2026"."""
    if period is Period.WEEK:
        return _("Week of %(day)s", day=format_date(start))
    if period is Period.MONTH:
        return str(format_skeleton("yMMMM", start, locale=get_locale()))
    return str(format_date(start))


def money_html(amount_minor: int, currency: str) -> Markup:
    return _amount(money(amount_minor, currency))


def rounded_money_html(amount_minor: int, currency: str) -> Markup:
    return _amount(rounded_money(amount_minor, currency))


def when_filter(
    value: datetime | date | None, style: str = "short", zone: bool = True, day: bool = False
) -> Markup:
    """``{{ stored_time|when }}``: the one way a page shows a time, in the viewer's zone
    with its offset (``|when(day=True)``: its date there), inside ``<time>`` carrying the
    UTC instant for machines."""
    if value is None:
        return Markup("")
    instant = value.astimezone(UTC) if isinstance(value, datetime) else value
    return Markup('<time datetime="{}">{}</time>').format(
        instant.isoformat(), when(value, style, zone=zone, day=day)
    )


def csrf_field() -> Markup:
    """The hidden CSRF input of a form that is only a button (log out, language, join, leave):
    the request's one token, written out. Rendered through a WTForms form it cost about
    0.25 ms each time, and a page carries one per button, per row in lists of members and
    notifications. ``EmptyForm`` checks what these forms post."""
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return Markup('<input name="{}" type="hidden" value="{}">').format(name, generate_csrf())


#: where a page's render keeps the translations of its language (see :func:`_translations`)
TRANSLATIONS_KEY = "_page_translations"


def _translations(context: Context) -> Any:
    """The translations a page's render fetched once, else Flask-Babel's lookup.

    Flask-Babel finds them through three request-context lookups on every call (about 20 µs);
    a page translates some forty strings. Macros imported from another template have no
    page context and take the lookup."""
    return context.get(TRANSLATIONS_KEY) or get_translations()


@pass_context
def _gettext(context: Context, string: str) -> str:
    return str(_translations(context).ugettext(string))


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return str(_translations(context).ungettext(singular, plural, n))


@pass_context
def _pgettext(context: Context, message_context: str, string: str) -> str:
    return str(_translations(context).upgettext(message_context, string))


@pass_context
def _npgettext(context: Context, message_context: str, singular: str, plural: str, n: int) -> str:
    return str(_translations(context).unpgettext(message_context, singular, plural, n))


def _install_page_gettext(app: Flask) -> None:
    """Templates translate with the translations fetched once per render; formatting and
    escaping stay Jinja's (newstyle gettext), as Flask-Babel set them up."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext,
        ngettext=_ngettext,
        newstyle=True,
        pgettext=_pgettext,
        npgettext=_npgettext,
    )

    @app.context_processor
    def _page_translations() -> dict[str, Any]:
        return {TRANSLATIONS_KEY: get_translations()}


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        localized=localized,
        localized_names=localized_names,
        label=label,
        markdown=render_markdown,
        current_language=current_language,
        navigation=navigation,
        money=money_html,
        rounded_money=rounded_money_html,
        pseudonym=pseudonym,
        case_title=case_title,
        text_lang=text_lang,
        format_date=format_date,
        period_heading=period_heading,
        period_label=period_label,
        format_datetime=format_datetime,
        #: dates kept as ISO text in notifications, read back to be formatted
        iso_date=date.fromisoformat,
        guessed_offset_minutes=guessed_offset_minutes,
        removed_count=removed_count,
        csrf_field=csrf_field,
    )
    app.jinja_env.filters["when"] = when_filter
    _install_page_gettext(app)

    @app.context_processor
    def _unread() -> dict[str, Any]:
        def unread_notifications() -> int:
            if not current_user.is_authenticated:
                return 0
            return notifications.unread_count(db.session, current_user)

        return {"unread_notifications": unread_notifications}

    @app.context_processor
    def _current_path() -> dict[str, Any]:
        return {"current_path": request.full_path.rstrip("?")}
