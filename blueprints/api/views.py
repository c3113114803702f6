"""The regulators' JSON API (token authentication; see blueprints/api/openapi.py).

It answers only about cases submitted to the token holder's authority; anything else is 404,
as on the pages. No cookies, so no CSRF token: a request without a valid token is refused.
Every error becomes JSON in :mod:`blueprints.errors`: ``{"error": "Not Found"}`` with 404
(``"Method Not Allowed"`` with 405 and ``Allow``, and so on), or ``{"error": message,
"field": name}`` with 400 (a filter), 403, 409 or 422.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request, url_for
from flask_babel import force_locale
from werkzeug.wrappers import Response

from blueprints.api.openapi import openapi_document
from blueprints.files import send_stored
from blueprints.forms import page_arg
from blueprints.regulator.forms import InboxFilterForm
from extensions import csrf, db
from models import Submission, SubmissionStatus, User
from services import audit, clocks
from services.accounts import api_tokens
from services.bundle import job as bundle_job
from services.cases.figures import case_figures
from services.evidence import contributions as evidence
from services.evidence.files import current_storage
from services.outcomes import report as outcome_report
from services.submissions import lifecycle as submissions
from services.submissions import regulator_inbox

bp = Blueprint("api", __name__)
csrf.exempt(bp)

PUBLIC = {"api.openapi"}


@bp.before_request
def _authenticate() -> Response | None:
    if request.endpoint in PUBLIC:
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    user = api_tokens.user_for(db.session, secret.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        response = jsonify(error="A valid API token is required (Authorization: Bearer ...).")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="chorus"'
        return response
    g.api_user = user
    return None


def _user() -> User:
    return g.api_user


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


@bp.get("/cases")
def list_cases() -> Response | tuple[Response, int]:
    """Submitted cases, filtered by the inbox page's own form, so both accept the same values:
    400 naming the parameter for a filter that does not parse or names nothing in the inbox."""
    authority_id = _user().authority_id
    assert authority_id is not None  # api_tokens.user_for admits regulators of an authority only
    with force_locale("en"):  # the messages of values that do not parse, too
        form = InboxFilterForm(request.args)
        form.set_choices(*regulator_inbox.filter_choices(db.session, authority_id))
        if not form.validate():
            return _refused_filters(form), 400
    page = regulator_inbox.inbox(db.session, authority_id, form.filters(), page=page_arg())
    deadlines = clocks.views_by_submission(db.session, [s.id for s in page.items])
    return jsonify(
        cases=[_summary(s, clock_views=deadlines[s.id]) for s in page.items],
        page=page.page,
        pages=page.pages,
        total=page.total,
    )


def _refused_filters(form: InboxFilterForm) -> Response:
    """``{"error", "field"}`` of the first refused filter, as every API refusal says it, and
    ``errors``: every refused parameter with its messages (in English, as the whole API)."""
    errors = {
        field.name: [str(message) for message in field.errors] for field in form if field.errors
    }
    name, messages = next(iter(errors.items()))
    return jsonify(error=messages[0], field=name, errors=errors)


def _submission(case_id: str) -> Submission:
    """The case submitted to the token holder's authority; NotFound (404) otherwise."""
    return submissions.submission_for_regulator(db.session, _user(), case_id)


@bp.get("/cases/<case_id>")
def case_detail(case_id: str) -> Response:
    submission = _submission(case_id)
    case = submission.case
    version = submission.version
    figures = case_figures(db.session, case)
    count, _shown = regulator_inbox.signatories(db.session, submission)
    return jsonify(
        **_summary(submission, signatures=count),
        summary=case.summary,
        version={
            "number": version.number,
            "title": version.title,
            "sha256": version.content_sha256,
            "facts": version.facts,
            "demands": version.demands,
            "body_md": version.body_md,
        },
        figures={
            "visible": figures.visible,
            "members": figures.members,
            "totals": [{"currency": c, "amount_minor": t} for c, t in figures.totals],
            "first_incident": _iso(figures.first_incident),
            "last_incident": _iso(figures.last_incident),
        },
        evidence=[
            {
                "id": item.public_id,
                "kind": item.kind.value,
                "name": item.display_name,
                "media_type": item.media_type,
                "size": item.size_bytes,
                "sha256": item.sha256,
                "contributor": item.contributor_pseudonym,
                "pooled_at": _iso(item.pooled_at),
                "removed": item.removed,
            }
            for item in evidence.pooled_items(db.session, case)
        ],
        timeline=[
            {
                "kind": event.kind.value,
                "actor": event.actor_pseudonym,
                "at": _iso(event.created_at),
                "data": event.data,
            }
            for event in regulator_inbox.timeline(db.session, submission)
        ],
    )


@bp.get("/cases/<case_id>/outcomes")
def case_outcomes(case_id: str) -> Response:
    """After submission: the company's answer, its offers, members' outcomes and disputes."""
    return jsonify(outcome_report.report_data(db.session, _submission(case_id)))


@bp.get("/cases/<case_id>/bundle")
def bundle(case_id: str) -> Response | tuple[Response, int]:
    submission = _submission(case_id)
    key = bundle_job.bundle_for(submission)
    if key is None:
        bundle_job.enqueue_build(submission, user_id=_user().id)
        db.session.commit()
        response = jsonify(error="The bundle is being prepared. Ask again in a minute.")
        response.headers["Retry-After"] = "30"
        return response, 202
    if request.range is None or request.range.ranges[0][0] == 0:  # a download, not its tail
        audit.record(
            db.session,
            "bundle.downloaded",
            _user().id,
            "case",
            submission.case.public_id,
            via="api",
        )
        db.session.commit()
    return send_stored(key, *bundle_job.download(submission))


@bp.post("/cases/<case_id>/status")
def post_status(case_id: str) -> Response | tuple[Response, int]:
    """Record the authority's next step: 404 for a case not submitted to it, 409 once the case
    is closed, 422 with the field for a status the service refuses."""
    submission = _submission(case_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="Send a JSON object with a status.", field=None), 422
    status = body.get("status")
    note = body.get("note", "")
    outcome = body.get("outcome")
    if not isinstance(status, str) or status not in SubmissionStatus._value2member_map_:
        return jsonify(error="Unknown status.", field="status"), 422
    if not isinstance(note, str) or (outcome is not None and not isinstance(outcome, str)):
        return jsonify(error="note and outcome are strings.", field=None), 422
    with force_locale("en"):  # a refusal's message, answered by blueprints.errors
        submissions.record_status(
            db.session,
            _user(),
            submission,
            SubmissionStatus(status),
            note=note,
            outcome=outcome,
        )
    db.session.commit()
    return jsonify(_summary(submission))


def _summary(
    submission: Submission,
    signatures: int | None = None,
    clock_views: list[clocks.ClockView] | None = None,
) -> dict[str, Any]:
    case = submission.case
    if clock_views is None:
        clock_views = clocks.views_by_submission(db.session, [submission.id])[submission.id]
    next_due = clocks.next_due(clock_views)
    key = bundle_job.bundle_for(submission)
    summary: dict[str, Any] = {
        "id": case.public_id,
        "title": case.title,
        "title_other": case.title_other,
        "company": {
            "code": case.company.slug,
            "name_en": case.company.name_en,
            "name_zh": case.company.name_zh,
        },
        "category": {
            "code": case.category.code,
            "name_en": case.category.label_en,
            "name_zh": case.category.label_zh,
        },
        "status": submission.status.value,
        "outcome": submission.outcome,
        "status_note": submission.status_note,
        "submitted_at": _iso(submission.submitted_at),
        "status_updated_at": _iso(submission.status_updated_at),
        "members": case.member_count,
        # deadlines under the authority's rules: instants in UTC with their offset
        "clocks": [view.as_json() for view in clock_views],
        "next_due": next_due.as_json() if next_due else None,
        "overdue": any(view.overdue for view in clock_views),
        "bundle": {
            "available": key is not None,
            "sha256": key,
            "size": current_storage().size(key) if key else None,
            "url": url_for("api.bundle", case_id=case.public_id),
            "encrypted": submission.bundle_certificate is not None,
            "certificate_sha256": (
                submission.bundle_certificate.fingerprint_sha256
                if submission.bundle_certificate is not None
                else None
            ),
        },
    }
    if signatures is not None:
        summary["signatures"] = signatures
    return summary


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
