"""Pages for a company's respondents: the cases their company may see, and one case with its
answer and offers.

Every page needs a verified respondent account (403 otherwise) with its second step done (the
enrolment guard of ``blueprints.auth.two_factor`` sends it there first); a case the company may
not see answers 404, exactly like a case that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import PurePosixPath
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from blueprints.files import send_stored
from blueprints.forms import commit_or_show_error
from blueprints.respondent.forms import AnswerForm, OfferForm
from extensions import db
from services import respondents

bp = Blueprint("respondent", __name__)


def respondent_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """403 for anyone who is not a respondent, and for one no admin verified yet."""

    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_respondent:
            abort(403)
        respondents.respondent_of(db.session, current_user)  # NotAllowed: 403 with its reason
        return view(*args, **kwargs)

    return wrapper


@bp.route("/")
@respondent_required
def index() -> str:
    """The company's cases that were forwarded or opened to it."""
    link = respondents.respondent_of(db.session, current_user)
    return render_template(
        "respondent/index.html",
        company=link.company,
        cases=respondents.visible_cases(db.session, current_user),
    )


@bp.route("/cases/<public_id>")
@respondent_required
def case(public_id: str) -> str:
    """One case as the company sees it: pseudonyms, the joint complaint, the pooled evidence."""
    found = respondents.case_for_respondent(db.session, current_user, public_id)
    return _case_page(found.public_id, AnswerForm(formdata=None), OfferForm(formdata=None))


def _case_page(public_id: str, answer_form: AnswerForm, offer_form: OfferForm) -> str:
    found = respondents.case_for_respondent(db.session, current_user, public_id)
    return render_template(
        "respondent/case.html",
        view=respondents.case_view(db.session, found),
        answer_form=answer_form,
        offer_form=offer_form,
    )


@bp.route("/cases/<public_id>/answer", methods=["POST"])
@respondent_required
def answer(public_id: str) -> Response | tuple[str, int]:
    """Post the company's answer: once, and not on a closed case (409 with the reason)."""
    respondents.case_for_respondent(db.session, current_user, public_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _case_page(public_id, form, OfferForm(formdata=None)), 422
    with commit_or_show_error(form) as outcome:
        respondents.post_answer(db.session, current_user, public_id, form.body.data or "")
    if outcome.refused:
        return _case_page(public_id, form, OfferForm(formdata=None)), 409
    flash(_("The answer was posted; the members and the authority were told."), "success")
    return redirect(url_for("respondent.case", public_id=public_id))


@bp.route("/cases/<public_id>/offers", methods=["POST"])
@respondent_required
def offer(public_id: str) -> Response | tuple[str, int]:
    """Offer one member a refund; a bad amount or a second offer re-shows the form (422)."""
    respondents.case_for_respondent(db.session, current_user, public_id)
    form = OfferForm()
    if not form.validate_on_submit():
        return _case_page(public_id, AnswerForm(formdata=None), form), 422
    with commit_or_show_error(form) as outcome:
        respondents.make_offer(
            db.session,
            current_user,
            public_id,
            form.pseudonym.data or "",
            form.amount.data or "",
            form.message.data or "",
        )
    if outcome.refused:
        return _case_page(public_id, AnswerForm(formdata=None), form), 422
    flash(_("The offer was sent to the member."), "success")
    return redirect(url_for("respondent.case", public_id=public_id))


@bp.route("/cases/<public_id>/evidence/<item_id>")
@respondent_required
def evidence_file(public_id: str, item_id: str) -> Response:
    """A pooled item's anonymized bytes, under a neutral name (the contributor's file name
    could say who they are)."""
    item = respondents.pooled_item(db.session, current_user, public_id, item_id)
    suffix = PurePosixPath(item.display_name).suffix.lower()[:8]
    return send_stored(item.sha256 or "", item.media_type, f"evidence-{item.public_id}{suffix}")
