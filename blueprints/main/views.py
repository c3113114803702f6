"""The home page and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import refresh
from flask_login import current_user
from werkzeug.wrappers import Response

from blueprints.forms import EmptyForm, safe_next
from blueprints.visitor_cache import shared_with_visitors
from extensions import db
from services.bundle.keys import public_key_pem
from services.cases.directory import CaseFilters, directory_totals, search_cases
from services.platform.i18n import LOCALE_SESSION_KEY

bp = Blueprint("main", __name__)

HOME_CASES = 6


@bp.route("/")
@shared_with_visitors()
def home() -> str:
    """Landing page: what Chorus does, headline figures, the most active cases."""
    recent = search_cases(db.session, CaseFilters(), page=1, per_page=HOME_CASES).rows
    return render_template(
        "main/home.html", recent_cases=recent, totals=directory_totals(db.session)
    )


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    """Switch the interface language; remembered on the account when logged in."""
    form = EmptyForm()
    language = request.form.get("lang", "")
    if form.validate_on_submit() and language in current_app.config["LANGUAGES"]:
        session[LOCALE_SESSION_KEY] = language
        if current_user.is_authenticated:
            current_user.locale = language
            db.session.commit()
        refresh()  # messages from here on speak the new language
    return redirect(safe_next(form.next.data, url_for("main.home")))


@bp.route("/.well-known/chorus-bundle-key.pem")
def bundle_key() -> Response:
    """The public key that signs case bundles, for ``flask bundle verify --public-key``."""
    response = Response(public_key_pem(), mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = 24 * 3600
    return response


@bp.route("/livez")
def alive() -> tuple[dict[str, str], int]:
    """Liveness: the process serves requests (touches nothing else). Also the floor of the load
    benchmark: the cheapest request the server can answer."""
    return {"status": "ok"}, 200


@bp.route("/healthz")
def health() -> tuple[dict[str, str], int]:
    """Readiness, for load balancers: answers once the database does."""
    db.session.execute(db.select(1))
    return {"status": "ok"}, 200
