"""Application factory: ``flask --app app run`` or ``create_app({...})`` in tests."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import config
from extensions import babel, cache, csrf, db, limiter, login_manager, mail, migrate

ROOT = Path(__file__).resolve().parent


def create_app(config_overrides: dict[str, Any] | None = None) -> Flask:
    """Build a configured app. ``config_overrides`` wins over every other layer; its optional
    ``INSTANCE_PATH`` moves the instance folder (database, files, keys) elsewhere."""
    overrides = dict(config_overrides or {})
    instance_path = overrides.pop("INSTANCE_PATH", None) or os.environ.get("CHORUS_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path or ROOT / "instance").resolve()),
        instance_relative_config=True,
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
    )
    config.load(app, overrides)
    if app.config["TRUSTED_PROXIES"]:
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    if app.config["BABEL_TRANSLATION_DIRECTORIES"] == "translations":
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")
    _init_extensions(app)

    from blueprints import register_blueprints
    from blueprints.errors import register_error_handlers
    from blueprints.security import register_security_headers
    from blueprints.template_warmup import use_compiled_template_cache
    from blueprints.templating import register_template_helpers
    from cli import register_commands

    register_blueprints(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    use_compiled_template_cache(app)
    register_commands(app)
    register_job_handlers()
    return app


def register_job_handlers() -> None:
    """Every kind of background job and the function that runs it (inline, or in ``flask jobs
    worker`` processes, which build the app too)."""
    from services.bundle import job as bundle_job
    from services.cases import published
    from services.evidence import contributions, processing
    from services.matching import meaning
    from services.platform import jobs

    jobs.register(
        contributions.ANONYMIZE_JOB, processing.anonymize, on_failure=processing.mark_failed
    )
    jobs.register(bundle_job.BUNDLE_JOB, bundle_job.build)
    jobs.register(published.PUBLISH_JOB, published.run_publish_job)
    jobs.register(meaning.VECTOR_JOB, meaning.run_meaning_job)


def _init_extensions(app: Flask) -> None:
    from services.accounts.login_sessions import load_user
    from services.platform.i18n import select_locale
    from services.platform.time_zones import select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    mail.init_app(app)
    cache.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to open this page.")

    @login_manager.user_loader
    def _load(cookie_id: str) -> Any:
        return load_user(db.session, cookie_id)
