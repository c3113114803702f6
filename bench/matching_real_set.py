"""Build the labelled matching set of real complaints, ``tests/data/matching_real_set.json``.

Source: the CFPB's public Consumer Complaint Database (a work of the US federal government, in
the public domain), one 2023 extract (a copy in the public GitHub repository
SeunnnA/Predatory_Lending) of 2,827 "Payday loan, title loan, or personal loan"
complaints with narratives. Cases are the CFPB's own labels: one case per company and issue
with at least :data:`MIN_GROUP` narratives, for companies with several such cases;
:data:`QUERIES` of each group are held out as queries and the rest (at most
:data:`MAX_SEEDS`) build the case. The category a member would pick in Chorus comes from the
issue (:data:`ISSUE_CATEGORIES`); the last query of each case
picks the category of a neighbouring case of the same company instead, as people do when two
categories both fit. Chinese tellings of some queries (``matching_real_zh.json``, the same
incident told again in Chinese) are added as cross-language queries.

``python -m bench.matching_real_set COMPLAINTS.csv`` rewrites the set; the choice is seeded, so
the same file gives the same set.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from models.complaint import NARRATIVE_MAX

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "tests" / "data" / "matching_real_set.json"
CHINESE = ROOT / "tests" / "data" / "matching_real_zh.json"
MIN_GROUP = 6
MAX_SEEDS = 10
QUERIES = 3
SEED = 18

#: CFPB legal name -> (slug, English name, Chinese name, what people type)
COMPANIES: dict[str, tuple[str, str, str, list[str]]] = {
    "Affirm Holdings, Inc": ("affirm", "Affirm", "Affirm", ["Affirm", "affirm app", "Affirm Inc"]),
    "MoneyLion Inc.": ("moneylion", "MoneyLion", "MoneyLion", ["MoneyLion", "Money Lion"]),
    "WELLS FARGO & COMPANY": (
        "wells-fargo",
        "Wells Fargo",
        "富国银行",
        ["Wells Fargo", "wells fargo bank", "WELLS FARGO & COMPANY"],
    ),
    "OneMain Finance Corporation": (
        "onemain",
        "OneMain Financial",
        "OneMain Financial",
        ["OneMain", "OneMain Financial", "one main"],
    ),
    "TMX Finance LLC": ("tmx-finance", "TitleMax", "TitleMax", ["TitleMax", "TMX Finance"]),
    "ENOVA INTERNATIONAL, INC.": ("enova", "Enova", "Enova", ["Enova", "NetCredit", "CashNetUSA"]),
    "UPGRADE, INC.": ("upgrade", "Upgrade", "Upgrade", ["Upgrade", "Upgrade Inc"]),
    "SYNCHRONY FINANCIAL": ("synchrony", "Synchrony", "Synchrony", ["Synchrony", "Synchrony Bank"]),
    "TRUIST FINANCIAL CORPORATION": ("truist", "Truist", "Truist", ["Truist", "Truist Bank"]),
    "Upstart Holdings, Inc.": ("upstart", "Upstart", "Upstart", ["Upstart", "upstart loans"]),
}

#: the Chorus category a member would pick for each CFPB issue of these products
ISSUE_CATEGORIES = {
    "Charged fees or interest you didn't expect": "fees_limits",
    "Problem when making payments": "transaction_failed",
    "Struggling to pay your loan": "other",
    "Problem with the payoff process at the end of the loan": "refund",
    "Getting the loan": "unfair_terms",
    "Getting a line of credit": "unfair_terms",
    "Problem with additional add-on products or services": "duplicate_charge",
    "Incorrect information on your report": "data_leak",
    "Received a loan you didn't apply for": "account_security",
    "Improper use of your report": "data_leak",
    "Vehicle was repossessed or sold the vehicle": "other",
    "Can't stop withdrawals from your bank account": "duplicate_charge",
    "Money was taken from your bank account on the wrong day or for the wrong amount": (
        "duplicate_charge"
    ),
    "Loan payment wasn't credited to your account": "transaction_failed",
    "Can't contact lender or servicer": "customer_service",
    "Was approved for a loan, but didn't receive the money": "topup_withdrawal",
}


def _date(text: str) -> str:
    month, day, year = text.split("/")
    return f"20{year}-{month}-{day}"


def _narrative(text: str) -> str:
    text = text.strip()
    if len(text) <= NARRATIVE_MAX:
        return text
    return text[: NARRATIVE_MAX - 1].rsplit(" ", 1)[0] + "…"


def build(csv_path: Path) -> dict[str, Any]:
    """The labelled set from a CFPB export (columns as the CFPB publishes them)."""
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["Company"] in COMPANIES
            and r["Issue"] in ISSUE_CATEGORIES
            and r["Consumer complaint narrative"].strip()
        ]
    groups: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r["Complaint ID"]):
        groups[(row["Company"], row["Issue"])].append(row)
    chosen = {key: items for key, items in groups.items() if len(items) >= MIN_GROUP}
    # a company with one case would make every query of it trivially right
    several: dict[str, int] = defaultdict(int)
    for company, _ in chosen:
        several[company] += 1
    chosen = {key: items for key, items in chosen.items() if several[key[0]] > 1}
    rng = random.Random(SEED)
    cases, complaints = [], []
    by_company: dict[str, list[str]] = defaultdict(list)
    for company, issue in sorted(chosen):
        key = f"{COMPANIES[company][0]}: {issue}"
        by_company[company].append(key)
        cases.append(
            {
                "key": key,
                "company": COMPANIES[company][0],
                "category": ISSUE_CATEGORIES[issue],
                "title": issue,
                "issue": issue,
            }
        )
    category_of = {case["key"]: case["category"] for case in cases}
    for (company, issue), items in sorted(chosen.items()):
        key = f"{COMPANIES[company][0]}: {issue}"
        items = items[:]
        rng.shuffle(items)
        queries, seeds = items[:QUERIES], items[QUERIES : QUERIES + MAX_SEEDS]
        neighbours = [k for k in by_company[company] if category_of[k] != category_of[key]]
        typed = COMPANIES[company][3]
        for position, row in enumerate(seeds + queries):
            role = "seed" if position < len(seeds) else "query"
            category = category_of[key]
            if role == "query" and row is queries[-1] and neighbours:
                category = category_of[rng.choice(neighbours)]
            complaints.append(
                {
                    "id": f"cfpb-{row['Complaint ID']}",
                    "case": key,
                    "role": role,
                    "company_text": typed[position % len(typed)],
                    "category": category,
                    "incident_date": _date(row["Date received"]),
                    "amount": 0,
                    "currency": "USD",
                    "narrative": _narrative(row["Consumer complaint narrative"]),
                    "lang": "en",
                }
            )
    if CHINESE.exists():
        queries_by_id = {c["id"]: c for c in complaints if c["role"] == "query"}
        for source_id, text in json.loads(CHINESE.read_text(encoding="utf-8")).items():
            english = queries_by_id[source_id]
            complaints.append({**english, "id": f"{source_id}-zh", "narrative": text, "lang": "zh"})
    companies = [
        {"slug": slug, "name_en": en, "name_zh": zh, "aliases": [legal, *typed]}
        for legal, (slug, en, zh, typed) in COMPANIES.items()
    ]
    return {
        "source": (
            "CFPB Consumer Complaint Database (public domain, US federal government work), "
            "2023 complaints about payday, title and personal loans with narratives, as copied "
            "in github.com/SeunnnA/Predatory_Lending, data/processed/complaints(small sample)"
            "-2025-04-25_15_02.csv (commit 75a78fa); Chinese queries are translations of the "
            "English ones"
        ),
        "companies": companies,
        "cases": cases,
        "complaints": complaints,
        "twin_groups": [],
    }


def main(argv: list[str]) -> None:
    dataset = build(Path(argv[0]))
    OUTPUT.write_text(json.dumps(dataset, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    queries = sum(c["role"] == "query" for c in dataset["complaints"])
    print(f"{len(dataset['cases'])} cases, {queries} queries -> {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
