"""Merging duplicate cases: two cases of the same company and issue become one.

People who lost money the same way often start two cases before they find each other; split,
each speaks for fewer. An organizer of either case proposes the merge and says which case
continues; the organizers of the other case accept or decline. On acceptance every member of
the merged case moves into the one that continues, with a new pseudonym there (a pseudonym is
per case), their complaint, pooled evidence and statements; its organizers become
co-organizers; everyone in both cases is told, and may leave as from any case. The merged case
is removed and its old link forwards to the one that continues.

Only a case still gathering members (open, no version of the joint complaint written) can be
merged into another: drafts and signatures belong to the text they were written for.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import case as sql_case
from sqlalchemy import or_, select, update

from models import (
    CaseEvent,
    CaseEventKind,
    CaseMerge,
    CaseStatus,
    Evidence,
    GroupCase,
    MemberRole,
    Membership,
    Notification,
    PetitionVersion,
    StatementRow,
    StatementTable,
    User,
    utcnow,
)
from models.base import DbSession
from services import audit
from services.cases import published
from services.cases.membership import refresh_counters
from services.cases.pseudonyms import new_pseudonyms
from services.errors import Conflict, DomainError, NotAllowed, NotFound
from services.matching import meaning, term_index
from services.matching.statements import JOINABLE
from services.notifications.delivery import CASES_MERGED, MERGE_DECLINED, MERGE_PROPOSED, notify

#: how many other cases an organizer is offered to merge with, out of how many looked at
CHOICES = 30
SCANNED = 500
#: how many merges an old link is followed through
FORWARDS = 10


def mergeable_with(session: DbSession, case: GroupCase) -> list[GroupCase]:
    """Other cases of the same company either case could merge into, the likeliest duplicates
    first: the closest in meaning (their members' stories), then the same category, then the
    larger ones. A duplicate is rarely filed under the same words or even the same category."""
    if case.status not in JOINABLE:
        return []
    others = list(
        session.scalars(
            select(GroupCase)
            .where(
                GroupCase.company_id == case.company_id,
                GroupCase.id != case.id,
                GroupCase.status.in_(JOINABLE),
            )
            .order_by(
                sql_case((GroupCase.category_id == case.category_id, 0), else_=1),
                GroupCase.member_count.desc(),
                GroupCase.id,
            )
            .limit(SCANNED)
        )
    )
    profiles = meaning.case_profiles(session, [case.id, *(c.id for c in others)])
    mine = profiles.get(case.id)
    if mine is not None:
        closeness = {
            c.id: float(profiles[c.id] @ mine) if c.id in profiles else -1.0 for c in others
        }
        others.sort(key=lambda c: -closeness[c.id])  # stable: ties keep the order above
    return others[:CHOICES]


def waiting_merges(session: DbSession, case: GroupCase) -> list[CaseMerge]:
    """Proposals involving the case that wait for an answer, oldest first."""
    return list(
        session.scalars(
            select(CaseMerge)
            .where(
                CaseMerge.accepted.is_(None),
                CaseMerge.from_case_id.is_not(None),
                CaseMerge.into_case_id.is_not(None),
                or_(CaseMerge.from_case_id == case.id, CaseMerge.into_case_id == case.id),
            )
            .order_by(CaseMerge.id)
        )
    )


def merged_into(session: DbSession, public_id: str) -> GroupCase | None:
    """The case an old link of a merged case now leads to, through later merges too."""
    for _hop in range(FORWARDS):
        into = session.scalar(
            select(CaseMerge.into_public_id)
            .where(CaseMerge.from_public_id == public_id, CaseMerge.accepted.is_(True))
            .order_by(CaseMerge.id.desc())
            .limit(1)
        )
        if into is None:
            return None
        case = session.scalar(select(GroupCase).where(GroupCase.public_id == into))
        if case is not None:
            return case
        public_id = into
    return None


def _check_mergeable(session: DbSession, source: GroupCase, target: GroupCase) -> None:
    if source.id == target.id:
        raise DomainError(_l("Choose another case to merge with."), field="other")
    if source.company_id != target.company_id:
        raise DomainError(_l("Only cases against the same company can be merged."), field="other")
    if source.status is not CaseStatus.OPEN or session.scalar(
        select(PetitionVersion.id).where(PetitionVersion.case_id == source.id).limit(1)
    ):
        raise DomainError(
            _l(
                "The case that is merged into the other must still be gathering members, "
                "with no version of the joint complaint written: keep the other one instead."
            ),
            field="keep",
        )
    if target.status not in JOINABLE:
        raise DomainError(_l("The case that continues must still take new members."), field="keep")


def _organizers(session: DbSession, case: GroupCase) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.case_id == case.id,
                Membership.role.in_((MemberRole.ORGANIZER, MemberRole.CO_ORGANIZER)),
            )
            .order_by(Membership.id)
        )
    )


def propose_merge(
    session: DbSession, membership: Membership, other: GroupCase, *, keep_this: bool
) -> CaseMerge:
    """An organizer of ``membership.case`` proposes merging it with ``other``; ``keep_this``
    says which of the two continues. The organizers of ``other`` are asked."""
    if not membership.organizes:
        raise NotAllowed(_l("Only the organizers of a case can propose to merge it."))
    mine = membership.case
    source, target = (other, mine) if keep_this else (mine, other)
    _check_mergeable(session, source, target)
    if session.scalar(
        select(CaseMerge.id).where(
            CaseMerge.accepted.is_(None),
            or_(
                CaseMerge.from_case_id == source.id,
                (CaseMerge.from_case_id == target.id) & (CaseMerge.into_case_id == source.id),
            ),
        )
    ):
        raise Conflict(_l("A merge of this case already waits for an answer."), field="other")
    merge = CaseMerge(
        from_case_id=source.id,
        from_public_id=source.public_id,
        from_title=source.title,
        into_case_id=target.id,
        into_public_id=target.public_id,
        asked_case_id=other.id,
        proposed_by_id=membership.user_id,
    )
    session.add(merge)
    session.flush()
    audit.record(
        session,
        "case.merge_proposed",
        membership.user_id,
        "case",
        mine.public_id,
        source=source.public_id,
        target=target.public_id,
    )
    for organizer in _organizers(session, other):
        notify(
            session,
            organizer,
            MERGE_PROPOSED,
            other,
            other=mine.public_id,
            title=mine.title,
            continues=target.public_id,
        )
    return merge


def merge_of(session: DbSession, case: GroupCase, merge_id: int) -> CaseMerge:
    """A waiting proposal involving ``case``; NotFound otherwise (as for one that never was)."""
    merge = session.get(CaseMerge, merge_id)
    if (
        merge is None
        or not merge.waiting
        or case.id not in (merge.from_case_id, merge.into_case_id)
    ):
        raise NotFound(_l("This merge no longer waits for an answer."))
    return merge


def _answering_side(merge: CaseMerge, membership: Membership, *, asked: bool) -> None:
    if not membership.organizes:
        raise NotAllowed(_l("Only the organizers of a case can answer a merge."))
    if (membership.case_id == merge.asked_case_id) != asked:
        raise NotAllowed(
            _l("The organizers of the other case answer this proposal.")
            if asked
            else _l("Only the side that proposed the merge can withdraw it.")
        )


def _close(merge: CaseMerge, membership: Membership, accepted: bool) -> None:
    merge.accepted = accepted
    merge.decided_at = utcnow()
    merge.decided_by_id = membership.user_id


def withdraw_merge(session: DbSession, merge: CaseMerge, membership: Membership) -> None:
    """The proposing side takes its proposal back."""
    _answering_side(merge, membership, asked=False)
    _close(merge, membership, accepted=False)
    audit.record(session, "case.merge_withdrawn", membership.user_id, "case", merge.from_public_id)


def decline_merge(session: DbSession, merge: CaseMerge, membership: Membership) -> None:
    """The asked side says no; the proposer is told."""
    _answering_side(merge, membership, asked=True)
    _close(merge, membership, accepted=False)
    audit.record(session, "case.merge_declined", membership.user_id, "case", merge.from_public_id)
    proposer = session.get(User, merge.proposed_by_id) if merge.proposed_by_id else None
    asked = membership.case
    proposers_case = merge.into_case if asked.id == merge.from_case_id else merge.from_case
    if proposer is not None and proposers_case is not None:
        notify(
            session,
            proposer,
            MERGE_DECLINED,
            proposers_case,
            other=asked.public_id,
            title=asked.title,
        )


def accept_merge(session: DbSession, merge: CaseMerge, membership: Membership) -> GroupCase:
    """The asked side agrees: every member of the source moves into the target, which is
    returned; the source is removed."""
    _answering_side(merge, membership, asked=True)
    source, target = merge.from_case, merge.into_case
    assert source is not None
    assert target is not None
    _check_mergeable(session, source, target)
    staying = {m.user_id: m for m in target.memberships}
    moving = list(source.memberships)
    moving_users = {m.user_id for m in moving}
    codes = iter(new_pseudonyms(session, target.id, len(moving)))
    # members as every page counts them: people with a complaint in the case
    members = sum(m.complaint_id is not None for m in moving)
    moved_users: list[int] = []
    for member in moving:
        kept = staying.get(member.user_id)
        if kept is not None:  # in both: stays as they are in the target, complaint freed
            if member.organizes and kept.role is MemberRole.MEMBER:
                kept.role = MemberRole.CO_ORGANIZER
            _move_contributions(session, source, target, member, kept)
            session.delete(member)
            continue
        member.case_id, member.pseudonym = target.id, next(codes)
        member.role = MemberRole.CO_ORGANIZER if member.organizes else MemberRole.MEMBER
        session.flush()
        _move_contributions(session, source, target, member, member)
        if member.complaint_id is not None:
            term_index.add_to_case(
                session,
                target.id,
                target.company_id,
                term_index.complaint_terms(session, member.complaint_id),
            )
            meaning.join_profile(session, target.id, target.company_id, member.complaint_id)
        moved_users.append(member.user_id)
    # what was pooled by members who had left the source stays pooled, under their pseudonym
    session.execute(update(Evidence).where(Evidence.case_id == source.id).values(case_id=target.id))
    session.execute(
        update(Notification).where(Notification.case_id == source.id).values(case_id=target.id)
    )
    session.expire(source)
    session.expire(target)
    refresh_counters(session, target)
    for user_id in moved_users:
        published.changed(session, target, user_id, None)
    session.add(
        CaseEvent(
            case_id=target.id,
            kind=CaseEventKind.CASES_MERGED,
            actor_pseudonym=None,
            data={"title": merge.from_title, "members": members},
        )
    )
    target.updated_at = utcnow()
    _close(merge, membership, accepted=True)
    merge.from_case_id = None
    audit.record(
        session,
        "case.merged",
        membership.user_id,
        "case",
        target.public_id,
        source=merge.from_public_id,
        members=members,
    )
    session.delete(source)  # its term and meaning profiles go with it
    session.flush()
    # told: everyone who was in the merged case, and the organizers of the one that
    # continues; its other members read it on the timeline (a small duplicate merged into a
    # case of 100,000 must not mail 100,000 people, nor render their mails in this request)
    moved = set(moved_users)
    told = moved | (set(staying) & moving_users)
    for member in session.scalars(
        select(Membership)
        .where(
            Membership.case_id == target.id,
            or_(
                Membership.user_id.in_(told),
                Membership.role.in_((MemberRole.ORGANIZER, MemberRole.CO_ORGANIZER)),
            ),
        )
        .order_by(Membership.id)
    ):
        notify(
            session,
            member.user,
            CASES_MERGED,
            target,
            title=merge.from_title,
            moved=member.user_id in moved,
            pseudonym=member.pseudonym,
        )
    return target


def _move_contributions(
    session: DbSession,
    source: GroupCase,
    target: GroupCase,
    member: Membership,
    into: Membership,
) -> None:
    """The member's evidence and statements follow them, under their pseudonym there."""
    session.execute(
        update(Evidence)
        .where(Evidence.case_id == source.id, Evidence.membership_id == member.id)
        .values(case_id=target.id, membership_id=into.id, contributor_pseudonym=into.pseudonym)
    )
    tables: Sequence[int] = session.scalars(
        select(StatementTable.id).where(
            StatementTable.case_id == source.id, StatementTable.membership_id == member.id
        )
    ).all()
    if tables:
        session.execute(
            update(StatementTable)
            .where(StatementTable.id.in_(tables))
            .values(case_id=target.id, membership_id=into.id)
        )
        session.execute(
            update(StatementRow).where(StatementRow.table_id.in_(tables)).values(case_id=target.id)
        )
