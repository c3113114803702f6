"""Human labels for stored codes, in both languages (translated through the catalog)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from models import (
    CaseEventKind,
    CaseStatus,
    ClockKind,
    ClockUnit,
    Demand,
    EvidenceKind,
    EvidenceStatus,
    MemberRole,
    SubmissionStatus,
)

CASE_STATUS = {
    CaseStatus.OPEN: _l("Gathering members"),
    CaseStatus.DRAFTING: _l("Drafting the complaint"),
    CaseStatus.SIGNING: _l("Open for signing"),
    CaseStatus.SUBMITTED: _l("Submitted"),
    CaseStatus.CLOSED: _l("Closed"),
}

SUBMISSION_STATUS = {
    SubmissionStatus.SUBMITTED: _l("Submitted, awaiting receipt"),
    SubmissionStatus.RECEIVED: _l("Received"),
    SubmissionStatus.UNDER_REVIEW: _l("Under review"),
    SubmissionStatus.FORWARDED: _l("Forwarded to the company"),
    SubmissionStatus.COMPANY_ANSWERED: _l("Company answered"),
    SubmissionStatus.RESOLVED: _l("Resolved"),
    SubmissionStatus.REJECTED: _l("Rejected"),
}

MEMBER_ROLE = {
    MemberRole.ORGANIZER: _l("Organizer"),
    MemberRole.CO_ORGANIZER: _l("Co-organizer"),
    MemberRole.MEMBER: _l("Member"),
}

DEMAND = {
    Demand.REFUND: _l("Refund"),
    Demand.COMPENSATION: _l("Compensation"),
    Demand.APOLOGY: _l("Apology"),
    Demand.FIX_SERVICE: _l("Fix the service"),
    Demand.OTHER: _l("Other"),
}

CASE_EVENT = {
    CaseEventKind.CREATED: _l("Case started"),
    CaseEventKind.MEMBER_JOINED: _l("A member joined"),
    CaseEventKind.MEMBER_LEFT: _l("A member left"),
    CaseEventKind.EVIDENCE_POOLED: _l("Evidence added to the pool"),
    CaseEventKind.EVIDENCE_WITHDRAWN: _l("Evidence withdrawn"),
    CaseEventKind.VERSION_SAVED: _l("New version of the complaint"),
    CaseEventKind.SIGNING_OPENED: _l("Opened for signing"),
    CaseEventKind.SIGNED: _l("Signed"),
    CaseEventKind.SIGNATURE_WITHDRAWN: _l("Signature withdrawn"),
    CaseEventKind.SUBMITTED: _l("Submitted to the authority"),
    CaseEventKind.STATUS_CHANGED: _l("The authority updated the status"),
    CaseEventKind.ORGANIZER_CHANGED: _l("The organizer role was handed over"),
    CaseEventKind.OPENED_TO_COMPANY: _l("Opened to the company"),
    CaseEventKind.COMPANY_ANSWERED: _l("The company answered"),
    CaseEventKind.OUTCOME_DISPUTED: _l("A member disputes their outcome"),
    CaseEventKind.CASES_MERGED: _l("A case of the same issue was merged into this one"),
}

#: what a member says they got back (models.outcome.OutcomeState)
OUTCOME_STATE = {
    "nothing_yet": _l("Nothing yet"),
    "partly_refunded": _l("Partly refunded"),
    "fully_refunded": _l("Fully refunded"),
    "refused": _l("Refused"),
}

#: how a member rates their outcome (models.outcome.OutcomeRating)
OUTCOME_RATING = {
    "satisfied": _l("Satisfied"),
    "partly": _l("Partly satisfied"),
    "not_satisfied": _l("Not satisfied: they answered, but not my points"),
}

#: a company's offer to one member (models.respondent.OfferStatus)
OFFER_STATUS = {
    "pending": _l("Waiting for the member's answer"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
}

EVIDENCE_KIND = {
    EvidenceKind.IMAGE: _l("Picture"),
    EvidenceKind.PDF: _l("PDF document"),
    EvidenceKind.TEXT: _l("Text"),
    EvidenceKind.CSV: _l("Table (CSV)"),
}

EVIDENCE_STATUS = {
    EvidenceStatus.PROCESSING: _l("Being anonymized"),
    EvidenceStatus.PREVIEW: _l("Waiting for your check"),
    EvidenceStatus.POOLED: _l("In the pool"),
    EvidenceStatus.WITHDRAWN: _l("Withdrawn"),
    EvidenceStatus.FAILED: _l("Could not be anonymized"),
}

#: what anonymization removed, by the codes of services.anonymize (counts only, never values)
REMOVED = {
    "PHONE": _l("phone numbers"),
    "EMAIL": _l("e-mail addresses"),
    "ID": _l("ID card numbers"),
    "CARD": _l("bank card numbers"),
    "ACCOUNT": _l("bank account numbers"),
    "IBAN": _l("IBANs"),
    "ALIPAY": _l("Alipay accounts"),
    "WECHAT": _l("WeChat IDs"),
    "NAME_OR_TERM": _l("your name and words you chose"),
    "AREA": _l("areas blacked out"),
    "COLUMN_DROPPED": _l("columns removed"),
    "COLUMN_HASHED": _l("columns replaced by codes"),
    # hidden data the file carried (services.anonymize.hidden), dropped with the rebuild
    "LOCATION": _l("hidden locations (GPS)"),
    "CAMERA": _l("hidden camera details (make, model, serial number)"),
    "AUTHOR": _l("hidden author or owner names"),
    "DATES": _l("hidden dates taken or changed"),
    "HISTORY": _l("hidden editing software and history"),
    "THUMBNAIL": _l("hidden thumbnails"),
    "DESCRIPTION": _l("hidden comments, titles and keywords"),
    "SCRIPT": _l("scripts"),
    "ATTACHMENT": _l("attached or appended files"),
    "ANNOTATION": _l("PDF comments and form fields"),
}

#: what a resolved submission gave the members (services.submissions.lifecycle.OUTCOMES)
OUTCOME = {
    "refund": _l("Refund"),
    "compensation": _l("Compensation"),
    "service_change": _l("Change of service or terms"),
    "other": _l("Other outcome"),
}

#: the deadlines of a submission (services.clocks)
CLOCK_KIND = {
    ClockKind.ACKNOWLEDGE: _l("Acknowledgement"),
    ClockKind.ANSWER: _l("Company's answer"),
    ClockKind.CLOSE: _l("Closing the case"),
}

CLOCK_STATE = {
    "waiting": _l("Starts when the authority accepts the case"),
    "running": _l("Running"),
    "overdue": _l("Overdue"),
    "met": _l("Met on time"),
    "missed": _l("Met late"),
}

CLOCK_UNIT = {
    ClockUnit.CALENDAR_DAYS: _l("calendar days"),
    ClockUnit.WORKING_DAYS: _l("working days"),
    ClockUnit.BUSINESS_DAYS: _l("business days"),
    ClockUnit.HOURS: _l("hours"),
}

#: who grants an extension of a deadline
GRANTED_BY = {
    "company": _l("the company decides, the authority records it"),
    "authority": _l("the authority"),
}

JOB_STEP = {
    "cleaning": _l("Removing hidden data"),
    "reading": _l("Looking for personal data"),
    "blacking_out": _l("Blacking out"),
    "rendering": _l("Turning pages into pictures"),
    "rebuilding": _l("Building the new PDF"),
    "anonymizing": _l("Replacing personal data"),
    "bundling": _l("Packing the case bundle"),
}

LABELS: dict[str, Mapping[Any, object]] = {
    "case_status": CASE_STATUS,
    "submission_status": SUBMISSION_STATUS,
    "member_role": MEMBER_ROLE,
    "demand": DEMAND,
    "case_event": CASE_EVENT,
    "evidence_kind": EVIDENCE_KIND,
    "evidence_status": EVIDENCE_STATUS,
    "removed": REMOVED,
    "job_step": JOB_STEP,
    "outcome": OUTCOME,
    "outcome_state": OUTCOME_STATE,
    "outcome_rating": OUTCOME_RATING,
    "offer_status": OFFER_STATUS,
    "clock_kind": CLOCK_KIND,
    "clock_state": CLOCK_STATE,
    "clock_unit": CLOCK_UNIT,
    "granted_by": GRANTED_BY,
}


def label(kind: str, code: object) -> str:
    """``label("case_status", case.status)``; unknown codes show as themselves."""
    table = LABELS[kind]
    return str(table.get(code, code))
