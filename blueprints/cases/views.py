"""Case pages: the directory anyone can browse, each case's page, joining and leaving."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from blueprints.cases.forms import (
    CaseFilterForm,
    CaseTitleForm,
    MergeAnswerForm,
    MergeProposalForm,
)
from blueprints.complaints.forms import JoinCaseForm
from blueprints.errors import refuse
from blueprints.forms import commit_or_show_error, page_arg
from blueprints.templating import case_title
from blueprints.visitor_cache import shared_with_visitors
from extensions import db
from models import GroupCase, Membership
from services import clocks
from services.cases import membership as group_cases
from services.cases import merging
from services.cases import sharing as case_share
from services.cases.directory import filter_choices, search_cases
from services.cases.published import published_figures
from services.cases.timeline import public_timeline
from services.cases.titles import set_title_other
from services.complaints import filing as complaints
from services.errors import NotFound
from services.evidence import contributions as evidence
from services.matching.statements import JOINABLE
from services.submissions.progress import progress_of

bp = Blueprint("cases", __name__)


def _case_or_404(public_id: str) -> GroupCase:
    """The case; NotFound (the 404 page, from blueprints.errors) when there is none."""
    return group_cases.case_by_public_id(db.session, public_id)


@bp.route("/")
@shared_with_visitors(args=(*CaseFilterForm.ARGS, "page"))
def index() -> str | tuple[str, int]:
    """Search and browse every group case; 400 with the reasons when a filter is bad."""
    form = CaseFilterForm(request.args)
    form.set_choices(*filter_choices(db.session))
    if not form.validate():
        return render_template("cases/index.html", form=form, page=None), 400
    result = search_cases(db.session, form.filters(), page=page_arg())
    return render_template(
        "cases/index.html",
        form=form,
        page=result.pagination,
        rows=result.rows,
        args=form.query_args(),
    )


def _join_form(case: GroupCase) -> JoinCaseForm | None:
    """The join form for a logged-in non-member with a free complaint against the company."""
    if not current_user.is_authenticated or case.status not in JOINABLE:
        return None
    complaints = group_cases.free_complaints(db.session, current_user, case.company_id)
    if not complaints:
        return None
    form = JoinCaseForm()
    form.complaint.choices = [
        SelectChoice(c.public_id, f"{c.incident_date.isoformat()} · {c.narrative[:40]}…")
        for c in complaints
    ]
    return form


@bp.route("/<public_id>")
@shared_with_visitors()
def detail(public_id: str) -> str | Response:
    """A case's public page: its published figures (coarse, republished in batches), joins
    chart and timeline with joins counted per day."""
    try:
        case = _case_or_404(public_id)
    except NotFound:
        merged = merging.merged_into(db.session, public_id)
        if merged is None:
            raise
        # the old link of a case merged into another leads on, for good
        return redirect(url_for("cases.detail", public_id=merged.public_id), 301)
    membership = None
    if current_user.is_authenticated:
        membership = group_cases.membership_in(db.session, current_user, case)
    return _detail_page(case, membership)


def _merge_form(case: GroupCase, form: MergeProposalForm | None = None) -> MergeProposalForm | None:
    """The proposal form, when there is a case to merge with."""
    choices = merging.mergeable_with(db.session, case)
    if not choices:
        return None
    form = form or MergeProposalForm(formdata=None)
    form.set_choices(choices, case_title)
    return form


def _detail_page(
    case: GroupCase,
    membership: Membership | None,
    title_form: CaseTitleForm | None = None,
    merge_form: MergeProposalForm | None = None,
) -> str:
    organizes = membership is not None and membership.organizes
    if title_form is None and organizes:
        title_form = CaseTitleForm(formdata=None, title_other=case.title_other or "")
    return render_template(
        "cases/detail.html",
        case=case,
        title_form=title_form,
        merge_form=_merge_form(case, merge_form) if organizes else None,
        merges=merging.waiting_merges(db.session, case) if membership else [],
        figures=published_figures(db.session, case),
        membership=membership,
        timeline=public_timeline(db.session, case),
        join_form=None if membership else _join_form(case),
        joinable=case.status in JOINABLE,
        evidence_count=evidence.pooled_count(db.session, case),
        og=case_share.open_graph(case),
        progress=progress_of(db.session, case),
        # the authority's deadlines: for the case's members only, as the regulator pages show
        # them only to the authority the case went to
        deadlines=clocks.clocks_of_cases(db.session, [case.id])[case.id] if membership else [],
    )


def _organizer_or_refuse(case: GroupCase, refusal: str) -> Membership:
    """The current user's membership, if they organize the case: 404 for a non-member (as
    for a case that does not exist), 403 with ``refusal`` for a member who does not."""
    membership = group_cases.membership_in(db.session, current_user, case)
    if membership is None:
        abort(404)
    if not membership.organizes:
        refuse(403, refusal)
    return membership


@bp.route("/<public_id>/title", methods=["POST"])
@login_required
def title(public_id: str) -> str | Response | tuple[str, int]:
    """An organizer gives the case's title in the other language (or removes it). Aborts 404
    for a non-member, 403 for a member who does not organize; 400 with the reason on the case
    page when the title is refused."""
    case = _case_or_404(public_id)
    membership = _organizer_or_refuse(
        case, _("Only the organizers of a case can change its title.")
    )
    form = CaseTitleForm()
    if form.validate_on_submit():
        with commit_or_show_error(form) as outcome:
            set_title_other(db.session, membership, form.title_other.data)
        if outcome.done:
            flash(_("The case's title was saved."), "success")
            return redirect(url_for("cases.detail", public_id=public_id))
    return _detail_page(case, membership, form), 400


@bp.route("/<public_id>/merge", methods=["POST"])
@login_required
def merge(public_id: str) -> str | Response | tuple[str, int]:
    """An organizer proposes merging the case with another of the same company; the other
    case's organizers are asked. 400 with the reason on the case page when refused."""
    case = _case_or_404(public_id)
    membership = _organizer_or_refuse(
        case, _("Only the organizers of a case can merge it with another.")
    )
    form = MergeProposalForm()
    _merge_form(case, form)
    if form.validate_on_submit():
        with commit_or_show_error(form) as outcome:
            other = group_cases.case_by_public_id(db.session, form.other.data)
            merging.propose_merge(db.session, membership, other, keep_this=form.keep.data == "this")
        if outcome.done:
            flash(
                _("The merge is proposed. The other case's organizers are asked to agree."),
                "success",
            )
            return redirect(url_for("cases.detail", public_id=public_id) + "#merges-title")
    return _detail_page(case, membership, merge_form=form), 400


@bp.route("/<public_id>/merge/answer", methods=["POST"])
@login_required
def merge_answer(public_id: str) -> Response:
    """Accept, decline or withdraw a waiting merge of the case; only the side the merge asks
    may accept or decline, only the side that proposed it may withdraw it."""
    case = _case_or_404(public_id)
    membership = _organizer_or_refuse(
        case, _("Only the organizers of a case can merge it with another.")
    )
    form = MergeAnswerForm()
    if not form.validate_on_submit() or not str(form.merge.data).isdigit():
        refuse(400, _("This answer to a merge could not be read. Please try again."))
    # a refusal (not this side's to answer, a case no longer open) is the error page with
    # its reason, from blueprints.errors; nothing is saved
    proposal = merging.merge_of(db.session, case, int(form.merge.data))
    if form.decision.data == "accept":
        continuing = merging.accept_merge(db.session, proposal, membership)
        db.session.commit()
        flash(_("The cases are merged. Every member was told."), "success")
        return redirect(url_for("cases.detail", public_id=continuing.public_id))
    if form.decision.data == "decline":
        merging.decline_merge(db.session, proposal, membership)
    else:
        merging.withdraw_merge(db.session, proposal, membership)
    db.session.commit()
    flash(_("The proposal to merge is closed."), "success")
    return redirect(url_for("cases.detail", public_id=public_id))


def _shareable_or_404(public_id: str) -> GroupCase:
    """The case, if it may be shared; NotFound (the 404 page) otherwise."""
    return case_share.shareable_case(db.session, public_id)


def _png(data: bytes, filename: str | None = None) -> Response:
    """An image anyone who can see the case may fetch, so shared caches may keep it an hour."""
    response = Response(data, mimetype="image/png")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/<public_id>/share")
@login_required
def share(public_id: str) -> str:
    """The organizers' page for spreading the case: link, QR code, text to post, preview.

    Aborts 404 for a non-member (as for a case that does not exist) and 403 for a member who
    does not organize the case.
    """
    case = _shareable_or_404(public_id)
    membership = _organizer_or_refuse(
        case, _("Only the organizers of a case can open its share page.")
    )
    kit = case_share.share_kit(case)
    return render_template("cases/share.html", case=case, membership=membership, kit=kit)


@bp.route("/<public_id>/qr.png")
def qr_png(public_id: str) -> Response:
    """The QR code of the case's public link; ``?download=1`` saves it as a file. Aborts 404
    where the case page does."""
    case = _shareable_or_404(public_id)
    filename = f"case-{case.public_id}-qr.png" if request.args.get("download") == "1" else None
    return _png(case_share.qr_png(case_share.case_url(case)), filename)


@bp.route("/<public_id>/og.png")
def og_image(public_id: str) -> Response:
    """The 1200×630 preview image social sites show for the case's link, in ``?lang=`` or the
    visitor's language. Aborts 404 where the case page does."""
    case = _shareable_or_404(public_id)
    language = request.args.get("lang")
    response = _png(case_share.og_card(case, language))
    if language not in current_app.config["LANGUAGES"]:
        response.vary.add("Accept-Language")
    return response


@bp.route("/<public_id>/join", methods=["POST"])
@login_required
def join(public_id: str) -> Response:
    """Join with one of the member's complaints against the same company."""
    case = _case_or_404(public_id)
    if case.status not in JOINABLE:
        flash(_("This case has been submitted and no longer takes new members."), "error")
        return redirect(url_for("cases.detail", public_id=public_id))
    if group_cases.membership_in(db.session, current_user, case) is not None:
        flash(_("You are already a member of this case."), "info")
        return redirect(url_for("cases.detail", public_id=public_id))
    form = _join_form(case)
    if form is None or not form.validate_on_submit():
        flash(_("Choose one of your complaints against this company to join."), "error")
        return redirect(url_for("cases.detail", public_id=public_id))
    with commit_or_show_error() as outcome:
        complaint = complaints.owned_complaint(db.session, current_user, form.complaint.data)
        group_cases.join_case(db.session, current_user, case, complaint)
    if outcome.done:
        flash(_("You joined the case. Other members see you only under your pseudonym."), "success")
    return redirect(url_for("cases.detail", public_id=public_id))


@bp.route("/<public_id>/leave", methods=["POST"])
@login_required
def leave(public_id: str) -> Response:
    """Leave before submission; the complaint stays the member's own."""
    case = _case_or_404(public_id)
    membership = group_cases.membership_in(db.session, current_user, case)
    if membership is None:
        abort(404)
    with commit_or_show_error() as outcome:
        remaining = group_cases.leave_case(db.session, membership)
    if outcome.refused:
        return redirect(url_for("cases.detail", public_id=public_id))
    flash(_("You left the case. Your complaint is still yours."), "success")
    if remaining is None:
        return redirect(url_for("me.dashboard"))
    return redirect(url_for("cases.detail", public_id=public_id))
