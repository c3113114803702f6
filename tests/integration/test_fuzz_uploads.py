"""Property-based tests of the upload check (``services.evidence.contributions.contribute``) on both
databases, with the real local storage: random bytes, damaged and valid files under hostile
names (climbing paths, absolute paths, NUL and other control characters, very long names,
Windows device names, backslashes, text-direction marks, any unicode) are accepted only when
the content really is a PNG, JPEG, WebP, PDF, text or CSV file that decodes in full, and are
otherwise refused with a message, never with another exception; nothing a refused upload sent
is stored; and whatever is stored sits under the storage root under its content hash, with
nothing written anywhere else. Through the upload page the declared content type changes
nothing: the content decides.

Reproducible: see :mod:`tests.support.fuzz`.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import func, select

from extensions import db
from models import Company, Complaint, Evidence, EvidenceKind, GroupCase, User
from services.anonymize import pdf as pdf_module
from services.anonymize.sniff import NAME_MAX
from services.cases import membership as group_cases
from services.errors import DomainError
from services.evidence.contributions import UploadLimits, contribute
from services.evidence.files import current_storage
from services.platform.storage.local import STAGING_DIR, LocalStorage
from tests.support.forms import csrf_token, logged_in
from tests.support.fuzz import fuzz
from tests.support.one_case import NARRATIVE
from tests.support.one_case import organizer as organizer  # the fixture
from tests.support.watched import deep_folder, snapshot

LIMITS = UploadLimits(
    file_bytes=64 * 1024, member_case_bytes=10**9, max_pixels=250_000, max_pages=3
)
_KEY_PATH = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}")


# -- uploads ------------------------------------------------------------------------------------


def _image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 20), (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


SEEDS = {
    "png": _image("PNG"),
    "jpeg": _image("JPEG"),
    "webp": _image("WEBP"),
    "pdf": pdf_module.images_to_pdf([Image.new("RGB", (30, 20), "white")], dpi=72),
    "txt": "客服不回复，余额被冻结。\n".encode(),
    "csv": "日期,金额,备注\n2026-01-01,-199.00,退款\n2026-01-02,=1+1,@x\n".encode(),
    "html": b"<!doctype html><script>alert(1)</script>",
    "svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    "gb18030": "账单 钱包".encode("gb18030"),
    "utf16": "账单,金额\n钱包,1\n".encode("utf-16"),
}

HOSTILE_NAMES = [
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "C:\\Windows\\System32\\drivers\\etc\\hosts",
    "shot.png\x00.exe",
    "\x00",
    "CON",
    "NUL.txt",
    "com1.png",
    "aux",
    "..",
    ".",
    "...",
    " ",
    "",
    "\u202egnp.exe",
    "x" * 10_000 + ".png",
    "收据" * 200 + ".pdf",
    "a/b.png",
    "~/.ssh/authorized_keys",
    "%2e%2e%2fescape.png",
    "file:///etc/passwd",
    "\\\\server\\share\\x.png",
    "name\nwith\nlines.txt",
    ".htaccess",
    "截图 2026-01-01.png",
]


@st.composite
def payloads(draw: st.DrawFn) -> bytes:
    how = draw(st.sampled_from(["seed", "seed", "truncated", "flipped", "random", "prefixed"]))
    if how == "random":
        return draw(st.binary(max_size=400))
    seed = SEEDS[draw(st.sampled_from(sorted(SEEDS)))]
    if how == "truncated":
        return seed[: draw(st.integers(0, len(seed)))]
    if how == "flipped":
        data = bytearray(seed)
        data[draw(st.integers(0, len(data) - 1))] ^= 1 << draw(st.integers(0, 7))
        return bytes(data)
    if how == "prefixed":  # a valid header on something else, or junk before a valid file
        return draw(st.binary(max_size=20)) + seed
    return seed


SAFE_NAMES = st.sampled_from(["shot.png", "statement.csv", "notes.txt", "doc.pdf", "收据.jpg", "x"])
#: a safe name half the time, so the content is what decides most examples
names = st.one_of(SAFE_NAMES, st.sampled_from(HOSTILE_NAMES), SAFE_NAMES, st.text(max_size=40))


def _really(kind: EvidenceKind, data: bytes) -> bool:
    """Whether ``data`` is what it was accepted as, checked without the code under test."""
    if kind is EvidenceKind.IMAGE:
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
            return picture.format in ("PNG", "JPEG", "WEBP")
    if kind is EvidenceKind.PDF:
        document = pdfium.PdfDocument(data)
        try:
            return len(document) >= 1
        finally:
            document.close()
    text = None
    for encoding in ("utf-8-sig", "utf-16", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return text is not None and not any(ord(c) < 32 and c not in "\t\r\n\f" for c in text)


# -- the case and the watched folders -------------------------------------------------------


@pytest.fixture
def member(
    app: Flask,
    tmp_path: Path,
    organizer: User,  # noqa: ARG001 - needed for its side effect
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
) -> User:
    """A member of :mod:`tests.support.one_case`'s case, with files stored on the local disk
    deep under ``tmp_path``."""
    app.config.update(STORAGE_BACKEND="local", STORAGE_DIR=str(deep_folder(tmp_path) / "storage"))
    user = make_user(email="member@example.org", display_name="李四", locale="en")
    case = db.session.scalar(select(GroupCase))
    wallet = db.session.scalar(select(Company))
    group_cases.join_case(db.session, user, case, make_complaint(user, wallet, NARRATIVE))
    db.session.commit()
    return user


def _stored(root: Path) -> Iterator[Path]:
    for directory, _subdirs, filenames in os.walk(root):
        for name in filenames:
            yield Path(directory, name)


def _check_storage(root: Path) -> set[str]:
    """Every stored file is a regular file under ``root``, named by its content hash; nothing
    is left in the staging folder. Returns the keys."""
    keys = set()
    for path in _stored(root):
        assert not path.is_symlink()
        assert path.resolve().is_relative_to(root.resolve())
        relative = path.relative_to(root).as_posix()
        assert not relative.startswith(STAGING_DIR), relative
        assert _KEY_PATH.fullmatch(relative), relative
        keys.add(path.name)
    return keys


# -- the service --------------------------------------------------------------------------------


@fuzz(150)
@given(data=payloads(), filename=names)
@example(data=SEEDS["png"], filename="../../etc/passwd")
@example(data=SEEDS["txt"], filename="shot.png\x00.exe")
@example(data=SEEDS["pdf"], filename="x" * 10_000 + ".png")
@example(data=SEEDS["csv"], filename="CON")
@example(data=SEEDS["png"][:60], filename="shot.png")
def test_an_upload_is_accepted_only_for_what_it_really_is_and_stored_inside_the_root(
    member: User, tmp_path: Path, data: bytes, filename: str
) -> None:
    storage = current_storage()
    assert isinstance(storage, LocalStorage)
    root = storage.root
    case = db.session.scalar(select(GroupCase))
    outside_before, stored_before = snapshot(tmp_path, skip=root), _check_storage(root)
    try:
        try:
            item = contribute(
                db.session, member, case, io.BytesIO(data), filename, upload_limits=LIMITS
            )
        except DomainError as refusal:
            message = refusal.message
            item = None
        else:
            message = None
        if item is None:
            assert message
            assert message.strip()
            assert _check_storage(root) == stored_before  # a refused file leaves nothing
            assert db.session.scalar(select(func.count(Evidence.id))) == 0
        else:
            assert _really(item.kind, data), (item.kind, data[:40])
            shown = item.display_name
            assert 0 < len(shown) <= NAME_MAX
            assert not any(c in shown for c in "/\\\x00\u202e")
            key = hashlib.sha256(data).hexdigest()  # the original, kept for its contributor
            assert _check_storage(root) - stored_before <= {key}
            assert key in _check_storage(root)
        _check_storage(root)
        assert snapshot(tmp_path, skip=root) == outside_before
    finally:
        db.session.rollback()


# -- the page -----------------------------------------------------------------------------------

content_types = st.one_of(
    st.sampled_from(
        [
            "image/png",
            "application/pdf",
            "text/html",
            "image/svg+xml",
            "application/x-msdownload",
            "text/csv; charset=gb18030",
            "application/octet-stream",
            "",
        ]
    ),
    st.from_regex(r"[a-z]{1,10}/[a-z0-9.+\-]{1,15}", fullmatch=True),
)
#: what the page's job can handle quickly: no picture reaches OCR here (the job runs eagerly)
page_payloads = st.one_of(
    st.sampled_from([SEEDS["txt"], SEEDS["csv"], SEEDS["html"], SEEDS["svg"], SEEDS["gb18030"]]),
    st.binary(max_size=200),
    st.sampled_from([SEEDS["png"][:50], SEEDS["pdf"][:80]]),
)


@pytest.fixture
def member_client(app: Flask, member: User) -> FlaskClient:
    return logged_in(app, member.email)


@fuzz(20)
@given(
    data=page_payloads,
    filename=st.sampled_from([*HOSTILE_NAMES[:12], "notes.txt"]),
    content_type=content_types,
)
def test_the_page_lets_the_content_decide_whatever_type_is_declared(
    member_client: FlaskClient, tmp_path: Path, data: bytes, filename: str, content_type: str
) -> None:
    root = current_storage().root
    case = db.session.scalar(select(GroupCase))
    client = member_client
    page = client.get(f"/cases/{case.public_id}/evidence", headers={"Accept-Language": "en"})
    outside_before = snapshot(tmp_path, skip=root)
    response = client.post(
        f"/cases/{case.public_id}/evidence",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "words": "",
            "files": (io.BytesIO(data), filename, content_type),
        },
        headers={"Accept-Language": "en", "Accept": "application/json"},
        content_type="multipart/form-data",
    )
    assert response.status_code < 500
    body = response.get_json()
    if response.status_code >= 400:
        assert body["error"].strip()
    else:
        item = db.session.scalar(select(Evidence).order_by(Evidence.id.desc()))
        assert _really(item.kind, data)
    _check_storage(root)
    assert snapshot(tmp_path, skip=root) == outside_before
    db.session.rollback()
