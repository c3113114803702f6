"""The production stack as real processes on loopback, spoken to over HTTP only.

gunicorn with two worker processes (``gunicorn.conf.py``) and one job worker
(``flask jobs worker``) share a PostgreSQL database migrated by ``flask setup``, a Redis
(job queue and rate limits) and an S3 bucket on SeaweedFS. Nothing is shared in memory: a
session made by one web process is honoured by the other, a rate limit counts requests
whichever process answers them, an upload is anonymized by the job worker, a bundle is built
there and served from the bucket, and no stored file lands on the web hosts' disk.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyotp
import pytest
import requests
from sqlalchemy import create_engine, make_url, text

from services.bundle.verify import verify_bundle
from services.platform.storage.local import STAGING_DIR
from tests.support.forms import CSRF_PATTERN
from tests.support.seaweedfs import SeaweedS3
from tests.support.server import gunicorn_server, served_env
from tests.support.web import EN, assert_redirects, is_redirect

T = TypeVar("T")
FLASK = str(Path(sys.executable).with_name("flask"))
DEMO_PASSWORD = "chorus-demo-2026"
#: a new TCP connection for every request, so the two web processes both answer
FRESH = {**EN, "Connection": "close"}
TEXT = "退款被拒三次,客服电话 13812345678 一直打不通。".encode()


@dataclass(frozen=True)
class Stack:
    url: str
    instance: Path
    s3: SeaweedS3
    bucket: str


def _database(postgres_url: str) -> str:
    """A database of its own on the session's PostgreSQL server, migrated by the app."""
    name = f"stack_{uuid.uuid4().hex[:8]}"
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(postgres_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_url: str,
    redis_url: str,
    seaweedfs: SeaweedS3,
) -> Iterator[Stack]:
    instance = tmp_path_factory.mktemp("stack") / "instance"
    instance.mkdir()
    bucket = f"stack-{uuid.uuid4().hex[:8]}"
    settings = {
        "REDIS_URL": redis_url,
        "RQ_QUEUE": f"stack-{uuid.uuid4().hex[:8]}",
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": seaweedfs.endpoint_url,
        "S3_REGION": seaweedfs.region,
        "S3_ACCESS_KEY_ID": seaweedfs.access_key_id,
        "S3_SECRET_ACCESS_KEY": seaweedfs.secret_access_key,
    }
    database_url = _database(postgres_url)
    env = served_env(database_url, instance, **settings)
    subprocess.run(
        [FLASK, "--app", "app", "setup"], env=env, check=True, capture_output=True, timeout=300
    )
    log = (instance / "worker.log").open("wb")
    worker = subprocess.Popen(
        [FLASK, "--app", "app", "jobs", "worker"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        with gunicorn_server(database_url, instance, workers=2, **settings) as url:
            yield Stack(url, instance, seaweedfs, bucket)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        log.close()


def _csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, headers=FRESH, timeout=10)
    assert page.status_code == 200, page.text[:500]
    match = CSRF_PATTERN.search(page.text)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def _log_in(stack: Stack, email: str) -> requests.Session:
    session = requests.Session()
    token = _csrf(session, f"{stack.url}/account/login")
    response = session.post(
        f"{stack.url}/account/login",
        data={"csrf_token": token, "email": email, "password": DEMO_PASSWORD},
        headers=FRESH,
        allow_redirects=False,
        timeout=10,
    )
    assert is_redirect(response.status_code), response.text[:500]
    # where the login sends them; a regulator's first login ends on two-step setup
    setup = session.get(stack.url + response.headers["Location"], headers=FRESH, timeout=10)
    secret = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", setup.text)
    if setup.url.endswith("/account/two-step/setup") and secret:
        code = pyotp.TOTP(secret.group(1).replace(" ", "")).now()
        token = CSRF_PATTERN.search(setup.text)
        enrolled = session.post(
            f"{stack.url}/account/two-step/setup",
            data={"csrf_token": token.group(1) or token.group(2), "code": code},
            headers=FRESH,
            timeout=10,
        )
        assert enrolled.status_code == 200, enrolled.text[:500]
    return session


def _wait(condition: Callable[[], T], what: str, stack: Stack, timeout: float = 90) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.3)
    worker_log = (stack.instance / "worker.log").read_text(errors="replace")[-3000:]
    raise AssertionError(f"{what} did not happen within {timeout} s; worker log:\n{worker_log}")


def _bucket_keys(stack: Stack) -> set[str]:
    client = stack.s3.client()
    try:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=stack.bucket)
        names = [item["Key"] for page in pages for item in page.get("Contents", [])]
        return {name.rsplit("/", 1)[-1] for name in names}
    finally:
        client.close()


def _files_on_the_web_host(stack: Stack) -> list[Path]:
    files = stack.instance / "files"
    if not files.exists():
        return []
    return [p for p in files.rglob("*") if p.is_file() and STAGING_DIR not in p.parts]


def test_health_and_liveness_answer_ok_through_gunicorn(stack: Stack) -> None:
    assert requests.get(f"{stack.url}/livez", timeout=5).json() == {"status": "ok"}
    assert requests.get(f"{stack.url}/healthz", timeout=5).json() == {"status": "ok"}


def test_a_session_is_honoured_by_every_web_process(stack: Stack) -> None:
    session = _log_in(stack, "member.en@example.org")
    for _ in range(12):
        page = session.get(f"{stack.url}/me/", headers=FRESH, allow_redirects=False, timeout=10)
        assert page.status_code == 200
        assert "Daniel Brooks" in page.text


def test_an_upload_is_anonymized_by_the_job_worker_and_stored_in_the_bucket(stack: Stack) -> None:
    session = _log_in(stack, "member.en@example.org")
    me = session.get(f"{stack.url}/me/", headers=FRESH, timeout=10).text
    case = re.search(r'href="/cases/([a-z0-9]+)"', me)
    assert case, "the demo member belongs to a case"
    pool = f"{stack.url}/cases/{case.group(1)}/evidence"
    before = _bucket_keys(stack)
    response = session.post(
        pool,
        data={"csrf_token": _csrf(session, pool)},
        files={"files": ("account.txt", TEXT, "text/plain")},
        headers={**FRESH, "Accept": "application/json"},
        timeout=30,
    )
    assert response.status_code == 201, response.text[:500]
    created = response.json()

    def finished() -> dict | None:
        job = session.get(f"{stack.url}{created['job']}", headers=FRESH, timeout=10).json()
        return job if job["done"] else None

    job = _wait(finished, "the anonymization job", stack)
    assert job["status"] == "done", job
    item = f"{stack.url}{created['url']}"
    preview = session.get(item, headers=FRESH, timeout=10).text
    assert "13812345678" not in preview
    confirmed = session.post(
        f"{item}/confirm",
        data={"csrf_token": _csrf(session, item)},
        headers=FRESH,
        allow_redirects=False,
        timeout=10,
    )
    assert_redirects(confirmed)
    pooled = session.get(f"{item}/file", headers=FRESH, timeout=10)
    assert pooled.status_code == 200
    assert b"13812345678" not in pooled.content
    assert _bucket_keys(stack) - before  # the pooled text went to the bucket
    assert _files_on_the_web_host(stack) == []


def test_a_bundle_is_built_by_the_job_worker_and_served_from_the_bucket(stack: Stack) -> None:
    session = _log_in(stack, "regulator@example.org")
    inbox = session.get(f"{stack.url}/regulator/", headers=FRESH, timeout=10).text
    found = re.search(r'href="(/regulator/cases/[a-z0-9]+)"', inbox)
    assert found, "the demo regulator has a submitted case"
    case = f"{stack.url}{found.group(1)}"
    if f'action="{found.group(1)}/bundle"' in session.get(case, headers=FRESH, timeout=10).text:
        session.post(
            f"{case}/bundle", data={"csrf_token": _csrf(session, case)}, headers=FRESH, timeout=10
        )

    def ready() -> bool:
        return "/bundle.zip" in session.get(case, headers=FRESH, timeout=10).text

    _wait(ready, "the bundle", stack, timeout=180)
    bundle = session.get(f"{case}/bundle.zip", headers=FRESH, timeout=60)
    assert bundle.status_code == 200
    key = requests.get(f"{stack.url}/.well-known/chorus-bundle-key.pem", timeout=5).content
    report = verify_bundle(io.BytesIO(bundle.content), trusted_public_key=key)
    assert report.ok, report.problems
    # a resumed download: the tail only, from the bucket
    tail = session.get(f"{case}/bundle.zip", headers={**FRESH, "Range": "bytes=100-"}, timeout=60)
    assert tail.status_code == 206
    assert tail.content == bundle.content[100:]
    assert _files_on_the_web_host(stack) == []


def test_the_login_limit_is_counted_across_web_processes(stack: Stack) -> None:
    """Last in the module: it spends this address's logins for a minute. Ten failed logins a
    minute from one address are allowed (LOGIN_RATE_LIMIT); with limits kept in each process,
    two processes would let about twenty through."""
    statuses = []
    for attempt in range(11):
        session = requests.Session()
        token = _csrf(session, f"{stack.url}/account/login")
        response = session.post(
            f"{stack.url}/account/login",
            data={"csrf_token": token, "email": f"nobody{attempt}@example.org", "password": "x"},
            headers=FRESH,
            allow_redirects=False,
            timeout=10,
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [401] * 10  # the form again, with its error
    assert statuses[10] == 429
