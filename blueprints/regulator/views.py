"""The regulator's inbox: cases submitted to their authority, and only those.

A case submitted elsewhere answers 404, exactly like a case that does not exist, so a regulator
cannot learn what was sent to another authority.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from blueprints.files import send_stored
from blueprints.forms import EmptyForm, commit_or_show_error, page_arg
from blueprints.regulator.forms import ExtensionForm, InboxFilterForm, StatusForm, TokenForm
from extensions import db
from models import FINAL_SUBMISSION_STATUSES, ClockKind, Job, Submission, SubmissionStatus
from services import audit, clocks
from services.accounts import api_tokens
from services.bundle import job as bundle_job
from services.cases.figures import case_figures
from services.evidence import contributions as evidence
from services.evidence.files import current_storage
from services.submissions import lifecycle as submissions
from services.submissions import regulator_inbox

bp = Blueprint("regulator", __name__)


def regulator_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """403 for anyone who is not a regulator attached to an authority."""

    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_regulator or current_user.authority_id is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@bp.route("/")
@regulator_required
def inbox() -> str | tuple[str, int]:
    """Submissions to the regulator's authority, filtered and paginated; 400 with the reasons
    when a filter is bad."""
    authority_id = current_user.authority_id
    form = InboxFilterForm(request.args)
    form.set_choices(*regulator_inbox.filter_choices(db.session, authority_id))
    if not form.validate():
        return render_template(
            "regulator/inbox.html", form=form, page=None, authority=current_user.authority
        ), 400
    page = regulator_inbox.inbox(db.session, authority_id, form.filters(), page=page_arg())
    deadlines = clocks.views_by_submission(db.session, [s.id for s in page.items])
    return render_template(
        "regulator/inbox.html",
        form=form,
        page=page,
        submissions=page.items,
        next_due={id_: clocks.next_due(views) for id_, views in deadlines.items()},
        args=form.query_args(),
        authority=current_user.authority,
    )


def _submission(public_id: str) -> Submission:
    """The case submitted to this regulator's authority; NotFound (the 404 page) otherwise."""
    return submissions.submission_for_regulator(db.session, current_user, public_id)


@bp.route("/cases/<public_id>")
@regulator_required
def case(public_id: str) -> str:
    """One submitted case: the complaint as signed, figures, signatories, evidence, timeline."""
    submission = _submission(public_id)
    form = StatusForm(formdata=None)
    return _render_case(submission, form)


def _render_case(
    submission: Submission,
    form: StatusForm,
    extension_form: ExtensionForm | None = None,
    extension_kind: str | None = None,
) -> str:
    count, shown = regulator_inbox.signatories(db.session, submission)
    watched = request.args.get("job", "")
    bundle_key = bundle_job.bundle_for(submission)
    return render_template(
        "regulator/case.html",
        submission=submission,
        case=submission.case,
        version=submission.version,
        figures=case_figures(db.session, submission.case),
        signature_count=count,
        signatories=shown,
        complained_first=regulator_inbox.complained_first_count(db.session, submission),
        items=evidence.pooled_items(db.session, submission.case),
        timeline=regulator_inbox.page_timeline(db.session, submission),
        form=form,
        closed=submission.status in FINAL_SUBMISSION_STATUSES,
        bundle_key=bundle_key,
        bundle_size=current_storage().size(bundle_key) if bundle_key else None,
        job=_own_job(watched),
        action_form=EmptyForm(),
        clocks=clocks.views_by_submission(db.session, [submission.id])[submission.id],
        extension_form=extension_form or ExtensionForm(formdata=None),
        extension_kind=extension_kind,
    )


def _own_job(public_id: str) -> Job | None:
    """The bundle job this regulator started, to follow its progress on the page."""
    if not public_id:
        return None
    job = db.session.scalar(select(Job).where(Job.public_id == public_id))
    return job if job is not None and job.user_id == current_user.id else None


@bp.route("/cases/<public_id>/bundle", methods=["POST"])
@regulator_required
def build_bundle(public_id: str) -> Response:
    """Prepare the case bundle (it is usually ready: submitting starts it)."""
    submission = _submission(public_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("regulator.case", public_id=public_id))
    if bundle_job.bundle_for(submission) is not None:
        return redirect(url_for("regulator.case", public_id=public_id))
    job = bundle_job.enqueue_build(submission, user_id=current_user.id)
    db.session.commit()
    return redirect(url_for("regulator.case", public_id=public_id, job=job.public_id))


@bp.route("/cases/<public_id>/bundle.zip")
@regulator_required
def download_bundle(public_id: str) -> Response:
    """The bundle, with ranges: an interrupted download resumes where it stopped."""
    submission = _submission(public_id)
    key = bundle_job.bundle_for(submission)
    if key is None:
        abort(404)
    if request.range is None or request.range.ranges[0][0] == 0:  # a download, not its tail
        audit.record(
            db.session, "bundle.downloaded", current_user.id, "case", submission.case.public_id
        )
        db.session.commit()
    return send_stored(key, *bundle_job.download(submission))


@bp.route("/cases/<public_id>/status", methods=["POST"])
@regulator_required
def status(public_id: str) -> Response | tuple[str, int]:
    """Record the authority's next step; members are notified."""
    submission = _submission(public_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _render_case(submission, form), 422
    with commit_or_show_error(form) as outcome:
        submissions.record_status(
            db.session,
            current_user,
            submission,
            SubmissionStatus(form.status.data),
            note=form.note.data or "",
            outcome=form.outcome.data or None,
        )
    if outcome.refused:
        return _render_case(submission, form), 422
    flash(_("The status was recorded and the members were notified."), "success")
    return redirect(url_for("regulator.case", public_id=public_id))


@bp.route("/cases/<public_id>/deadlines/extend", methods=["POST"])
@regulator_required
def extend_clock(public_id: str) -> Response | tuple[str, int]:
    """Record an extension of one deadline, within the limit its rules allow (422 with the
    reason otherwise); the due date moves and the audit log keeps who granted it and why."""
    submission = _submission(public_id)
    form = ExtensionForm()
    status_form = StatusForm(formdata=None)
    if not form.validate_on_submit():
        return _render_case(submission, status_form, form, form.clock.data), 422
    with commit_or_show_error(form) as outcome:
        clocks.extend(
            db.session,
            current_user,
            submission,
            ClockKind(form.clock.data),
            form.period.data or 0,
            form.reason.data or "",
        )
    if outcome.refused:
        return _render_case(submission, status_form, form, form.clock.data), 422
    flash(_("The deadline was extended."), "success")
    return redirect(url_for("regulator.case", public_id=public_id))


@bp.route("/tokens", methods=["GET", "POST"])
@regulator_required
def tokens() -> str | tuple[str, int]:
    """Create and revoke API tokens. A new token is shown once, in this response only (never
    flashed: the session cookie is signed, not encrypted)."""
    form = TokenForm()
    secret = None
    if request.method == "POST":
        if not form.validate_on_submit():
            return _tokens_page(form), 422
        with commit_or_show_error(form) as outcome:
            created = api_tokens.create_token(db.session, current_user, form.name.data or "")
        if outcome.refused:
            return _tokens_page(form), 422
        secret = created.secret
        form = TokenForm(formdata=None)
    return _tokens_page(form, secret)


def _tokens_page(form: TokenForm, secret: str | None = None) -> str:
    return render_template(
        "regulator/tokens.html",
        form=form,
        secret=secret,
        tokens=api_tokens.tokens_of(db.session, current_user),
        action_form=EmptyForm(),
    )


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@regulator_required
def revoke_token(token_id: int) -> Response:
    if EmptyForm().validate_on_submit():
        with commit_or_show_error() as outcome:
            api_tokens.revoke(db.session, current_user, token_id)
        if outcome.done:
            flash(_("The token was revoked: it no longer works."), "success")
    return redirect(url_for("regulator.tokens"))
