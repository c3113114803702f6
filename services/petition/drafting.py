"""Drafting the joint complaint in versions, opening a version for signing, and the discussion.

Every save is a new version; nothing is overwritten, so the history can always be compared.
Opening a version freezes it (its SHA-256 is what members sign); opening a later one supersedes
it, and everyone who had signed is asked to sign again.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass

from babel.lists import format_list
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from models import (
    Authority,
    CaseComment,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Complaint,
    GroupCase,
    MemberRole,
    Membership,
    PetitionVersion,
    utcnow,
)
from models.base import DbSession
from services import audit
from services.cases.published import published_figures
from services.errors import DomainError, NotFound
from services.notifications import delivery as notify
from services.petition.chain import version_hash
from services.petition.signing import open_version, signing_state
from services.platform.formatting import rounded_money
from services.platform.i18n import localized
from services.platform.labels import label

TITLE_MAX = 200
TEXT_MAX = 50_000
COMMENT_MAX = 2_000
FIELDS = ("title", "facts", "demands", "body_md")


@dataclass(frozen=True)
class DraftInput:
    title: str
    authority_id: int | None
    facts: str
    demands: str
    body_md: str
    #: the authorities besides the first, when the case spans several
    also_to: tuple[int, ...] = ()


def _require_organizer(membership: Membership | None) -> Membership:
    if membership is None or not membership.organizes:
        raise DomainError(_l("Only the organizers of this case can do this."))
    return membership


@dataclass(frozen=True)
class VersionHistory:
    """Every version of a case's joint complaint, newest first, and the two the page shows."""

    versions: list[PetitionVersion]

    @property
    def latest(self) -> PetitionVersion | None:
        return self.versions[0] if self.versions else None

    @property
    def open(self) -> PetitionVersion | None:
        """The one open for signing: the newest opened and not superseded, as
        :func:`services.petition.signing.open_version` finds it."""
        return next(
            (v for v in self.versions if v.opened_at is not None and v.superseded_at is None),
            None,
        )


def history(session: DbSession, case: GroupCase) -> VersionHistory:
    """The versions with their first authority, in one statement: the joint complaint's page
    asked for the open version, the latest and the list apart, and for the authority after."""
    return VersionHistory(
        list(
            session.scalars(
                select(PetitionVersion)
                .where(PetitionVersion.case_id == case.id)
                .options(joinedload(PetitionVersion.authority))
                .order_by(PetitionVersion.number.desc())
            )
        )
    )


def get_version(session: DbSession, case: GroupCase, number: int) -> PetitionVersion:
    version = session.scalar(
        select(PetitionVersion).where(
            PetitionVersion.case_id == case.id, PetitionVersion.number == number
        )
    )
    if version is None:
        raise NotFound(_l("No such version."))
    return version


def latest_version(session: DbSession, case: GroupCase) -> PetitionVersion | None:
    return session.scalar(
        select(PetitionVersion)
        .where(PetitionVersion.case_id == case.id)
        .order_by(PetitionVersion.number.desc())
        .limit(1)
    )


def save_version(
    session: DbSession, case: GroupCase, membership: Membership | None, data: DraftInput
) -> PetitionVersion:
    """Save the draft as a new version (organizers only, until submission)."""
    author = _require_organizer(membership)
    if case.is_frozen:
        raise DomainError(_l("The case was submitted: its complaint can no longer change."))
    if data.authority_id is not None and session.get(Authority, data.authority_id) is None:
        raise DomainError(_l("Please choose an authority from the list."), field="authority")
    also_to = _other_addressees(session, data)
    number = (
        session.scalar(
            select(func.max(PetitionVersion.number)).where(PetitionVersion.case_id == case.id)
        )
        or 0
    ) + 1
    version = PetitionVersion(
        case_id=case.id,
        number=number,
        title=data.title.strip()[:TITLE_MAX],
        authority_id=data.authority_id,
        facts=_clean(data.facts),
        demands=_clean(data.demands),
        body_md=_clean(data.body_md),
        author_membership_id=author.id,
        author_pseudonym=author.pseudonym,
        also_to=also_to,
    )
    session.add(version)
    if case.status is CaseStatus.OPEN:
        case.status = CaseStatus.DRAFTING
    session.add(
        CaseEvent(
            case_id=case.id,
            kind=CaseEventKind.VERSION_SAVED,
            actor_pseudonym=author.pseudonym,
            data={"number": number},
        )
    )
    session.flush()
    return version


def _other_addressees(session: DbSession, data: DraftInput) -> list[Authority]:
    """The authorities besides the first, checked: each one known, the first one chosen."""
    wanted = sorted(set(data.also_to) - {data.authority_id})
    if not wanted:
        return []
    if data.authority_id is None:
        raise DomainError(
            _l("Choose the first authority before the others it also goes to."), field="also_to"
        )
    found = list(session.scalars(select(Authority).where(Authority.id.in_(wanted))))
    if len(found) != len(wanted):
        raise DomainError(_l("Please choose the authorities from the list."), field="also_to")
    return found


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").strip()[:TEXT_MAX]


def open_for_signing(
    session: DbSession, case: GroupCase, membership: Membership | None, version: PetitionVersion
) -> PetitionVersion:
    """Freeze ``version`` and ask the members to sign it. A version open before is superseded
    and each of its current signers is notified to sign the new one."""
    organizer = _require_organizer(membership)
    if case.is_frozen:
        raise DomainError(_l("The case was submitted: its complaint can no longer change."))
    if version.case_id != case.id:
        raise NotFound(_l("No such version."))
    if version.opened_at is not None:
        raise DomainError(_l("This version was already opened for signing."))
    if version.authority is None:
        raise DomainError(
            _l("Choose the authority the complaint is addressed to before opening it for signing.")
        )
    if not version.body_md.strip():
        raise DomainError(_l("Write the complaint before opening it for signing."))
    previous = open_version(session, case)
    earlier_signers: list[Membership] = []
    if previous is not None:
        earlier_signers = [
            e.membership
            for e in signing_state(session, case, previous).active.values()
            if e.membership
        ]
        previous.superseded_at = utcnow()
    version.content_sha256 = version_hash(
        case.public_id,
        version,
        version.authority.slug,
        [other.slug for other in version.addressees[1:]],
    )
    version.opened_at = utcnow()
    case.status = CaseStatus.SIGNING
    session.add(
        CaseEvent(
            case_id=case.id,
            kind=CaseEventKind.SIGNING_OPENED,
            actor_pseudonym=organizer.pseudonym,
            data={"number": version.number},
        )
    )
    session.flush()
    resign = {m.user_id for m in earlier_signers}
    for member in case.memberships:
        kind = notify.SIGN_AGAIN if member.user_id in resign else notify.SIGNING_OPENED
        if member.id != organizer.id or member.user_id in resign:
            notify.notify(
                session,
                member.user,
                kind,
                case,
                number=version.number,
                version_sha256=version.content_sha256,
                by=organizer.pseudonym,
            )
    return version


@dataclass(frozen=True)
class DiffLine:
    kind: str  #: "same", "added" or "removed"
    text: str


def diff_versions(old: PetitionVersion, new: PetitionVersion) -> dict[str, list[DiffLine]]:
    """Line-by-line differences per field; unchanged fields are left out."""
    changes: dict[str, list[DiffLine]] = {}
    for field in (*FIELDS, "authority"):
        before = _field_text(old, field).splitlines()
        after = _field_text(new, field).splitlines()
        if before == after:
            continue
        lines = []
        for line in difflib.ndiff(before, after):
            tag, text = line[:2], line[2:]
            if tag == "? ":
                continue
            lines.append(DiffLine({"+ ": "added", "- ": "removed"}.get(tag, "same"), text))
        changes[field] = lines
    return changes


def _field_text(version: PetitionVersion, field: str) -> str:
    if field == "authority":
        return "\n".join(f"{a.name_zh} / {a.name_en}" for a in version.addressees)
    return str(getattr(version, field))


def fill_from_case(session: DbSession, case: GroupCase) -> tuple[str, str]:
    """Facts and demands written from the case's published figures, in the current language:
    the same coarse snapshot the case page shows (:mod:`services.cases.published`), since every
    member reads the draft and could otherwise compare its exact totals before and after a
    member joins."""
    figures = published_figures(session, case)
    lines = [
        _(
            "%(num)d people joined this case against %(company)s.",
            num=case.member_count,
            company=localized(case.company, "name"),
        )
    ]
    if not figures.visible:
        lines.append(
            _(
                "Totals are shown once the case has 5 members, so that no one's own "
                "amount can be worked out."
            )
        )
    if figures.totals:
        amounts = format_list(
            [rounded_money(total, currency) for currency, total in figures.totals],
            locale=get_locale(),
        )
        lines.append(_("Together they lost about %(amounts)s.", amounts=amounts))
    if figures.first_month and figures.last_month:
        lines.append(
            _(
                "The incidents happened between %(first)s and %(last)s.",
                first=format_date(figures.first_month, "yyyy-MM"),
                last=format_date(figures.last_month, "yyyy-MM"),
            )
        )
    demands = Counter(
        code
        for row in session.scalars(
            select(Complaint.demands)
            .join(Membership, Membership.complaint_id == Complaint.id)
            .where(Membership.case_id == case.id)
        )
        for code in (row or [])
    )
    demand_lines = [f"- {label('demand', code)} ({count})" for code, count in demands.most_common()]
    return "\n".join(lines), "\n".join(demand_lines)


def add_comment(
    session: DbSession, case: GroupCase, membership: Membership | None, body: str
) -> CaseComment:
    if membership is None:
        raise DomainError(_l("Only members of this case can take part in the discussion."))
    body = body.strip()
    if not body or len(body) > COMMENT_MAX:
        raise DomainError(_l("Write between 1 and 2,000 characters."), field="body")
    comment = CaseComment(
        case_id=case.id, membership_id=membership.id, pseudonym=membership.pseudonym, body=body
    )
    session.add(comment)
    session.flush()
    return comment


def comments(session: DbSession, case: GroupCase) -> list[CaseComment]:
    return list(
        session.scalars(
            select(CaseComment)
            .where(CaseComment.case_id == case.id)
            .order_by(CaseComment.created_at, CaseComment.id)
        )
    )


def set_co_organizer(
    session: DbSession,
    case: GroupCase,
    organizer: Membership | None,
    target: Membership,
    appoint: bool,
) -> None:
    """The organizer appoints or removes a co-organizer."""
    acting = _require_organizer(organizer)
    if acting.role is not MemberRole.ORGANIZER:
        raise DomainError(_l("Only the organizer can appoint co-organizers."))
    if target.case_id != case.id or target.role is MemberRole.ORGANIZER:
        raise NotFound(_l("No such member."))
    target.role = MemberRole.CO_ORGANIZER if appoint else MemberRole.MEMBER
    audit.record(
        session,
        "case.co_organizer_" + ("appointed" if appoint else "removed"),
        acting.user_id,
        "case",
        case.public_id,
        member=target.user_id,
    )


def hand_over(
    session: DbSession, case: GroupCase, organizer: Membership | None, target: Membership
) -> None:
    """The organizer passes the role on and stays as a co-organizer."""
    acting = _require_organizer(organizer)
    if acting.role is not MemberRole.ORGANIZER:
        raise DomainError(_l("Only the organizer can hand over the role."))
    if target.case_id != case.id or target.id == acting.id:
        raise NotFound(_l("No such member."))
    acting.role, target.role = MemberRole.CO_ORGANIZER, MemberRole.ORGANIZER
    session.add(
        CaseEvent(
            case_id=case.id, kind=CaseEventKind.ORGANIZER_CHANGED, actor_pseudonym=target.pseudonym
        )
    )
    audit.record(
        session,
        "case.organizer_changed",
        acting.user_id,
        "case",
        case.public_id,
        to_user=target.user_id,
    )
