"""Sharing a case: its public link, a QR code of it, and the preview social sites show.

Everything here describes the case, never a member: the title, the company, the category and
how many have joined. No pseudonym, name, amount, narrative or evidence goes into a link
preview, because a preview is copied to sites this app does not control.
"""

from __future__ import annotations

import io
import re
from contextlib import nullcontext
from dataclasses import dataclass
from functools import lru_cache

import segno
from flask import current_app, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape
from PIL import Image, ImageDraw

from models import GroupCase
from models.base import DbSession
from services.cases import membership as group_cases
from services.platform.fonts import BOLD, REGULAR, PillowFont, pillow_font
from services.platform.i18n import current_language, localized

#: the size Facebook, X, LinkedIn and WeChat all crop previews from
CARD_WIDTH, CARD_HEIGHT = 1200, 630
SITE_NAME = "Chorus"
QR_DARK, QR_LIGHT = "#1b2430", "#fff"
QR_BORDER = 4  #: the quiet zone, in modules, that scanners need around the code
QR_PNG_SCALE = 10  #: pixels per module of the downloadable PNG: sharp when printed
OG_LOCALES = {"zh": "zh_CN", "en": "en_US"}


#: one wrappable piece of a title: a run of spaces, one CJK character (Chinese breaks between
#: any two), or a word of anything else
_PIECES = re.compile(
    r"\s+|[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+"
)


@dataclass(frozen=True)
class OpenGraph:
    """What a social site shows for the case's link; see https://ogp.me."""

    title: str
    description: str
    url: str
    image_url: str
    locale: str  #: zh_CN or en_US
    image_width: int = CARD_WIDTH
    image_height: int = CARD_HEIGHT


@dataclass(frozen=True)
class ShareKit:
    """Everything the organizer's share page offers."""

    url: str
    qr_svg: Markup
    post_text: str  #: ready to paste into a forum or a chat: title and link
    og: OpenGraph


def shareable_case(session: DbSession, public_id: str) -> GroupCase:
    """The case behind a share link, QR code or preview image.

    Exactly the cases the public case page shows: a case is removed by deleting it, so what
    :func:`services.cases.membership.case_by_public_id` cannot find cannot be shared either.
    Raises :class:`services.errors.NotFound`.
    """
    return group_cases.case_by_public_id(session, public_id)


def case_url(case: GroupCase) -> str:
    """The canonical public address of the case page."""
    return url_for("cases.detail", public_id=case.public_id, _external=True)


def members_text(case: GroupCase) -> str:
    return str(ngettext("%(num)d member", "%(num)d members", case.member_count))


def open_graph(case: GroupCase) -> OpenGraph:
    """The preview of the case's link, in the current language; nothing about any member."""
    language = current_language()
    return OpenGraph(
        title=case.title,
        description=_(
            "Group complaint against %(company)s (%(category)s), %(members)s so far. If the "
            "same happened to you, join the case so that you are heard together.",
            company=localized(case.company, "name"),
            category=localized(case.category, "label"),
            members=members_text(case),
        ),
        url=case_url(case),
        image_url=url_for(
            "cases.og_image", public_id=case.public_id, lang=language, _external=True
        ),
        locale=OG_LOCALES.get(language, OG_LOCALES["en"]),
    )


def share_kit(case: GroupCase) -> ShareKit:
    url = case_url(case)
    return ShareKit(
        url=url,
        qr_svg=qr_svg(url, _("QR code of the link to this case")),
        post_text=f"{case.title}\n{url}",
        og=open_graph(case),
    )


def _qr(url: str) -> segno.QRCode:
    return segno.make_qr(url)


def qr_svg(url: str, label: str) -> Markup:
    """The QR code as an inline ``<svg>``, dark on light with its quiet zone, sized by CSS."""
    svg = _qr(url).svg_inline(
        dark=QR_DARK,
        light=QR_LIGHT,
        border=QR_BORDER,
        title=label,
        omitsize=True,
        svgclass="qr-code",
    )
    labelled = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return Markup(labelled)  # noqa: S704 - segno escapes the title; the label is escaped above


def qr_png(url: str) -> bytes:
    """The QR code as a PNG to download and print."""
    out = io.BytesIO()
    _qr(url).save(
        out, kind="png", scale=QR_PNG_SCALE, border=QR_BORDER, dark=QR_DARK, light=QR_LIGHT
    )
    return out.getvalue()


def og_card(case: GroupCase, language: str | None = None) -> bytes:
    """The case's preview image in ``language`` (when the app offers it) or the current one.

    The page's ``og:image`` names its language, so one address always gives the same image
    and caches between the app and the social site can keep it.
    """
    forced = language in current_app.config["LANGUAGES"]
    with force_locale(language) if forced else nullcontext():
        return render_card(
            case.title,
            localized(case.company, "name"),
            members_text(case),
            _("Group complaints"),
        )


def wrap(text: str, font: PillowFont, width: float, max_lines: int) -> list[str]:
    """``text`` broken into at most ``max_lines`` lines no wider than ``width``: between words,
    and between any two Chinese characters; the last line ends in "…" if the text is longer."""
    pieces = _PIECES.findall(" ".join(text.split()))
    lines: list[str] = []
    line, index = "", 0
    while index < len(pieces):
        piece = pieces[index]
        if font.getlength(line + piece) <= width:
            line, index = line + piece, index + 1
            continue
        if piece.isspace():  # break at the space, drop it
            index += 1
        elif not line:  # a word wider than a whole line: cut it
            cut = max(1, _fitting(piece, font, width))
            line, pieces[index] = piece[:cut], piece[cut:]
        lines.append(line.rstrip())
        line = ""
        if len(lines) == max_lines:
            lines[-1] = _ellipsize(lines[-1], font, width)
            return lines
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _fitting(text: str, font: PillowFont, width: float) -> int:
    count = 0
    while count < len(text) and font.getlength(text[: count + 1]) <= width:
        count += 1
    return count


def _ellipsize(line: str, font: PillowFont, width: float) -> str:
    while line and font.getlength(line + "…") > width:
        line = line[:-1]
    return line.rstrip() + "…"


@lru_cache(maxsize=128)
def render_card(title: str, company: str, members: str, tagline: str) -> bytes:
    """A 1200×630 PNG: the site's name, the company, the case's title and its member count.

    Cached on its texts, so a new title, member count or language draws a new card.
    """
    brand, ink, muted, wash, line = (
        (15, 93, 90),
        (27, 36, 48),
        (90, 100, 114),
        (244, 246, 248),
        (216, 221, 227),
    )
    image = Image.new("RGB", (CARD_WIDTH, CARD_HEIGHT), wash)
    draw = ImageDraw.Draw(image)
    margin, text_width = 80, CARD_WIDTH - 160
    draw.rectangle((0, 0, CARD_WIDTH, 14), fill=brand)
    draw.ellipse((margin, 60, margin + 40, 100), outline=brand, width=6)
    draw.ellipse((margin + 12, 72, margin + 28, 88), fill=brand)
    name_font = pillow_font(40, BOLD)
    draw.text((margin + 56, 80), SITE_NAME, font=name_font, fill=brand, anchor="lm")
    tagline_x = margin + 56 + name_font.getlength(SITE_NAME) + 20
    draw.text((tagline_x, 82), tagline, font=pillow_font(28, REGULAR), fill=muted, anchor="lm")
    company_font = pillow_font(40, REGULAR)
    draw.text(
        (margin, 190),
        _ellipsize_if_long(company, company_font, text_width),
        font=company_font,
        fill=muted,
        anchor="ls",
    )
    title_font = pillow_font(64, BOLD)
    for number, text in enumerate(wrap(title, title_font, text_width, 3)):
        draw.text((margin, 290 + number * 84), text, font=title_font, fill=ink, anchor="ls")
    draw.line(
        (margin, CARD_HEIGHT - 110, CARD_WIDTH - margin, CARD_HEIGHT - 110), fill=line, width=2
    )
    members_font = pillow_font(40, BOLD)
    draw.text((margin, CARD_HEIGHT - 52), members, font=members_font, fill=brand, anchor="ls")
    out = io.BytesIO()
    image.save(out, format="PNG")  # optimize=True: 4× slower for 4% smaller
    return out.getvalue()


def _ellipsize_if_long(text: str, font: PillowFont, width: float) -> str:
    return text if font.getlength(text) <= width else _ellipsize(text, font, width)
