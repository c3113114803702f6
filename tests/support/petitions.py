"""A case with its first joint-complaint version open for signing, made through the services
the pages use: the start of every test of signing, submission and what follows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from extensions import db
from models import Authority, Company, Complaint, GroupCase, Membership, PetitionVersion, User
from services.cases import membership as group_cases
from services.petition import drafting, signing

NARRATIVE = "WalletPro froze my balance after a top-up and support never answers my tickets."


def case_open_for_signing(
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    company: Company,
    authority: Authority,
    *,
    organizer_email: str,
    members: Sequence[tuple[str, str]],
    title: str = "WalletPro freezes balances",
) -> tuple[GroupCase, PetitionVersion]:
    """A case of an organizer (reading English) and ``members`` (e-mail, locale), all with the
    same complaint, and version 1 addressed to ``authority`` open for signing."""
    organizer = make_user(email=organizer_email, display_name="Organizer", locale="en")
    case = group_cases.start_case(
        db.session,
        organizer,
        make_complaint(organizer, company, NARRATIVE),
        title=title,
        summary="",
    )
    for n, (email, locale) in enumerate(members):
        member = make_user(email=email, display_name=f"Member {n}", locale=locale)
        group_cases.join_case(db.session, member, case, make_complaint(member, company, NARRATIVE))
    return case, open_first_version(case, authority)


def open_first_version(case: GroupCase, authority: Authority) -> PetitionVersion:
    """The organizer saves version 1 of the joint complaint, addressed to ``authority``, and
    opens it for signing."""
    organizing = next(m for m in case.memberships if m.organizes)
    version = drafting.save_version(
        db.session,
        case,
        organizing,
        drafting.DraftInput(
            title="Joint complaint",
            authority_id=authority.id,
            facts="Balances frozen.",
            demands="Unfreeze and refund.",
            body_md="We ask the authority to act.",
        ),
    )
    drafting.open_for_signing(db.session, case, organizing, version)
    return version


def sign_by(case: GroupCase, version: PetitionVersion, memberships: Iterable[Membership]) -> None:
    """Each of ``memberships`` signs ``version`` with their facts confirmed, under their
    pseudonym only, through the signing service."""
    for membership in list(memberships):
        signing.sign(
            db.session,
            case,
            membership,
            version_sha256=version.content_sha256 or "",
            facts_confirmed=True,
            share_identity=False,
        )
