"""The whole story in Chromium, once in Chinese and once in English.

Six people, each in a browser context of their own: an organizer, a regulator and a company's
respondent at a desk, three members on 375 px phones. They register, file, find the case, join,
pool a screenshot after fixing its black-out boxes, draft and sign the joint complaint (one
shares their identity, one does not, one withdraws and signs again after a new version),
submit it; the regulator downloads the bundle (verified here) and forwards the case to the
company, whose respondent answers and offers one member a refund; that member accepts, records
what came back and disputes it, and the regulator sees the dispute.

Every page any of them reaches is checked as it is shown (``checks.py``): axe-core finds no
serious or critical violation, no interface word is left in the other language, and nothing
is wider than the screen. The problems of all pages are reported together at the end.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pypdfium2 as pdfium
import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect
from sqlalchemy import or_, select

from extensions import db
from models import Company
from services import respondents
from services.bundle.verify import verify_bundle
from tests.browser import checks, two_step
from tests.support.smtp import Inbox, link_in, wait_for_account_mail

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).parents[1] / "data" / "evidence" / "screenshot_zh.png"
PASSWORD = "a long journey password"
DEMO_PASSWORD = "chorus-demo-2026"
PHONE = {"width": 375, "height": 812}
DESK = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class Story:
    """What changes between the two languages: who speaks, about whom, to whom."""

    language: str
    locale: str
    company: str
    regulator: str
    authority: str  #: the authority's name as its option reads in this language
    titles: dict[str, str]
    narratives: tuple[str, ...]
    names: tuple[str, ...]  #: display names of organizer and members A, B, C
    status_note: str
    company_answer: str
    dispute: str  #: B's reason for disputing the outcome


STORIES = {
    "zh": Story(
        language="zh",
        locale="zh-CN",
        company="京东支付",
        regulator="regulator.cca@example.org",
        authority="中国消费者协会",
        titles={
            "case": "京东支付退款被拒,客服一直推诿",
            "v1": "关于京东支付拒绝退款的集体投诉",
            "v2": "关于京东支付拒绝退款的集体投诉(修订版)",
        },
        narratives=(
            "在京东支付购买的机票被航司取消,申请退款被拒绝,客服让我找商家,商家让我找京东支付。",
            "京东支付订单取消后退款一直不到账,客服说退款被拒,没有给出任何理由。",
            "商品未发货我申请退款,京东支付显示退款被拒,客服电话打不通,在线客服只会复制粘贴。",
            "京东支付退款被拒三次,每次理由都不一样,客服承诺的回电从来没有。",
        ),
        names=("林组织", "王甲", "李乙", "赵丙"),
        status_note="已受理,我们已将投诉转交京东支付,请其十五个工作日内答复。",
        company_answer="京东支付已复核全部订单:对已取消的订单将逐一退款,并为每位成员提供补偿方案。",
        dispute="只退了一部分,客服承诺的全额退款没有兑现,也没有解释扣款原因。",
    ),
    "en": Story(
        language="en",
        locale="en-US",
        company="Revolut",
        regulator="regulator.cfpb@example.org",
        authority="Consumer Financial Protection Bureau",
        titles={
            "case": "Revolut refuses refunds for cancelled orders",
            "v1": "Joint complaint: Revolut refuses refunds",
            "v2": "Joint complaint: Revolut refuses refunds (revised)",
        },
        narratives=(
            "The airline cancelled my flight paid with Revolut and the refund was refused; support "
            "keeps sending me back to the merchant.",
            "My order was cancelled but Revolut refused the refund without giving any reason.",
            "Goods never shipped, I asked for a refund, Revolut refused it and the chat support "
            "only pastes the same answer.",
            "Revolut refused my refund three times with a different reason each time; the promised "
            "call back never came.",
        ),
        names=("Olivia Organizer", "Alice Ashworth", "Bob Bramley", "Carol Cartwright"),
        status_note="Received. We forwarded the complaint to Revolut and asked for an answer "
        "within 15 working days.",
        company_answer="Revolut has reviewed every cancelled order in this complaint and will "
        "make each member an offer.",
        dispute="Only part of my money came back and the answer ignores why I was charged twice.",
    ),
}


@dataclass
class Person:
    """One person in their own browser context, checking every page they reach."""

    name: str
    page: Page
    context: BrowserContext
    story: Story
    problems: list[str]
    base: str
    written: list[str] = field(default_factory=list)

    def check(self, label: str) -> None:
        """Check the page as it is now; ``label`` names it in the report."""
        self.page.wait_for_load_state("load")
        where = f"[{self.story.language}] {self.name} on {label} ({self.page.url})"
        for violation in checks.serious_accessibility_violations(self.page):
            self.problems.append(f"{where}: accessibility: {violation}")
        leftovers = checks.untranslated(self.page, self.story.language, self.written)
        if leftovers:
            self.problems.append(f"{where}: not in {self.story.language}: {leftovers}")
        # every page fits a phone and a desk, whichever this person holds
        held = self.page.viewport_size
        for viewport in (held, DESK if held == PHONE else PHONE):
            self.page.set_viewport_size(viewport)
            overflow = checks.overflow_width(self.page)
            if overflow:
                width = viewport["width"]
                culprits = checks.overflowing(self.page)
                self.problems.append(
                    f"{where}: {overflow}px wider than a {width}px screen: {culprits}"
                )
        self.page.set_viewport_size(held)

    def go(self, path: str, label: str) -> None:
        self.page.goto(self.base + path)
        self.check(label)

    def submit(self, form: str, label: str, *, button: str = "button[type=submit]") -> None:
        """Press the submit button of the form matching ``form`` and check where it leads."""
        with self.page.expect_navigation():
            self.page.locator(form).locator(button).first.click()
        self.check(label)

    def submit_and_wait_for_the_job(self, form: str, label: str) -> None:
        """Submit a form that starts an anonymization job, then check the preview it ends in.

        The progress page in between reloads itself when the job ends, at a moment of its
        own: checking it then would race with that reload."""
        with self.page.expect_navigation():
            self.page.locator(form).locator("button[type=submit]").first.click()
        expect(self.page.locator(".badge-preview")).to_be_visible(timeout=60_000)
        self.check(label)

    def confirm_next_dialog(self) -> list[str]:
        """Accept the next confirmation, remembering what it asked."""
        asked: list[str] = []

        def accept(dialog: Dialog) -> None:
            asked.append(dialog.message)
            dialog.accept()

        self.page.once("dialog", accept)
        return asked


@pytest.fixture
def people(
    browser: Browser, live_server: str, live_mailbox: Inbox, live_app: Flask
) -> Iterator[dict]:
    contexts: list[BrowserContext] = []

    def make(name: str, story: Story, problems: list[str], viewport: dict) -> Person:
        context = browser.new_context(locale=story.locale, viewport=viewport)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return Person(name, context.new_page(), context, story, problems, live_server)

    yield {"make": make, "base": live_server, "mailbox": live_mailbox, "app": live_app}
    # the last screen each person saw, to tell what happened when a step failed
    last_screens = checks.ROOT / "test-artifacts" / "journey-last"
    last_screens.mkdir(parents=True, exist_ok=True)
    for number, context in enumerate(contexts):
        for page in context.pages:
            page.screenshot(path=str(last_screens / f"{number}-{page.url.split('/')[-1]}.png"))
        context.close()


def _register(person: Person, display_name: str, mailbox: Inbox) -> None:
    story = person.story
    person.go("/account/register", "register")
    page = person.page
    email = f"{story.language}-{uuid.uuid4().hex[:10]}@example.net"
    # the keyboard alone: Tab from field to field, Space to choose the language, Enter to send
    page.locator("#email").focus()
    for text in (email, display_name, PASSWORD, PASSWORD):
        page.keyboard.type(text)
        page.keyboard.press("Tab")
    # the language radios: focus is on the checked one, already this browser's language
    expect(page.locator(f"input[name=locale][value={story.language}]")).to_be_checked()
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # on "Create account"
    person.written += [display_name, email]
    person.check("check your e-mail")
    # the mailed link, then the password chosen above: the account opens
    wait_for_account_mail()
    (message,) = mailbox.to(email)
    person.go(link_in(message, "/account/confirm/"), "confirm the address")
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    person.check("dashboard after registering")
    # the empty dashboard says what to do next
    expect(page.locator("main a.button[href='/complaints/new']")).to_be_visible()
    expect(page.locator("main .empty a[href='/cases/']")).to_be_visible()


def _file_complaint(person: Person, narrative: str, amount: str) -> None:
    person.go("/complaints/new", "complaint form")
    page = person.page
    page.locator("#company").fill(person.story.company)
    page.locator("#category").select_option(
        value=page.evaluate(
            "() => [...document.querySelectorAll('#category option')]"
            ".find(o => /退款|Refund/.test(o.textContent)).value"
        )
    )
    page.locator("#incident_date").fill("2026-10-08")
    # a mistake first: the form says how to fix it, in this language, and keeps the rest
    page.locator("#amount").fill("0")
    person.submit("form[action='/complaints/new']", "complaint form with a mistake")
    expect(page.locator("#amount-error, .field-error").first).to_be_visible()
    expect(page.locator("#company")).to_have_value(person.story.company)
    page.locator("#amount").fill(amount)
    page.locator("#narrative").fill(narrative)
    if not page.locator("input[name=demands]").first.is_checked():
        page.locator("input[name=demands]").first.check()
    person.written += [narrative, person.story.company]
    person.submit("form[action='/complaints/new']", "own complaint with matches")
    expect(page.locator("h1")).to_contain_text(person.story.company)


def _join_from_matches(person: Person, case_url: str) -> None:
    page = person.page
    match = page.locator("li.match").filter(has=page.locator(f"a[href='{case_url}']"))
    expect(match).to_have_count(1)
    person.submit(f"li.match:has(a[href='{case_url}']) form", "case page after joining")
    expect(page).to_have_url(re.compile(re.escape(case_url)))
    expect(page.locator(".notice").first).to_be_visible()


def _sign(person: Person, case_url: str, share_identity: bool) -> None:
    person.go(f"{case_url}/petition", "joint complaint")
    page = person.page
    page.locator("#facts_confirmed").check()
    choice = "identity" if share_identity else "pseudonym"
    page.locator(f"input[name=share_identity][value={choice}]").check()
    person.submit("form[action$='/petition/sign']", "joint complaint after signing")
    expect(page.locator(".signing-box .notice")).to_be_visible()


def _sign_with_the_keyboard(person: Person, case_url: str) -> None:
    """Tab from the top to the confirmation, Space to tick it, Tab to the choices (the
    pseudonym is the default), Tab to the button, Enter."""
    person.go(f"{case_url}/petition", "joint complaint")
    page = person.page
    for _presses in range(80):  # from the top of the page, as a keyboard user would
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "facts_confirmed":
            break
    expect(page.locator("#facts_confirmed")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.locator("input[name=share_identity][value=pseudonym]")).to_be_focused()
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    person.check("joint complaint after signing")
    expect(page.locator(".signing-box .notice")).to_be_visible()


def _respondent_account(app: Flask, story: Story) -> str:
    """What an operator does on the command line: a verified respondent account of the story's
    company (its address returned)."""
    email = f"respondent.{story.language}-{uuid.uuid4().hex[:6]}@example.net"
    with app.app_context():
        company = db.session.scalar(
            select(Company).where(
                or_(Company.name_zh == story.company, Company.name_en == story.company)
            )
        )
        assert company is not None, story.company
        link = respondents.create_respondent(
            db.session,
            email=email,
            display_name=f"{story.company} Customer Care",
            password=PASSWORD,
            company=company,
            locale=story.language,
        )
        respondents.verify_respondent(db.session, link.user)
        db.session.commit()
    return email


def _log_in(person: Person, email: str, password: str) -> None:
    person.go("/account/login", "login")
    page = person.page
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # a first login of a regulator or a respondent sets up two-step verification first
    assert two_step.pass_second_step(page, email, person.check)


def _largest_demo_case(person: Person) -> str:
    """The path of the case with the most members in the directory."""
    person.go("/cases/?sort=size", "case directory by size")
    return person.page.locator("a[href^='/cases/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
        ".filter(h => /^\\/cases\\/[a-z0-9]+$/.test(h))[0]"
    )


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_whole_journey(people: dict, language: str) -> None:
    story = STORIES[language]
    problems: list[str] = []
    base = people["base"]
    organizer = people["make"]("organizer", story, problems, DESK)
    alice, bob, carol = (
        people["make"](f"member {letter}", story, problems, PHONE) for letter in "ABC"
    )
    # what people wrote, in both runs (they share the server: the other run's case is listed)
    everyone_written = [SCREENSHOT.name]  # pooled under its (anonymized) name
    for told in STORIES.values():
        everyone_written += [*told.titles.values(), *told.narratives, *told.names, told.status_note]
    for person in (organizer, alice, bob, carol):
        person.written += everyone_written

    # -- the organizer files and starts the case ---------------------------------------
    # -- a visitor looks around first ------------------------------------------------------
    organizer.go("/", "home")
    checks.screenshot(organizer.page, language, "home")
    organizer.go("/cases/", "case directory")
    with organizer.page.expect_navigation():
        organizer.page.locator(".case-card a, .cases a[href^='/cases/']").first.click()
    organizer.check("a demo case as a visitor")
    organizer.go("/account/login", "login")
    # the largest demo case: its figures drawn as charts, with their tables
    organizer.go(_largest_demo_case(organizer), "demo case with figures")
    expect(organizer.page.locator("figure.chart svg").first).to_be_visible()
    checks.screenshot(organizer.page, language, "case")
    _register(organizer, story.names[0], people["mailbox"])
    _file_complaint(organizer, story.narratives[0], "1280")
    page = organizer.page
    page.locator("#title").fill(story.titles["case"])
    organizer.submit("form[action$='/start-case']", "new case")
    expect(page.locator("h1")).to_have_text(story.titles["case"])
    case_url = urlparse(page.url).path

    # -- and shares it: link, QR code, a preview that names no member ------------------------
    organizer.go(f"{case_url}/share", "share page")
    expect(page.locator("#share-url")).to_have_value(re.compile(re.escape(case_url) + "$"))
    expect(page.locator("svg.qr-code")).to_be_visible()
    qr = page.request.get(f"{base}{case_url}/qr.png?download=1")
    assert qr.ok
    assert qr.body().startswith(b"\x89PNG")
    checks.screenshot(page, language, "share")

    # -- three members find it from their own complaint and join ---------------------------
    for person, name, narrative, amount in zip(
        (alice, bob, carol),
        story.names[1:],
        story.narratives[1:],
        ("860", "2399", "45.5"),
        strict=True,
    ):
        _register(person, name, people["mailbox"])
        _file_complaint(person, narrative, amount)
        _join_from_matches(person, case_url)

    # -- what a social site reads from the shared link: the case, none of its members ---------
    head = organizer.page.request.get(f"{base}{case_url}").text().split("</head>")[0]
    assert f'property="og:title" content="{story.titles["case"]}"' in head
    assert 'property="og:image"' in head
    for name in story.names:
        assert name not in head

    # -- member A pools a screenshot after fixing its boxes ----------------------------------
    alice.go(f"{case_url}/evidence", "evidence pool")
    page = alice.page
    page.locator("#files").set_input_files(SCREENSHOT)
    check_link = page.locator(".upload-item a").first
    expect(check_link).to_be_visible(timeout=60_000)
    check_link.click()
    boxes = page.locator(".box-editor .box")
    expect(boxes.first).to_be_visible()
    found = boxes.count()
    assert found >= 2  # the phone number and the ID number at least
    alice.written.append("张伟明")  # the screenshot's payee, proposed as a name to hide
    alice.check("evidence preview with boxes")
    # the payee's name is no one the redactor knows: A names it, and it is found and boxed
    page.locator("#words").fill("张伟明")
    alice.submit_and_wait_for_the_job("form[action$='/words']", "preview after naming a word")
    expect(boxes).to_have_count(found + 1)
    proposed = found + 1
    checks.screenshot(page, language, "evidence-preview", part="#box-section")
    page.locator("[data-action=add-box]").click()
    expect(boxes).to_have_count(proposed + 1)
    boxes.last.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Delete")
    expect(boxes).to_have_count(proposed)
    alice.submit_and_wait_for_the_job("form.box-form", "preview after applying boxes")
    alice.submit("form[action$='/confirm']", "pool after confirming")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".evidence-card")).not_to_have_count(0)

    # -- the organizer drafts, fills from the case and opens signing ----------------------------
    organizer.go(case_url, "case page as organizer")
    organizer.go(f"{case_url}/petition/edit", "draft form")
    page = organizer.page
    page.locator("#title").fill(story.titles["v1"])
    page.locator("#authority").select_option(label=story.authority)
    organizer.submit("form.form-page", "draft filled from the case", button="button[name=fill]")
    expect(page.locator("#facts")).not_to_have_value("")
    page.locator("#body_md").fill(f"# {story.titles['v1']}\n\n{story.narratives[0]}")
    organizer.submit("form.form-page", "complaint with version 1", button="button.button-primary")
    asked = organizer.confirm_next_dialog()
    organizer.submit("form[action$='/versions/1/open']", "version 1 open for signing")
    assert asked, "opening a version for signing must ask first"

    # -- C nearly leaves: the question comes first, and "cancel" keeps everything ----------------
    carol.go(case_url, "case page as member")
    asked: list[str] = []
    carol.page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    carol.page.locator("form[action$='/leave'] button").click()
    expect(carol.page.locator("form[action$='/leave']")).to_be_visible()
    assert asked, "leaving must ask first"
    carol.go(case_url, "case page, still a member")
    expect(carol.page.locator("form[action$='/leave']")).to_be_visible()

    # -- A signs sharing their identity, B without and with the keyboard alone, C signs then
    #    withdraws -------------------------------------------------------------------------------
    _sign(alice, case_url, share_identity=True)
    _sign_with_the_keyboard(bob, case_url)
    _sign(carol, case_url, share_identity=False)
    asked = carol.confirm_next_dialog()
    carol.submit("form[action$='/petition/withdraw']", "joint complaint after withdrawing")
    assert asked, "withdrawing a signature must ask first"
    expect(carol.page.locator("#facts_confirmed")).to_be_visible()

    # -- a new version: A and B sign again from their notification, C signs it afresh -----------
    organizer.go(f"{case_url}/petition/edit", "draft form for version 2")
    page = organizer.page
    page.locator("#title").fill(story.titles["v2"])
    page.locator("#body_md").fill(f"# {story.titles['v2']}\n\n{story.narratives[1]}")
    organizer.submit("form.form-page", "complaint with version 2", button="button.button-primary")
    organizer.confirm_next_dialog()
    organizer.submit("form[action$='/versions/2/open']", "version 2 open for signing")
    for person in (alice, bob):
        person.go("/notifications/", "notifications")
        person.submit("form[action$='/petition/sign-again']", "signed again")
    _sign(carol, case_url, share_identity=False)

    # -- the organizer submits -------------------------------------------------------------------
    organizer.go(f"{case_url}/petition", "ready to submit")
    asked = organizer.confirm_next_dialog()
    organizer.submit("form[action$='/petition/submit']", "submitted")
    assert asked, "submitting must ask first"
    checks.screenshot(organizer.page, language, "complaint-submitted")

    # -- the regulator finds it, downloads a bundle that verifies, reports progress --------------
    regulator = people["make"]("regulator", story, problems, DESK)
    regulator.written += everyone_written
    _log_in(regulator, story.regulator, DEMO_PASSWORD)
    regulator.go("/regulator/", "regulator inbox")
    page = regulator.page
    checks.screenshot(page, language, "regulator-inbox")
    case_link = page.locator("a", has_text=story.titles["case"])
    expect(case_link).to_have_count(1)
    with page.expect_navigation():
        case_link.click()
    # submitting started the bundle; a regulator arriving before it is ready sees its progress,
    # and the page reloads itself when it is ready (checked once it is: no race with the reload)
    if page.locator("form[action$='/bundle']").count():
        with page.expect_navigation():
            page.locator("form[action$='/bundle'] button[type=submit]").click()
    download_link = page.locator("a[href$='/bundle.zip']")
    expect(download_link).to_be_visible(timeout=120_000)
    regulator.check("regulator case page with its bundle")
    with page.expect_download() as download_info:
        download_link.click()
    bundle = Path(download_info.value.path())
    public_key = page.request.get(f"{base}/.well-known/chorus-bundle-key.pem").body()
    report = verify_bundle(bundle, trusted_public_key=public_key)
    assert report.ok, report.problems
    with zipfile.ZipFile(bundle) as archive:
        name = next(n for n in archive.namelist() if n.endswith("data/signatories.csv"))
        signatories = io.TextIOWrapper(archive.open(name), encoding="utf-8").read()
        pdf = pdfium.PdfDocument(
            archive.read(next(n for n in archive.namelist() if n.endswith("data/complaint.pdf")))
        )
        first_page = pdf[0].get_textpage().get_text_range()
    # the PDF speaks the authority's language
    assert ("签名数" if language == "zh" else "Signatures") in first_page
    assert story.names[1] in signatories  # A shared their identity
    assert story.names[2] not in signatories  # B did not
    assert story.names[3] not in signatories

    page.locator("#status").select_option("forwarded")  # the company may now see the case
    page.locator("#note").fill(story.status_note)
    regulator.submit("form[action$='/status']", "status recorded")
    expect(page.locator("blockquote").first).to_contain_text(story.status_note)

    # -- the members see it ---------------------------------------------------------------------
    bob.go(case_url, "case page after the authority's answer")
    expect(bob.page.locator(".timeline")).to_contain_text(story.status_note)
    bob_is = re.search(
        r"(?:as Member |化名“成员 )([A-Za-z0-9]+)", bob.page.locator("main").inner_text()
    )
    assert bob_is, "a member's case page names their own pseudonym"
    bob.go("/notifications/", "notifications after the authority's answer")
    expect(bob.page.locator("main")).to_contain_text(story.titles["case"])
    checks.screenshot(bob.page, language, "member-notifications")

    # -- the company's respondent answers and offers B a refund, knowing members by pseudonym ----
    respondent = people["make"]("respondent", story, problems, DESK)
    respondent.written += [*everyone_written, story.company_answer, story.dispute]
    _log_in(respondent, _respondent_account(people["app"], story), PASSWORD)
    respondent.go("/company/", "respondent's cases")
    page = respondent.page
    with page.expect_navigation():
        page.get_by_role("link", name=story.titles["case"]).first.click()
    respondent.check("respondent's case page")
    shown = page.locator("main").inner_text()
    assert not [name for name in story.names if name in shown], "members by pseudonym only"
    page.locator("#body").fill(story.company_answer)
    respondent.submit("form[action$='/answer']", "respondent's case page after answering")
    expect(page.locator("#company-answer")).to_contain_text(story.company_answer)
    offer_row = page.locator("table.data-table tbody tr").filter(has_text=bob_is.group(1))
    offer_row.locator("input[name=amount]").fill("120")
    respondent.submit(f"tr:has-text('{bob_is.group(1)}') form", "respondent after the offer")
    offered = page.locator("table.data-table tbody tr").filter(has_text=bob_is.group(1))
    expect(offered.locator("form")).to_have_count(0)

    # -- B accepts, records what came back, rates it and disputes it; the authority sees it -----
    bob.written += [story.company_answer, story.dispute]
    bob.go(f"{case_url}/my-outcome", "what I got, with the offer")
    page = bob.page
    expect(page.locator("main")).to_contain_text(story.company_answer)
    bob.submit("form[action*='/offers/']", "offer accepted", button="button[value=accept]")
    expect(page.locator("form[action*='/offers/']")).to_have_count(0)
    page.locator("input[name=state][value=partly_refunded]").check()
    page.locator("#amount").fill("120")
    page.locator("input[name=rating][value=not_satisfied]").check()
    bob.submit("form[action$='/my-outcome']", "outcome recorded")
    page.locator("#reason").fill(story.dispute)
    bob.submit("form[action$='/my-outcome/dispute']", "outcome disputed")
    expect(page.locator("form[action$='/my-outcome/dispute']")).to_have_count(0)
    checks.screenshot(page, language, "member-outcome")

    regulator.go("/regulator/", "regulator inbox with a dispute")
    row = regulator.page.locator("tr", has_text=story.titles["case"])
    expect(row.locator(".badge-disputed")).to_be_visible()
    with regulator.page.expect_navigation():
        row.locator("a").first.click()
    regulator.check("regulator case page with the dispute")
    expect(regulator.page.locator("main")).to_contain_text(story.dispute)
    expect(regulator.page.locator("main")).to_contain_text(story.company_answer)

    assert not problems, "\n".join(problems)
