"""What goes into a case bundle, file by file, as streams the writer consumes one at a time.

:func:`facts_for` copies what every file needs about the submission into plain values first:
the job commits between files (progress), which expires ORM objects, and a file being streamed
must never trigger a lazy load halfway through another query's rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from models import Authority, Category, Complaint, GroupCase, Membership, Submission, User
from models.base import DbSession
from services.bundle import bag, evidence, loss_tables, pdf_process, tables
from services.cases.figures import case_figures
from services.platform.formatting import format_amount
from services.platform.labels import DEMAND
from services.platform.storage.local import Storage


@dataclass(frozen=True)
class PayloadFile:
    """One file under ``data/``; ``chunks`` is only started when the writer reaches it."""

    path: str
    chunks: Callable[[], Iterator[bytes]]
    compress: bool = True
    #: the SHA-256 the bytes must have (stored evidence: its storage key)
    expected_sha256: str | None = None


@dataclass(frozen=True)
class BundleFacts:
    case_id: int
    case_public_id: str
    case_title: str
    company: str
    version_id: int
    version_number: int
    version_sha256: str
    title: str
    facts: str
    demands: str
    body_md: str
    authority: str  #: "English name / 中文名"
    submitted_at: datetime
    signatures: int
    evidence_files: int
    demand_labels: dict[str, str] = field(default_factory=dict)
    #: the language the authority reads ("zh" or "en"): the PDF's headings speak it
    language: str = "en"
    company_en: str = ""
    company_zh: str = ""
    authority_en: str = ""
    authority_zh: str = ""
    #: (English, Chinese) names of the other authorities the same signed version went to
    also_to: list[tuple[str, str]] = field(default_factory=list)


def facts_for(session: DbSession, submission: Submission) -> BundleFacts:
    case, version, authority = submission.case, submission.version, submission.authority
    with force_locale("en"):
        demand_labels = {code.value: str(label) for code, label in DEMAND.items()}
    return BundleFacts(
        case_id=case.id,
        case_public_id=case.public_id,
        case_title=case.title,
        company=_both(case.company.name_en, case.company.name_zh),
        version_id=version.id,
        version_number=version.number,
        version_sha256=version.content_sha256 or "",
        title=version.title,
        facts=version.facts,
        demands=version.demands,
        body_md=version.body_md,
        authority=_both(authority.name_en, authority.name_zh),
        submitted_at=submission.submitted_at,
        signatures=tables.count_signers(session, case.id, version.id),
        evidence_files=evidence.count(session, case.id),
        demand_labels=demand_labels,
        language=authority_language(session, authority),
        company_en=case.company.name_en,
        company_zh=case.company.name_zh,
        authority_en=authority.name_en,
        authority_zh=authority.name_zh,
        also_to=[
            (other.name_en, other.name_zh)
            for other in version.addressees
            if other.id != authority.id
        ],
    )


def authority_language(session: DbSession, authority: Authority) -> str:
    """The language the authority reads: the one most of its regulators chose for the site
    (they are who open the bundle), Chinese for an authority without any yet."""
    chosen = session.execute(
        select(User.locale, func.count())
        .where(User.authority_id == authority.id, User.locale.in_(("zh", "en")))
        .group_by(User.locale)
        .order_by(func.count().desc(), User.locale.desc())
    ).first()
    return str(chosen[0]) if chosen else "zh"


def _both(english: str, chinese: str) -> str:
    return " / ".join(name for name in (english, chinese) if name)


FIXED_FILES = 10  #: payload files besides the evidence files


def payload(session: DbSession, facts: BundleFacts, storage: Storage) -> Iterator[PayloadFile]:
    """Every payload file, in the order they go into the zip."""
    yield PayloadFile(bag.COMPLAINT_MD, lambda: iter([complaint_markdown(facts).encode()]))
    yield PayloadFile(bag.COMPLAINT_PDF, lambda: iter([complaint_pdf(facts)]), compress=False)
    yield PayloadFile(
        bag.SIGNATORIES,
        lambda: tables.signatories(session, facts.case_id, facts.version_id),
    )
    yield PayloadFile(
        bag.COMPLAINTS,
        lambda: tables.complaints(
            session,
            facts.case_id,
            facts.version_id,
            facts.submitted_at.date(),
            facts.demand_labels,
        ),
    )
    for item in evidence.items(session, facts.case_id):
        yield PayloadFile(
            item.path,
            lambda key=item.key: evidence.read(storage, key),  # type: ignore[misc]
            compress=item.compress,
            expected_sha256=item.key,
        )
    yield PayloadFile(bag.EVIDENCE_CSV, lambda: evidence.listing(session, facts.case_id))
    yield PayloadFile(
        loss_tables.LOSS_TABLES,
        lambda: loss_tables.loss_tables(session, facts.case_id, facts.version_id),
    )
    yield PayloadFile(
        loss_tables.BACKING, lambda: loss_tables.backing(session, facts.case_id, facts.version_id)
    )
    yield PayloadFile(bag.SIGNATURE_LOG, lambda: tables.signature_log(session, facts.case_id))
    yield PayloadFile(bag.TIMELINE, lambda: tables.timeline(session, facts.case_id))
    yield PayloadFile(bag.STATS, lambda: iter([stats_json(session, facts)]))


def _metadata(facts: BundleFacts) -> list[tuple[str, str]]:
    return [
        ("Case", facts.case_public_id),
        ("Case title", facts.case_title),
        ("Company", facts.company),
        ("Addressed to", facts.authority),
        *(
            [("Also sent to", "; ".join(_both(en, zh) for en, zh in facts.also_to))]
            if facts.also_to
            else []
        ),
        ("Version", str(facts.version_number)),
        ("Version SHA-256", facts.version_sha256),
        ("Submitted at", tables.iso(facts.submitted_at)),
        ("Signatures", str(facts.signatures)),
    ]


def _sections(facts: BundleFacts) -> list[tuple[str, str]]:
    return [("Facts", facts.facts), ("Demands", facts.demands), ("Complaint", facts.body_md)]


def complaint_markdown(facts: BundleFacts) -> str:
    """``data/complaint.md``: the submitted version as signed, with who it is addressed to."""
    lines = [f"# {facts.title}", ""]
    lines += [f"- {label}: {value}" for label, value in _metadata(facts)]
    for heading, text in _sections(facts):
        if text.strip():
            lines += ["", f"## {heading}", "", text.strip()]
    return inert_markdown("\n".join(lines) + "\n")


_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+).+?\1")


def inert_markdown(text: str) -> str:
    """``text`` with every "<" outside code written "\\<".

    The app shows the Markdown with raw HTML as text; a regulator may open the file in a viewer
    that passes raw HTML through (a ``<script>`` a member wrote would run there). Escaped, it
    reads the same in every viewer, as the app shows it. Inside code an escape would show, and
    HTML never runs there, so code spans and fenced blocks stay as written."""
    out: list[str] = []
    fence = ""
    for line in text.split("\n"):
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = ""
            out.append(line)
            continue
        if opening:
            fence = opening.group(1)
            out.append(line)
            continue
        pieces, last = [], 0
        for span in _CODE_SPAN.finditer(line):
            pieces += [line[last : span.start()].replace("<", "\\<"), span.group(0)]
            last = span.end()
        out.append("".join([*pieces, line[last:].replace("<", "\\<")]))
    return "\n".join(out)


def complaint_pdf(facts: BundleFacts) -> bytes:
    """``data/complaint.pdf``, its headings in the authority's language; the complaint itself
    as the members signed it, in whatever language they wrote."""
    chinese = facts.language == "zh"
    with force_locale(facts.language):
        metadata = [
            (_("Case"), facts.case_public_id),
            (_("Case title"), facts.case_title),
            (_("Company"), _pair(facts.company_zh, facts.company_en, chinese)),
            (_("Addressed to"), _pair(facts.authority_zh, facts.authority_en, chinese)),
            *(
                [
                    (
                        _("Also sent to"),
                        "; ".join(_pair(zh, en, chinese) for en, zh in facts.also_to),
                    )
                ]
                if facts.also_to
                else []
            ),
            (_("Version"), str(facts.version_number)),
            (_("Version SHA-256"), facts.version_sha256),
            (_("Submitted at (UTC)"), tables.iso(facts.submitted_at)),
            (_("Signatures"), str(facts.signatures)),
        ]
        sections = [
            (_("Facts"), facts.facts),
            (_("Demands"), facts.demands),
            (_("Complaint"), facts.body_md),
        ]
        footer = _("Chorus case %(case)s", case=facts.case_public_id)
    document = pdf_process.PdfComplaint(facts.title, metadata, sections)
    return pdf_process.render(document, footer=footer)


def _pair(chinese_name: str, english_name: str, chinese_first: bool) -> str:
    """Both names of a company or authority, the reader's language first."""
    names = (chinese_name, english_name) if chinese_first else (english_name, chinese_name)
    return " / ".join(name for name in names if name)


def stats_json(session: DbSession, facts: BundleFacts) -> bytes:
    """``data/stats.json``: the case's public figures (``services.cases.figures``, withheld below
    its privacy threshold exactly as on the case page) and the same figures over the signers,
    which the authority can recompute from ``complaints.csv`` anyway."""
    case = session.get(GroupCase, facts.case_id)
    assert case is not None
    figures = case_figures(session, case)
    data: dict[str, Any] = {
        "case": facts.case_public_id,
        "members": figures.members,
        "signatures": facts.signatures,
        "evidence_files": facts.evidence_files,
        "members_figures": None,
        "signers_figures": _signer_figures(session, facts),
    }
    if figures.visible:
        data["members_figures"] = {
            "totals": [_total(c, minor) for c, minor in figures.totals],
            "first_incident": tables.iso(figures.first_incident),
            "last_incident": tables.iso(figures.last_incident),
            "categories": [
                {"code": c.code, "en": c.label_en, "zh": c.label_zh, "members": n}
                for c, n in figures.categories
            ],
            "joins_by_day": [{"day": d.isoformat(), "joined": n} for d, n in figures.joins],
        }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


def _total(currency: str, minor: int) -> dict[str, Any]:
    return {"currency": currency, "amount": format_amount(minor, currency), "minor": minor}


def _signer_figures(session: DbSession, facts: BundleFacts) -> dict[str, Any]:
    """Totals per currency, incident range and categories over the signers: grouped queries,
    the same few whatever the number of signers."""
    signed = (
        tables.signers(facts.case_id, facts.version_id, Membership.complaint_id)
        .subquery()
        .c.complaint_id
    )
    mine = select(Complaint).where(Complaint.id.in_(select(signed))).subquery()
    totals = session.execute(
        select(mine.c.currency, func.sum(mine.c.amount_minor))
        .group_by(mine.c.currency)
        .order_by(mine.c.currency)
    ).all()
    first, last = session.execute(
        select(func.min(mine.c.incident_date), func.max(mine.c.incident_date))
    ).one()
    categories = session.execute(
        select(Category.code, Category.label_en, Category.label_zh, func.count())
        .join(mine, mine.c.category_id == Category.id)
        .group_by(Category.id, Category.code, Category.label_en, Category.label_zh)
        .order_by(func.count().desc(), Category.code)
    ).all()
    return {
        "totals": [_total(currency, int(minor or 0)) for currency, minor in totals],
        "first_incident": tables.iso(first),
        "last_incident": tables.iso(last),
        "categories": [
            {"code": code, "en": en, "zh": zh, "signers": n} for code, en, zh, n in categories
        ],
    }
