"""Configuration layers and the production safety checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app
from config import normalize_database_url


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's own settings must not leak into these checks."""
    for name in ("CHORUS_ENV", "CHORUS_SECRET_KEY", "CHORUS_INSTANCE_PATH", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_production_refuses_to_start_without_secret_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHORUS_SECRET_KEY", raising=False)
    monkeypatch.delenv("CHORUS_ENV", raising=False)
    with pytest.raises(RuntimeError, match="CHORUS_SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_production_takes_secret_and_database_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUS_SECRET_KEY", "123456")  # all digits: must stay a string
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal/chorus")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "123456"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.internal/chorus"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_cookies_carry_the_host_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``__Host-``: the browser keeps the cookie only when it is Secure, for path / and this
    host alone, so a sibling subdomain can neither plant nor overwrite a session."""
    monkeypatch.setenv("CHORUS_SECRET_KEY", "production-secret")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["REMEMBER_COOKIE_NAME"] == "__Host-remember"
    client = app.test_client()
    response = client.get("/account/login", base_url="https://chorus.example")
    cookie = response.headers["Set-Cookie"]
    response.close()
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie


def test_development_defaults_to_sqlite_and_a_persistent_key_in_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUS_ENV", "development")
    monkeypatch.delenv("CHORUS_SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert first.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'chorus.sqlite3'}"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert first.config["SESSION_COOKIE_SECURE"] is False  # plain http on 127.0.0.1
    assert first.config["SESSION_COOKIE_NAME"] == "session"  # __Host- needs Secure


def test_instance_config_file_is_read_and_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.py").write_text('SECRET_KEY = "from-file"\nLOGIN_RATE_LIMIT = "1/second"\n')
    monkeypatch.setenv("CHORUS_LOGIN_RATE_LIMIT", "7 per minute")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "from-file"
    assert app.config["LOGIN_RATE_LIMIT"] == "7 per minute"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://a@h/d", "postgresql+psycopg://a@h/d"),
        ("postgresql://a@h/d", "postgresql+psycopg://a@h/d"),
        ("postgresql+psycopg://a@h/d", "postgresql+psycopg://a@h/d"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_get_the_psycopg3_driver(given: str, expected: str) -> None:
    assert normalize_database_url(given) == expected
