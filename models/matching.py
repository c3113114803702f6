"""The inverted term index and meaning vectors behind matching: plain tables, so SQLite and
PostgreSQL answer alike.

``complaint_terms`` lists each complaint's distinct terms; ``case_terms`` counts, per case, how
many members' complaints hold each term (the case's profile); ``term_stats`` counts complaints
per term, for inverse document frequency without counting at query time. ``complaint_vectors``
holds each complaint's sentence embedding and ``case_vectors`` the sum of its members' (the
case's meaning profile), so ranking reads one row per case, never its members.
``meaning_versions`` numbers the changes to a company's case profiles, so a process that keeps
them in memory reads only the rows changed since it last looked.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

TERM_MAX = 40
#: the ``term_stats`` row with this (never a real) term counts the indexed complaints
INDEXED_COMPLAINTS = ""


class ComplaintTerm(Base):
    __tablename__ = "complaint_terms"
    __table_args__ = (
        Index("ix_complaint_terms_company_term", "company_id", "term", "complaint_id"),
    )

    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(TERM_MAX), primary_key=True)
    #: the complaint's company, copied so a lookup reads only that company's rows
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))


class CaseTerm(Base):
    __tablename__ = "case_terms"
    __table_args__ = (Index("ix_case_terms_company_term", "company_id", "term", "case_id"),)

    case_id: Mapped[int] = mapped_column(
        ForeignKey("group_cases.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(TERM_MAX), primary_key=True)
    #: the case's company, copied so matching reads only that company's profiles
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    #: members whose complaint holds the term
    members: Mapped[int] = mapped_column(default=0)


class TermStat(Base):
    __tablename__ = "term_stats"

    term: Mapped[str] = mapped_column(String(TERM_MAX), primary_key=True)
    #: complaints holding the term (document frequency)
    complaints: Mapped[int] = mapped_column(default=0)


class ComplaintVector(Base):
    __tablename__ = "complaint_vectors"
    __table_args__ = (Index("ix_complaint_vectors_company_id", "company_id", "complaint_id"),)

    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True
    )
    #: the complaint's company, copied so "similar complaints" read only that company's rows
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    #: unit-length float16 sentence embedding (1 KB): what the complaint means, in any language
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class CaseVector(Base):
    __tablename__ = "case_vectors"
    __table_args__ = (
        Index("ix_case_vectors_company_id", "company_id", "case_id"),
        Index("ix_case_vectors_company_seq", "company_id", "seq"),
    )

    case_id: Mapped[int] = mapped_column(
        ForeignKey("group_cases.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    #: float32 sum of the members' vectors: its direction is the case's meaning, and a member
    #: joining or leaving adds or subtracts theirs without reading the others
    total: Mapped[bytes] = mapped_column(LargeBinary)
    #: members whose vector is in ``total`` (0: the case had members' vectors, and has none now)
    members: Mapped[int] = mapped_column(default=0)
    #: the company's ``meaning_versions.seq`` when this row last changed
    seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class MeaningVersion(Base):
    """One counter per company, raised by every change to one of its case profiles. The
    change holds this row locked until it commits, so changes commit in the order of their
    numbers: a reader who has seen number n has seen every change up to n."""

    __tablename__ = "meaning_versions"

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
