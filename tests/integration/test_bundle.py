"""The case bundle: built from a submitted demo case with pooled evidence, checked by our own
verifier and by the ``bagit`` package, and refused, with the reason named, after every kind of
tampering; the CLI, the well-known key, the background job, and memory that stays flat."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import bagit
import pypdfium2 as pdfium
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from flask import Flask
from flask.testing import FlaskCliRunner
from PIL import Image
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app import create_app
from extensions import db
from models import (
    ComplaintRouting,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    Job,
    JobStatus,
    Membership,
    SignatureEntry,
    Submission,
    utcnow,
)
from services.bundle import bag, keys, kinsoku
from services.bundle import contents as bundle_contents
from services.bundle import evidence as bundle_evidence
from services.bundle.job import bundle_for, enqueue_build
from services.bundle.verify import verify_bundle
from services.bundle.writer import BundleResult, build_bundle
from services.evidence.files import current_storage
from services.petition.chain import entry_hash
from services.petition.signing import signing_state
from services.platform.jobs import runner as jobs
from services.reference.categories import ensure_categories
from tests.conftest import app_config
from tests.support.stored import stored_objects

PHONE = "13812345678"
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


# -- a submitted case with evidence ------------------------------------------------------------


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _pool(
    session: Session, submission: Submission, member: Any, data: bytes, **fields: Any
) -> None:
    stored = current_storage().put(data)
    session.add(
        Evidence(
            case_id=submission.case_id,
            membership_id=member.id,
            contributor_id=member.user_id,
            contributor_pseudonym=member.pseudonym,
            status=EvidenceStatus.POOLED,
            size_bytes=stored.size,
            original_size=stored.size,
            sha256=stored.key,
            removed={"PHONE": 1},
            pooled_at=utcnow(),
            **fields,
        )
    )


def prepare(session: Session) -> Submission:
    """The demo's submitted case with the most signers, a phone number and the member's own
    name planted in one signer's narrative, a formula in another's, and two pooled files."""
    submissions = list(session.scalars(select(Submission).order_by(Submission.id)))
    submission = max(submissions, key=lambda s: signing_state(session, s.case, s.version).count)
    state = signing_state(session, submission.case, submission.version)
    signers = [e.membership for e in state.active.values()]
    signers = [m for m in signers if m is not None]
    signers.sort(key=lambda m: m.id)
    planted, formula = signers[0], signers[1]
    # only the two files planted here: the demo's own pooled items would blur what is checked
    session.execute(delete(Evidence).where(Evidence.case_id == submission.case_id))
    planted.complaint.narrative += f" 我的手机 {PHONE}，我叫{planted.user.display_name}。"
    formula.complaint.narrative = '=HYPERLINK("http://evil.example") ' + formula.complaint.narrative
    _pool(
        session,
        submission,
        planted,
        _png(),
        kind=EvidenceKind.IMAGE,
        display_name="冻结 截图.png",
        media_type="image/png",
    )
    _pool(
        session,
        submission,
        formula,
        "申诉记录：订单 2026031500012345 已驳回。\n".encode() * 50,
        kind=EvidenceKind.TEXT,
        display_name="../申诉记录.txt",
        media_type="text/plain",
    )
    session.commit()
    return submission


@pytest.fixture
def submitted(app: Flask, demo: None) -> Submission:  # noqa: ARG001 - needed for its side effect
    return prepare(db.session)


def _build(submission: Submission, path: Path) -> BundleResult:
    with path.open("wb") as out:
        return build_bundle(db.session, submission, out)


def _read_members(data: bytes) -> tuple[str, dict[str, bytes]]:
    """The bag's top directory and its files (path inside the bag -> bytes), in zip order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        top = names[0].split("/")[0]
        return top, {n.split("/", 1)[1]: archive.read(n) for n in names}


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


# -- what a good bundle holds ------------------------------------------------------------------


def test_bundle_verifies_and_the_bagit_package_validates_it(
    submitted: Submission, tmp_path: Path
) -> None:
    path = tmp_path / "bundle.zip"
    result = _build(submitted, path)
    state = signing_state(db.session, submitted.case, submitted.version)
    assert result.signatures == state.count > 3
    pooled = db.session.scalar(
        select(func.count(Evidence.id)).where(
            Evidence.case_id == submitted.case_id, Evidence.status == EvidenceStatus.POOLED
        )
    )
    assert result.files == 10 + pooled  # the 10 data files and every pooled item
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.size == path.stat().st_size

    report = verify_bundle(path)
    assert report.ok, report.problems
    assert report.checked["payload_files"] == result.files
    assert report.checked["signatures"] == state.count
    assert report.checked["chain"] == "verified"
    assert report.checked["key_id"] == result.key_id == keys.current_key_id()

    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "out")  # our own bundle: its names are trusted
        stored = {i.filename.rsplit(".", 1)[-1]: i.compress_type for i in archive.infolist()}
    top = f"chorus-case-{submitted.case.public_id}"
    assert all(name.startswith(top + "/") for name in names)
    assert stored["png"] == zipfile.ZIP_STORED
    assert stored["csv"] == zipfile.ZIP_DEFLATED
    bag_dir = tmp_path / "out" / top
    checked = bagit.Bag(str(bag_dir))
    assert checked.version_info == (1, 0)
    assert checked.validate(fast=False)
    assert checked.info["External-Identifier"] == submitted.case.public_id
    assert checked.info[bag.SIGNATURES] == str(state.count)
    assert (bag_dir / bag.SIGNATURE).is_file()

    evidence_files = sorted(
        (bag_dir / "data" / "evidence").iterdir(), key=lambda p: int(p.name.split("-")[1])
    )
    assert [p.name.split("-", 2)[2] for p in evidence_files] == ["冻结_截图.png", "申诉记录.txt"]
    listing = _csv_rows((bag_dir / "data" / "evidence.csv").read_bytes())
    for row, file in zip(listing, evidence_files, strict=True):
        assert row["file"] == f"data/evidence/{file.name}"
        assert row["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()
        assert json.loads(row["removed"]) == {"PHONE": 1}

    # anyone can recompute every entry hash from the log alone
    log = [json.loads(line) for line in (bag_dir / bag.SIGNATURE_LOG).read_text().splitlines()]
    entries = db.session.scalars(
        select(SignatureEntry)
        .where(SignatureEntry.case_id == submitted.case_id)
        .order_by(SignatureEntry.seq)
    ).all()
    assert [e["entry_hash"] for e in log] == [e.entry_hash for e in entries]
    for line in log:
        fields = {k: v for k, v in line.items() if k != "entry_hash"}
        fields["created_at"] = datetime.fromisoformat(fields["created_at"])
        assert entry_hash(case_public_id=submitted.case.public_id, **fields) == line["entry_hash"]

    stats = json.loads((bag_dir / bag.STATS).read_text())
    assert stats["signatures"] == state.count
    assert stats["evidence_files"] == 2
    assert stats["members"] == submitted.case.member_count
    assert sum(c["signers"] for c in stats["signers_figures"]["categories"]) == state.count
    timeline = json.loads((bag_dir / bag.TIMELINE).read_text())
    assert timeline[0]["kind"] == "created"
    assert timeline[-1]["kind"] == "status_changed"


def test_signatories_and_complaints_reveal_only_what_members_allowed(
    submitted: Submission, tmp_path: Path
) -> None:
    path = tmp_path / "bundle.zip"
    _build(submitted, path)
    _top, files = _read_members(path.read_bytes())
    state = signing_state(db.session, submitted.case, submitted.version)
    by_pseudonym = {e.pseudonym: e for e in state.active.values()}

    signatories = _csv_rows(files[bag.SIGNATORIES])
    assert tuple(signatories[0]) == bag.SIGNATORIES_HEADER
    assert {row["pseudonym"] for row in signatories} == set(by_pseudonym)  # = signing_state
    shared = 0
    for row in signatories:
        entry = by_pseudonym[row["pseudonym"]]
        assert row["entry_hash"] == entry.entry_hash
        assert row["signed_at"] == entry.created_at.isoformat(timespec="seconds")
        user = entry.membership.user
        if entry.share_identity:
            shared += 1
            assert (row["name"], row["email"]) == (user.display_name, user.email)
        else:
            assert row["name"] == row["email"] == ""
            assert user.email.encode() not in b"".join(files.values())
    assert 0 < shared < len(signatories)

    complaints = _csv_rows(files[bag.COMPLAINTS])
    assert list(complaints[0]) == [
        "Complaint ID",
        "Date received",
        "Product",
        "Issue",
        "Issue (zh)",
        "Company",
        "Date of incident",
        "Amount",
        "Currency",
        "Consumer complaint narrative",
        "Consumer demands",
        "Consumer consent provided?",
        "Submitted via",
        "Complaint reference",
        "Complained to company first",
        "Date complained to company",
        "Company's reference number",
    ]
    assert [row["Complaint ID"] for row in complaints] == [r["pseudonym"] for r in signatories]
    text = files[bag.COMPLAINTS].decode("utf-8-sig")
    assert PHONE not in text
    assert "[PHONE]" in text
    signers = sorted((e.membership for e in state.active.values()), key=lambda m: m.id)
    planted = next(r for r in complaints if r["Complaint ID"] == signers[0].pseudonym)
    assert signers[0].user.display_name not in planted["Consumer complaint narrative"]
    assert "[REDACTED]" in planted["Consumer complaint narrative"]
    formula = next(r for r in complaints if r["Complaint ID"] == signers[1].pseudonym)
    assert formula["Consumer complaint narrative"].startswith("'=HYPERLINK")
    for row in complaints:
        consent = by_pseudonym[row["Complaint ID"]].share_identity
        assert row["Consumer consent provided?"] == (
            "Consent provided" if consent else "Consent not provided"
        )
        assert row["Date received"] == submitted.submitted_at.date().isoformat()
        assert row["Product"] == "Digital wallet / payment app"
        assert row["Issue"]
        assert row["Issue (zh)"]
        assert row["Amount"]
        assert row["Currency"]
        assert row["Submitted via"] == "Chorus group case"
        # the reference number its owner sees on their complaint's page
        owner_complaint = by_pseudonym[row["Complaint ID"]].membership.complaint
        assert row["Complaint reference"] == owner_complaint.reference


def _answer(membership: Membership, first: bool | None, reference: str = "") -> None:
    db.session.add(
        ComplaintRouting(
            complaint_id=membership.complaint_id,
            complained_first=first,
            complained_on=date(2026, 9, 3) if first else None,
            company_reference=reference,
        )
    )


def test_complaints_say_who_complained_to_the_company_first(
    submitted: Submission, tmp_path: Path
) -> None:
    state = signing_state(db.session, submitted.case, submitted.version)
    entries = sorted(state.active.values(), key=lambda e: e.seq)
    sharing = next(e for e in entries if e.share_identity)
    private = next(e for e in entries if not e.share_identity)
    declined = next(e for e in entries if e not in (sharing, private))
    _answer(sharing.membership, True, "PP-7731-SHARED")
    _answer(private.membership, True, "PP-9912-PRIVATE")
    _answer(declined.membership, False)
    db.session.commit()
    path = tmp_path / "bundle.zip"

    _build(submitted, path)

    _top, files = _read_members(path.read_bytes())
    rows = {r["Complaint ID"]: r for r in _csv_rows(files[bag.COMPLAINTS])}
    answered = ("Complained to company first", "Date complained to company")
    reference = "Company's reference number"
    assert [rows[sharing.pseudonym][c] for c in (*answered, reference)] == [
        "Yes",
        "2026-09-03",
        "PP-7731-SHARED",
    ]
    # the company's number would name a member who chose not to be named
    assert [rows[private.pseudonym][c] for c in (*answered, reference)] == ["Yes", "2026-09-03", ""]
    assert b"PP-9912-PRIVATE" not in b"".join(files.values())
    assert [rows[declined.pseudonym][c] for c in answered] == ["No", ""]
    silent = [e for e in entries if e not in (sharing, private, declined)]
    assert {rows[e.pseudonym]["Complained to company first"] for e in silent} == {"Not answered"}


def _pdf_lines(data: bytes) -> list[str]:
    """The PDF's text, line by line, as a reader's copy would give it."""
    document = pdfium.PdfDocument(data)
    try:
        text = ""
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            text += textpage.get_text_range() + "\n"
            textpage.close()
            page.close()
    finally:
        document.close()
    return [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]


@SQLITE_ONLY
def test_the_pdf_speaks_the_authoritys_language_with_chinese_line_breaks(
    submitted: Submission, tmp_path: Path
) -> None:
    """A Chinese authority reads Chinese headings, and no line starts with "。" or another
    closing mark: paragraphs of sentences as long as a line (about 46 characters), which
    naive breaking ends just before their "。"."""
    submitted.version.body_md = "\n\n".join(("测" * n + "。") * 3 for n in range(36, 56))
    db.session.commit()
    path = tmp_path / "bundle.zip"
    _build(submitted, path)
    _top, files = _read_members(path.read_bytes())
    lines = _pdf_lines(files[bag.COMPLAINT_PDF])
    flat = "".join("".join(lines).split())
    assert "".join(submitted.version.title.split()) in flat
    assert f"签名数:{len(_csv_rows(files[bag.SIGNATORIES]))}" in flat
    assert submitted.version.content_sha256 in flat
    for heading in ("事实", "诉求", "投诉正文", "受理机构:"):
        assert heading in flat
    assert "Signatures" not in flat
    assert sum("。" in line for line in lines) > 20
    starts = [line for line in lines if line[0] in kinsoku.NOT_AT_START]
    assert not starts, starts[:5]


@SQLITE_ONLY
def test_the_pdf_speaks_english_to_an_english_reading_authority(
    submitted: Submission, tmp_path: Path
) -> None:
    for regulator in submitted.authority.regulators:
        regulator.locale = "en"
    db.session.commit()
    path = tmp_path / "bundle.zip"
    _build(submitted, path)
    _top, files = _read_members(path.read_bytes())
    flat = "".join("".join(_pdf_lines(files[bag.COMPLAINT_PDF])).split())
    assert f"Signatures:{len(_csv_rows(files[bag.SIGNATORIES]))}" in flat
    assert "Facts" in flat
    assert "签名数" not in flat


# -- tampering, named ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_bundle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One bundle for every tampering case (built once: they only rewrite the zip)."""
    tmp = tmp_path_factory.mktemp("bundle")
    app = create_app(app_config(tmp, f"sqlite:///{tmp / 'bundle.sqlite3'}"))
    with app.app_context():
        from services.demo import load_demo

        db.create_all()
        ensure_categories(db.session)
        load_demo(db.session)
        db.session.commit()
        submission = prepare(db.session)
        out = io.BytesIO()
        build_bundle(db.session, submission, out)
        key_file = keys.key_path()
        db.session.remove()
        db.engine.dispose()
    keys._cache.clear()
    private = load_pem_private_key(key_file.read_bytes(), password=None)
    assert isinstance(private, Ed25519PrivateKey)
    return {"zip": out.getvalue(), "key": private}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _reseal(files: dict[str, bytes], key: Ed25519PrivateKey | None) -> None:
    """What a careful forger does: recompute the manifest, Payload-Oxum and the tag manifest
    (and sign, given a key)."""
    manifest, _bad = bag.parse_manifest(files[bag.MANIFEST].decode())
    order = [path for _sha256, path in manifest if path in files]
    order += [p for p in files if p.startswith("data/") and p not in order]
    files[bag.MANIFEST] = "".join(bag.manifest_line(_sha(files[p]), p) for p in order).encode()
    oxum = bag.parse_tag_file(files[bag.BAG_INFO].decode())["Payload-Oxum"]
    actual = f"{sum(len(files[p]) for p in order)}.{len(order)}"
    files[bag.BAG_INFO] = files[bag.BAG_INFO].replace(oxum.encode(), actual.encode())
    tags = [bag.BAGIT, bag.PUBLIC_KEY, bag.BAG_INFO, bag.MANIFEST]
    files[bag.TAGMANIFEST] = "".join(bag.manifest_line(_sha(files[t]), t) for t in tags).encode()
    if key is not None:
        files[bag.SIGNATURE] = base64.b64encode(key.sign(files[bag.TAGMANIFEST])) + b"\n"


def _zip(top: str, files: dict[str, bytes], extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path, data in files.items():
            archive.writestr(f"{top}/{path}", data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def _flip_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def _evidence_png(files: dict[str, bytes]) -> str:
    return next(p for p in files if p.startswith(bag.EVIDENCE_DIR) and p.endswith(".png"))


def _edit_log_entry(files: dict[str, bytes]) -> None:
    lines = files[bag.SIGNATURE_LOG].decode().splitlines(keepends=True)
    entry = json.loads(lines[1])
    entry["facts_confirmed"] = not entry["facts_confirmed"]  # the hash is left as it was
    lines[1] = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
    files[bag.SIGNATURE_LOG] = "".join(lines).encode()


def _bad_signatory(files: dict[str, bytes]) -> None:
    text = files[bag.SIGNATORIES].decode("utf-8-sig")
    row = text.splitlines()[1]
    files[bag.SIGNATORIES] = ("\ufeff" + text.replace(row, row[:-64] + "f" * 64)).encode()


Tamper = Callable[[dict[str, bytes], dict[str, Any]], dict[str, bytes] | None]


def _case(
    name: str, tamper: Tamper, *expected: str, reseal: str | None = None
) -> Any:  # a pytest.param
    return pytest.param(tamper, expected, reseal, id=name)


TAMPERING = [
    _case(
        "payload-byte-same-size",
        lambda f, _ctx: f.update({bag.COMPLAINTS: _flip_middle(f[bag.COMPLAINTS])}),
        "data/complaints.csv: SHA-256 mismatch: manifest-sha256.txt says {old}, the file has {new}",
    ),
    _case(
        "file-added",
        lambda f, _ctx: f.update({"data/extra.txt": b"added later"}),
        "data/extra.txt: not listed in manifest-sha256.txt (a file was added)",
        "Payload-Oxum mismatch: bag-info.txt says",
    ),
    _case(
        "file-removed",
        lambda f, _ctx: f.pop(_evidence_png(f)) and None,
        "{png}: listed in manifest-sha256.txt but missing from the bag",
        "Payload-Oxum mismatch",
    ),
    _case(
        "manifest-line-edited",
        lambda f, _ctx: f.update(
            {bag.MANIFEST: f[bag.MANIFEST].replace(_sha(f[bag.COMPLAINT_MD]).encode(), b"0" * 64)}
        ),
        f"data/complaint.md: SHA-256 mismatch: manifest-sha256.txt says {'0' * 64}",
        "manifest-sha256.txt: SHA-256 mismatch: tagmanifest-sha256.txt says",
    ),
    _case(
        "tag-manifest-edited",
        lambda f, _ctx: f.update({bag.COMPLAINT_MD: _flip_middle(f[bag.COMPLAINT_MD])}),
        "tagmanifest-sha256.txt.sig: the signature does not match tagmanifest-sha256.txt "
        "under the included key",
        reseal="unsigned",
    ),
    _case(
        "signature-by-another-key",
        lambda f, _ctx: f.update({bag.COMPLAINT_MD: _flip_middle(f[bag.COMPLAINT_MD])}),
        "tagmanifest-sha256.txt.sig: the signature does not match",
        reseal="other-key",
    ),
    _case(
        "signature-missing",
        lambda f, _ctx: f.pop(bag.SIGNATURE) and None,
        "tagmanifest-sha256.txt.sig: missing: the bag is not signed",
    ),
    _case(
        "log-entry-edited-and-resigned",
        lambda f, _ctx: _edit_log_entry(f),
        "data/signature-log.jsonl: chain broken: entry 2 was altered",
        reseal="real-key",
    ),
    _case(
        "signatory-not-in-log",
        lambda f, _ctx: _bad_signatory(f),
        f"data/signatories.csv line 2: signer {{first}} has entry hash {'f' * 64}, "
        "which is not their signature in data/signature-log.jsonl",
        reseal="real-key",
    ),
    _case(
        "bagit-version-0.97",
        lambda f, _ctx: f.update({bag.BAGIT: f[bag.BAGIT].replace(b"1.0", b"0.97")}),
        "bagit.txt: BagIt-Version is '0.97', expected '1.0'",
        reseal="real-key",
    ),
    _case(
        "uncovered-tag-file",
        lambda f, _ctx: f.update({"notes.txt": b"hello"}),
        "notes.txt: tag file not covered by tagmanifest-sha256.txt",
    ),
]


@pytest.mark.parametrize(("tamper", "expected", "reseal"), TAMPERING)
def test_every_tampering_is_named(
    good_bundle: dict[str, Any], tamper: Tamper, expected: tuple[str, ...], reseal: str | None
) -> None:
    top, files = _read_members(good_bundle["zip"])
    assert verify_bundle(io.BytesIO(good_bundle["zip"])).ok
    context = {
        "old": _sha(files[bag.COMPLAINTS]),
        "png": _evidence_png(files),
        "first": _csv_rows(files[bag.SIGNATORIES])[0]["pseudonym"],
    }
    tamper(files, context)
    if bag.COMPLAINTS in files:
        context["new"] = _sha(files[bag.COMPLAINTS])
    if reseal is not None:
        keys_by_name = {
            "unsigned": None,
            "real-key": good_bundle["key"],
            "other-key": Ed25519PrivateKey.generate(),
        }
        _reseal(files, keys_by_name[reseal])
    report = verify_bundle(io.BytesIO(_zip(top, files)))
    assert not report.ok
    for message in expected:
        wanted = message.format(**context)
        assert any(p.startswith(wanted) for p in report.problems), (wanted, report.problems)
    # nothing but the expected problems: the other checks stay quiet
    assert len(report.problems) == len(expected), report.problems


def test_a_rekeyed_bag_passes_alone_but_not_against_the_platform_key(
    good_bundle: dict[str, Any],
) -> None:
    """A forger who swaps in their own key makes a self-consistent bag: only the key fetched
    from the platform tells."""
    top, files = _read_members(good_bundle["zip"])
    forger = Ed25519PrivateKey.generate()
    files[bag.COMPLAINT_MD] = _flip_middle(files[bag.COMPLAINT_MD])
    files[bag.PUBLIC_KEY] = keys.pem_of(forger.public_key())
    forged_id = keys.key_id(forger.public_key())
    info = bag.parse_tag_file(files[bag.BAG_INFO].decode())
    files[bag.BAG_INFO] = files[bag.BAG_INFO].replace(info[bag.KEY_ID].encode(), forged_id.encode())
    _reseal(files, forger)
    forged = _zip(top, files)
    assert verify_bundle(io.BytesIO(forged)).ok
    platform = keys.pem_of(good_bundle["key"].public_key())
    report = verify_bundle(io.BytesIO(forged), trusted_public_key=platform)
    assert report.problems == [
        f"signed by a different key: the bundle's key is {forged_id}, "
        f"the trusted key is {keys.key_id(good_bundle['key'].public_key())}"
    ]
    assert verify_bundle(io.BytesIO(good_bundle["zip"]), trusted_public_key=platform).ok


def test_broken_zips_are_named_and_never_extracted(
    good_bundle: dict[str, Any], tmp_path: Path
) -> None:
    assert (
        verify_bundle(io.BytesIO(b"PK\x03\x04 not really"))
        .problems[0]
        .startswith("not a readable zip file")
    )
    top, files = _read_members(good_bundle["zip"])
    slip = verify_bundle(io.BytesIO(_zip(top, files, {f"{top}/../../evil.txt": b"x"})))
    assert f"{top}/../../evil.txt: unsafe path in the zip (absolute or climbing out)" in (
        slip.problems
    )
    assert not (tmp_path.parent / "evil.txt").exists()
    two = verify_bundle(io.BytesIO(_zip(top, files, {"other/readme.txt": b"x"})))
    assert two.problems == [f"expected exactly one top directory in the zip, found: {top}, other"]


# -- the CLI and the well-known key ----------------------------------------------------------


@SQLITE_ONLY
def test_cli_builds_and_verifies_against_the_well_known_key(
    submitted: Submission, runner: FlaskCliRunner, app: Flask, tmp_path: Path
) -> None:
    out = tmp_path / "case.zip"
    result = runner.invoke(args=["bundle", "build", submitted.case.public_id, "--out", str(out)])
    assert result.exit_code == 0, result.output
    response = app.test_client().get("/.well-known/chorus-bundle-key.pem")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.cache_control.public
    assert response.cache_control.max_age
    _top, files = _read_members(out.read_bytes())
    assert response.data == files[bag.PUBLIC_KEY]  # the key served is the key that signed
    platform = tmp_path / "platform.pem"
    platform.write_bytes(response.data)

    signers = len(_csv_rows(files[bag.SIGNATORIES]))
    key_id = keys.current_key_id()
    ok = (
        f"Bundle OK: 12 payload files, {signers} signatures, chain verified, signed by key {key_id}"
    )
    result = runner.invoke(args=["bundle", "verify", str(out)])
    assert result.exit_code == 0
    assert result.output.strip() == ok
    result = runner.invoke(args=["bundle", "verify", str(out), "--public-key", str(platform)])
    assert result.exit_code == 0
    assert result.output.strip() == ok

    other = tmp_path / "other.pem"
    other.write_bytes(keys.pem_of(Ed25519PrivateKey.generate().public_key()))
    result = runner.invoke(args=["bundle", "verify", str(out), "--public-key", str(other)])
    assert result.exit_code == 1
    assert "FAIL: signed by a different key: the bundle's key is " + key_id in result.output

    top, files = _read_members(out.read_bytes())
    files[bag.STATS] = _flip_middle(files[bag.STATS])
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(_zip(top, files))
    result = runner.invoke(args=["bundle", "verify", str(tampered)])
    assert result.exit_code == 1
    assert "FAIL: data/stats.json: SHA-256 mismatch: manifest-sha256.txt says" in result.output
    assert "Bundle NOT OK: 1 problem(s)." in result.output

    result = runner.invoke(args=["bundle", "build", "nosuchcase", "--out", str(out)])
    assert result.exit_code == 1
    assert "No submitted case nosuchcase" in result.output


# -- the background job ------------------------------------------------------------------------


def _job(job_id: int) -> Job:
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job is not None
    return job


def test_the_job_stores_the_bundle_and_records_it_last(submitted: Submission) -> None:
    assert bundle_for(submitted) is None
    job_id = enqueue_build(submitted, user_id=None).id
    db.session.commit()  # eager: runs now, committing progress between files
    job = _job(job_id)
    assert job.status is JobStatus.DONE, job.error
    assert job.progress == 100
    submission = db.session.get(Submission, submitted.id)
    assert submission is not None
    assert submission.bundle_sha256
    key = bundle_for(submission)
    assert key == submission.bundle_sha256
    with current_storage().open(key) as stream:
        data = stream.read()
    assert _sha(data) == key
    assert verify_bundle(io.BytesIO(data)).ok
    assert not list(current_storage().staging_dir.glob("put-bundle-*"))


def _stored_keys() -> set[str]:
    return set(stored_objects(current_storage()))


@SQLITE_ONLY
def test_a_crash_midway_leaves_no_bundle(
    submitted: Submission, monkeypatch: pytest.MonkeyPatch
) -> None:
    def dying_read(_storage: Any, _key: str) -> Iterator[bytes]:
        yield b"half of a file"
        raise RuntimeError("the disk went away")

    before = _stored_keys()
    monkeypatch.setattr(bundle_evidence, "read", dying_read)
    job_id = enqueue_build(submitted, user_id=None).id
    db.session.commit()
    job = _job(job_id)
    assert job.status is JobStatus.FAILED
    assert job.attempts == jobs.MAX_ATTEMPTS
    assert job.progress < 100
    submission = db.session.get(Submission, submitted.id)
    assert submission is not None
    assert submission.bundle_sha256 is None
    assert bundle_for(submission) is None
    assert _stored_keys() == before  # nothing half-built was stored
    assert not list(current_storage().staging_dir.glob("put-bundle-*"))


@SQLITE_ONLY
def test_missing_evidence_fails_the_job_at_once_naming_the_file(submitted: Submission) -> None:
    item = db.session.scalars(
        select(Evidence).where(
            Evidence.case_id == submitted.case_id, Evidence.media_type == "image/png"
        )
    ).first()
    assert item.sha256
    current_storage().delete(item.sha256)
    job_id = enqueue_build(submitted, user_id=None).id
    db.session.commit()
    job = _job(job_id)
    assert job.status is JobStatus.FAILED
    assert job.attempts == 1
    assert job.error is not None
    assert job.error.startswith("Evidence file data/evidence/")
    assert job.error.endswith("冻结_截图.png is missing from storage.")
    submission = db.session.get(Submission, submitted.id)
    assert submission is not None
    assert submission.bundle_sha256 is None


# -- memory ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("app")
@SQLITE_ONLY
def test_memory_stays_flat_as_the_case_grows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten times the signers and evidence files: the peak of traced memory barely moves (the
    only growth is one manifest line and one zip directory record per file). The PDF is left
    out: it holds the complaint text only (its font costs a constant ~50 MB, and time, under
    tracemalloc), so what is measured is everything that scales with the case."""
    from bench.bundle_build import seed_case

    monkeypatch.setattr(bundle_contents, "complaint_pdf", lambda _facts: b"%PDF-1.7 stand-in")
    small = seed_case(db.session, signers=500, files=20, total_bytes=2 * 2**20, seed=1)
    large = seed_case(db.session, signers=5000, files=200, total_bytes=20 * 2**20, seed=2)
    db.session.commit()
    peaks = {}
    for name, submission in (("small", small), ("large", large)):
        db.session.expire_all()
        tracemalloc.start()
        try:
            result = build_bundle(db.session, submission, _NullSink())
            peaks[name] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert result.signatures == (5000 if name == "large" else 500)
    growth = peaks["large"] - peaks["small"]
    # the large case writes ~10 MB of CSV, JSON and log text and 20 MB of evidence
    assert growth < 2 * 2**20, peaks
    assert peaks["large"] < 16 * 2**20, peaks


class _NullSink(io.RawIOBase):
    """Counts what it is given and keeps nothing, so only the builder's memory is measured."""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return len(data)
