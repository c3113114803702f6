"""Configuration layers: defaults here, then ``instance/config.py``, then ``CHORUS_*`` environment
variables, then the mapping given to ``create_app`` (tests).

The secret key is the one value that must never have a usable default in production, so
:func:`finalize` refuses to start without it outside development and tests.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, ClassVar

from flask import Flask


class Defaults:
    """Embedded defaults: one laptop, SQLite and files under ``instance/``."""

    ENV = "production"  #: development | testing | production, from CHORUS_ENV
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # default filled in from the instance path
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {"pool_pre_ping": True}
    STORAGE_DIR: str | None = None  # default: instance/files
    #: where stored files live: "local" (STORAGE_DIR) or "s3" (any S3-compatible object store)
    STORAGE_BACKEND = "local"
    S3_BUCKET: str | None = None
    S3_ENDPOINT_URL: str | None = None  #: None: AWS itself; else MinIO, SeaweedFS, Ceph...
    S3_REGION = "us-east-1"
    S3_ACCESS_KEY_ID: str | None = None  #: None: boto3's own chain (env, instance role)
    S3_SECRET_ACCESS_KEY: str | None = None
    S3_PREFIX = ""  #: key prefix inside the bucket, e.g. "chorus/"

    #: shared services of a deployment on several processes or hosts: job queue, rate limits
    REDIS_URL: str | None = None
    #: how many reverse proxies (load balancer, ...) stand before the app and set
    #: X-Forwarded-For/-Proto/-Host; 0 trusts none. Rate limits count the client's address only
    #: when this is right.
    TRUSTED_PROXIES = 0

    #: a request body larger than this is refused before it is read (one evidence file + form)
    MAX_CONTENT_LENGTH = 21 * 1024 * 1024

    EVIDENCE_MAX_FILE_BYTES = 20 * 1024 * 1024
    EVIDENCE_MAX_MEMBER_CASE_BYTES = 200 * 1024 * 1024
    EVIDENCE_MAX_PIXELS = 40_000_000  #: a 48 KB PNG can declare 20000 x 20000 pixels
    EVIDENCE_MAX_PDF_PAGES = 50
    EVIDENCE_PDF_DPI = 150
    #: pictures larger than this are reduced on load (a 48 MP photo to 12 MP)
    EVIDENCE_WORK_PIXELS = 16_000_000
    #: address space of the child process that anonymizes one file (RapidOCR alone maps
    #: 1.4 GB of it, using about 600 MB); past it the upload fails with a message
    EVIDENCE_JOB_MEMORY_BYTES = 3 * 1024 * 1024 * 1024
    #: seconds one file may take to anonymize (50 pages of OCR take a few minutes)
    EVIDENCE_JOB_TIMEOUT = 900
    #: which OCR reads screenshots: "rapidocr" (PyPI, models in the wheel; read best in
    #: bench/ocr_quality.py) or "tesseract" (Debian's tesseract-ocr with chi_sim)
    OCR_ENGINE = "rapidocr"

    #: how background jobs run: "thread" (a pool in the web process), "eager" (at once, in
    #: the request), "rq" (a Redis queue served by `make worker`) or "held" (until the
    #: sweep; for bulk loads); default: "rq" when REDIS_URL is set, else "thread"
    JOBS_MODE: str | None = None
    JOB_THREADS = 2

    #: seconds between two publications of one case's figures (services.cases.published):
    #: however many members change in a day, visitors see the figures move once
    CASE_FIGURES_REPUBLISH_AFTER = 24 * 3600
    RQ_QUEUE = "chorus"

    #: seconds a page a visitor sees (home, case list, case page) is shared by every visitor of
    #: the same language and time zone before it is rendered again (blueprints.visitor_cache);
    #: 0 renders every time. Members and organizers always get their page rendered for them.
    VISITOR_PAGE_SECONDS = 30
    #: where those pages are kept (Flask-Caching): default Redis when REDIS_URL is set, so
    #: every worker shares them, else the process's memory
    CACHE_TYPE: str | None = None
    #: where compiled templates are kept for every process of the app to load
    #: (blueprints.template_warmup); default: ``template-cache`` in the instance folder
    TEMPLATE_CACHE_DIR: str | None = None

    #: default: "__Host-session" wherever cookies are Secure: the prefix makes the browser
    #: refuse the cookie unless it is Secure, for the whole site and set by this host only, so
    #: a sibling subdomain cannot plant a session (fixation) or overwrite it
    SESSION_COOKIE_NAME: str | None = None
    REMEMBER_COOKIE_NAME: str | None = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_DURATION = 14 * 24 * 3600
    PERMANENT_SESSION_LIFETIME = 14 * 24 * 3600

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session: no lost drafts
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = "translations"
    LANGUAGES = ("zh", "en")

    #: default: REDIS_URL when set (limits shared by every worker and host), else per process
    RATELIMIT_STORAGE_URI: str | None = None
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute;100 per day"
    #: failed logins of one account from one client (blueprints.auth.throttle)
    LOGIN_RATE_LIMIT_PER_ACCOUNT = "5 per minute;30 per hour"
    #: failed logins of one account from every client: past it, a right password earns a
    #: mailed login link instead of a login (never a refusal: the owner is not locked out)
    LOGIN_ALERT_LIMIT = "20 per hour"
    #: registering and asking for a new password mail someone: every POST counts, per client
    #: and per typed address (known or not, so the limit tells nothing either)
    REGISTER_RATE_LIMIT = "20 per hour"
    REGISTER_RATE_LIMIT_PER_ADDRESS = "3 per hour"
    RESET_RATE_LIMIT = "20 per hour"
    RESET_RATE_LIMIT_PER_ADDRESS = "3 per hour"
    #: those two answer no sooner than this (seconds), whatever the address: well above the
    #: work itself (one argon2 hash, a few rows), so that a loaded server shows no difference
    REGISTER_ANSWER_SECONDS = 0.5
    RESET_ANSWER_SECONDS = 0.25

    # argon2id parameters (RFC 9106 second recommendation, lighter memory for small hosts)
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 64 * 1024
    ARGON2_PARALLELISM = 2

    # e-mail: off unless MAIL_SERVER is set (CHORUS_MAIL_SERVER, CHORUS_MAIL_PORT, ...)
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "Chorus <no-reply@chorus.invalid>"
    #: the site's address, for the links of e-mails sent outside a request (``flask jobs
    #: sweep``'s deadline notices); CHORUS_PUBLIC_URL
    PUBLIC_URL = "http://127.0.0.1:5000"

    DEMO_PASSWORD = "chorus-demo-2026"  # noqa: S105 - published in the README, demo only


#: environment variables read without the prefix because every platform names them so
PLAIN_ENV = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI", "REDIS_URL": "REDIS_URL"}


def load(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Apply every layer in order; later layers win."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for name, key in PLAIN_ENV.items():
        if os.environ.get(name):
            app.config[key] = os.environ[name]
    app.config.from_prefixed_env(prefix="CHORUS")
    if os.environ.get("CHORUS_SECRET_KEY"):  # never JSON-decoded: an all-digit key stays a string
        app.config["SECRET_KEY"] = os.environ["CHORUS_SECRET_KEY"]
    if overrides:
        app.config.update(overrides)
    finalize(app)


def finalize(app: Flask) -> None:
    """Fill derived defaults and refuse unsafe production settings."""
    cfg = app.config
    env = cfg["ENV"]
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        cfg["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'chorus.sqlite3'}"
    cfg["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(cfg["SQLALCHEMY_DATABASE_URI"])
    cfg.setdefault("STORAGE_DIR", None)
    if not cfg["STORAGE_DIR"]:
        cfg["STORAGE_DIR"] = str(instance / "files")
    if not cfg.get("JOBS_MODE"):
        cfg["JOBS_MODE"] = "rq" if cfg.get("REDIS_URL") else "thread"
    if not cfg.get("RATELIMIT_STORAGE_URI"):
        cfg["RATELIMIT_STORAGE_URI"] = cfg.get("REDIS_URL") or "memory://"
    if not cfg.get("CACHE_TYPE"):
        cfg["CACHE_TYPE"] = "RedisCache" if cfg.get("REDIS_URL") else "SimpleCache"
    if cfg["CACHE_TYPE"] == "RedisCache":
        cfg.setdefault("CACHE_REDIS_URL", cfg.get("REDIS_URL"))
        cfg.setdefault("CACHE_KEY_PREFIX", "chorus:page:")
    if env in ("development", "testing"):
        # plain http on 127.0.0.1: a Secure cookie would never be sent back
        cfg["SESSION_COOKIE_SECURE"] = cfg["REMEMBER_COOKIE_SECURE"] = False
        if not cfg.get("SECRET_KEY"):
            cfg["SECRET_KEY"] = _development_secret(instance)
    elif not cfg.get("SECRET_KEY"):
        raise RuntimeError(
            "CHORUS_SECRET_KEY must be set outside development and tests "
            "(for example: export CHORUS_SECRET_KEY=$(python -c 'import secrets; "
            "print(secrets.token_hex(32))'))."
        )
    secure = cfg["SESSION_COOKIE_SECURE"] and cfg["REMEMBER_COOKIE_SECURE"]
    if not cfg.get("SESSION_COOKIE_NAME"):
        cfg["SESSION_COOKIE_NAME"] = "__Host-session" if secure else "session"
    if not cfg.get("REMEMBER_COOKIE_NAME"):
        cfg["REMEMBER_COOKIE_NAME"] = "__Host-remember" if secure else "remember_token"


def normalize_database_url(url: str) -> str:
    """Platforms hand out ``postgres://`` URLs; SQLAlchemy needs the psycopg 3 driver named."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _development_secret(instance: Path) -> str:
    """A per-checkout key kept under ``instance/`` so development sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
