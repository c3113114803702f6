"""Building a submission's bundle in the background, and finding the stored one.

The zip is written to a temporary file in the storage's staging area, then stored under its
SHA-256 like any other file, and only then recorded on the submission: a crash at any moment
leaves either no bundle at all or the complete one, never half of one under a name anybody
reads. A temporary file left by a killed process is named like an interrupted upload, so
``flask evidence purge`` sweeps it.

When the authority registered a certificate, what is stored is the zip encrypted to it
(:mod:`~services.bundle.envelope`), and the submission records which certificate that was:
a bundle is built once, so one made before a key rotation stays tied to the earlier key.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from extensions import db
from models import AuthorityCertificate, Job, Submission
from models.base import DbSession
from services.bundle import recipients
from services.bundle.envelope import MEDIA_TYPE, SUFFIX, EnvelopedWriter
from services.bundle.writer import BundleError, BundleResult, Report, build_bundle
from services.evidence.files import current_storage
from services.platform.jobs import runner as jobs
from services.platform.storage.local import Storage

BUNDLE_JOB = "bundle.build"


def bundle_for(submission: Submission) -> str | None:
    """The storage key of ``submission``'s bundle, if it was built and is stored."""
    key = submission.bundle_sha256
    if key and current_storage().exists(key):
        return key
    return None


@dataclass(frozen=True)
class Delivered:
    """What was written for the authority: the zip itself, or the zip encrypted to
    ``certificate``; ``sha256`` and ``size`` are those of the bytes written."""

    sha256: str
    size: int
    bundle: BundleResult
    certificate: AuthorityCertificate | None


def write_delivered(
    session: DbSession, submission: Submission, out: BinaryIO, report: Report | None = None
) -> Delivered:
    """Write ``submission``'s bundle as its authority receives it: encrypted to the authority's
    newest certificate if it registered one, else the signed zip as it is. Raises
    :class:`~services.bundle.recipients.CertificateRefused` when that certificate was revoked
    or expired, and :class:`BundleError` as :func:`build_bundle` does."""
    recipient = recipients.for_new_bundle(session, submission.authority)
    if recipient is None:
        result = build_bundle(session, submission, out, report=report)
        return Delivered(result.sha256, result.size, result, None)
    row, certificate = recipient
    envelope = EnvelopedWriter(out, certificate)
    result = build_bundle(session, submission, cast(BinaryIO, envelope), report=report)
    envelope.close()
    return Delivered(envelope.hexdigest(), envelope.size, result, row)


def download(submission: Submission) -> tuple[str, str]:
    """The media type and file name of the stored bundle: ``.zip``, or ``.zip.p7m`` when it is
    encrypted (what S/MIME tools expect to open)."""
    name = f"chorus-case-{submission.case.public_id}.zip"
    if submission.bundle_certificate_id is not None:
        return MEDIA_TYPE, name + SUFFIX
    return "application/zip", name


def enqueue_build(submission: Submission, *, user_id: int | None) -> Job:
    """Ask for the bundle to be built once the current transaction commits."""
    return jobs.enqueue(BUNDLE_JOB, {"submission_id": submission.id}, user_id=user_id)


def _staging(storage: Storage) -> Path | None:
    """The storage's own staging folder (local disk: storing is then a rename; S3: a real disk
    the sweep knows, rather than a /tmp that may be RAM), or None, the system's temporary
    folder, for storages that have none."""
    staging = getattr(storage, "staging_dir", None)
    if staging is None:
        return None
    staging = Path(staging)
    staging.mkdir(mode=0o700, parents=True, exist_ok=True)
    return staging


def build(job: Job, report: jobs.Report) -> None:
    """Payload ``{"submission_id": id}``. Progress is files written over files to write; the
    runner commits ``bundle_sha256`` once the handler returns."""
    submission = db.session.get(Submission, job.payload.get("submission_id"))
    if submission is None:
        raise BundleError("The submission no longer exists.")
    if bundle_for(submission) is not None:
        return  # built already: a submitted case's bundle never changes
    storage = current_storage()
    fd, temp = tempfile.mkstemp(dir=_staging(storage), prefix="put-bundle-", suffix=".part")
    try:
        with os.fdopen(fd, "w+b") as out:
            result = write_delivered(db.session, submission, out, report=report)
            out.flush()
            out.seek(0)
            stored = storage.put(out)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(temp)
    if stored.key != result.sha256:  # the disk changed what was written: never record it
        raise RuntimeError("the stored bundle does not match what was written")
    submission = db.session.get(Submission, job.payload["submission_id"])
    assert submission is not None
    submission.bundle_sha256 = stored.key
    submission.bundle_certificate_id = result.certificate.id if result.certificate else None
