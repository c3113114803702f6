"""Evidence pages: the pool of a case, uploading, the preview before pooling, and the files.

Every file goes out through :func:`_send`: only after
:func:`services.evidence.contributions.visible_evidence`
said yes, always as an attachment, with ``nosniff`` and a sandboxing policy, so a stored file
can never run as a page of this site.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from blueprints.errors import answer_http_error, refuse
from blueprints.evidence.forms import BoxesForm, NameDecisionForm, UploadForm, WordsForm
from blueprints.files import send_stored
from blueprints.forms import EmptyForm, commit_or_show_error
from extensions import db
from models import (
    Evidence,
    EvidenceFile,
    EvidenceKind,
    EvidenceStatus,
    FileRole,
    GroupCase,
    Job,
    User,
)
from models.base import DbSession
from services.cases import membership as group_cases
from services.errors import DomainError, NotAllowed
from services.evidence import contributions as evidence
from services.evidence import files as evidence_files
from services.evidence import suggestions
from services.evidence.contributions import TooLarge
from services.platform.jobs import runner as jobs
from services.platform.labels import label

bp = Blueprint("evidence", __name__)


def _case_or_404(public_id: str) -> GroupCase:
    """The case; NotFound (the 404 page, from blueprints.errors) when there is none."""
    return group_cases.case_by_public_id(db.session, public_id)


def _item_or_404(public_id: str) -> Evidence:
    """An item the user may see; NotFound (the 404 page) for any other."""
    return evidence.visible_evidence(db.session, current_user, public_id)


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == (
        "application/json"
    )


@bp.route("/cases/<public_id>/evidence")
@login_required
def pool(public_id: str) -> str:
    """The case's pooled evidence, the member's own unconfirmed uploads, and the upload form."""
    return _pool_page(_case_or_404(public_id), UploadForm())


def _pool_page(case: GroupCase, form: UploadForm) -> str:
    """The pool page with ``form`` (carrying its errors when an upload was refused); a 403
    page for anyone who may not see the pool."""
    if not evidence.can_see_pool(db.session, current_user, case):
        refuse(403, _("Only members of this case can see its evidence."))
    membership = group_cases.membership_in(db.session, current_user, case)
    can_upload = membership is not None and not case.is_frozen
    return render_template(
        "evidence/pool.html",
        case=case,
        membership=membership,
        items=evidence.pooled_items(db.session, case),
        mine=evidence.my_unconfirmed(db.session, current_user, case) if membership else [],
        form=form if can_upload else None,
        limits=evidence.limits(),
        used=evidence.used_bytes(db.session, current_user, case) if membership else 0,
    )


@bp.route("/cases/<public_id>/evidence", methods=["POST"])
@login_required
def upload(public_id: str) -> Response | tuple[Response | str, int]:
    """Accept one or more files. With ``Accept: application/json`` (the page's script sends
    one file per request to show its progress) the answer is JSON; otherwise a redirect, or,
    when nothing was accepted, the page again with the form and each reason, answered 4xx."""
    case = _case_or_404(public_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _upload_refused(
            case, form, _("This form has expired. Reload the page and try again."), 400
        )
    uploads: list[FileStorage] = [f for f in request.files.getlist("files") if f.filename]
    if not uploads:
        return _upload_refused(case, form, _("Choose at least one file to upload."))
    try:
        terms = evidence.parse_terms(form.words.data or "")
    except DomainError as error:
        return _upload_refused(case, form, str(error.message))

    created: list[Evidence] = []
    refusals: list[tuple[str, int]] = []
    for upload_file in uploads:
        try:
            item = evidence.contribute(
                db.session,
                current_user,
                case,
                upload_file.stream,
                upload_file.filename or "",
                terms=terms,
            )
        except DomainError as error:
            db.session.rollback()
            status = {TooLarge: 413, NotAllowed: 403}.get(type(error), 422)
            if _wants_json() or len(uploads) == 1:
                return _upload_refused(case, form, str(error.message), status)
            refusals.append(
                (
                    _("%(name)s: %(message)s", name=_safe_name(upload_file), message=error.message),
                    status,
                )
            )
            continue
        db.session.commit()  # the job starts once its row is committed
        created.append(item)

    evidence.purge_if_due(db.session)
    if not created:  # several files, every one refused: the form again, with each reason
        form.files.errors = [message for message, _status in refusals]
        return _pool_page(case, form), max(status for _message, status in refusals)
    for message, _status in refusals:
        flash(message, "error")
    if _wants_json():
        item = created[0]
        return jsonify(
            id=item.public_id,
            url=url_for("evidence.item", public_id=item.public_id),
            job=url_for("evidence.job_status", public_id=item.job.public_id) if item.job else None,
        ), 201
    if len(created) == 1:
        return redirect(url_for("evidence.item", public_id=created[0].public_id))
    if created:
        flash(
            _("Your files are being anonymized. Check each one before it joins the pool."),
            "success",
        )
    return redirect(url_for("evidence.pool", public_id=case.public_id))


def _safe_name(upload_file: FileStorage) -> str:
    """The uploaded name for a message, with anything unprintable dropped."""
    name = upload_file.filename or ""
    return "".join(c for c in name if c.isprintable())[:80] or "?"


def _upload_refused(case: GroupCase, form: UploadForm, message: str, status: int = 422) -> Any:
    """The refusal of an upload: JSON for the page's script; without it the pool page again,
    answered ``status``, with the message next to the file field and the words kept."""
    if _wants_json():
        return jsonify(error=message), status
    if status == 403:
        refuse(403, message)
    form.files.errors = [message]
    return _pool_page(case, form), status


@bp.app_errorhandler(RequestEntityTooLarge)
def _request_too_large(error: RequestEntityTooLarge) -> Any:
    """A request over ``MAX_CONTENT_LENGTH``, refused before its body was read: for an upload
    to a case, the limit stated in the format asked for (JSON for the page's script, else a
    page linking back to the case's evidence); the standard 413 answer anywhere else (JSON
    under the API)."""
    public_id = (request.view_args or {}).get("public_id")
    if request.endpoint != "evidence.upload" or not isinstance(public_id, str):
        return answer_http_error(error)
    limit = evidence.megabytes(evidence.limits().file_bytes)
    message = _(
        "This upload is larger than %(limit)s MB, the most one file may have. Upload a smaller "
        "file, or one file at a time.",
        limit=limit,
    )
    if _wants_json():
        return jsonify(error=message, limit_bytes=evidence.limits().file_bytes), 413
    back = url_for("evidence.pool", public_id=public_id)
    return render_template("evidence/too_large.html", message=message, back=back), 413


@bp.route("/evidence/<public_id>")
@login_required
def item(public_id: str) -> str:
    """One item: its preview and choices for its contributor, its details for the case."""
    found = _item_or_404(public_id)
    if found.job is not None:
        jobs.revive_if_stale(found.job)
    is_contributor = found.contributor_id == current_user.id
    context: dict[str, Any] = {
        "item": found,
        "case": found.case,
        "is_contributor": is_contributor,
        "membership": group_cases.membership_in(db.session, current_user, found.case),
        "action_form": EmptyForm(),
    }
    if found.status is EvidenceStatus.PREVIEW and is_contributor and not found.case.is_frozen:
        context["words_form"] = WordsForm(words="\n".join(evidence.terms_of(found)))
        if found.kind in (EvidenceKind.IMAGE, EvidenceKind.PDF):  # a text has no boxes
            context["boxes_form"] = BoxesForm(boxes=evidence.boxes_for_editor(found))
        context["names"] = suggestions.suggestions_of(found)
        context["names_form"] = NameDecisionForm()
    # only what the page shows: while an item is scanned again, its old bytes may already be
    # deleted by the job that replaced them
    if found.sha256 and found.status in (EvidenceStatus.PREVIEW, EvidenceStatus.POOLED):
        if found.kind is EvidenceKind.CSV:
            context["table_rows"] = evidence.preview_table(found)
        elif found.kind is EvidenceKind.TEXT:
            context["text"] = evidence.preview_text(found)
    return render_template("evidence/item.html", **context)


def _owned_action(public_id: str) -> Evidence:
    found = _item_or_404(public_id)
    if found.contributor_id != current_user.id:
        abort(404)
    return found


@bp.route("/evidence/<public_id>/words", methods=["POST"])
@login_required
def words(public_id: str) -> Response:
    found = _owned_action(public_id)
    form = WordsForm()
    if form.validate_on_submit():
        with commit_or_show_error() as outcome:
            evidence.rescan_with_terms(
                db.session, current_user, found, evidence.parse_terms(form.words.data or "")
            )
        if outcome.done:
            flash(_("Scanning again with your words."), "success")
    return redirect(url_for("evidence.item", public_id=public_id))


@bp.route("/evidence/<public_id>/names", methods=["POST"])
@login_required
def names(public_id: str) -> Response:
    """Hide or keep one proposed name; hiding (or un-hiding) anonymizes the item again.
    Answers 400 for a choice that cannot be read."""
    found = _owned_action(public_id)
    form = NameDecisionForm()
    if not form.validate_on_submit():
        refuse(400, _("This choice could not be read. Reload the page and try again."))
    accept = form.decision.data == "accept"
    with commit_or_show_error() as outcome:
        rescanning = suggestions.decide(db.session, current_user, found, form.index.data, accept)
    if outcome.done:
        if accept:
            flash(_("The name will be hidden: scanning again."), "success")
        elif rescanning:
            flash(_("The name will no longer be hidden: scanning again."), "success")
        else:
            flash(_("The name stays visible."), "success")
    return redirect(url_for("evidence.item", public_id=public_id))


@bp.route("/evidence/<public_id>/boxes", methods=["POST"])
@login_required
def boxes(public_id: str) -> Response:
    found = _owned_action(public_id)
    form = BoxesForm()
    if form.validate_on_submit():
        try:
            submitted = json.loads(form.boxes.data or "{}")
            if not isinstance(submitted, dict):
                raise ValueError
        except ValueError:
            flash(_("The boxes could not be read. Reload the page and try again."), "error")
            return redirect(url_for("evidence.item", public_id=public_id))
        with commit_or_show_error() as outcome:
            evidence.set_boxes(db.session, current_user, found, submitted)
        if outcome.done:
            flash(_("Your black-out boxes are being applied."), "success")
    return redirect(url_for("evidence.item", public_id=public_id))


@bp.route("/evidence/<public_id>/columns", methods=["POST"])
@login_required
def columns(public_id: str) -> Response:
    found = _owned_action(public_id)
    form = EmptyForm()
    if form.validate_on_submit():
        count = len(found.options.get("header") or [])
        actions = [request.form.get(f"column-{n}", "") for n in range(count)]
        with commit_or_show_error() as outcome:
            evidence.set_columns(db.session, current_user, found, actions)
        if outcome.done:
            flash(_("The table is being anonymized again with your choices."), "success")
    return redirect(url_for("evidence.item", public_id=public_id))


def _decide(
    public_id: str, action: Callable[[DbSession, User, Evidence], None], done: str
) -> Response:
    """Confirm, discard or withdraw: the contributor's final word on an item, then the pool."""
    found = _owned_action(public_id)
    case_id = found.case.public_id
    if EmptyForm().validate_on_submit():
        with commit_or_show_error() as outcome:
            action(db.session, current_user, found)
        if outcome.done:
            flash(done, "success")
            return redirect(url_for("evidence.pool", public_id=case_id))
    return redirect(url_for("evidence.item", public_id=public_id))


@bp.route("/evidence/<public_id>/confirm", methods=["POST"])
@login_required
def confirm(public_id: str) -> Response:
    return _decide(
        public_id, evidence.confirm, _("Added to the pool. The original file has been deleted.")
    )


@bp.route("/evidence/<public_id>/discard", methods=["POST"])
@login_required
def discard(public_id: str) -> Response:
    return _decide(
        public_id,
        evidence.discard,
        _("The file and everything made from it have been deleted."),
    )


@bp.route("/evidence/<public_id>/withdraw", methods=["POST"])
@login_required
def withdraw(public_id: str) -> Response:
    return _decide(
        public_id, evidence.withdraw, _("The item was withdrawn from the pool and deleted.")
    )


# --- files ---------------------------------------------------------------------------------------


@bp.route("/evidence/<public_id>/file")
@login_required
def file(public_id: str) -> Response:
    """The anonymized bytes: what is previewed is exactly what is pooled."""
    found = _item_or_404(public_id)
    if not found.sha256:
        abort(404)
    return _send(found.sha256, found.media_type, found.display_name)


@bp.route("/evidence/<public_id>/thumbnail")
@login_required
def thumbnail(public_id: str) -> Response:
    found = _item_or_404(public_id)
    return _send_record(evidence_files.file_of(found, FileRole.THUMBNAIL), "thumbnail")


@bp.route("/evidence/<public_id>/pages/<int:page>")
@login_required
def page(public_id: str, page: int) -> Response:
    """A page of a PDF item exactly as pooled, as a picture for the preview."""
    found = _item_or_404(public_id)
    return _send_record(evidence_files.file_of(found, FileRole.PAGE, page), f"page-{page + 1}")


@bp.route("/evidence/<public_id>/work/<int:page>")
@login_required
def work_page(public_id: str, page: int) -> Response:
    """A page before black-out, for the contributor's box editor only."""
    found = _owned_action(public_id)
    if found.status is EvidenceStatus.POOLED:
        abort(404)
    return _send_record(evidence_files.file_of(found, FileRole.WORK_PAGE, page), "page")


def _send_record(record: EvidenceFile | None, stem: str) -> Response:
    if record is None:
        abort(404)
    return _send(record.key, record.media_type, f"{stem}.png")


def _send(key: str, media_type: str, name: str) -> Response:
    return send_stored(key, media_type, name)


# --- jobs ---------------------------------------------------------------------------------


@bp.route("/jobs/<public_id>")
@login_required
def job_status(public_id: str) -> Response:
    """A job's progress as JSON, for the page's progress bar; only its owner may watch."""
    job = db.session.scalar(db.select(Job).where(Job.public_id == public_id))
    if job is None or job.user_id != current_user.id:
        abort(404)
    jobs.revive_if_stale(job)
    return jsonify(
        status=job.status.value,
        progress=job.progress,
        step=str(label("job_step", job.step)) if job.step else "",
        error=_(job.error) if job.error else None,
        done=job.status.value in ("done", "failed"),
    )
