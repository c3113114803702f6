"""Cross-site scripting, template injection and CSV formula injection, end to end.

Every text field a user controls is filled, through the app's own forms, with attack payloads:
script and event-handler tags, an attribute break-out, ``</title>``, Markdown links and images
to ``javascript:``, ``{{7*7}}`` and bidi controls. Each field's payload carries its own tag
(``xq{{7*7}}<tag>qx``), so the test knows which field it is looking at. Then every page showing
those fields is opened by whoever may see it, and each page must show the payloads as text
(their tags are there) with no active content from them (:class:`ActiveContent`); the link
preview's ``og:`` tags hold the title as data; the e-mails are plain text with the payload as
data. The case is submitted and the regulator's bundle is opened: the PDF has no active
content and shows the payload as text, every CSV cell that a spreadsheet would take for a
formula is neutralized, and the API answers JSON with the payload as a value.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pikepdf
import pypdfium2 as pdfium
from flask import Flask
from flask.testing import FlaskClient
from markdown_it import MarkdownIt
from sqlalchemy import select

from extensions import db, mail
from models import Category, Company, Complaint, GroupCase, User, UserRole
from services.accounts import api_tokens
from services.cases.membership import case_by_public_id
from services.petition import signing
from services.platform.spreadsheet import FORMULA_STARTS, PLAIN_NUMBER
from services.reference.authorities import create_authority
from tests.conftest import PASSWORD
from tests.support.accounts import register_and_confirm
from tests.support.forms import csrf_token, logged_in, upload_evidence
from tests.support.web import EN

#: what a field of up to 80 characters can hold
SHORT = '</title><script>alert(1)</script>"><img src=x onerror=alert(1)>'
#: what the longer text fields and the Markdown hold on top of it
LONG = (
    SHORT + "\n\n<svg/onload=alert(1)> [click](javascript:alert(1)) <javascript:alert(1)> "
    "![i](javascript:alert(1)) [j](JaVaScRiPt:alert(1)) [k](&#106;avascript:alert(1)) "
    "\u202etxt.exe\u202c \u2066{{ config }}\u2069\n\n"
)
TEMPLATE = re.compile(r"xq49")


def tagged(tag: str, text: str = SHORT) -> str:
    """``text`` followed by a marker that shows both the field and whether {{7*7}} ran."""
    return f"{text}xq{{{{7*7}}}}{tag}qx"


def marker(tag: str) -> str:
    return f"xq{{{{7*7}}}}{tag}qx"


FIELDS = {
    "org_name": "=cmd|' /C calc'!A0"
    + tagged("orgname", '"><img src=x onerror=alert(1)>'),  # a formula, for signatories.csv
    "mem_name": "@SUM(1+1)" + tagged("memname", "</title><script>alert(1)</script>"),
    "reg_name": tagged("regname", "</title><script>alert(1)</script>"),
    "narrative": '=HYPERLINK("http://evil.example") The company kept my money. '
    + tagged("narrative", LONG),
    "demand": "-2+3" + tagged("demand", SHORT[:120]),
    "company": tagged("company"),
    "title": tagged("title"),
    "summary": tagged("summary", LONG),
    "comment": tagged("comment", LONG),
    # a browser sends '"' in a file name as %22: the quote to break out with is "'"
    "file": tagged("file", "'><img src=x onerror=alert(1)><svg onload=alert(1)>") + ".txt",
    "file_text": "+SUM(1;1) " + tagged("filetext", LONG),
    "words": tagged("words", '"><img src=x onerror=alert(1)>'),
    "ptitle": tagged("ptitle"),
    "facts": tagged("facts", LONG),
    "demands": tagged("demands", LONG),
    "body": "# " + tagged("body", LONG) + "\n\n- <script>alert(3)</script>\n",
    "body2": tagged("bodytwo", LONG),
    "note": tagged("note", LONG),
    "token": tagged("token", "<svg/onload=alert(1)>"),
    "search": tagged("search", '"><script>alert(1)</script>'),
}


# --- what may never come out of a payload ----------------------------------------------------


class ActiveContent(HTMLParser):
    """Everything in a page that would run: scripts other than the app's own files, event
    handler attributes, script URLs, frames and the like; and the text and attribute values,
    decoded, to see which payloads were shown."""

    URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data"})
    FOREIGN = frozenset({"iframe", "object", "embed", "base", "frame", "applet"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.shown: list[str] = []
        self.meta: dict[str, str] = {}
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            self.shown.append(value or "")
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            squeezed = re.sub(r"[\x00-\x20]+", "", value or "").lower()
            if name in self.URL_ATTRIBUTES and squeezed.startswith(
                ("javascript:", "vbscript:", "data:text/html")
            ):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self._in_script = True
            if not (values.get("src") or "").startswith("/static/"):
                self.found.append(f"<script> not from /static: {values}")
        if tag in self.FOREIGN:
            self.found.append(f"<{tag}>")
        if tag == "meta" and values.get("property"):
            self.meta[str(values["property"])] = values.get("content") or ""
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.found.append("<meta http-equiv=refresh>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(f"inline script: {data[:60]!r}")
        self.shown.append(data)


def inspect(body: str) -> ActiveContent:
    parser = ActiveContent()
    parser.feed(body)
    parser.close()
    return parser


def tags_in(text: str) -> set[str]:
    return {tag for tag in FIELDS if marker(FIELDS_TAGS[tag]) in text}


FIELDS_TAGS = {
    key: re.search(r"xq\{\{7\*7\}\}(\w+)qx", value).group(1)  # type: ignore[union-attr]
    for key, value in FIELDS.items()
}


# --- the world, through the forms --------------------------------------------------------------


def post(client: FlaskClient, page: str, action: str, data: dict[str, Any]) -> Any:
    """POST ``data`` to ``action`` with the CSRF token of ``page``; 2xx or 3xx expected."""
    token = csrf_token(client.get(page, headers=EN).get_data(as_text=True))
    response = client.post(action, data={"csrf_token": token, **data}, headers=EN)
    with client.session_transaction() as session:
        errors = [m for c, m in session.pop("_flashes", []) if c == "error"]
    assert response.status_code < 400, f"POST {action}: {response.status}"
    assert not errors, f"POST {action}: {errors}"
    return response


def complaint_form(company: str, narrative: str, category: int, **extra: Any) -> dict[str, Any]:
    return {
        "company": company,
        "category": str(category),
        "incident_date": (date.today() - timedelta(days=20)).isoformat(),
        "amount": "120.00",
        "currency": "CNY",
        "narrative": narrative,
        "demands": ["refund", "other"],
        "demands_other": FIELDS["demand"],
        **extra,
    }


def newest_complaint(user: User) -> Complaint:
    found = db.session.scalars(
        select(Complaint).where(Complaint.owner_id == user.id).order_by(Complaint.id.desc())
    ).first()
    assert found is not None
    return found


def build(
    app: Flask, make_user: Callable[..., User], make_company: Callable[..., Company]
) -> dict[str, Any]:
    """A case whose every user-written field holds a payload, submitted through the forms,
    its bundle built. Returns the pages to open, by viewer, and what was collected."""
    authority = create_authority(
        db.session, slug="authx", name_en="Authority X", name_zh="监管", min_signatures=2
    )
    db.session.commit()
    make_company("walletpro", "WalletPro", "钱包宝")
    organizer = make_user(display_name=FIELDS["org_name"], locale="en")
    regulator = make_user(
        display_name=FIELDS["reg_name"], role=UserRole.REGULATOR, authority=authority
    )
    account = {"email": "member.xss@example.org", "password": PASSWORD, "locale": "en"}
    register_and_confirm(app, app.test_client(), **account, display_name=FIELDS["mem_name"])
    member = db.session.scalar(select(User).where(User.email == account["email"]))
    assert member is not None
    assert member.display_name == FIELDS["mem_name"]
    category = db.session.scalar(select(Category.id).where(Category.code == "refund"))
    assert category is not None
    org, mem, reg = (logged_in(app, user.email) for user in (organizer, member, regulator))

    new = "/complaints/new"
    post(org, new, new, complaint_form("WalletPro", FIELDS["narrative"], category))
    org_complaint = newest_complaint(organizer).public_id
    post(mem, new, new, complaint_form("WalletPro", FIELDS["narrative"], category))
    mem_complaint = newest_complaint(member).public_id
    proposal = complaint_form(FIELDS["company"], FIELDS["narrative"], category)
    # the same words again, about another company: the member files it as well when asked
    post(mem, new, new, {**proposal, "propose_company": "y", "file_anyway": "yes"})
    proposed = newest_complaint(member).public_id

    # a title too long: the form comes back (422) with the payload in it
    page = f"/complaints/{org_complaint}"
    token = csrf_token(org.get(page, headers=EN).get_data(as_text=True))
    too_long = {"csrf_token": token, "title": FIELDS["title"] + "x" * 200, "summary": "s"}
    refused = org.post(f"{page}/start-case", data=too_long, headers=EN)
    assert refused.status_code == 422

    post(org, page, f"{page}/start-case", {"title": FIELDS["title"], "summary": FIELDS["summary"]})
    case = db.session.scalar(select(GroupCase).where(GroupCase.title == FIELDS["title"]))
    assert case is not None
    url = f"/cases/{case.public_id}"
    post(mem, url, f"{url}/join", {"complaint": mem_complaint})
    for client in (org, mem):
        post(client, url, f"{url}/comments", {"body": FIELDS["comment"]})

    # a file name that reads backwards (a ".exe" disguised as ".txt") is refused, named
    spoofed = upload_evidence(mem, case.public_id, "invoice\u202etxt.exe", b"x")
    assert spoofed.status_code == 422
    assert "text-direction" in spoofed.get_json()["error"]
    uploaded = upload_evidence(
        mem, case.public_id, FIELDS["file"], FIELDS["file_text"].encode(), words=FIELDS["words"]
    )
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
    item = f"/evidence/{uploaded.get_json()['id']}"
    item_page = mem.get(item, headers=EN).get_data(as_text=True)  # before confirmation
    post(mem, item, f"{item}/confirm", {})

    edit = f"{url}/petition/edit"
    draft = {
        "title": FIELDS["ptitle"],
        "authority": str(authority.id),
        "facts": FIELDS["facts"],
        "demands": FIELDS["demands"],
        "body_md": FIELDS["body"],
    }
    post(org, edit, edit, draft)
    post(org, edit, edit, {**draft, "body_md": FIELDS["body"] + FIELDS["body2"]})
    post(org, f"{url}/petition", f"{url}/petition/versions/2/open", {})
    sha = open_sha(case.public_id)
    for client in (org, mem):
        signed = {"version_sha256": sha, "facts_confirmed": "y", "share_identity": "identity"}
        post(client, f"{url}/petition", f"{url}/petition/sign", signed)
    before_submission = {
        "org": [edit, f"{url}/members", page],
        "mem": [f"/complaints/{mem_complaint}/edit"],
    }
    unsubmitted = {
        who: {path: client.get(path, headers=EN).get_data(as_text=True) for path in paths}
        for who, paths, client in (
            ("org", before_submission["org"], org),
            ("mem", before_submission["mem"], mem),
        )
    }
    post(org, f"{url}/petition", f"{url}/petition/submit", {})

    inbox = f"/regulator/cases/{case.public_id}"
    post(reg, inbox, f"{inbox}/status", {"status": "received", "note": FIELDS["note"]})
    post(reg, "/regulator/tokens", "/regulator/tokens", {"name": FIELDS["token"]})

    petition = [
        f"{url}/petition",
        f"{url}/petition/versions/1",
        f"{url}/petition/versions/2",
        f"{url}/petition/diff?a=1&b=2",
        f"{url}/signatures",
        f"{url}/evidence",
        item,
    ]
    common = ["/", "/cases/", f"/cases/?q={quote(FIELDS['search'])}", url]
    pages = {
        "visitor": (app.test_client(), common),
        "organizer": (
            org,
            [*common, *petition, "/me/", "/notifications/", "/account/", page, f"{url}/share"],
        ),
        "member": (
            mem,
            [
                *common,
                *petition,
                "/me/",
                "/notifications/",
                "/account/",
                f"/complaints/{mem_complaint}",
                f"/complaints/{proposed}",
            ],
        ),
        "regulator": (
            reg,
            ["/regulator/", inbox, "/regulator/tokens", f"{url}/evidence", "/account/"],
        ),
    }
    return {
        "case": case.public_id,
        "pages": pages,
        "regulator": reg,
        "regulator_id": regulator.id,
        "extra": {
            "organizer: the refused start-case form": refused.get_data(as_text=True),
            "member: the unconfirmed item": item_page,
            **{
                f"{who}: {path} before submission": body
                for who, bodies in unsubmitted.items()
                for path, body in bodies.items()
            },
        },
    }


def open_sha(public_id: str) -> str:
    version = signing.open_version(db.session, case_by_public_id(db.session, public_id))
    assert version is not None
    assert version.content_sha256
    return version.content_sha256


# --- the checks --------------------------------------------------------------------------------


def page_problems(where: str, body: str) -> tuple[list[str], set[str]]:
    """What in ``body`` runs or evaluated a template; and which payloads it shows as text."""
    parsed = inspect(body)
    problems = [f"{where}: {found}" for found in parsed.found]
    if TEMPLATE.search(body):
        problems.append(f"{where}: {{{{7*7}}}} became 49")
    return problems, tags_in("".join(parsed.shown))


def csv_problems(name: str, data: bytes) -> list[str]:
    """Cells a spreadsheet would run as a formula."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return [
        f"{name} row {number} cell {index}: {cell[:40]!r}"
        for number, row in enumerate(rows)
        for index, cell in enumerate(row)
        if cell.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(cell)
    ]


#: PDF names that run something or open something by themselves
ACTIVE_PDF_NAMES = ("/JavaScript", "/JS", "/AA", "/Launch", "/SubmitForm", "/EmbeddedFile")


def pdf_problems(name: str, data: bytes) -> list[str]:
    problems = []
    with pikepdf.open(io.BytesIO(data)) as document:
        for obj in document.objects:
            if not isinstance(obj, pikepdf.Dictionary):
                continue
            for key in obj.keys():  # noqa: SIM118 - a pikepdf Dictionary
                if key in ACTIVE_PDF_NAMES:
                    problems.append(f"{name}: {key}")
            # fpdf2 always opens the first page at a zoom: a destination (an array) is only a
            # view; an action (a dictionary) would run something
            opening = obj.get("/OpenAction")
            if opening is not None and not isinstance(opening, pikepdf.Array):
                problems.append(f"{name}: /OpenAction {opening}")
            uri = obj.get("/URI")
            if uri is not None and "javascript" in str(uri).lower():
                problems.append(f"{name}: /URI {uri}")
    return problems


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def strings_of(value: Any) -> set[str]:
    """Every string in a JSON document."""
    if isinstance(value, dict):
        return set().union(*(strings_of(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(strings_of(v) for v in value))
    return {value} if isinstance(value, str) else set()


def markdown_problems(name: str, text: str) -> list[str]:
    """What the file would run in a Markdown viewer that passes raw HTML through, as the
    CommonMark reference does."""
    found, _shown = page_problems(name, MarkdownIt("commonmark").render(text))
    return found


def test_payloads_in_every_field_are_shown_as_text_everywhere(
    app: Flask, make_user: Callable[..., User], make_company: Callable[..., Company]
) -> None:
    app.config.update(MAIL_SERVER="mail.invalid", MAIL_SUPPRESS_SEND=True)
    mail.init_app(app)
    with mail.record_messages() as outbox:
        world = build(app, make_user, make_company)

    problems: list[str] = []
    seen: dict[str, set[str]] = {}
    bodies = dict(world["extra"])
    for viewer, (client, paths) in world["pages"].items():
        for path in paths:
            response = client.get(path, headers=EN)
            assert response.status_code == 200, f"{viewer} {path}: {response.status}"
            assert response.mimetype == "text/html"
            bodies[f"{viewer}: {path}"] = response.get_data(as_text=True)
    for where, body in bodies.items():
        found, shown = page_problems(where, body)
        problems += found
        seen[where] = shown

    # the link preview holds the title as data, whatever it contains
    detail = inspect(bodies[f"visitor: /cases/{world['case']}"])
    assert detail.meta["og:title"] == FIELDS["title"]
    assert "<title>" not in detail.meta["og:description"]

    # every field was shown somewhere (else nothing above was tested)
    shown_anywhere = set().union(*seen.values())
    not_shown = set(FIELDS) - shown_anywhere - {"file_text"}
    assert not not_shown, f"fields no page showed: {sorted(not_shown)}"

    # the e-mails: plain text only, the payload as data
    assert outbox, "no e-mail was sent"
    for message in outbox:
        assert not message.html, message.subject
        assert "\n" not in message.subject
        assert not TEMPLATE.search(message.body + message.subject)
    # the case's mails name it; the one that confirmed the member's address names no case
    about_the_case = [m for m in outbox if "/account/confirm/" not in m.body]
    assert about_the_case, "no e-mail about the case was sent"
    for message in about_the_case:
        assert FIELDS["title"] in message.subject

    # the API: JSON with the payload as a value
    regulator: FlaskClient = world["regulator"]
    holder = db.session.get(User, world["regulator_id"])
    assert holder is not None
    secret = api_tokens.create_token(db.session, holder, "xss").secret
    db.session.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    for path in ("/api/v1/cases", f"/api/v1/cases/{world['case']}"):
        answer = app.test_client().get(path, headers=bearer)
        assert answer.status_code == 200
        assert answer.mimetype == "application/json"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert FIELDS["title"] in strings_of(answer.get_json())  # the payload is a value

    # the bundle
    bundle = regulator.get(f"/regulator/cases/{world['case']}/bundle.zip")
    assert bundle.status_code == 200
    zipped = bundle.get_data()
    bundle.close()
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    csvs = [name for name in files if name.endswith(".csv")]
    assert {n.rsplit("/", 1)[-1] for n in csvs} >= {"signatories.csv", "complaints.csv"}
    for name in csvs:
        problems += csv_problems(name, files[name])
    everything = b"".join(files.values()).decode("utf-8", "replace")
    assert marker(FIELDS_TAGS["narrative"]) in everything
    assert not TEMPLATE.search(everything)
    for name, data in files.items():
        assert "\u202e" not in name, f"bundle path {name!r}"
        assert "<" not in name, f"bundle path {name!r}"
        if name.endswith(".pdf"):
            problems += pdf_problems(name, data)
    pdfs = [data for name, data in files.items() if name.endswith("complaint.pdf")]
    assert len(pdfs) == 1
    text = pdf_text(pdfs[0])
    assert "<script>alert(1)</script>" in text  # drawn as text, not run
    assert marker(FIELDS_TAGS["ptitle"]) in text
    for name, data in files.items():
        if name.endswith((".md", ".html", ".htm")):
            problems += markdown_problems(name, data.decode())
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
