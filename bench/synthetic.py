"""Fast synthetic complaints with realistic vocabulary, for the latency benchmark.

Terms are drawn from a Zipf distribution over the vocabulary of the real complaint wording in
the labelled set and the demo data (ranked by how often they occur there), so common words
like 退款 / 客服 / refund are as common as in real text and rare ones as rare. Rows go straight
into the tables in bulk (the services would take hours at a million complaints); the term
index is written exactly as :mod:`services.matching.term_index` writes it.

Meaning: every case gets a random direction, stored as its profile (the sum of its members'
vectors); each query complaint gets a vector near one of its company's cases. Matching reads
only the query's vector and the cases' profiles, so the other complaints get none.
"""

from __future__ import annotations

import json
import random
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from models import (
    CaseStatus,
    CaseTerm,
    CaseVector,
    Category,
    Company,
    Complaint,
    ComplaintTerm,
    ComplaintVector,
    GroupCase,
    Membership,
    TermStat,
    User,
)
from models.base import PUBLIC_ID_ALPHABET, PUBLIC_ID_LENGTH
from models.matching import INDEXED_COMPLAINTS
from services.matching.meaning import DIMENSIONS
from services.matching.text_terms import extract_terms

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 20_000
IN_CASE_SHARE = 0.3
MEAN_CASE_SIZE = 20
TERMS_PER_COMPLAINT = (18, 32)
TOPIC_TERMS = 12


def real_vocabulary() -> list[str]:
    """Terms of real complaint wording, most frequent first."""
    texts = [
        c["narrative"]
        for c in json.loads((ROOT / "tests/data/matching_set.json").read_text(encoding="utf-8"))[
            "complaints"
        ]
    ]
    demo = json.loads((ROOT / "services/demo/content.json").read_text(encoding="utf-8"))
    texts += [c["narrative"] for case in demo["cases"] for c in case["complaints"]]
    counts = Counter(term for t in texts for term in extract_terms(t))
    return [term for term, _ in counts.most_common()]


@dataclass
class Generated:
    complaints: int
    cases: int
    big_case_public_id: str | None
    query_complaint_ids: list[int]


def _public_id(rng: random.Random) -> str:
    return "".join(rng.choice(PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


def generate(session: Session, total: int, big_case_members: int = 0, seed: int = 7) -> Generated:
    rng = random.Random(seed)
    vocabulary = real_vocabulary()
    zipf = list(accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
    companies = [
        Company(slug=f"co-{i}", name_en=f"Company {i}", name_zh=f"公司{i}") for i in range(16)
    ]
    session.add_all(companies)
    session.flush()
    company_weights = list(accumulate(1 / (i + 1) for i in range(len(companies))))
    category_ids = list(session.scalars(select(Category.id)))
    start = datetime(2025, 1, 1, tzinfo=UTC)
    conn = session.connection()

    owners = total
    conn.execute(
        User.__table__.insert(),
        [
            {
                "email": f"u{i}@bench.example",
                "display_name": f"u{i}",
                "password_hash": "!",
                "role": "member",
                "session_nonce": secrets.token_hex(4),
                "active": True,
                "created_at": start,
            }
            for i in range(owners)
        ],
    )
    first_user = session.scalar(select(User.id).order_by(User.id).limit(1))

    def terms_for(topic: list[str]) -> set[str]:
        count = rng.randint(*TERMS_PER_COMPLAINT)
        picked = set(rng.choices(vocabulary, cum_weights=zipf, k=count))
        picked.update(rng.sample(topic, k=min(len(topic), 6)) if topic else ())
        return picked

    # cases: sizes drawn so that about IN_CASE_SHARE of complaints are in one
    sizes: list[int] = []
    if big_case_members:
        sizes.append(big_case_members)
    budget = int(total * IN_CASE_SHARE) - sum(sizes)
    while budget > 0:
        size = max(2, min(budget, int(rng.expovariate(1 / MEAN_CASE_SIZE)) + 2))
        sizes.append(size)
        budget -= size
    stats: Counter[str] = Counter()
    complaint_id = session.scalar(select(Complaint.id).order_by(Complaint.id.desc()).limit(1)) or 0
    case_rows, membership_rows, case_term_rows, case_vector_rows = [], [], [], []
    # meaning: each case a direction of its own; its profile the sum of its members' vectors
    vectors = np.random.default_rng(seed)
    topics_of_company: dict[int, list[np.ndarray]] = {}
    loose_company: dict[int, int] = {}
    complaint_rows, complaint_term_rows = [], []
    loose_ids: list[int] = []
    big_public_id = None

    def flush_rows(final: bool = False) -> None:
        if not final and len(complaint_term_rows) < CHUNK:
            return
        for table, rows in (
            (Complaint.__table__, complaint_rows),
            (ComplaintTerm.__table__, complaint_term_rows),
        ):
            if rows:  # complaints first: their terms refer to them
                conn.execute(table.insert(), rows)
                rows.clear()

    def add_complaint(
        company: Company, category_id: int, topic: list[str], day: date
    ) -> tuple[int, set[str]]:
        nonlocal complaint_id
        complaint_id += 1
        terms = terms_for(topic)
        complaint_rows.append(
            {
                "id": complaint_id,
                "public_id": _public_id(rng),
                "owner_id": first_user + (complaint_id - 1) % owners,
                "company_id": company.id,
                "category_id": category_id,
                "incident_date": day,
                "amount_minor": rng.randint(1000, 5_000_000),
                "currency": "CNY",
                "narrative": " ".join(sorted(terms)),
                "demands": ["refund"],
                "created_at": start,
                "updated_at": start,
            }
        )
        complaint_term_rows.extend(
            {"complaint_id": complaint_id, "term": t, "company_id": company.id} for t in terms
        )
        stats.update(terms)
        flush_rows()
        return complaint_id, terms

    for case_id, size in enumerate(sizes, start=1):
        company = rng.choices(companies, cum_weights=company_weights)[0]
        category_id = rng.choice(category_ids)
        topic = rng.sample(vocabulary[20:2000], k=TOPIC_TERMS)
        base_day = date(2025, 1, 1) + timedelta(days=rng.randint(0, 600))
        public_id = _public_id(rng)
        if big_case_members and case_id == 1:
            big_public_id = public_id
        case_rows.append(
            {
                "id": case_id,
                "public_id": public_id,
                "title": f"case {case_id}",
                "summary": "",
                "company_id": company.id,
                "category_id": category_id,
                "status": CaseStatus.OPEN.value,
                "created_at": start,
                "updated_at": start + timedelta(minutes=case_id),
            }
        )
        profile: Counter[str] = Counter()
        days = sorted(base_day + timedelta(days=rng.randint(0, 30)) for _ in range(size))
        case_rows[-1].update(member_count=size, first_incident=days[0], last_incident=days[-1])
        for member, day in enumerate(days):
            cid, terms = add_complaint(company, category_id, topic, day)
            membership_rows.append(
                {
                    "case_id": case_id,
                    "user_id": first_user + (cid - 1) % owners,
                    "complaint_id": cid,
                    "role": "organizer" if member == 0 else "member",
                    "pseudonym": f"{member:06X}"[-6:],
                    "joined_at": start + timedelta(hours=member),
                }
            )
            profile.update(terms)
        case_term_rows.extend(
            {"case_id": case_id, "term": t, "members": n, "company_id": company.id}
            for t, n in profile.items()
        )
        direction = _unit(vectors.standard_normal(DIMENSIONS))
        topics_of_company.setdefault(company.id, []).append(direction)
        case_vector_rows.append(
            {
                "case_id": case_id,
                "company_id": company.id,
                "total": (size * direction).astype(np.float32).tobytes(),
                "members": size,
            }
        )
    while complaint_id < total:
        company = rng.choices(companies, cum_weights=company_weights)[0]
        day = date(2025, 1, 1) + timedelta(days=rng.randint(0, 680))
        loose_ids.append(add_complaint(company, rng.choice(category_ids), [], day)[0])
        loose_company[loose_ids[-1]] = company.id
    flush_rows(final=True)
    stats[INDEXED_COMPLAINTS] = total  # every synthetic complaint has terms
    queries = rng.sample(loose_ids, k=min(200, len(loose_ids)))
    # the queries' own vectors (matching reads only the query's and the cases' profiles, so
    # the other complaints' would only cost 1 KB each to write): near one of the company's
    # cases, or anywhere when it has none
    complaint_vector_rows = []
    for query in queries:
        topics = topics_of_company.get(loose_company[query])
        near = topics[rng.randrange(len(topics))] if topics else np.zeros(DIMENSIONS)
        vector = _unit(near + 0.8 * _unit(vectors.standard_normal(DIMENSIONS)))
        complaint_vector_rows.append(
            {
                "complaint_id": query,
                "company_id": loose_company[query],
                "vector": vector.astype(np.float16).tobytes(),
            }
        )
    for table, rows in (
        (GroupCase.__table__, case_rows),
        (Membership.__table__, membership_rows),
        (CaseTerm.__table__, case_term_rows),
        (TermStat.__table__, [{"term": t, "complaints": n} for t, n in stats.items()]),
        (CaseVector.__table__, case_vector_rows),
        (ComplaintVector.__table__, complaint_vector_rows),
    ):
        for index in range(0, len(rows), CHUNK):
            conn.execute(table.insert(), rows[index : index + CHUNK])
    session.commit()
    _settle(session)
    return Generated(total, len(sizes), big_public_id, queries)


def _settle(session: Session) -> None:
    """Bring the bulk-loaded tables to the state a live database is in: fresh planner
    statistics on both databases, and on PostgreSQL the visibility map autovacuum keeps (without
    it no index-only scan is possible, and the term lookups read every table row they match:
    five times slower on the "similar complaints" lookup at 1,000,000 complaints)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        session.execute(text("ANALYZE"))
        session.commit()


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-9)
