"""An association's import: every row a person of their own, who find each other, are grouped
into cases by the association, and claim their complaint with the link it sends them."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from extensions import db
from models import Complaint, GroupCase, ImportedComplainant, Membership, User
from services.cases import membership as group_cases
from services.errors import DomainError
from services.matching.ranking import similar_complaint_ids
from services.petition import signing
from tests.conftest import PASSWORD
from tests.support.forms import csrf_token, logged_in, login
from tests.support.web import EN

CFPB_SAMPLE = Path(__file__).parent.parent / "data" / "cfpb_sample.csv"
ASSOCIATION = "association@example.org"
#: PayPal rows (Complaint IDs): the sample's and two more people scammed the same way
PAYPAL = ("8512001", "8519001", "8519002", "8512002")
VENMO = "8512003"
MORE_SCAMS = {
    "8519001": "A fake PayPal security alert mail made me log in on a copied page; the same "
    "evening my PayPal balance of {$800.00} was sent to an account I do not know.",
    "8519002": "Scammers phished my PayPal password with a text message about a locked "
    "account and emptied {$450.00} from my PayPal balance; PayPal refuses to reverse it.",
}
TITLE = "PayPal accounts taken over"


def _association_file(folder: Path) -> Path:
    """The CFPB sample and two more PayPal scams, as an association collected them."""
    with CFPB_SAMPLE.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    first = rows[0]
    rows += [
        {**first, "Complaint ID": number, "Consumer complaint narrative": narrative}
        for number, narrative in MORE_SCAMS.items()
    ]
    path = folder / "members.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(first), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _imported(runner: FlaskCliRunner, path: Path, *options: str) -> dict[str, Complaint]:
    result = runner.invoke(args=["complaints", "import", str(path), *options])
    assert result.exit_code == 0, result.output
    assert "Imported 15 complaints" in result.output
    rows = db.session.scalars(select(Complaint).where(Complaint.source.like("import:cfpb:%")))
    return {complaint.source.rsplit(":", 1)[1]: complaint for complaint in rows}


@pytest.fixture
def association(demo: None, make_user: Callable[..., User]) -> User:  # noqa: ARG001 - reference data
    return make_user(email=ASSOCIATION, display_name="消费者协会")


@pytest.fixture
def imported(
    association: User,  # noqa: ARG001 - imports
    runner: FlaskCliRunner,
    tmp_path: Path,
) -> dict[str, Complaint]:
    """The association's file imported: Complaint ID -> complaint."""
    return _imported(runner, _association_file(tmp_path), "--by", ASSOCIATION)


def _group(runner: FlaskCliRunner, *ids: str, by: str = ASSOCIATION) -> str:
    references = [
        db.session.scalar(select(Complaint).where(Complaint.source == f"import:cfpb:{i}"))
        for i in ids
    ]
    result = runner.invoke(
        args=[
            "complaints",
            "group",
            "--by",
            by,
            "--title",
            TITLE,
            *(complaint.reference for complaint in references if complaint),
        ]
    )
    return result.output


def _links(runner: FlaskCliRunner, tmp_path: Path) -> dict[str, str]:
    """Issue the claim links: source -> path of the link."""
    out = tmp_path / "links.csv"
    result = runner.invoke(args=["complaints", "claim-links", "--by", ASSOCIATION, str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as stream:
        return {row["source"]: urlsplit(row["claim_link"]).path for row in csv.DictReader(stream)}


def test_every_imported_row_is_a_person_nobody_can_log_in_as(
    app: Flask, imported: dict[str, Complaint]
) -> None:
    owners = {complaint.owner_id for complaint in imported.values()}
    assert len(owners) == 15
    association = db.session.scalar(select(User).where(User.email == ASSOCIATION))
    assert association is not None
    assert association.id not in owners
    for complaint in imported.values():
        person = complaint.owner
        assert not person.active
        assert person.email.endswith("@claims.invalid")
        response = login(app.test_client(), person.email, PASSWORD, headers=EN)
        assert "/account/login" in response.headers.get("Location", "/account/login")


@pytest.mark.usefixtures("demo")
def test_an_import_is_either_an_associations_or_one_persons(
    runner: FlaskCliRunner, make_user: Callable[..., User]
) -> None:
    make_user(email=ASSOCIATION)
    both = ["--by", ASSOCIATION, "--owner", ASSOCIATION]
    for options in ([], both):
        result = runner.invoke(args=["complaints", "import", str(CFPB_SAMPLE), *options])
        assert result.exit_code == 2
        assert "Give either --by (an association) or --owner (one person)." in result.output
    assert db.session.scalar(select(Complaint.id).where(Complaint.source.is_not(None))) is None


def test_imported_people_find_each_other(imported: dict[str, Complaint]) -> None:
    similar = set(similar_complaint_ids(db.session, imported[PAYPAL[0]]))
    assert {imported[i].id for i in PAYPAL[1:3]} <= similar
    assert imported[VENMO].id not in similar


@pytest.mark.usefixtures("association")
def test_one_persons_import_hides_its_rows_from_each_other(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """What an association's import did before it had a person per row."""
    rows = _imported(runner, _association_file(tmp_path), "--owner", ASSOCIATION)
    similar = set(similar_complaint_ids(db.session, rows[PAYPAL[0]]))
    assert not {rows[i].id for i in PAYPAL[1:3]} & similar


def test_the_association_groups_them_and_organizes_without_counting(
    app: Flask, imported: dict[str, Complaint], runner: FlaskCliRunner
) -> None:
    output = _group(runner, *PAYPAL[:3])
    assert "with 3 members" in output
    case = db.session.scalar(select(GroupCase).where(GroupCase.title == TITLE))
    assert case is not None
    assert case.member_count == 3
    organizer = next(m for m in case.memberships if m.organizes)
    assert organizer.user.email == ASSOCIATION
    assert organizer.complaint_id is None
    members = {m.complaint_id: m.user_id for m in case.memberships if m.complaint_id}
    assert members == {imported[i].id: imported[i].owner_id for i in PAYPAL[:3]}
    with pytest.raises(DomainError, match="Only members with a complaint"):
        signing.sign(
            db.session,
            case,
            organizer,
            version_sha256="",
            facts_confirmed=True,
            share_identity=False,
        )
    browser = logged_in(app, ASSOCIATION)
    for path in (f"/cases/{case.public_id}", "/me/", f"/cases/{case.public_id}/petition"):
        page = browser.get(path, headers=EN)
        assert page.status_code == 200, path
        assert TITLE in page.get_data(as_text=True)


def test_grouping_refuses_what_it_cannot_group(
    imported: dict[str, Complaint],  # noqa: ARG001 - the import
    runner: FlaskCliRunner,
    make_user: Callable[..., User],
) -> None:
    assert "against one company" in _group(runner, PAYPAL[0], VENMO)
    assert "at least two complaints" in _group(runner, PAYPAL[0])
    make_user(email="other@example.org")
    assert "No complaint you imported" in _group(runner, *PAYPAL[:2], by="other@example.org")
    _group(runner, *PAYPAL[:2])
    assert "Already in a group case" in _group(runner, PAYPAL[1], PAYPAL[2])
    titled = select(GroupCase.id).where(GroupCase.title == TITLE)
    assert len(db.session.scalars(titled).all()) == 1


def test_a_claim_link_hands_complaint_and_membership_to_its_maker(
    app: Flask,
    imported: dict[str, Complaint],
    runner: FlaskCliRunner,
    make_user: Callable[..., User],
    tmp_path: Path,
) -> None:
    _group(runner, *PAYPAL[:3])
    stale = _links(runner, tmp_path)
    links = _links(runner, tmp_path)
    assert len(links) == 15
    link = links[f"import:cfpb:{PAYPAL[0]}"]
    complaint = imported[PAYPAL[0]]
    placeholder_id = complaint.owner_id
    assert app.test_client().get(stale[f"import:cfpb:{PAYPAL[0]}"]).status_code == 404

    visitor = app.test_client().get(link, headers=EN)
    assert visitor.status_code == 200
    assert "Log in first" in visitor.get_data(as_text=True)
    assert complaint.reference in visitor.get_data(as_text=True)

    maker = make_user(email="maker@example.org")
    browser = logged_in(app, "maker@example.org")
    page = browser.get(link, headers=EN)
    assert "Add it to my account" in page.get_data(as_text=True)
    assert TITLE in page.get_data(as_text=True)
    assert browser.post(link, data={}, headers=EN).status_code == 400  # no CSRF token
    taken = browser.post(link, data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert taken.status_code == 302
    assert taken.headers["Location"].endswith(f"/complaints/{complaint.public_id}")

    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).owner_id == maker.id  # type: ignore[union-attr]
    membership = db.session.scalar(select(Membership).where(Membership.user_id == maker.id))
    assert membership is not None
    assert membership.complaint_id == complaint.id
    record = db.session.get(ImportedComplainant, placeholder_id)
    assert record is not None
    assert record.claimed_by_id == maker.id
    assert browser.get(f"/complaints/{complaint.public_id}", headers=EN).status_code == 200
    assert browser.get(link, headers=EN).status_code == 404  # used
    assert len(_links(runner, tmp_path)) == 14
    assert "Already claimed" in _group(runner, PAYPAL[0], PAYPAL[3])


def test_a_member_already_in_the_case_is_told_and_nothing_moves(
    app: Flask,
    imported: dict[str, Complaint],
    runner: FlaskCliRunner,
    make_user: Callable[..., User],
    tmp_path: Path,
) -> None:
    _group(runner, *PAYPAL[:3])
    links = _links(runner, tmp_path)
    make_user(email="maker@example.org")
    browser = logged_in(app, "maker@example.org")
    first = links[f"import:cfpb:{PAYPAL[0]}"]
    page = browser.get(first, headers=EN).get_data(as_text=True)
    browser.post(first, data={"csrf_token": csrf_token(page)})
    second = links[f"import:cfpb:{PAYPAL[1]}"]
    page = browser.get(second, headers=EN).get_data(as_text=True)
    refused = browser.post(second, data={"csrf_token": csrf_token(page)}, headers=EN)
    assert refused.status_code == 409
    assert "You are already a member of" in refused.get_data(as_text=True)
    db.session.expire_all()
    placeholder = imported[PAYPAL[1]].owner_id
    assert db.session.get(Complaint, imported[PAYPAL[1]].id).owner_id == placeholder  # type: ignore[union-attr]


def test_an_unknown_claim_link_is_not_found(app: Flask) -> None:
    for token in ("nothing", "x" * 200):
        answer = app.test_client().get(f"/complaints/claim/{token}", headers=EN)
        assert answer.status_code == 404
        assert "This claim link is not valid" in answer.get_data(as_text=True)


def test_when_the_association_leaves_a_member_who_can_log_in_organizes(
    app: Flask,
    imported: dict[str, Complaint],
    runner: FlaskCliRunner,
    make_user: Callable[..., User],
    tmp_path: Path,
) -> None:
    _group(runner, *PAYPAL[:3])
    link = _links(runner, tmp_path)[f"import:cfpb:{PAYPAL[2]}"]  # the last to have joined
    maker = make_user(email="maker@example.org")
    browser = logged_in(app, "maker@example.org")
    page = browser.get(link, headers=EN).get_data(as_text=True)
    browser.post(link, data={"csrf_token": csrf_token(page)})
    case = db.session.scalar(select(GroupCase).where(GroupCase.title == TITLE))
    assert case is not None
    association = next(m for m in case.memberships if m.organizes)
    group_cases.leave_case(db.session, association)
    db.session.commit()
    db.session.expire_all()
    organizer = next(m for m in case.memberships if m.organizes)
    assert organizer.user_id == maker.id
    assert case.member_count == 3
    assert imported[PAYPAL[0]].id in {m.complaint_id for m in case.memberships}
