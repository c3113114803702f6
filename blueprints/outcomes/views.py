"""After submission, a member's own page of the case: the company's answer, the company's
offer to them (theirs only), what they got back, and a dispute for the authority. Also the
organizer opening the case to the company, and the signed outcome report for the authority.

Members only (403 for anyone else); a case that does not exist answers 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from blueprints.forms import EmptyForm, commit_or_show_error, flash_errors
from blueprints.outcomes.forms import DisputeForm, OfferDecisionForm, OutcomeForm
from extensions import db
from models import GroupCase, OutcomeRating, OutcomeState
from services import outcomes, respondents
from services.cases import membership as group_cases
from services.errors import NotAllowed
from services.outcomes import report
from services.submissions import lifecycle as submissions

bp = Blueprint("outcomes", __name__)


def _member_case(public_id: str) -> GroupCase:
    case = group_cases.case_by_public_id(db.session, public_id)
    if group_cases.membership_in(db.session, current_user, case) is None:
        raise NotAllowed(_("Only members of this case can see this page."))
    return case


def _page(
    case: GroupCase,
    outcome_form: OutcomeForm | None = None,
    dispute_form: DisputeForm | None = None,
) -> str:
    mine = outcomes.my_outcome(db.session, current_user, case)
    if outcome_form is None:
        outcome_form = OutcomeForm(formdata=None)
        if mine is not None:
            outcome_form.state.data = mine.state.value
            outcome_form.rating.data = mine.rating.value if mine.rating else None
    return render_template(
        "outcomes/mine.html",
        case=case,
        answer=respondents.answer_of(db.session, case),
        offer=respondents.offer_for_member(db.session, current_user, case),
        mine=mine,
        outcome_form=outcome_form,
        dispute_form=dispute_form or DisputeForm(formdata=None),
        decision_form=OfferDecisionForm(formdata=None),
    )


@bp.route("/cases/<public_id>/my-outcome")
@login_required
def mine(public_id: str) -> str:
    """The member's own page after submission."""
    return _page(_member_case(public_id))


@bp.route("/cases/<public_id>/my-outcome", methods=["POST"])
@login_required
def record(public_id: str) -> BaseResponse | tuple[str, int]:
    """Record or correct what the member got; a bad amount re-shows the form (422)."""
    case = _member_case(public_id)
    form = OutcomeForm()
    if not form.validate_on_submit():
        return _page(case, outcome_form=form), 422
    with commit_or_show_error(form) as outcome:
        outcomes.record_outcome(
            db.session,
            current_user,
            case,
            OutcomeState(form.state.data),
            amount=form.amount.data or "",
            rating=OutcomeRating(form.rating.data) if form.rating.data else None,
        )
    if outcome.refused:
        return _page(case, outcome_form=form), 422
    flash(_("Saved. Only you see it; the case shows only totals of everyone's."), "success")
    return redirect(url_for("outcomes.mine", public_id=public_id))


@bp.route("/cases/<public_id>/my-outcome/dispute", methods=["POST"])
@login_required
def dispute(public_id: str) -> BaseResponse | tuple[str, int]:
    """Dispute the outcome before the authority; once (409 after)."""
    case = _member_case(public_id)
    form = DisputeForm()
    if not form.validate_on_submit():
        return _page(case, dispute_form=form), 422
    with commit_or_show_error(form) as outcome:
        outcomes.dispute(db.session, current_user, case, form.reason.data or "")
    if outcome.refused:
        return _page(case, dispute_form=form), 409
    flash(_("Your dispute was sent to the authority."), "success")
    return redirect(url_for("outcomes.mine", public_id=public_id))


@bp.route("/offers/<public_id>", methods=["POST"])
@login_required
def decide_offer(public_id: str) -> BaseResponse:
    """Accept or decline the company's offer; only the member it was made to (404 else),
    once (the reason is shown on the member's page after)."""
    offer = respondents.own_offer(db.session, current_user, public_id)
    back = url_for("outcomes.mine", public_id=offer.membership.case.public_id)
    form = OfferDecisionForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    # a second answer is a 409 with its reason (blueprints.errors); the first one stays
    respondents.decide_offer(db.session, current_user, public_id, form.decision.data == "accept")
    db.session.commit()
    flash(_("Your answer was sent to the company."), "success")
    return redirect(back)


@bp.route("/cases/<public_id>/open-to-company", methods=["POST"])
@login_required
def open_to_company(public_id: str) -> BaseResponse:
    """The organizer lets the company's respondents see the case before the authority
    forwards it."""
    case = group_cases.case_by_public_id(db.session, public_id)
    if EmptyForm().validate_on_submit():
        # not an organizer: 403; already open or nothing to read yet: 409 (blueprints.errors)
        respondents.open_to_company(db.session, current_user, case)
        db.session.commit()
        flash(_("The company can now read the case and answer it."), "success")
    return redirect(url_for("cases.detail", public_id=public_id))


@bp.route("/cases/<public_id>/outcome-report.json")
@login_required
def outcome_report(public_id: str) -> Response:
    """The signed outcome report, for the regulators of the case's authority (404 else)."""
    submission = submissions.submission_for_regulator(db.session, current_user, public_id)
    body = report.signed_report(db.session, submission)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="chorus-outcomes-{public_id}.json"'
    )
    return response


@bp.app_context_processor
def _outcome_helpers() -> dict[str, Any]:
    """For the case page and the regulator's case page: the company's side of a case."""

    def company_answer(case: GroupCase) -> Any:
        return respondents.answer_of(db.session, case)

    def open_to_company_already(case: GroupCase) -> bool:
        return respondents.is_open_to_company(db.session, case)

    def case_outcomes(case: GroupCase) -> dict[str, Any]:
        return {
            "offers": respondents.offers_of_case(db.session, case),
            "outcomes": outcomes.outcomes_of_case(db.session, case),
        }

    def outcome_disputes(submissions: list[Any]) -> dict[int, int]:
        return outcomes.dispute_counts(db.session, [s.case_id for s in submissions])

    return {
        "outcome_disputes": outcome_disputes,
        "outcome_action_form": EmptyForm,
        "company_answer": company_answer,
        "open_to_company_already": open_to_company_already,
        "case_outcomes": case_outcomes,
    }
