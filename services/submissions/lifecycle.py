"""Submitting a signed complaint to an authority, and the authority reporting back.

Submission is the point of no return: the version that was signed, its signatures and the
pooled evidence are frozen with the case (every service that changes them refuses a frozen
case), and the case bundle is built from exactly that state.

The authority then walks the submission through its statuses. Members see each step on the
timeline and in a notification; the last steps (resolved, rejected) close the case.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import (
    FINAL_SUBMISSION_STATUSES,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    GroupCase,
    Membership,
    Submission,
    SubmissionStatus,
    User,
    UserRole,
    utcnow,
)
from models.base import DbSession
from services import audit, clocks
from services.bundle import job as bundle_job
from services.bundle import recipients
from services.cases import membership as group_cases
from services.errors import Conflict, DomainError, NotFound
from services.notifications.delivery import (
    CASE_ARRIVED,
    CASE_SUBMITTED,
    STATUS_CHANGED,
    notify,
)
from services.petition import signing
from services.platform.i18n import localized, localized_names

#: what a resolution gave the members (SubmissionStatus.RESOLVED needs one)
OUTCOMES = ("refund", "compensation", "service_change", "other")
NOTE_MAX = 5000


@dataclass(frozen=True)
class Readiness:
    """Whether the case can be submitted now, and if not, why (shown beside the button)."""

    signatures: int
    needed: int
    #: the authority whose threshold is the highest (the one "needs N signatures" names)
    authority_name: str | None
    problem: str | None
    #: every authority the version goes to, listed ("PBOC and NFRA")
    addressees: str = ""

    @property
    def ready(self) -> bool:
        return self.problem is None


def readiness(session: DbSession, case: GroupCase) -> Readiness:
    version = signing.open_version(session, case)
    if case.is_frozen:
        return Readiness(0, 0, None, str(_l("This case has already been submitted.")))
    if version is None or case.status is not CaseStatus.SIGNING:
        return Readiness(
            0, 0, None, str(_l("Open a version of the joint complaint for signing first."))
        )
    addressees = version.addressees
    if not addressees:
        return Readiness(
            0,
            0,
            None,
            str(_l("Choose the authority in the draft, then open that version for signing.")),
        )
    count = version.signature_count
    names = localized_names(addressees)
    # every authority's own threshold: the text goes to all of them or to none
    strictest = max(addressees, key=lambda authority: authority.min_signatures)
    needed, strictest_name = strictest.min_signatures, localized(strictest, "name")
    if count < needed:
        return Readiness(
            count,
            needed,
            strictest_name,
            str(
                _l(
                    "%(authority)s needs at least %(needed)s signatures; this version has "
                    "%(count)s.",
                    authority=strictest_name,
                    needed=needed,
                    count=count,
                )
            ),
            names,
        )
    # a revoked or expired encryption certificate: no bundle could be made for the authority
    for authority in addressees:
        refusal = recipients.problem(session, authority)
        if refusal:
            return Readiness(count, needed, strictest_name, refusal, names)
    return Readiness(count, needed, strictest_name, None, names)


def submit(session: DbSession, user: User, case: GroupCase) -> list[Submission]:
    """Send the version open for signing to each authority it is addressed to (organizers
    only): one submission per authority, each with its own clocks and bundle."""
    membership = group_cases.membership_in(session, user, case)
    if membership is None or not membership.organizes:
        raise DomainError(_l("Only the organizers of this case can submit it."))
    # one submitter at a time: the second waits here and then sees the case frozen
    session.execute(select(GroupCase.id).where(GroupCase.id == case.id).with_for_update())
    session.refresh(case)
    state = readiness(session, case)
    if not state.ready:
        raise Conflict(state.problem or "")
    version = signing.open_version(session, case)
    assert version is not None
    sent = [
        Submission(
            case_id=case.id,
            version_id=version.id,
            authority_id=authority.id,
            authority=authority,
            submitted_by_id=user.id,
            status=SubmissionStatus.SUBMITTED,
            status_updated_at=utcnow(),
        )
        for authority in version.addressees
    ]
    session.add_all(sent)
    try:
        session.flush()
    except IntegrityError as error:  # submitted concurrently: unique per case and authority
        raise Conflict(_l("This case has already been submitted.")) from error
    case.status = CaseStatus.SUBMITTED
    case.updated_at = utcnow()
    members = _members(session, case)
    for submission in sent:
        _hand_over(session, user, case, membership, submission, state.signatures, members)
    session.expire(case, ["submissions"])
    return sent


def _hand_over(
    session: DbSession,
    user: User,
    case: GroupCase,
    membership: Membership,
    submission: Submission,
    signatures: int,
    members: list[Membership],
) -> None:
    """One authority's copy: its clocks start, its timeline entry, the members and its
    regulators told, its bundle built for it."""
    authority = submission.authority
    clocks.start(session, submission)  # the authority's deadlines run from now
    session.add(
        CaseEvent(
            case_id=case.id,
            kind=CaseEventKind.SUBMITTED,
            actor_pseudonym=membership.pseudonym,
            data={"authority": authority.slug, "signatures": signatures},
        )
    )
    for member in members:
        notify(
            session,
            member.user,
            CASE_SUBMITTED,
            case,
            authority=authority.slug,
            by=membership.pseudonym,
            number=submission.version.number,
            signatures=signatures,
        )
    for regulator in _regulators(session, authority.id):
        notify(
            session, regulator, CASE_ARRIVED, case, authority=authority.slug, signatures=signatures
        )
    audit.record(
        session, "case.submitted", user.id, "case", case.public_id, authority=authority.slug
    )
    bundle_job.enqueue_build(submission, user_id=user.id)  # ready when the authority looks


def submission_for_regulator(session: DbSession, user: User, case_public_id: str) -> Submission:
    """The submission of a case to the regulator's own authority; "not found" otherwise, so a
    regulator of another authority cannot even learn that the case was submitted."""
    if not user.is_regulator or user.authority_id is None:
        raise NotFound(_l("No such case."))
    submission = session.scalar(
        select(Submission)
        .join(GroupCase, GroupCase.id == Submission.case_id)
        .where(GroupCase.public_id == case_public_id, Submission.authority_id == user.authority_id)
    )
    if submission is None:
        raise NotFound(_l("No such case."))
    return submission


def record_status(
    session: DbSession,
    user: User,
    submission: Submission,
    status: SubmissionStatus,
    *,
    note: str = "",
    outcome: str | None = None,
) -> None:
    """The authority's next step. An answer from the company needs its text, a resolution its
    outcome, a rejection its reason; a resolved or rejected case is closed for good."""
    if submission.authority_id != user.authority_id or not user.is_regulator:
        raise NotFound(_l("No such case."))
    if submission.status in FINAL_SUBMISSION_STATUSES:
        raise Conflict(_l("This case is closed: its status can no longer change."))
    if status is SubmissionStatus.SUBMITTED:
        raise DomainError(_l("Choose the new status."), field="status")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise DomainError(_l("The note can be at most %(n)s characters.", n=NOTE_MAX), field="note")
    if status is SubmissionStatus.COMPANY_ANSWERED and not note:
        raise DomainError(_l("Paste the company's answer for the members."), field="note")
    if status is SubmissionStatus.REJECTED and not note:
        raise DomainError(_l("Give the reason for the rejection."), field="note")
    if status is SubmissionStatus.RESOLVED:
        if outcome not in OUTCOMES:
            raise DomainError(_l("Choose what the resolution gave the members."), field="outcome")
    else:
        outcome = None
    _move(session, submission, status, note=note, outcome=outcome)
    case = submission.case
    data: dict[str, str] = {"status": status.value, "authority": submission.authority.slug}
    if note:
        data["note"] = note
    if outcome:
        data["outcome"] = outcome
    session.add(CaseEvent(case_id=case.id, kind=CaseEventKind.STATUS_CHANGED, data=data))
    for member in _members(session, case):
        notify(session, member.user, STATUS_CHANGED, case, **data)
    audit.record(session, "submission.status", user.id, "case", case.public_id, status=status.value)


def _move(
    session: DbSession,
    submission: Submission,
    status: SubmissionStatus,
    *,
    note: str,
    outcome: str | None,
) -> None:
    """Set the submission's status: the one place every status change goes through."""
    submission.status = status
    submission.status_note = note
    submission.outcome = outcome
    submission.status_updated_at = utcnow()
    clocks.on_status(session, submission, status)  # receipt, answer, closing stop their clocks
    case = submission.case
    others = [other for other in case.submissions if other.id != submission.id]
    # the case closes when every authority it went to has closed its copy
    if status in FINAL_SUBMISSION_STATUSES and all(
        other.status in FINAL_SUBMISSION_STATUSES for other in others
    ):
        case.status = CaseStatus.CLOSED
    case.updated_at = utcnow()


#: the authority's steps at which the company answering moves the case to "company answered"
BEFORE_ANSWER = frozenset(
    {
        SubmissionStatus.SUBMITTED,
        SubmissionStatus.RECEIVED,
        SubmissionStatus.UNDER_REVIEW,
        SubmissionStatus.FORWARDED,
    }
)


def record_company_answer(session: DbSession, submission: Submission, answer: str) -> bool:
    """The company answered on the platform (``services.respondents.answers``): a submission at
    "forwarded" or before moves to "company answered", which stops the authority's answer clock.
    Later steps (resolved, rejected) stay. The caller writes the timeline entry and tells the
    members and the authority; False when the status stayed as it was."""
    if submission.status not in BEFORE_ANSWER:
        return False
    _move(
        session,
        submission,
        SubmissionStatus.COMPANY_ANSWERED,
        note=answer[:NOTE_MAX],
        outcome=None,
    )
    return True


def _regulators(session: DbSession, authority_id: int | None) -> list[User]:
    """The authority's active regulators, told when a case arrives in their inbox."""
    return list(
        session.scalars(
            select(User).where(
                User.authority_id == authority_id,
                User.role == UserRole.REGULATOR,
                User.active.is_(True),
                User.deleted_at.is_(None),
            )
        )
    )


def _members(session: DbSession, case: GroupCase) -> list[Membership]:
    return list(session.scalars(select(Membership).where(Membership.case_id == case.id)))
