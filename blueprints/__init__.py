"""One blueprint per area; :func:`register_blueprints` is the only place they are wired."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from blueprints.admin.views import bp as admin_bp
    from blueprints.api.views import bp as api_bp
    from blueprints.auth import links, signup, two_factor  # noqa: F401 - routes join the blueprint
    from blueprints.auth.views import bp as auth_bp
    from blueprints.cases.views import bp as cases_bp
    from blueprints.complaints import claims  # noqa: F401 - routes join the blueprint
    from blueprints.complaints.views import bp as complaints_bp
    from blueprints.evidence.views import bp as evidence_bp
    from blueprints.main.views import bp as main_bp
    from blueprints.me.views import bp as me_bp
    from blueprints.notifications.views import bp as notifications_bp
    from blueprints.outcomes.views import bp as outcomes_bp
    from blueprints.petition.views import bp as petition_bp
    from blueprints.regulator.views import bp as regulator_bp
    from blueprints.respondent.views import bp as respondent_bp
    from blueprints.routing.views import bp as routing_bp
    from blueprints.statements.views import bp as statements_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(auth_bp, url_prefix="/account")
    app.register_blueprint(cases_bp, url_prefix="/cases")
    app.register_blueprint(complaints_bp, url_prefix="/complaints")
    app.register_blueprint(evidence_bp)
    app.register_blueprint(me_bp, url_prefix="/me")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    app.register_blueprint(petition_bp, url_prefix="/cases")
    app.register_blueprint(regulator_bp, url_prefix="/regulator")
    app.register_blueprint(statements_bp)
    app.register_blueprint(respondent_bp, url_prefix="/company")
    app.register_blueprint(outcomes_bp)
    app.register_blueprint(routing_bp)
