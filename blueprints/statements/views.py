"""Wallet statement pages: upload a statement, check its loss table, confirm or discard it.

Only the member sees their tables; a table of someone else answers 404 exactly like one that
does not exist. The statement is read while the request streams it and never stored.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from blueprints.errors import refuse
from blueprints.forms import EmptyForm
from blueprints.statements.forms import ConfirmForm, StatementForm
from extensions import db
from models import GroupCase, StatementStatus, StatementTable
from services import statements
from services.cases import membership as group_cases
from services.errors import DomainError, NotAllowed

bp = Blueprint("statements", __name__)


def _page(case: GroupCase, form: StatementForm) -> str:
    """The case's statement page for a member (403 for anyone else)."""
    membership = group_cases.membership_in(db.session, current_user, case)
    if membership is None:
        refuse(403, _("Only members of this case can add a wallet statement."))
    return render_template(
        "statements/index.html",
        case=case,
        membership=membership,
        form=form if not case.is_frozen else None,
        tables=statements.my_tables(db.session, current_user, case),
        claimed_twice=len(statements.claimed_twice(db.session, case))
        if membership.organizes
        else None,
        layouts=[str(name) for name in statements.LAYOUT_NAMES],
        action_form=EmptyForm(),
    )


@bp.route("/cases/<public_id>/statements")
@login_required
def index(public_id: str) -> str:
    """The upload form, proposed from the member's complaint, and their tables."""
    case = group_cases.case_by_public_id(db.session, public_id)
    statements.purge_drafts(db.session)
    db.session.commit()
    form = StatementForm()
    if group_cases.membership_in(db.session, current_user, case) is not None:
        proposed = statements.proposal(db.session, current_user, case)
        form.window_start.data = proposed.window_start
        form.window_end.data = proposed.window_end
        form.counterparty.data = proposed.counterparty
    return _page(case, form)


@bp.route("/cases/<public_id>/statements", methods=["POST"])
@login_required
def upload(public_id: str) -> Response | tuple[str, int]:
    """Read the statement into a draft table; the page again with the reason when refused."""
    case = group_cases.case_by_public_id(db.session, public_id)
    form = StatementForm()
    if not form.validate_on_submit():
        return _page(case, form), 400
    upload_file = request.files.get("statement")
    if upload_file is None or not upload_file.filename:
        form.statement.errors = [_("Choose the statement file your wallet exported.")]
        return _page(case, form), 400
    try:
        table = statements.import_statement(
            db.session,
            current_user,
            case,
            upload_file.stream,
            window_start=form.window_start.data,
            window_end=form.window_end.data,
            counterparty=form.counterparty.data or "",
        )
    except NotAllowed:
        raise
    except statements.StatementError as error:
        db.session.rollback()
        form.statement.errors = [error.message]
        return _page(case, form), error.status
    db.session.commit()
    return redirect(url_for("statements.table", public_id=table.public_id))


def _table_or_404(public_id: str) -> StatementTable:
    return statements.visible_table(db.session, current_user, public_id)


@bp.route("/statements/<public_id>")
@login_required
def table(public_id: str) -> str:
    """The loss table: rows to keep or drop while a draft, the confirmed rows after."""
    found = _table_or_404(public_id)
    form = ConfirmForm()
    draft = found.status is StatementStatus.DRAFT
    if draft:
        form.keep.choices = [(row.position, "") for row in found.rows]
        form.keep.data = [row.position for row in found.rows]
    return render_template(
        "statements/table.html",
        table=found,
        case=found.case,
        draft=draft,
        form=form,
        total=statements.table_total(found.rows),
        action_form=EmptyForm(),
    )


@bp.route("/statements/<public_id>/confirm", methods=["POST"])
@login_required
def confirm(public_id: str) -> Response:
    """Keep the ticked rows, redact them, and let them count for the case."""
    found = _table_or_404(public_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("This form has expired. Reload the page and try again."), "error")
        return redirect(url_for("statements.table", public_id=public_id))
    try:
        statements.confirm(
            db.session,
            current_user,
            found,
            set(form.keep.data or []),
            own_account=bool(form.own_account.data),
        )
    except NotAllowed:
        raise
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("statements.table", public_id=public_id))
    db.session.commit()
    flash(_("Your loss table is confirmed and counts for the case."), "success")
    return redirect(url_for("statements.table", public_id=public_id))


@bp.route("/statements/<public_id>/discard", methods=["POST"])
@login_required
def discard(public_id: str) -> Response:
    """Delete a draft, or withdraw a confirmed table before the case is submitted."""
    found = _table_or_404(public_id)
    case_id = found.case.public_id
    if not EmptyForm().validate_on_submit():
        flash(_("This form has expired. Reload the page and try again."), "error")
        return redirect(url_for("statements.table", public_id=public_id))
    statements.discard(db.session, current_user, found)
    db.session.commit()
    flash(_("The table is deleted."), "success")
    return redirect(url_for("statements.index", public_id=case_id))
