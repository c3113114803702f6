"""The joint complaint of a case: drafting in versions, signing, the log and the discussion."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from blueprints.forms import EmptyForm, commit_or_show_error, flash_errors, invalid_status
from blueprints.petition.forms import CommentForm, DraftForm, MemberRoleForm, SignForm
from extensions import db
from models import Authority, GroupCase, Membership
from services.cases import membership as group_cases
from services.errors import NotFound
from services.petition import drafting, signing
from services.platform.i18n import localized, localized_names
from services.platform.retry import run_with_retries
from services.routing import answers as routing_answers
from services.submissions import lifecycle as submissions

bp = Blueprint("petition", __name__)


def _case_and_membership(
    public_id: str, *, with_company: bool = False
) -> tuple[GroupCase, Membership]:
    """The case and the current user's membership; 404 for no case, 403 for non-members."""
    case, membership = group_cases.case_and_membership(
        db.session, public_id, current_user, with_company=with_company
    )
    if membership is None:
        abort(403)
    return case, membership


def _back(public_id: str) -> Response:
    """Back to the joint complaint. Takes the address's id rather than the case: after the
    commit the case's attributes are expired, and reading one would cost a query."""
    return redirect(url_for("petition.show", public_id=public_id))


def _draft_form() -> DraftForm:
    form = DraftForm()
    authorities = db.session.scalars(select(Authority).order_by(Authority.name_en)).all()
    form.set_authorities([(a.id, localized(a, "name")) for a in authorities])
    return form


@bp.route("/<public_id>/petition")
@login_required
def show(public_id: str) -> str:
    """The current text, the signing box, the history and the discussion (members only)."""
    case, membership = _case_and_membership(public_id, with_company=True)
    history = drafting.history(db.session, case)
    open_version, latest = history.open, history.latest
    shown = open_version or latest
    sign_form = SignForm(formdata=None)
    my_signature = None
    if open_version is not None:
        sign_form.version_sha256.data = open_version.content_sha256
        my_signature = signing.current_signature(db.session, open_version, membership)
    return render_template(
        "petition/show.html",
        case=case,
        membership=membership,
        version=shown,
        latest=latest,
        open_version=open_version,
        my_signature=my_signature,
        sign_form=sign_form,
        versions=history.versions,
        chain=signing.verify_recent_entries(db.session, case),
        comments=drafting.comments(db.session, case),
        comment_form=CommentForm(formdata=None),
        readiness=submissions.readiness(db.session, case) if membership.organizes else None,
        submissions=case.submissions,
    )


@bp.route("/<public_id>/petition/submit", methods=["POST"])
@login_required
def submit(public_id: str) -> Response:
    """The organizer sends the signed version to its authority; the case freezes."""
    case, _membership = _case_and_membership(public_id)
    if EmptyForm().validate_on_submit():
        with commit_or_show_error() as outcome:
            sent = submissions.submit(db.session, current_user, case)
        if outcome.done:
            flash(
                _(
                    "Submitted to %(authority)s. The complaint, its signatures and the evidence "
                    "are now frozen; the authority's answers will appear on the timeline.",
                    authority=localized_names(s.authority for s in sent),
                ),
                "success",
            )
            return redirect(url_for("cases.detail", public_id=public_id))
    return redirect(url_for("petition.show", public_id=public_id))


@bp.route("/<public_id>/petition/edit", methods=["GET", "POST"])
@login_required
def edit(public_id: str) -> str | Response | tuple[str, int]:
    """Organizers write a new version; "fill from the case" drafts the facts from its figures."""
    case, membership = _case_and_membership(public_id)
    if not membership.organizes:
        abort(403)
    form = _draft_form()
    latest = drafting.latest_version(db.session, case)
    if request.method == "GET" and latest is not None:
        form.title.data, form.facts.data = latest.title, latest.facts
        form.demands.data, form.body_md.data = latest.demands, latest.body_md
        form.authority.data = latest.authority_id or 0
        form.also_to.data = [str(a.id) for a in latest.addressees[1:]]
    routes = routing_answers.case_routes(db.session, case)
    routed = routes[0] if routes else None
    if request.method == "GET" and latest is None and routed is not None:
        form.authority.data = routed.authority.id  # addressed from the members' answers
    if request.method == "POST" and "fill" in request.form:  # CSRF is checked app-wide
        form.facts.data, form.demands.data = drafting.fill_from_case(db.session, case)
        return render_template(
            "petition/edit.html", case=case, form=form, filled=True, routes=routes
        )
    if form.validate_on_submit():
        with commit_or_show_error(form) as outcome:
            version = drafting.save_version(db.session, case, membership, form.to_input())
        if outcome.done:
            flash(_("Version %(number)d saved.", number=version.number), "success")
            return _back(public_id)
    page = render_template("petition/edit.html", case=case, form=form, routes=routes)
    return page, invalid_status(form)


@bp.route("/<public_id>/petition/versions/<int:number>")
@login_required
def version(public_id: str, number: int) -> str:
    """One version of the joint complaint; 404 for a version that does not exist."""
    case, membership = _case_and_membership(public_id)
    shown = drafting.get_version(db.session, case, number)
    return render_template("petition/version.html", case=case, membership=membership, version=shown)


@bp.route("/<public_id>/petition/diff")
@login_required
def diff(public_id: str) -> str:
    """What changed between two versions (?a=1&b=3); 404 when either does not exist."""
    case, _membership = _case_and_membership(public_id)
    old = drafting.get_version(db.session, case, request.args.get("a", 0, type=int))
    new = drafting.get_version(db.session, case, request.args.get("b", 0, type=int))
    return render_template(
        "petition/diff.html", case=case, old=old, new=new, changes=drafting.diff_versions(old, new)
    )


@bp.route("/<public_id>/petition/versions/<int:number>/open", methods=["POST"])
@login_required
def open_signing(public_id: str, number: int) -> Response:
    """Freeze a version and ask the members to sign it; 404 for a version that does not
    exist."""
    case, membership = _case_and_membership(public_id)
    shown = drafting.get_version(db.session, case, number)
    with commit_or_show_error() as outcome:
        drafting.open_for_signing(db.session, case, membership, shown)
    if outcome.done:
        flash(
            _("Version %(number)d is open for signing. Members were notified.", number=number),
            "success",
        )
    return _back(public_id)


@bp.route("/<public_id>/petition/sign", methods=["POST"])
@login_required
def sign(public_id: str) -> Response:
    """Sign the open version: the hash on the page must still be the open version's."""
    case, membership = _case_and_membership(public_id)
    form = SignForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return _back(public_id)
    with commit_or_show_error() as outcome:
        run_with_retries(
            db.session,
            lambda: signing.sign(
                db.session,
                case,
                membership,
                version_sha256=form.version_sha256.data or "",
                facts_confirmed=bool(form.facts_confirmed.data),
                share_identity=form.share_identity.data == "identity",
            ),
        )
    if outcome.done:
        flash(_("Thank you: your signature is recorded."), "success")
    return _back(public_id)


@bp.route("/<public_id>/petition/sign-again", methods=["POST"])
@login_required
def sign_again(public_id: str) -> Response:
    """One click from the notification: the new version, with the earlier signature's choices."""
    case, membership = _case_and_membership(public_id)
    with commit_or_show_error() as outcome:
        run_with_retries(
            db.session,
            lambda: signing.sign_again(
                db.session, case, membership, version_sha256=request.form.get("version_sha256", "")
            ),
        )
    if outcome.done:
        flash(_("Thank you: your signature is recorded."), "success")
    return _back(public_id)


@bp.route("/<public_id>/petition/withdraw", methods=["POST"])
@login_required
def withdraw(public_id: str) -> Response:
    case, membership = _case_and_membership(public_id)
    with commit_or_show_error() as outcome:
        run_with_retries(db.session, lambda: signing.withdraw(db.session, case, membership))
    if outcome.done:
        flash(_("Your signature was withdrawn. You can sign again while signing is open."), "info")
    return _back(public_id)


@bp.route("/<public_id>/signatures")
@login_required
def signatures(public_id: str) -> str:
    """The append-only signature log with its hashes, and whether the chain verifies."""
    case, _membership = _case_and_membership(public_id)
    return render_template(
        "petition/signatures.html",
        case=case,
        entries=signing.signature_log(db.session, case),
        chain=signing.verify_recent_entries(db.session, case),
    )


@bp.route("/<public_id>/comments", methods=["POST"])
@login_required
def comment(public_id: str) -> Response:
    case, membership = _case_and_membership(public_id)
    form = CommentForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return _back(public_id)
    with commit_or_show_error():
        drafting.add_comment(db.session, case, membership, form.body.data or "")
    return redirect(url_for("petition.show", public_id=public_id, _anchor="discussion"))


@bp.route("/<public_id>/members", methods=["GET", "POST"])
@login_required
def members(public_id: str) -> str | Response:
    """Organizers see the members' pseudonyms and roles, appoint co-organizers, hand over."""
    case, membership = _case_and_membership(public_id)
    if not membership.organizes:
        abort(403)
    form = MemberRoleForm()
    if form.validate_on_submit():
        target = next((m for m in case.memberships if m.pseudonym == form.pseudonym.data), None)
        with commit_or_show_error() as outcome:
            if target is None:
                raise NotFound(_("No such member."))
            if form.action.data == "hand_over":
                drafting.hand_over(db.session, case, membership, target)
            else:
                drafting.set_co_organizer(
                    db.session, case, membership, target, appoint=form.action.data == "appoint"
                )
        if outcome.done:
            flash(_("Roles updated."), "success")
        return redirect(url_for("petition.members", public_id=public_id))
    return render_template("petition/members.html", case=case, membership=membership)


@bp.route("/<public_id>/complaint")
def moved(public_id: str) -> Response:
    """The petition's page lived at ``/complaint``: bookmarks and browser history still lead
    there, so it answers with a permanent redirect to where the page is now."""
    return redirect(url_for("petition.show", public_id=public_id), code=308)
