"""The amounts of a case in bands; sharing a case: share page, QR code, preview image, meta tags."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import segno
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from extensions import db
from models import Company, Complaint, GroupCase, MemberRole, Membership, User
from services.cases import membership as group_cases
from services.cases import sharing as case_share
from services.cases.figures import case_figures
from tests.conftest import PASSWORD
from tests.support.forms import login
from tests.support.web import EN, assert_redirects

ZH = {"Accept-Language": "zh-CN"}
TITLE = "WalletPro freezes balances after top-ups"
NARRATIVE = (
    "My {n} WalletPro balance was frozen after a routine top-up, customer service "
    "asks for documents again and again and never unfreezes the account."
)
#: names and addresses no page about the case may ever show
NAMES = (
    "Zebulon Quackenbush",
    "Philippa Wrexham-Oduya",
    "Ingeborg Tarrant",
    "诸葛青莲",
    "司马无忌",
)


@dataclass
class Built:
    case: GroupCase
    people: list[User]  #: people[0] organizes, the others are members
    complaints: list[Complaint]


@pytest.fixture
def wallet(make_company: Callable[..., Company]) -> Company:
    return make_company("walletpro", "WalletPro", "钱包宝")


@pytest.fixture
def build(
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    wallet: Company,
) -> Callable[..., Built]:
    """``build([(amount_minor, currency), ...])``: a case with one member per amount."""

    def factory(amounts: list[tuple[int, str]]) -> Built:
        people = [
            make_user(
                email=f"secret.person{i}@example.org",
                display_name=NAMES[i % len(NAMES)],
                locale="en",
            )
            for i in range(len(amounts))
        ]
        complaints = [
            make_complaint(
                person,
                wallet,
                NARRATIVE.format(n=f"xylophone{i}"),
                "account_frozen",
                amount=amount,
                currency=currency,
            )
            for i, (person, (amount, currency)) in enumerate(zip(people, amounts, strict=True))
        ]
        case = group_cases.start_case(
            db.session, people[0], complaints[0], title=TITLE, summary="", invite_similar=False
        )
        for person, complaint in zip(people[1:], complaints[1:], strict=True):
            group_cases.join_case(db.session, person, case, complaint)
        db.session.commit()
        return Built(case, people, complaints)

    return factory


def _five(build: Callable[..., Built]) -> Built:
    return build([(10000, "CNY")] * 5)


def _bands(built: Built) -> list[tuple[int, int | None, int]]:
    """The amount bands of the case's exact figures, which only its authority sees."""
    figures = case_figures(db.session, built.case)
    return [(band.low, band.high, band.members) for band in figures.amount_bands]


def _head(page: str) -> str:
    return page[page.index("<head>") : page.index("</head>")]


def _meta(head: str, key: str) -> list[str]:
    return re.findall(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', head)


def _assert_no_member_data(html: str, built: Built) -> None:
    for person in built.people:
        assert person.display_name not in html
        assert person.email not in html
    for membership in built.case.memberships:
        assert f"Member {membership.pseudonym}" not in html
        assert not re.search(rf"\b{membership.pseudonym}\b", html)
    assert "xylophone" not in html  # the narratives


# --- amounts in bands ---------------------------------------------------------------------


def test_exact_figures_count_members_per_fixed_band_of_the_main_currency(
    client: FlaskClient, build: Callable[..., Built]
) -> None:
    built = build(
        [
            (5000, "CNY"),  # 50.00
            (9999, "CNY"),  # 99.99: still under 100
            (10000, "CNY"),  # 100.00
            (4999999, "CNY"),  # 49,999.99: still under 50,000
            (6000000, "CNY"),  # 60,000.00
            (100000, "USD"),  # 1,000.00 USD: a smaller total, so not banded
        ]
    )
    assert case_figures(db.session, built.case).main_currency == "CNY"
    assert _bands(built) == [
        (0, 100, 2),
        (100, 1_000, 1),
        (1_000, 10_000, 0),  # empty bands are kept, so the shape is honest
        (10_000, 50_000, 1),
        (50_000, None, 1),
    ]
    page = client.get(f"/cases/{built.case.public_id}", headers=EN).get_data(as_text=True)
    # the public page counts nobody per band: a count that moves by one as a member joins
    # says which band her amount is in; nor does it total a currency only one member used
    assert "Amount lost" not in page
    assert "Amounts lost" not in page
    assert "Total lost (CNY)" in page
    assert "Total lost (USD)" not in page
    assert "Amounts in currencies fewer than 5 members used are not totalled." in page


def test_exact_figures_band_zero_decimal_currencies_in_whole_units(
    build: Callable[..., Built],
) -> None:
    built = build([(99, "JPY"), (100, "JPY"), (999, "JPY"), (50000, "JPY"), (50001, "JPY")])
    assert [members for _low, _high, members in _bands(built)] == [1, 2, 0, 0, 2]


def test_figures_hidden_under_five_members(
    client: FlaskClient, build: Callable[..., Built]
) -> None:
    built = build([(10000, "CNY")] * 4)
    page = client.get(f"/cases/{built.case.public_id}", headers=EN).get_data(as_text=True)
    assert "Totals appear once the case has 5 members" in page
    assert "Total lost" not in page
    assert "Amount lost" not in page


# --- share page -----------------------------------------------------------------------------


def test_organizer_shares_link_qr_code_and_preview_without_member_data(
    client: FlaskClient, build: Callable[..., Built]
) -> None:
    built = _five(build)
    public_id = built.case.public_id
    url = f"http://localhost/cases/{public_id}"
    login(client, built.people[0].email, PASSWORD)

    detail = client.get(f"/cases/{public_id}", headers=EN).get_data(as_text=True)
    assert f'href="/cases/{public_id}/share">Share this case</a>' in detail

    response = client.get(f"/cases/{public_id}/share", headers=EN)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<input id="share-url" type="url" value="{url}" readonly' in page
    assert f">{TITLE}\n{url}</textarea>" in page
    svg = re.search(r"<svg [^>]*>.*?</svg>", page, re.DOTALL)
    assert svg is not None
    assert 'role="img"' in svg.group(0)
    assert 'aria-label="QR code of the link to this case"' in svg.group(0)
    expected_path = re.search(r' d="([^"]+)"', segno.make(url).svg_inline())
    assert expected_path is not None
    assert f'd="{expected_path.group(1)}"' in svg.group(0)  # the QR code of the canonical URL
    assert f'href="/cases/{public_id}/qr.png?download=1" download>Download QR code (PNG)' in page
    assert f'src="http://localhost/cases/{public_id}/og.png?lang=en"' in page
    assert "5 members so far" in page
    assert 'src="/static/js/share.js"' in page
    assert 'data-copied="Copied"' in page
    _assert_no_member_data(page, built)


def test_co_organizer_may_share_too(client: FlaskClient, build: Callable[..., Built]) -> None:
    built = _five(build)
    membership = next(m for m in built.case.memberships if m.user_id == built.people[1].id)
    membership.role = MemberRole.CO_ORGANIZER
    db.session.commit()
    login(client, built.people[1].email, PASSWORD)
    assert client.get(f"/cases/{built.case.public_id}/share").status_code == 200


def test_share_page_refuses_members_and_hides_from_others(
    app: Flask, client: FlaskClient, build: Callable[..., Built], make_user: Callable[..., User]
) -> None:
    built = _five(build)
    public_id = built.case.public_id
    share_url = f"/cases/{public_id}/share"

    anonymous = client.get(share_url)
    assert_redirects(anonymous)  # like every page that needs an account
    assert anonymous.headers["Location"].startswith("/account/login")
    assert "Share this case" not in client.get(f"/cases/{public_id}").get_data(as_text=True)

    login(client, built.people[1].email, PASSWORD)
    refused = client.get(share_url, headers=EN)
    assert refused.status_code == 403
    assert "Only the organizers of a case can open its share page." in refused.get_data(
        as_text=True
    )
    detail = client.get(f"/cases/{public_id}", headers=EN).get_data(as_text=True)
    assert "Share this case" not in detail

    make_user(email="outsider@example.org")
    outsider = app.test_client()
    login(outsider, "outsider@example.org", PASSWORD)
    assert outsider.get(share_url).status_code == 404
    assert outsider.get("/cases/nosuchcase/share").status_code == 404


# --- images ---------------------------------------------------------------------------------


def test_qr_png_is_the_code_of_the_canonical_link(
    client: FlaskClient, build: Callable[..., Built]
) -> None:
    built = _five(build)
    public_id = built.case.public_id
    qr = segno.make(f"http://localhost/cases/{public_id}")
    with client.get(f"/cases/{public_id}/qr.png") as response:  # visitors may fetch it
        assert response.status_code == 200
        assert response.mimetype == "image/png"
        assert response.headers["Cache-Control"] == "public, max-age=3600"
        assert "Content-Disposition" not in response.headers
        image = Image.open(io.BytesIO(response.data)).convert("L")
    scale, border = case_share.QR_PNG_SCALE, case_share.QR_BORDER
    assert image.size == qr.symbol_size(scale=scale, border=border)
    for row, modules in enumerate(qr.matrix):
        for column, dark in enumerate(modules):
            centre = ((column + border) * scale + scale // 2, (row + border) * scale + scale // 2)
            assert (image.getpixel(centre) < 128) == bool(dark), (row, column)
    assert image.getpixel((2, 2)) > 128  # the quiet zone is light

    with client.get(f"/cases/{public_id}/qr.png?download=1") as response:
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="case-{public_id}-qr.png"'
        )


@pytest.mark.parametrize("lang", ["en", "zh", ""])
def test_og_png_is_a_1200_by_630_card(
    client: FlaskClient, build: Callable[..., Built], lang: str
) -> None:
    built = _five(build)
    with client.get(f"/cases/{built.case.public_id}/og.png?lang={lang}", headers=ZH) as response:
        assert response.status_code == 200
        assert response.mimetype == "image/png"
        assert response.headers["Cache-Control"] == "public, max-age=3600"
        assert ("Accept-Language" in response.headers.get("Vary", "")) == (lang == "")
        image = Image.open(io.BytesIO(response.data))
        assert image.format == "PNG"
        assert image.size == (1200, 630)


def test_images_of_removed_or_unknown_cases_are_not_found(
    client: FlaskClient,
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    wallet: Company,
) -> None:
    person = make_user(email="alone@example.org")
    case = group_cases.start_case(
        db.session,
        person,
        make_complaint(person, wallet, NARRATIVE.format(n="lonely")),
        title=TITLE,
        summary="",
        invite_similar=False,
    )
    db.session.commit()
    public_id = case.public_id
    with client.get(f"/cases/{public_id}/og.png") as response:
        assert response.status_code == 200
    group_cases.leave_case(db.session, db.session.get(Membership, case.memberships[0].id))
    db.session.commit()  # the last member left: the case is removed

    for path in ("", "/qr.png", "/qr.png?download=1", "/og.png", "/og.png?lang=zh"):
        with client.get(f"/cases/{public_id}{path}") as response:
            assert response.status_code == 404, path
    with client.get("/cases/nosuchcase/qr.png") as response:
        assert response.status_code == 404


# --- meta tags ------------------------------------------------------------------------------


def test_case_page_head_carries_open_graph_without_member_data(
    client: FlaskClient, build: Callable[..., Built]
) -> None:
    built = build(
        [(5000, "CNY"), (120000, "CNY"), (777700, "CNY"), (10000, "CNY")] + [(1, "USD")] * 3
    )
    public_id = built.case.public_id
    url = f"http://localhost/cases/{public_id}"

    head = _head(client.get(f"/cases/{public_id}", headers=EN).get_data(as_text=True))
    assert _meta(head, "og:title") == [TITLE]
    [description] = _meta(head, "og:description")
    assert "WalletPro" in description
    assert "7 members" in description
    assert "join the case" in description
    assert _meta(head, "description") == [description]  # the site's default is replaced
    assert _meta(head, "og:url") == [url]
    assert _meta(head, "og:type") == ["website"]
    assert _meta(head, "og:image") == [f"{url}/og.png?lang=en"]
    assert _meta(head, "og:image:width") == ["1200"]
    assert _meta(head, "og:image:height") == ["630"]
    assert _meta(head, "og:locale") == ["en_US"]
    assert _meta(head, "twitter:card") == ["summary_large_image"]
    for amount in ("50.00", "1,200", "7,777", "¥"):
        assert amount not in head
    _assert_no_member_data(head, built)

    chinese = _head(client.get(f"/cases/{public_id}", headers=ZH).get_data(as_text=True))
    assert _meta(chinese, "og:locale") == ["zh_CN"]
    assert _meta(chinese, "og:image") == [f"{url}/og.png?lang=zh"]
    assert "钱包宝" in _meta(chinese, "og:description")[0]

    login(client, built.people[0].email, PASSWORD)  # the organizer's own view: same head
    _assert_no_member_data(_head(client.get(f"/cases/{public_id}").get_data(as_text=True)), built)


def test_other_pages_keep_the_site_description(client: FlaskClient) -> None:
    head = _head(client.get("/cases/", headers=EN).get_data(as_text=True))
    assert len(_meta(head, "description")) == 1
    assert _meta(head, "og:title") == []
