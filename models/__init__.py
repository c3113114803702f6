"""Every model, imported once so SQLAlchemy and Alembic see the whole schema."""

from models.api_token import ApiToken
from models.authority import Authority, authority_categories
from models.base import Base, new_public_id, utcnow
from models.case import FROZEN_STATUSES, CaseStatus, GroupCase, MemberRole, Membership
from models.case_merge import CaseMerge
from models.category import Category
from models.certificate import AuthorityCertificate
from models.claim import ImportedComplainant
from models.clock import ClockExtension, ClockKind, ClockUnit, SubmissionClock
from models.company import Company, CompanyAlias, CompanyStatus
from models.complaint import CURRENCIES, ZERO_DECIMAL_CURRENCIES, Complaint, Demand
from models.event import AuditEvent, CaseEvent, CaseEventKind
from models.evidence import (
    PRIVATE_ROLES,
    UNCONFIRMED_STATUSES,
    Evidence,
    EvidenceFile,
    EvidenceKind,
    EvidenceStatus,
    FileRole,
)
from models.job import Job, JobStatus
from models.login_session import AccountToken, LoginSession, TokenPurpose
from models.matching import (
    CaseTerm,
    CaseVector,
    ComplaintTerm,
    ComplaintVector,
    MeaningVersion,
    TermStat,
)
from models.notification import Notification
from models.outcome import MemberOutcome, OutcomeRating, OutcomeState
from models.petition import (
    CaseComment,
    PetitionVersion,
    SignatureAction,
    SignatureEntry,
    VersionAddressee,
)
from models.published_figures import PublishedFigures, PublishedMemberFacts
from models.respondent import (
    CaseOpening,
    CompanyAnswer,
    CompanyRespondent,
    MemberOffer,
    OfferStatus,
)
from models.routing import ComplaintRouting, EntityKind, LicensedEntity
from models.statement import StatementRow, StatementRowKind, StatementStatus, StatementTable
from models.submission import FINAL_SUBMISSION_STATUSES, Submission, SubmissionStatus
from models.user import RecoveryCode, User, UserRole

__all__ = [
    "CURRENCIES",
    "FINAL_SUBMISSION_STATUSES",
    "FROZEN_STATUSES",
    "PRIVATE_ROLES",
    "UNCONFIRMED_STATUSES",
    "ZERO_DECIMAL_CURRENCIES",
    "AccountToken",
    "ApiToken",
    "AuditEvent",
    "Authority",
    "AuthorityCertificate",
    "Base",
    "CaseComment",
    "CaseEvent",
    "CaseEventKind",
    "CaseMerge",
    "CaseOpening",
    "CaseStatus",
    "CaseTerm",
    "CaseVector",
    "Category",
    "ClockExtension",
    "ClockKind",
    "ClockUnit",
    "Company",
    "CompanyAlias",
    "CompanyAnswer",
    "CompanyRespondent",
    "CompanyStatus",
    "Complaint",
    "ComplaintRouting",
    "ComplaintTerm",
    "ComplaintVector",
    "Demand",
    "EntityKind",
    "Evidence",
    "EvidenceFile",
    "EvidenceKind",
    "EvidenceStatus",
    "FileRole",
    "GroupCase",
    "ImportedComplainant",
    "Job",
    "JobStatus",
    "LicensedEntity",
    "LoginSession",
    "MeaningVersion",
    "MemberOffer",
    "MemberOutcome",
    "MemberRole",
    "Membership",
    "Notification",
    "OfferStatus",
    "OutcomeRating",
    "OutcomeState",
    "PetitionVersion",
    "PublishedFigures",
    "PublishedMemberFacts",
    "RecoveryCode",
    "SignatureAction",
    "SignatureEntry",
    "StatementRow",
    "StatementRowKind",
    "StatementStatus",
    "StatementTable",
    "Submission",
    "SubmissionClock",
    "SubmissionStatus",
    "TermStat",
    "TokenPurpose",
    "User",
    "UserRole",
    "VersionAddressee",
    "authority_categories",
    "new_public_id",
    "utcnow",
]
