"""Real processes SIGKILLed at the worst moment, then started again on the same database and
files: what was confirmed before the kill is all there, and nobody ever sees half of anything.

- an upload whose server dies in the middle of the request body: no row, no stored file, no
  spool left behind; the member's pooled evidence is intact byte for byte;
- an anonymization whose worker dies half-way through rendering a PDF: nobody sees any output
  meanwhile, and the retry anonymizes the whole document, not the pages the first run reached;
- members signing through a server that dies under them: every signature they were told about
  is in the chain after the restart, the chain verifies and the count shown is the count kept;
  a member whose answer was lost after the commit (for sure: one never reads it, the rest by
  chance of the kill) finds the signature there and cannot sign twice;
- a bundle built in the web process's own thread pool (``JOBS_MODE = "thread"``) when the server
  dies: no bundle is offered until a sweep has built a complete one, which verifies.

Local storage only (files are counted on disk, a named pipe stands in for a stored file), so
``make test-prod`` (S3) leaves this module out.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import io
import json
import os
import re
import subprocess
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.exc import OperationalError

from bench.signing_setup import build_signing_case
from extensions import db
from models import (
    CaseEvent,
    CaseEventKind,
    Company,
    Complaint,
    Evidence,
    EvidenceStatus,
    FileRole,
    GroupCase,
    Job,
    JobStatus,
    Membership,
    SignatureAction,
    SignatureEntry,
    User,
    UserRole,
    utcnow,
)
from services.accounts import api_tokens
from services.anonymize import pdf
from services.bundle.job import BUNDLE_JOB
from services.bundle.verify import verify_bundle
from services.cases import membership as group_cases
from services.evidence.files import current_storage
from services.petition.signing import signing_state, verify_case_chain
from services.platform.jobs import runner as jobs
from services.platform.storage.local import STAGING_DIR
from tests.conftest import PASSWORD, PROD_PROFILE
from tests.integration.test_jobs_rq import FLASK, kill_worker, wait_for, worker_env
from tests.support.browserless import HttpUser
from tests.support.forms import csrf_token, logged_in, upload_evidence
from tests.support.killable import BIN, ROOT, Server, start_gunicorn
from tests.support.one_case import NARRATIVE
from tests.support.one_case import case_id as case_id  # fixtures
from tests.support.one_case import organizer as organizer
from tests.support.server import served_env
from tests.support.web import EN, assert_redirects, is_redirect

pytestmark = pytest.mark.skipif(
    PROD_PROFILE, reason="counts files on the local disk: the prod profile stores them in S3"
)

POOLED_TEXT = "我的退款被拒。Refund of 199.00 refused on 2026-10-01.".encode()

Serve = Callable[..., Server]
StartWorker = Callable[[], subprocess.Popen[bytes]]


# -- shared set-up ---------------------------------------------------------------------------


@pytest.fixture
def serve(app: Flask, database_url: str) -> Iterator[Serve]:
    """``serve(**settings)``: gunicorn on the test's database, stored files and instance
    folder; every server still running when the test ends is killed."""
    started: list[Server] = []

    def start(env: dict[str, str] | None = None, workers: int = 1, **settings: str) -> Server:
        server = start_gunicorn(
            database_url,
            Path(app.instance_path),
            workers=workers,
            env=env,
            STORAGE_DIR=app.config["STORAGE_DIR"],
            RATELIMIT_ENABLED="false",
            **settings,
        )
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.kill()


def flask_command(app: Flask, database_url: str, *args: str, **settings: str) -> str:
    """``flask <args>`` in a process of its own, configured as the served app is."""
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "app", *args],
        cwd=ROOT,
        env=served_env(
            database_url,
            Path(app.instance_path),
            STORAGE_DIR=app.config["STORAGE_DIR"],
            **settings,
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def stored_files(app: Flask) -> set[str]:
    """Every file under the storage root, staging area included (paths relative to it)."""
    root = Path(app.config["STORAGE_DIR"])
    return {str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir()}


def staged_files(app: Flask) -> set[str]:
    """The files under the storage root being written, not stored yet."""
    return {name for name in stored_files(app) if name.startswith(f"{STAGING_DIR}/")}


@pytest.fixture
def member(organizer: User) -> User:
    """The member whose evidence is at stake: the organizer of the case."""
    return organizer


def _evidence_count() -> int:
    db.session.rollback()  # a fresh look at what the served processes committed
    return db.session.scalar(select(func.count(Evidence.id)))


def http_login(base_url: str, email: str, password: str = PASSWORD) -> HttpUser:
    user = HttpUser(base_url)
    status, _ = user.submit(
        "/account/login", "/account/login", {"email": email, "password": password}
    )
    assert is_redirect(status), f"login of {email} answered {status}"
    return user


def cookie_header(user: HttpUser) -> str:
    for handler in user.opener.handlers:
        if isinstance(handler, urllib.request.HTTPCookieProcessor):
            jar: http.cookiejar.CookieJar = handler.cookiejar
            return "; ".join(f"{c.name}={c.value}" for c in jar)
    raise AssertionError("no cookie jar")


# -- an upload killed in the middle of its body ----------------------------------------------


class SlowUpload:
    """A multipart evidence upload written to a raw connection piece by piece, as a browser on
    a slow line sends it."""

    def __init__(self, base_url: str, user: HttpUser, case_public_id: str, payload: bytes) -> None:
        _status, page = user.get(f"/cases/{case_public_id}/evidence")
        boundary = uuid.uuid4().hex
        head = (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{csrf_token(page)}\r\n"
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="words"\r\n\r\n\r\n'
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="files"; filename="statement.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        self.body = head + payload + f"\r\n--{boundary}--\r\n".encode()
        host, port = base_url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        self.connection.putrequest("POST", f"/cases/{case_public_id}/evidence")
        for name, value in {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(self.body)),
            "Cookie": cookie_header(user),
            "Accept": "application/json",
            "Accept-Language": "en",
        }.items():
            self.connection.putheader(name, value)
        self.connection.endheaders()
        self.sent = 0

    def send(self, until: int, chunk: int = 64 * 1024) -> None:
        """Write the body up to byte ``until``."""
        while self.sent < min(until, len(self.body)):
            end = min(self.sent + chunk, until, len(self.body))
            self.connection.send(self.body[self.sent : end])
            self.sent = end
            time.sleep(0.002)

    def finish(self) -> tuple[int, dict]:
        try:
            self.send(len(self.body))
            response = self.connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            self.connection.close()


#: an upload large enough for werkzeug to spool it to a temporary file (over 500 KB)
STATEMENT = b"Refund refused. " * 64_000


def pool_one_item(app: Flask, member: User, case_id: str) -> tuple[dict[str, str], bytes]:
    """The member contributes and confirms a statement; its upload answer and pooled bytes."""
    client = logged_in(app, member.email)
    pooled = upload_evidence(client, case_id, "refund.txt", POOLED_TEXT).get_json()
    assert_redirects(
        client.post(
            f"/evidence/{pooled['id']}/confirm",
            data={"csrf_token": csrf_token(client.get(pooled["url"]).get_data(as_text=True))},
        )
    )
    item = db.session.scalar(select(Evidence).where(Evidence.public_id == pooled["id"]))
    assert item is not None
    assert item.status is EvidenceStatus.POOLED
    assert item.sha256
    with current_storage().open(item.sha256) as stream:
        return pooled, stream.read()


def assert_pool_intact(
    server: Server, member: User, case_id: str, pooled: dict, data: bytes
) -> None:
    """What the member sees after the restart: their pooled item, byte for byte."""
    user = http_login(server.url, member.email)
    _status, page = user.get(f"/cases/{case_id}/evidence")
    assert pooled["id"] in page
    status, body = user.get(f"/evidence/{pooled['id']}/file")
    assert status == 200
    assert body.encode() == data


def _spooling(server: Server, spool: Path) -> bool:
    """Whether a worker of ``server`` holds a file open in ``spool``: it is reading an upload
    into werkzeug's temporary file, in the middle of the request."""
    for pid in server.worker_pids():
        try:
            targets = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        if any(target.startswith(str(spool)) for target in targets):
            return True
    return False


@pytest.mark.usefixtures("database_url")
def test_an_upload_killed_mid_body_leaves_nothing_and_keeps_the_pool(
    app: Flask,
    member: User,
    case_id: str,
    serve: Serve,
    runner: FlaskCliRunner,
    tmp_path: Path,
) -> None:
    pooled, pooled_bytes = pool_one_item(app, member, case_id)
    files_before = stored_files(app)
    spool = tmp_path / "spool"  # werkzeug's temporary files for upload bodies go here
    spool.mkdir()

    server = serve(env={"TMPDIR": str(spool)})
    user = http_login(server.url, member.email)
    upload = SlowUpload(server.url, user, case_id, STATEMENT)
    upload.send(len(upload.body) // 2)
    deadline = time.monotonic() + 10
    while not _spooling(server, spool):
        assert time.monotonic() < deadline, "the server never started reading the upload"
        time.sleep(0.02)
    server.kill()
    upload.connection.close()

    assert _evidence_count() == 1
    assert stored_files(app) == files_before  # no original, no staged part
    # the step server gunicorn's master started ends with it and removes its folder, as soon
    # as it sees its owner gone
    deadline = time.monotonic() + 10
    while any(p.name.startswith("chorus-steps-") for p in spool.iterdir()):
        assert time.monotonic() < deadline, "the step server outlived the killed server"
        time.sleep(0.05)
    # the spool was never a named file (the word segmenter's dictionary cache, which
    # gunicorn's master writes to the temporary directory at start, is not an upload)
    assert [p.name for p in spool.iterdir() if p.name != "jieba.cache"] == []

    server = serve()
    assert_pool_intact(server, member, case_id, pooled, pooled_bytes)
    purged = runner.invoke(args=["evidence", "purge"])
    assert purged.output.splitlines() == [
        "Deleted 0 abandoned uploads and 0 interrupted partial files.",
        "Deleted 0 stored files no item refers to.",
    ]
    assert stored_files(app) == files_before

    # an upload sent whole is taken: the one cut off was a valid request
    user = http_login(server.url, member.email)
    upload = SlowUpload(server.url, user, case_id, STATEMENT)
    status, answer = upload.finish()
    assert status == 201, answer
    assert _evidence_count() == 2


def test_an_upload_killed_after_storing_its_file_leaves_nothing_after_a_purge(
    app: Flask,
    database_url: str,
    member: User,
    case_id: str,
    serve: Serve,
    runner: FlaskCliRunner,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a table lock holds the request between storing and recording: PostgreSQL")
    pooled, pooled_bytes = pool_one_item(app, member, case_id)
    files_before = stored_files(app)
    server = serve()
    user = http_login(server.url, member.email)
    # the request stores the original, then waits to record it: the kill falls in between
    locker = create_engine(database_url)
    with locker.connect() as lock:
        lock.execute(text("LOCK TABLE evidence_files IN SHARE MODE"))
        upload = SlowUpload(server.url, user, case_id, STATEMENT)
        upload.send(len(upload.body))
        deadline = time.monotonic() + 30
        while not stored_files(app) - files_before - staged_files(app):
            assert time.monotonic() < deadline, "the upload was never stored"
            time.sleep(0.01)
        server.kill()
        upload.connection.close()
        lock.rollback()
    locker.dispose()

    assert _evidence_count() == 1  # the killed transaction took its rows with it
    orphans = stored_files(app) - files_before
    assert len(orphans) == 1  # the original, which no row names: nobody can reach it
    server = serve()
    assert_pool_intact(server, member, case_id, pooled, pooled_bytes)

    # a day later, the purge deletes the original nobody recorded, and only that
    root = Path(app.config["STORAGE_DIR"])

    def a_day_passes() -> None:
        day_old = time.time() - 25 * 3600
        for name in stored_files(app):
            os.utime(root / name, (day_old, day_old))

    a_day_passes()
    (orphan,) = orphans
    current_storage().put((root / orphan).read_bytes())  # as a new upload of the same file
    purged = runner.invoke(args=["evidence", "purge"])
    assert purged.output.splitlines()[1] == "Deleted 0 stored files no item refers to."
    a_day_passes()
    purged = runner.invoke(args=["evidence", "purge"])
    assert purged.output.splitlines() == [
        "Deleted 0 abandoned uploads and 0 interrupted partial files.",
        "Deleted 1 stored files no item refers to.",
    ]
    assert stored_files(app) == files_before
    assert_pool_intact(server, member, case_id, pooled, pooled_bytes)


# -- an anonymization killed half-way through a document -------------------------------------

PAGES = 4


def statement_pdf(pages: int = PAGES) -> bytes:
    """A statement with a phone number in the text layer of every page."""
    from fpdf import FPDF

    document = FPDF()
    document.set_font("Helvetica", size=14)
    for number in range(pages):
        document.add_page()
        document.cell(
            text=f"Page {number + 1}: call me on 138 1234 {5600 + number} about the refund."
        )
    return bytes(document.output())


def _item(public_id: str) -> Evidence:
    db.session.rollback()
    item = db.session.scalar(select(Evidence).where(Evidence.public_id == public_id))
    assert item is not None
    return item


def _job_of(public_id: str) -> Job:
    job = _item(public_id).job
    assert job is not None
    return job


def co_member(
    case_public_id: str, make_user: Callable[..., User], make_complaint: Callable[..., Complaint]
) -> User:
    """Another member of the case, who sees its pool."""
    other = make_user(email="co-member@example.org", display_name="Co Member", locale="en")
    case = db.session.scalar(select(GroupCase).where(GroupCase.public_id == case_public_id))
    wallet = db.session.scalar(select(Company).where(Company.slug == "walletpro"))
    assert case is not None
    assert wallet is not None
    group_cases.join_case(db.session, other, case, make_complaint(other, wallet, NARRATIVE))
    db.session.commit()
    return other


@pytest.fixture
def job_worker(app: Flask, redis_url: str, tmp_path: Path) -> Iterator[StartWorker]:
    """``start()``: a ``flask jobs worker`` process serving the test app's own queue (the app
    enqueues on Redis from now on); every one started is killed, with its work horse, when the
    test ends. PDFs are rendered at 300 dpi: each page takes a good fraction of a second, so a
    kill lands between two pages."""
    app.config.update(JOBS_MODE="rq", REDIS_URL=redis_url, RQ_QUEUE=f"test-{uuid.uuid4().hex}")
    env = {**worker_env(app, redis_url), "CHORUS_EVIDENCE_PDF_DPI": "300"}
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        with (tmp_path / f"worker-{len(started)}.log").open("wb") as log:
            started.append(
                subprocess.Popen(
                    [FLASK, "--app", "app", "jobs", "worker"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        return started[-1]

    try:
        yield start
    finally:
        for process in started:
            kill_worker(process)


def test_an_anonymization_killed_mid_document_is_redone_whole(
    app: Flask,
    member: User,
    case_id: str,
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    job_worker: StartWorker,
    tmp_path: Path,
) -> None:
    first = job_worker()
    contributor = logged_in(app, member.email)
    other = logged_in(app, co_member(case_id, make_user, make_complaint).email)
    answer = upload_evidence(contributor, case_id, "statement.pdf", statement_pdf())
    assert answer.status_code == 201, answer.get_data(as_text=True)
    body = answer.get_json()
    item_id = body["id"]
    # page 2 is being rendered in the job's child process
    half_way = 5 + 45 * 2 // PAGES
    wait_for(
        lambda: _job_of(item_id).step == "rendering" and _job_of(item_id).progress >= half_way,
        "the worker half-way through the document",
        tmp_path,
    )
    kill_worker(first)

    item = _item(item_id)
    job = _job_of(item_id)
    assert job.step == "rendering", "the kill came too late to be in the middle"
    # what the child made is stored only once it finished: nothing of a killed run is kept
    assert not [f for f in item.files if f.role is not FileRole.ORIGINAL]
    assert item.status is EvidenceStatus.PROCESSING
    assert item.sha256 is None
    # the contributor is told it is still at work, and gets no output of any kind
    page = contributor.get(f"/evidence/{item_id}", headers=EN).get_data(as_text=True)
    assert "Anonymizing your file" in page
    assert contributor.get(body["job"]).get_json()["done"] is False
    for path in ("file", "thumbnail", *(f"pages/{n}" for n in range(PAGES))):
        assert contributor.get(f"/evidence/{item_id}/{path}").status_code == 404, path
    refused = contributor.post(
        f"/evidence/{item_id}/confirm", data={"csrf_token": csrf_token(page)}, headers=EN
    )
    assert is_redirect(refused.status_code) or refused.status_code == 422
    assert _item(item_id).status is EvidenceStatus.PROCESSING
    # the rest of the case sees nothing of it
    assert other.get(f"/evidence/{item_id}").status_code == 404
    assert other.get(f"/evidence/{item_id}/file").status_code == 404
    assert item_id not in other.get(f"/cases/{case_id}/evidence").get_data(as_text=True)

    # ten minutes without a heartbeat pass; a new worker sweeps on start and runs it again
    db.session.execute(
        update(Job)
        .where(Job.id == job.id)
        .values(heartbeat_at=utcnow() - jobs.STALE_AFTER - timedelta(seconds=1))
    )
    db.session.commit()
    job_worker()
    wait_for(
        lambda: _job_of(item_id).status in (JobStatus.DONE, JobStatus.FAILED),
        "the second attempt",
        tmp_path,
        timeout=60,
    )
    job = _job_of(item_id)
    assert job.status is JobStatus.DONE
    assert job.attempts == 2
    item = _item(item_id)
    assert item.status is EvidenceStatus.PREVIEW
    assert item.page_count == PAGES
    # every page's phone number once, and the document's creation date, hidden data
    assert item.removed == {"AREA": PAGES, "PHONE": PAGES, "DATES": 1}
    output = contributor.get(f"/evidence/{item_id}/file")
    assert output.status_code == 200
    assert pdf.page_count(output.get_data()) == PAGES  # every page, not those of the first run
    output.close()
    for number in range(PAGES):
        shown = contributor.get(f"/evidence/{item_id}/pages/{number}")
        assert shown.status_code == 200
        shown.close()


# -- members signing through a server that is killed under them ------------------------------

SIGNERS = 48
SIGNER_PASSWORD = "signing under fire"
VERSION_HASH = re.compile(r'name="version_sha256" type="hidden" value="([0-9a-f]{64})"')
SIGNED = "You signed this version"


class Signer:
    """A member on the complaint's page, logged in, with the signing form's token and hash."""

    def __init__(self, base_url: str, case_public_id: str, email: str) -> None:
        self.email = email
        self.case_public_id = case_public_id
        self.user = http_login(base_url, email, SIGNER_PASSWORD)
        _status, page = self.user.get(f"/cases/{case_public_id}/petition")
        found = VERSION_HASH.search(page)
        assert found, "no signing form"
        self.form = {
            "csrf_token": csrf_token(page),
            "version_sha256": found.group(1),
            "facts_confirmed": "y",
            "share_identity": "pseudonym",
        }
        #: the answer to the signature, None while there is none (or the server died first)
        self.answer: int | None = None

    def sign(self) -> None:
        try:
            status, _ = self.user.post(f"/cases/{self.case_public_id}/petition/sign", self.form)
        except (OSError, http.client.HTTPException):
            return  # connection refused or cut: the member does not know whether they signed
        self.answer = status

    def sign_without_reading_the_answer(self) -> http.client.HTTPConnection:
        """Send the signature on a connection of its own and never read what comes back: the
        member whose line drops after the click. Returns the connection, left open."""
        host, port = self.user.base_url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        connection.request(
            "POST",
            f"/cases/{self.case_public_id}/petition/sign",
            body=urllib.parse.urlencode(self.form),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie_header(self.user),
            },
        )
        return connection


def _signature_rows(case_public_id: str) -> list[SignatureEntry]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(SignatureEntry)
            .join(GroupCase, GroupCase.id == SignatureEntry.case_id)
            .where(GroupCase.public_id == case_public_id)
            .order_by(SignatureEntry.seq)
        )
    )


def _signed_emails(case_public_id: str) -> list[str]:
    """The e-mail of the member behind each signature, in chain order."""
    return [
        email
        for entry in _signature_rows(case_public_id)
        for email in db.session.scalars(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.id == entry.membership_id)
        )
    ]


def _has_signed(case_public_id: str, email: str) -> bool:
    try:
        return email in _signed_emails(case_public_id)
    except OperationalError:  # SQLite busy with a writer's commit: look again
        return False


def _count_signatures(case_public_id: str) -> int:
    try:
        return len(_signature_rows(case_public_id))
    except OperationalError:  # SQLite busy with a writer's commit: look again
        return 0


@pytest.mark.usefixtures("database_url")
def test_signatures_answered_before_a_kill_survive_it(app: Flask, serve: Serve) -> None:
    with app.test_request_context():
        case_id, emails = build_signing_case(db.session, SIGNERS, SIGNER_PASSWORD)
    server = serve(workers=2)
    signers = [Signer(server.url, case_id, email) for email in emails]

    # one member's answer is lost for sure: their signature is committed, they never hear so
    lost = signers[-1]
    line = lost.sign_without_reading_the_answer()
    deadline = time.monotonic() + 30
    while not _has_signed(case_id, lost.email):
        assert time.monotonic() < deadline, "the lost member's signature never came"
        time.sleep(0.01)

    # every other member clicks "sign" at once; the server is killed once a third are in
    with ThreadPoolExecutor(max_workers=16) as pool:
        pending = [pool.submit(signer.sign) for signer in signers if signer is not lost]
        deadline = time.monotonic() + 60
        while _count_signatures(case_id) < SIGNERS // 3:
            assert time.monotonic() < deadline, "the signatures never came"
            time.sleep(0.005)
        server.kill()
        line.close()
        for future in pending:
            future.result()

    answered = [s for s in signers if s.answer is not None]
    assert all(is_redirect(s.answer) for s in answered), {s.answer for s in answered}
    unanswered = [s for s in signers if s.answer is None]
    assert unanswered, "the kill came after every signature was answered"
    signed = _signed_emails(case_id)
    # every signature a member was told about is in the chain, once
    assert {s.email for s in answered} <= set(signed)
    assert len(signed) == len(set(signed))
    entries = _signature_rows(case_id)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert all(e.action is SignatureAction.SIGN for e in entries)
    case = db.session.scalar(select(GroupCase).where(GroupCase.public_id == case_id))
    assert case is not None
    report = verify_case_chain(db.session, case)
    assert report.ok, report.problem
    # each signature came with its line in the case's timeline, in the same transaction
    events = db.session.scalar(
        select(func.count(CaseEvent.id)).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == CaseEventKind.SIGNED
        )
    )
    assert events == len(entries)
    committed_unanswered = [s for s in unanswered if s.email in signed]
    assert lost in committed_unanswered
    print(  # how often the kill fell between a commit and its answer (for the report)
        f"{len(answered)} answered, {len(unanswered)} unanswered of which "
        f"{len(committed_unanswered)} committed"
    )

    # after the restart, members see what was kept; those left without an answer sign again
    server = serve(workers=2)
    count_shown = re.compile(r"(\d+) signatures? · <strong class=\"ok\">chain verified")
    for signer in answered:
        signer.user = http_login(server.url, signer.email, SIGNER_PASSWORD)
        _status, page = signer.user.get(f"/cases/{case_id}/petition")
        assert SIGNED in page, signer.email
    shown = count_shown.search(page)
    assert shown, "no verified count on the page"
    assert int(shown.group(1)) == len(entries)
    for signer in unanswered:
        signer.user = http_login(server.url, signer.email, SIGNER_PASSWORD)
        _status, page = signer.user.get(f"/cases/{case_id}/petition")
        assert (SIGNED in page) == (signer.email in signed), signer.email
        if SIGNED not in page:
            signer.form["csrf_token"] = csrf_token(page)
            signer.sign()
            assert is_redirect(signer.answer), signer.answer
    signed = _signed_emails(case_id)
    assert sorted(signed) == sorted(emails)  # everyone signed exactly once
    assert signing_state(db.session, case).count == SIGNERS
    assert verify_case_chain(db.session, case).ok
    _status, page = signers[0].user.get(f"/cases/{case_id}/petition")
    shown = count_shown.search(page)
    assert shown, "no verified count on the page"
    assert int(shown.group(1)) == SIGNERS


# -- a bundle built in the web process's thread pool when the server is killed ---------------


def _api_bundle(base_url: str, case_public_id: str, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base_url}/api/v1/cases/{case_public_id}/bundle",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return response.status, response.read()


def test_a_bundle_built_in_a_killed_web_process_is_rebuilt_by_a_sweep(
    app: Flask,
    database_url: str,
    make_user: Callable[..., User],
    serve: Serve,
    runner: FlaskCliRunner,
    tmp_path: Path,
) -> None:
    from bench.bundle_build import seed_case

    submission = seed_case(db.session, signers=30, files=3, total_bytes=30_000, seed=12)
    db.session.commit()
    case_id = submission.case.public_id
    regulator = make_user(
        email="reg@example.org", role=UserRole.REGULATOR, authority=submission.authority
    )
    token = api_tokens.create_token(db.session, regulator, "inbox").secret
    db.session.commit()
    first = db.session.scalars(
        select(Evidence).where(Evidence.case_id == submission.case_id).order_by(Evidence.id)
    ).first()
    assert first is not None
    assert first.sha256
    path = current_storage().path_for(first.sha256)  # type: ignore[attr-defined]
    data = path.read_bytes()
    path.unlink()
    os.mkfifo(path, 0o600)  # the build stops here until the bytes are written into the pipe
    files_before = stored_files(app)

    server = serve(JOBS_MODE="thread")
    status, _ = _api_bundle(server.url, case_id, token)
    assert status == 202  # being prepared, in a thread of the worker that answered
    job_id = db.session.scalar(select(Job.id).where(Job.kind == BUNDLE_JOB))
    assert job_id is not None
    wait_for(
        lambda: _job(job_id).status is JobStatus.RUNNING and _job(job_id).progress > 0,
        "the build to reach the evidence",
        tmp_path,
    )
    server.kill()

    job = _job(job_id)
    assert job.status is JobStatus.RUNNING
    assert job.attempts == 1
    db.session.refresh(submission)
    assert submission.bundle_sha256 is None
    left = stored_files(app) - files_before
    # what the build wrote is a staging file, outside the content store: nobody reads it
    assert left
    assert all(name.startswith(f"{STAGING_DIR}/put-bundle-") for name in left), left

    server = serve(JOBS_MODE="thread")
    regulator_client = logged_in(app, regulator.email)
    page = f"/regulator/cases/{case_id}"
    assert regulator_client.get(f"{page}/bundle.zip").status_code == 404
    assert f"{page}/bundle.zip" not in regulator_client.get(page).get_data(as_text=True)

    # ten minutes without a heartbeat pass; cron's sweep runs the build again, to its end
    db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(heartbeat_at=utcnow() - jobs.STALE_AFTER - timedelta(seconds=1))
    )
    db.session.commit()
    sweep = subprocess.Popen(
        [str(BIN / "flask"), "--app", "app", "jobs", "sweep"],
        cwd=ROOT,
        env=served_env(
            database_url,
            Path(app.instance_path),
            STORAGE_DIR=app.config["STORAGE_DIR"],
            JOBS_MODE="thread",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    feed(path, data)
    output, _ = sweep.communicate(timeout=120)
    assert sweep.returncode == 0, output
    assert b"1 stale job(s) handed over again." in output
    job = _job(job_id)
    assert job.status is JobStatus.DONE
    assert job.attempts == 2

    # the staging file of the killed build goes with the day's purge; the bundle stays
    for name in left:
        stale = time.time() - 25 * 3600
        os.utime(Path(app.config["STORAGE_DIR"]) / name, (stale, stale))
    purged = runner.invoke(args=["evidence", "purge"])
    assert purged.output.splitlines() == [
        f"Deleted 0 abandoned uploads and {len(left)} interrupted partial files.",
        "Deleted 0 stored files no item refers to.",
    ]
    status, zipped = _api_bundle(server.url, case_id, token)
    assert status == 200
    report = verify_bundle(io.BytesIO(zipped))
    assert report.ok, report.problems
    assert report.checked["payload_files"] == 10 + 3  # data files (statements too) + evidence
    download = regulator_client.get(f"{page}/bundle.zip")
    assert download.get_data() == zipped
    download.close()


def _job(job_id: int) -> Job:
    db.session.rollback()
    job = db.session.get(Job, job_id)
    assert job is not None
    return job


def feed(fifo: Path, data: bytes) -> None:
    """Write ``data`` into the pipe once a reader has opened it: a cold ``flask`` process on a
    loaded machine can take most of a minute to get there."""
    deadline = time.monotonic() + 120
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError:  # ENXIO: nobody reads yet
            assert time.monotonic() < deadline, "nobody read the pipe"
            time.sleep(0.05)
    os.set_blocking(fd, True)
    with os.fdopen(fd, "wb") as pipe:
        pipe.write(data)
