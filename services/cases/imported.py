"""Cases an association forms from the complaints it imported for its members.

The association organizes: its account is the case's organizer without a complaint of its own
(it lost nothing, so it is not counted among the members, adds nothing to the figures and does
not sign). Each imported complaint joins with its own, still unclaimed, complainant, who can
sign once they have claimed it (:mod:`services.complaints.claims`).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import (
    CaseEventKind,
    CaseStatus,
    Complaint,
    GroupCase,
    ImportedComplainant,
    MemberRole,
    Membership,
    User,
)
from models.base import DbSession
from models.complaint import reference_of
from services import audit
from services.cases.membership import SUMMARY_MAX, _add_member, _event
from services.cases.pseudonyms import new_pseudonym
from services.cases.titles import TITLE_MAX
from services.errors import Conflict, DomainError, NotFound


def group_imported(
    session: DbSession,
    importer: User,
    references: Sequence[str],
    *,
    title: str,
    summary: str = "",
) -> GroupCase:
    """Open a case organized by ``importer`` with the imported complaints ``references``
    names (reference numbers or public ids), each joining for its own complainant. Every
    complaint must be one ``importer`` imported, not claimed yet, in no case, and all against
    one company. The caller commits."""
    title = title.strip()
    if not title:
        raise DomainError(_l("Please give the case a title."), field="title")
    complaints = _imported_complaints(session, importer, references)
    if len({complaint.company_id for complaint in complaints}) > 1:
        raise DomainError(_l("A case is against one company: choose complaints against one."))
    first = complaints[0]
    case = GroupCase(
        title=title[:TITLE_MAX],
        summary=summary.strip()[:SUMMARY_MAX],
        company_id=first.company_id,
        category_id=first.category_id,
        created_by_id=importer.id,
        status=CaseStatus.OPEN,
        member_count=0,
    )
    session.add(case)
    session.flush()
    organizer = Membership(
        case_id=case.id,
        user_id=importer.id,
        complaint_id=None,
        role=MemberRole.ORGANIZER,
        pseudonym=new_pseudonym(session, case.id),
    )
    session.add(organizer)
    session.flush()
    _event(session, case, CaseEventKind.CREATED, organizer.pseudonym)
    for complaint in complaints:
        membership = _add_member(session, case, complaint.owner, complaint, MemberRole.MEMBER)
        _event(session, case, CaseEventKind.MEMBER_JOINED, membership.pseudonym)
    audit.record(
        session,
        "case.grouped_from_import",
        importer.id,
        "case",
        case.public_id,
        complaints=[complaint.public_id for complaint in complaints],
    )
    return case


def _imported_complaints(
    session: DbSession, importer: User, references: Sequence[str]
) -> list[Complaint]:
    public_ids = list(dict.fromkeys(_public_id(reference) for reference in references))
    if len(public_ids) < 2:
        raise DomainError(_l("Choose at least two complaints to group."))
    rows = session.execute(
        select(Complaint, ImportedComplainant.claimed_at)
        .join(ImportedComplainant, ImportedComplainant.source == Complaint.source)
        .where(
            Complaint.public_id.in_(public_ids),
            ImportedComplainant.imported_by_id == importer.id,
        )
    ).all()
    found = {complaint.public_id: (complaint, claimed_at) for complaint, claimed_at in rows}
    if missing := [reference_of(p) for p in public_ids if p not in found]:
        raise NotFound(
            _l("No complaint you imported has the reference %(refs)s.", refs=", ".join(missing))
        )
    if claimed := [reference_of(p) for p in public_ids if found[p][1] is not None]:
        raise Conflict(
            _l(
                "Already claimed by the people who made them, who join cases themselves: %(refs)s.",
                refs=", ".join(claimed),
            )
        )
    complaints = [found[p][0] for p in public_ids]
    in_case = session.scalars(
        select(Membership.complaint_id).where(
            Membership.complaint_id.in_([complaint.id for complaint in complaints])
        )
    ).all()
    if in_case:
        taken = ", ".join(c.reference for c in complaints if c.id in set(in_case))
        raise Conflict(_l("Already in a group case: %(refs)s.", refs=taken))
    return complaints


def _public_id(reference: str) -> str:
    """A public id from a reference as people write it: "JEGN-5Q57-4EMS" or "jegn5q574ems"."""
    return "".join(ch for ch in reference if ch.isalnum()).lower()
