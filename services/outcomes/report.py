"""The outcome report: a signed addendum to a frozen case bundle.

The bundle is frozen at submission and never rebuilt, but what happens after (the company's
answer, its offers and whether members accepted them, each member's outcome and disputes) is
part of the case's record too, and so is whether the deadlines of the authority's rules were
kept (each clock, its state and every extension with its reason). So it is published beside
the bundle as a JSON addendum that
names the bundle by its SHA-256 and is signed with the same platform key (Ed25519) as the
bundle's tag manifest: ``flask bundle verify BUNDLE.zip --addendum REPORT.json`` checks that
the addendum is untouched, signed by the key that signed the bundle, and names exactly that
bundle. Members appear by pseudonym only, as in the bundle.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import (
    ClockExtension,
    ClockKind,
    CompanyAnswer,
    Submission,
    SubmissionClock,
    utcnow,
)
from models.base import DbSession
from services.bundle import keys
from services.clocks import reading as clock_reading
from services.errors import Conflict
from services.outcomes.records import outcomes_of_case
from services.respondents.offers import offers_of_case

FORMAT = "chorus-outcome-report/1"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def build_report(session: DbSession, submission: Submission) -> dict[str, Any]:
    """The report to sign: it names the bundle, so Conflict until the bundle is built."""
    if not submission.bundle_sha256:
        raise Conflict(_l("The case bundle is still being prepared; try again in a minute."))
    return report_data(session, submission)


def report_data(session: DbSession, submission: Submission) -> dict[str, Any]:
    """What happened after submission, as data (pseudonyms, amounts in minor units): the
    outcome report, and the authority's API (``GET /api/v1/cases/{id}/outcomes``)."""
    case = submission.case
    answer = session.scalar(select(CompanyAnswer).where(CompanyAnswer.case_id == case.id))
    outcomes = outcomes_of_case(session, case)
    return {
        "format": FORMAT,
        "case": case.public_id,
        "bundle_sha256": submission.bundle_sha256,
        "authority": submission.authority.slug,
        "status": submission.status.value,
        "generated_at": utcnow().isoformat(),
        "answer": ({"posted_at": _iso(answer.created_at), "text": answer.body} if answer else None),
        "offers": [
            {
                "member": pseudonym,
                "amount_minor": offer.amount_minor,
                "currency": offer.currency,
                "status": offer.status.value,
                "made_at": _iso(offer.created_at),
                "decided_at": _iso(offer.decided_at),
            }
            for pseudonym, offer in offers_of_case(session, case)
        ],
        "outcomes": [
            {
                "member": pseudonym,
                "state": row.state.value,
                "refunded_minor": row.refunded_minor,
                "currency": row.currency,
                "rating": row.rating.value if row.rating else None,
                "updated_at": _iso(row.updated_at),
            }
            for pseudonym, row in outcomes
        ],
        "disputes": [
            {"member": pseudonym, "at": _iso(row.disputed_at), "reason": row.dispute}
            for pseudonym, row in outcomes
            if row.disputed_at is not None
        ],
        "deadlines": _deadlines(session, submission),
    }


def _deadlines(session: DbSession, submission: Submission) -> list[dict[str, Any]]:
    """Each clock as the API shows it (met, missed, running, overdue...) with its extensions:
    when, from which due instant to which, the whole period after it and the reason given."""
    extensions: dict[ClockKind, list[dict[str, Any]]] = {}
    rows = session.execute(
        select(ClockExtension, SubmissionClock.kind)
        .join(SubmissionClock, SubmissionClock.id == ClockExtension.clock_id)
        .where(SubmissionClock.submission_id == submission.id)
        .order_by(ClockExtension.id)
    )
    for extension, kind in rows:
        extensions.setdefault(kind, []).append(
            {
                "recorded_at": _iso(extension.created_at),
                "previous_due_at": _iso(extension.previous_due_at),
                "due_at": _iso(extension.due_at),
                "period": extension.period,
                "reason": extension.reason,
            }
        )
    views = clock_reading.views_by_submission(session, [submission.id])[submission.id]
    return [{**view.as_json(), "extensions": extensions.get(view.kind, [])} for view in views]


def canonical(report: dict[str, Any]) -> bytes:
    """The exact bytes signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(report, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signed_report(session: DbSession, submission: Submission) -> bytes:
    """The addendum as published: the report, the key that signed it and the signature."""
    report = build_report(session, submission)
    document = {
        "report": report,
        "key_id": keys.current_key_id(),
        "public_key": keys.public_key_pem().decode(),
        "signature": base64.b64encode(keys.sign(canonical(report))).decode(),
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


@dataclass
class AddendumCheck:
    problems: list[str] = field(default_factory=list)
    key_id: str = ""
    case: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_addendum(
    addendum: bytes, bundle: Path, *, bundle_key_id: str | None = None
) -> AddendumCheck:
    """Check an outcome report against the bundle file it names: its signature, that the key
    is the bundle's (``bundle_key_id``, of the key the bundle was verified with), and that the
    SHA-256 it names is the bundle file's."""
    check = AddendumCheck()
    try:
        document = json.loads(addendum)
        report = document["report"]
        signature = base64.b64decode(document["signature"], validate=True)
        public_key = keys.load_public_key(document["public_key"].encode())
    except (ValueError, KeyError, TypeError) as error:
        check.problems.append(f"the addendum is not an outcome report ({error})")
        return check
    if not isinstance(report, dict) or report.get("format") != FORMAT:
        check.problems.append("the addendum is not an outcome report of this format")
        return check
    check.key_id = keys.key_id(public_key)
    check.case = str(report.get("case", ""))
    try:
        public_key.verify(signature, canonical(report))
    except Exception:  # cryptography's InvalidSignature, or a signature of the wrong size
        check.problems.append("the addendum's signature does not match its report")
    if bundle_key_id is not None and bundle_key_id != check.key_id:
        check.problems.append(
            f"the addendum is signed by key {check.key_id}, the bundle by key {bundle_key_id}"
        )
    digest = hashlib.sha256()
    with bundle.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    if report.get("bundle_sha256") != digest.hexdigest():
        check.problems.append(
            f"the addendum names bundle {report.get('bundle_sha256')}, "
            f"this file is {digest.hexdigest()}"
        )
    return check
