"""A member's routing answers for one complaint, the authority proposed from them, and the
member's own windows (the deadlines that run against them, not against the company)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from models import (
    Authority,
    Complaint,
    ComplaintRouting,
    GroupCase,
    LicensedEntity,
    Membership,
    User,
    utcnow,
)
from models.base import DbSession
from services.errors import DomainError, NotFound
from services.platform.i18n import current_language
from services.routing import entities
from services.routing.rules import (
    AFFECTED,
    KIND_LABELS,
    KNOWN,
    RESIDENCES,
    authority_for,
)

REFERENCE_MAX = 100


@dataclass(frozen=True)
class Proposal:
    """The authority a complaint should go to, and why, in the reader's language."""

    authority_slug: str | None
    authority: Authority | None  #: None: not on Chorus (yet), or no rule says
    authority_name: str | None
    entity: LicensedEntity | None
    reason: str


def _name(session: DbSession, slug: str) -> tuple[Authority | None, str]:
    authority = session.scalar(select(Authority).where(Authority.slug == slug))
    zh = current_language() == "zh"
    if authority is not None:
        return authority, authority.name_zh if zh else authority.name_en
    known = KNOWN.get(slug)
    if known is None:
        return None, slug
    return None, known.name_zh if zh else known.name_en


def propose(session: DbSession, complaint: Complaint, affected: str, residence: str) -> Proposal:
    """Which licensed entity of the complaint's company answers for what was affected where the
    member lives, and which authority takes complaints about it, with the reason."""
    kind = AFFECTED[affected]
    entity = entities.find_entity(session, complaint.company_id, kind, residence)
    slug = authority_for(residence, kind, entity.supervisor if entity else "")
    if slug is None:
        return Proposal(
            None,
            None,
            None,
            entity,
            str(
                _l(
                    "No rule here names the authority for this where you live. Ask the company "
                    "which licensed business serves you: its licence names its supervisor."
                )
            ),
        )
    authority, name = _name(session, slug)
    if entity is not None:
        reason = _l(
            "%(entity)s, licensed as a %(kind)s (%(licence)s), answers for this where you live; "
            "complaints about it go to %(authority)s.",
            entity=entity.legal_name,
            kind=KIND_LABELS[entity.kind],
            licence=entity.licence or entity.supervisor,
            authority=name,
        )
    else:
        reason = _l(
            "Complaints about a %(kind)s go to %(authority)s where you live. No licence of "
            "%(company)s for this is on record here: check which business served you.",
            kind=KIND_LABELS[kind],
            authority=name,
            company=complaint.company.name_zh
            if current_language() == "zh"
            else complaint.company.name_en,
        )
    if authority is None:
        reason = _l(
            "%(reason)s %(authority)s does not receive cases on Chorus yet: you can complain "
            "to it directly.",
            reason=str(reason),
            authority=name,
        )
    return Proposal(slug, authority, name, entity, str(reason))


def routing_of(session: DbSession, complaint: Complaint) -> ComplaintRouting | None:
    return session.get(ComplaintRouting, complaint.id)


def proposal_for(
    session: DbSession, complaint: Complaint, routing: ComplaintRouting | None
) -> Proposal | None:
    """The proposal from the answers already given (``routing``, read by the caller, who
    shows its deadlines too), or None before any."""
    if routing is None or routing.affected is None or routing.residence is None:
        return None
    return propose(session, complaint, routing.affected, routing.residence)


def save_answers(
    session: DbSession,
    user: User,
    complaint: Complaint,
    *,
    affected: str,
    residence: str,
    complained_first: bool | None,
    complained_on: date | None,
    company_reference: str,
) -> Proposal:
    """Keep the member's answers and the authority proposed from them. Only the complaint's
    owner may answer (NotFound for anyone else, as for a complaint that does not exist)."""
    if complaint.owner_id != user.id:
        raise NotFound(_l("No such complaint."))
    if affected not in AFFECTED:
        raise DomainError(_l("Choose what was affected."), field="affected")
    if residence not in RESIDENCES:
        raise DomainError(_l("Choose where you live."), field="residence")
    company_reference = company_reference.strip()
    if len(company_reference) > REFERENCE_MAX:
        raise DomainError(
            _l("The reference number is at most %(max)s characters.", max=REFERENCE_MAX),
            field="company_reference",
        )
    if complained_first:
        if complained_on is None:
            raise DomainError(_l("Give the day you complained to the company."), "complained_on")
        if complained_on > utcnow().date():
            raise DomainError(_l("That day has not come yet."), field="complained_on")
    else:
        complained_on, company_reference = None, ""
    proposal = propose(session, complaint, affected, residence)
    routing = routing_of(session, complaint) or ComplaintRouting(complaint_id=complaint.id)
    routing.affected, routing.residence = affected, residence
    routing.authority_slug = proposal.authority_slug
    routing.entity_id = proposal.entity.id if proposal.entity else None
    routing.complained_first = complained_first
    routing.complained_on = complained_on
    routing.company_reference = company_reference
    routing.updated_at = utcnow()
    session.add(routing)
    session.flush()
    return proposal


@dataclass(frozen=True)
class Window:
    """A deadline that runs against the member: after ``closes_on`` the right is lost."""

    name: str
    rule: str
    closes_on: date
    closed: bool


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def windows(complaint: Complaint, routing: ComplaintRouting | None) -> list[Window]:
    """The member's own windows for this complaint, counted from its incident date: PayPal's
    180 days to open a dispute, US Regulation E's 60 days from the statement (taken as the end
    of the incident's month, the latest a monthly statement can show it), the EU's 13 months
    to report an unauthorised payment (PSD2 Art. 71)."""
    today = utcnow().date()
    incident = complaint.incident_date
    found: list[tuple[str, str, date]] = []
    if complaint.company.slug == "paypal":
        found.append(
            (
                str(_l("Open a PayPal dispute")),
                str(_l("PayPal User Agreement: within 180 days of the payment")),
                incident + timedelta(days=180),
            )
        )
    residence = routing.residence if routing else None
    if residence == "US" and (routing is None or routing.affected != "merchant_goods"):
        month_end = incident.replace(day=calendar.monthrange(incident.year, incident.month)[1])
        found.append(
            (
                str(_l("Tell the provider of an unauthorised or wrong transfer")),
                str(
                    _l(
                        "US Regulation E (12 CFR 1005.6 and 1005.11): within 60 days of the "
                        "statement that first showed it, taken here as the end of that month"
                    )
                ),
                month_end + timedelta(days=60),
            )
        )
    if residence == "EU":
        found.append(
            (
                str(_l("Report an unauthorised payment to your provider")),
                str(_l("EU PSD2 Art. 71: no later than 13 months after the debit date")),
                _months_later(incident, 13),
            )
        )
    return [Window(name, rule, closes, closes < today) for name, rule, closes in found]


@dataclass(frozen=True)
class CaseRouting:
    """Where the members' answers point for a whole case."""

    authority: Authority
    members: int  #: members whose answers point there
    answered: int  #: members who answered at all


def case_routes(session: DbSession, case: GroupCase) -> list[CaseRouting]:
    """Every authority on Chorus the case's members' answers propose, the most proposed first
    (ties: the lower id): the first to address the joint complaint to, the others to address
    it to as well when the case spans them; empty when nobody answered."""
    rows = session.execute(
        select(ComplaintRouting.authority_slug, func.count())
        .join(Membership, Membership.complaint_id == ComplaintRouting.complaint_id)
        .where(Membership.case_id == case.id, ComplaintRouting.affected.is_not(None))
        .group_by(ComplaintRouting.authority_slug)
    ).all()
    answered = sum(count for _slug, count in rows)
    counts = {slug: count for slug, count in rows if slug}
    known = session.scalars(select(Authority).where(Authority.slug.in_(counts))).all()
    ranked = sorted(known, key=lambda authority: (-counts[authority.slug], authority.id))
    return [CaseRouting(authority, counts[authority.slug], answered) for authority in ranked]


def case_routing(session: DbSession, case: GroupCase) -> CaseRouting | None:
    """The authority most of the case's members' answers propose; None when nobody answered."""
    routes = case_routes(session, case)
    return routes[0] if routes else None
