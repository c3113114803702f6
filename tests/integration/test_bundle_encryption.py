"""A bundle only the authority can open: certificates registered on the command line, the
bundle delivered as CMS EnvelopedData that the standard ``openssl cms -decrypt`` opens and
``flask bundle verify`` then accepts, key rotation, revoked and expired certificates refused
at submission, what the regulator's page and the API say, and memory that stays flat."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, cast

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from extensions import db
from models import (
    AuditEvent,
    AuthorityCertificate,
    GroupCase,
    Job,
    JobStatus,
    Submission,
    User,
    UserRole,
)
from services.accounts import api_tokens
from services.bundle.envelope import PIECE, EnvelopedWriter
from services.bundle.job import bundle_for, enqueue_build
from services.evidence.files import current_storage
from tests.integration.test_bundle import prepare
from tests.integration.test_submission import (  # noqa: F401 - fixtures used by name
    _sign_third,
    _submit,
    authorities,
    signed_case,
)
from tests.support.authority_certs import openssl_decrypt_command, recipient_certificate
from tests.support.forms import logged_in
from tests.support.web import EN

OPENSSL_FINGERPRINT = re.compile(r"sha256 Fingerprint=([0-9A-F:]+)", re.IGNORECASE)


def _openssl_fingerprint(cert: Path) -> str:
    output = subprocess.run(
        ["openssl", "x509", "-in", str(cert), "-noout", "-fingerprint", "-sha256"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = OPENSSL_FINGERPRINT.search(output)
    assert match, output
    return match.group(1).upper()


def _decrypt(p7m: Path, key: Path, out: Path) -> subprocess.CompletedProcess[bytes]:
    """The standard tool an authority has."""
    return subprocess.run(openssl_decrypt_command(p7m, key, out), capture_output=True)


def _register(runner: FlaskCliRunner, slug: str, cert: Path) -> str:
    result = runner.invoke(args=["authorities", "certificates", "add", slug, str(cert), "--yes"])
    assert result.exit_code == 0, result.output
    return result.output


def _build_stored(submission: Submission) -> bytes:
    job_id = enqueue_build(submission, user_id=None).id
    db.session.commit()  # eager in tests: runs now
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job is not None
    assert job.status is JobStatus.DONE, job.error
    fresh = db.session.get(Submission, submission.id)
    assert fresh is not None
    key = bundle_for(fresh)
    assert key is not None
    with current_storage().open(key) as stream:
        return stream.read()


@pytest.fixture
def submitted(app: Flask, demo: None) -> Submission:  # noqa: ARG001 - needed for its side effect
    return prepare(db.session())


# -- registering ---------------------------------------------------------------------------------


def test_registering_shows_the_fingerprint_openssl_shows_and_asks_to_compare(
    submitted: Submission, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    slug = submitted.authority.slug
    cert, _key = recipient_certificate(tmp_path, "nfra")
    expected = _openssl_fingerprint(cert)

    declined = runner.invoke(
        args=["authorities", "certificates", "add", slug, str(cert)], input="n\n"
    )
    assert declined.exit_code == 1
    assert f"SHA-256 fingerprint: {expected}" in declined.output
    assert "Compare this fingerprint with the one the authority gives you" in declined.output
    assert "Not registered: the fingerprint was not confirmed." in declined.output
    assert db.session.scalar(select(func.count(AuthorityCertificate.id))) == 0

    accepted = runner.invoke(
        args=["authorities", "certificates", "add", slug, str(cert)], input="y\n"
    )
    assert accepted.exit_code == 0, accepted.output
    assert f"Registered for {slug}" in accepted.output
    row = db.session.scalar(select(AuthorityCertificate))
    assert row is not None
    assert row.fingerprint == expected
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "certificate.registered")
    )
    assert event is not None
    assert event.data == {"fingerprint": row.fingerprint_sha256}

    again = runner.invoke(args=["authorities", "certificates", "add", slug, str(cert), "--yes"])
    assert again.exit_code == 1
    assert f"already registered for {slug}" in again.output

    listed = runner.invoke(args=["authorities", "certificates", "list", slug])
    assert f"in use: SHA-256 fingerprint: {expected}" in listed.output


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("expired", "The certificate expired on "),
        ("future", "The certificate is not valid before "),
        ("no-key-encipherment", "key usage does not allow key encipherment"),
        ("web-server-only", "does not include e-mail protection (S/MIME)"),
        ("ca", "This is a CA certificate, not the authority's own."),
        ("ec-key", "The certificate's key must be RSA (CMS key transport)."),
        ("small-rsa", "RSA key has 1024 bits; at least 2048 needed."),
        ("garbage", "This file is not an X.509 certificate (PEM or DER) that can be read."),
    ],
)
def test_unusable_certificates_are_refused_with_the_reason(
    app: Flask,  # noqa: ARG001 - needed for its side effect
    authorities: dict[str, Any],  # noqa: F811, ARG001 - the fixture, for its authority
    runner: FlaskCliRunner,
    tmp_path: Path,
    kind: str,
    message: str,
) -> None:
    now = datetime.now(UTC)
    choices: dict[str, dict[str, Any]] = {
        "expired": {"starts": now - timedelta(days=400), "days": 30},
        "future": {"starts": now + timedelta(days=3)},
        "no-key-encipherment": {"key_usage": False},
        "web-server-only": {"email_protection": False},
        "ca": {"ca": True},
        "ec-key": {"key": ec.generate_private_key(ec.SECP256R1())},
        "small-rsa": {"key": rsa.generate_private_key(public_exponent=65537, key_size=1024)},  # noqa: S505
        "garbage": {},
    }
    options = choices[kind]
    cert, _key = recipient_certificate(tmp_path, "c", **options)
    if kind == "garbage":
        cert.write_bytes(b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    result = runner.invoke(args=["authorities", "certificates", "add", "nfra", str(cert), "--yes"])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count(AuthorityCertificate.id))) == 0


# -- the encrypted bundle ------------------------------------------------------------------------


def test_the_bundle_opens_with_openssl_and_then_verifies(
    submitted: Submission,
    runner: FlaskCliRunner,
    app: Flask,
    make_user: Callable[..., User],
    tmp_path: Path,
) -> None:
    cert, key = recipient_certificate(tmp_path, "authority")
    _register(runner, submitted.authority.slug, cert)
    stored = _build_stored(submitted)
    db.session.expire_all()
    submission = db.session.get(Submission, submitted.id)
    assert submission is not None
    assert submission.bundle_certificate is not None
    assert submission.bundle_certificate.fingerprint == _openssl_fingerprint(cert)

    # nothing of the bag is readable without the key: no file name, no signatory's e-mail
    assert stored[:2] == b"\x30\x80"
    for plain in (b"signatories.csv", b"bagit.txt", b"PK\x03\x04", b"@example.org"):
        assert plain not in stored

    p7m, opened = tmp_path / "case.zip.p7m", tmp_path / "case.zip"
    p7m.write_bytes(stored)
    _other_cert, other_key = recipient_certificate(tmp_path, "someone-else")
    refused = _decrypt(p7m, other_key, tmp_path / "nothing.zip")
    assert refused.returncode != 0
    done = _decrypt(p7m, key, opened)
    assert done.returncode == 0, done.stderr
    result = runner.invoke(args=["bundle", "verify", str(opened)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Bundle OK: ")
    assert "chain verified" in result.output

    # the regulator's page and download say what it is and to which certificate
    fingerprint = submission.bundle_certificate.fingerprint
    make_user(
        email="reader@example.org",
        role=UserRole.REGULATOR,
        authority=submission.authority,
        locale="en",
    )
    regulator = logged_in(app, "reader@example.org")
    page = regulator.get(f"/regulator/cases/{submission.case.public_id}", headers=EN)
    html = page.get_data(as_text=True)
    assert "certificate (CMS EnvelopedData, AES-256)" in html, html[html.find("bundle-title") :][
        :3000
    ]
    assert fingerprint in html
    download = regulator.get(f"/regulator/cases/{submission.case.public_id}/bundle.zip")
    assert download.status_code == 200
    assert download.mimetype == "application/pkcs7-mime"
    assert (
        f"chorus-case-{submission.case.public_id}.zip.p7m"
        in download.headers["Content-Disposition"]
    )
    assert download.get_data() == stored
    download.close()  # the stored file is let go of only when the response is closed
    zh = regulator.get(
        f"/regulator/cases/{submission.case.public_id}", headers={"Accept-Language": "zh"}
    )
    assert fingerprint in zh.get_data(as_text=True)

    # and so does the API
    user = db.session.scalar(select(User).where(User.email == "reader@example.org"))
    assert user is not None
    secret = api_tokens.create_token(db.session, user, "case system").secret
    db.session.commit()
    answer = app.test_client().get(
        f"/api/v1/cases/{submission.case.public_id}",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    bundle = answer.get_json()["bundle"]
    assert bundle["encrypted"] is True
    assert bundle["certificate_sha256"] == submission.bundle_certificate.fingerprint_sha256
    assert bundle["sha256"] == hashlib.sha256(stored).hexdigest()


def test_without_a_certificate_the_bundle_stays_a_signed_zip(
    submitted: Submission, app: Flask, make_user: Callable[..., User]
) -> None:
    stored = _build_stored(submitted)
    assert stored[:4] == b"PK\x03\x04"
    make_user(
        email="reader@example.org",
        role=UserRole.REGULATOR,
        authority=submitted.authority,
        locale="en",
    )
    regulator = logged_in(app, "reader@example.org")
    html = regulator.get(f"/regulator/cases/{submitted.case.public_id}", headers=EN).get_data(
        as_text=True
    )
    assert "Not encrypted: your authority had registered no certificate" in html
    download = regulator.get(f"/regulator/cases/{submitted.case.public_id}/bundle.zip")
    assert download.mimetype == "application/zip"
    assert download.get_data() == stored
    download.close()  # the stored file is let go of only when the response is closed


def test_a_new_certificate_applies_to_later_bundles_and_earlier_ones_keep_theirs(
    submitted: Submission, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """Two cases at one authority: the first bundle is built under the first certificate, the
    authority then rotates, and the second bundle is built under the new one. Each opens with
    its own key only; the first is not rebuilt, and the history keeps both certificates."""
    later = db.session.scalar(
        select(Submission).where(Submission.id != submitted.id).order_by(Submission.id)
    )
    assert later is not None
    later.authority_id = submitted.authority_id
    db.session.commit()
    slug = submitted.authority.slug
    first_cert, first_key = recipient_certificate(tmp_path, "first")
    second_cert, second_key = recipient_certificate(tmp_path, "second")

    _register(runner, slug, first_cert)
    early = tmp_path / "early.p7m"
    early.write_bytes(_build_stored(submitted))
    _register(runner, slug, second_cert)
    late = tmp_path / "late.p7m"
    late.write_bytes(_build_stored(later))
    assert _build_stored(submitted) == early.read_bytes()  # built once, never re-encrypted

    assert _decrypt(early, first_key, tmp_path / "a.zip").returncode == 0
    assert _decrypt(early, second_key, tmp_path / "x.zip").returncode != 0
    assert _decrypt(late, second_key, tmp_path / "b.zip").returncode == 0
    assert _decrypt(late, first_key, tmp_path / "y.zip").returncode != 0
    for opened in ("a.zip", "b.zip"):
        result = runner.invoke(args=["bundle", "verify", str(tmp_path / opened)])
        assert result.exit_code == 0, result.output

    db.session.expire_all()
    early_submission = db.session.get(Submission, submitted.id)
    late_submission = db.session.get(Submission, later.id)
    assert early_submission is not None
    assert late_submission is not None
    early_row, late_row = early_submission.bundle_certificate, late_submission.bundle_certificate
    assert early_row is not None
    assert late_row is not None
    assert early_row.fingerprint == _openssl_fingerprint(first_cert)
    assert late_row.fingerprint == _openssl_fingerprint(second_cert)
    listed = runner.invoke(args=["authorities", "certificates", "list", slug]).output
    assert listed.index(late_row.fingerprint) < listed.index(early_row.fingerprint)
    assert f"earlier: SHA-256 fingerprint: {early_row.fingerprint}" in listed


# -- revoked and expired certificates at submission ----------------------------------------------


@pytest.mark.parametrize("how", ["revoked", "expired"])
def test_a_revoked_or_expired_certificate_stops_the_submission_with_the_reason(
    app: Flask,
    signed_case: GroupCase,  # noqa: F811 - the fixture
    runner: FlaskCliRunner,
    tmp_path: Path,
    how: str,
) -> None:
    _sign_third(signed_case)
    cert, _key = recipient_certificate(tmp_path, "nfra")
    _register(runner, "nfra", cert)
    row = db.session.scalar(select(AuthorityCertificate))
    assert row is not None
    if how == "revoked":
        result = runner.invoke(args=["authorities", "certificates", "revoke", row.fingerprint[:23]])
        assert result.exit_code == 0, result.output
        reason = "was revoked. The case can be submitted once the authority registers a new one."
    else:  # time passed
        row.not_after = datetime.now(UTC) - timedelta(days=1)
        db.session.commit()
        reason = f"expired on {row.not_after.date().isoformat()}."
    organizer = logged_in(app, "org@example.org")
    page = organizer.get(f"/cases/{signed_case.public_id}/petition", headers=EN)
    assert reason in page.get_data(as_text=True)
    assert "The encryption certificate of NFRA Consumer Protection" in page.get_data(as_text=True)

    response = _submit(app, signed_case)
    assert response.status_code < 500
    assert reason in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Submission.id))) == 0

    if how == "revoked":  # a new certificate lets the case go, encrypted to the new one
        fresh, _fresh_key = recipient_certificate(tmp_path, "nfra-2026")
        _register(runner, "nfra", fresh)
        assert "Submitted to NFRA Consumer Protection" in _submit(app, signed_case).get_data(
            as_text=True
        )
        db.session.expire_all()
        submission = db.session.scalar(select(Submission))
        assert submission is not None
        assert submission.bundle_certificate.fingerprint == _openssl_fingerprint(fresh)


# -- memory --------------------------------------------------------------------------------------


class _Null(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return len(data)


def test_encrypting_keeps_memory_flat_whatever_the_size(tmp_path: Path) -> None:
    """4 MB and 64 MB through the envelope in zipfile-sized writes: the traced peak is the same
    (one piece of ciphertext and the write being encrypted), not a copy of the content."""
    cert_path, _key = recipient_certificate(tmp_path, "flat")
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    block = bytes(range(256)) * 64  # 16 KiB
    peaks = {}
    for megabytes in (4, 64):
        tracemalloc.start()
        try:
            writer = EnvelopedWriter(cast(BinaryIO, _Null()), certificate)
            for _ in range(megabytes * 64):
                writer.write(block)
            writer.close()
            peaks[megabytes] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        pieces = megabytes * 2**20 // PIECE + 1
        assert writer.size > megabytes * 2**20 + pieces * 4
    assert peaks[64] - peaks[4] < 64 * 1024, peaks
    assert peaks[64] < 4 * PIECE, peaks
