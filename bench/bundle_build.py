"""Building a case bundle at scale, beside the floor of zipping and hashing the same files.

A submitted case with ``BENCH_BUNDLE_SIGNERS`` signers (default 100,000) and
``BENCH_BUNDLE_FILES`` evidence files (default 5,000) of random-ish bytes totalling
``BENCH_BUNDLE_MB`` (default 1024) is inserted in bulk, then the bundle is built in a child
process, so its peak RSS is the build's own (``VmHWM``, see :func:`_memory_mb`). The floor,
measured in the same run on the same files (the built bag, extracted): Debian's ``zip``
(storing the same already-compressed types, deflating the rest) plus ``sha256sum`` over every
file.

Encryption to an authority's certificate (:mod:`services.bundle.envelope`) is measured over the
built zip, in a child process of its own (time and peak RSS), beside ``openssl cms -encrypt
-aes256 -stream`` over the same file in the same run; ``openssl cms -decrypt`` then opens ours
and must give back the zip byte for byte.

``python -m bench bundle``; ``BENCH_DATABASES=sqlite,postgresql`` to add PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from extensions import db
from models import (
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Category,
    Complaint,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    GroupCase,
    MemberRole,
    Membership,
    PetitionVersion,
    SignatureAction,
    SignatureEntry,
    Submission,
    User,
)
from services.anonymize.text import redact
from services.evidence.files import current_storage
from services.petition.chain import GENESIS, entry_hash, version_hash
from services.reference.authorities import create_authority
from services.reference.companies import create_company
from tests.support.authority_certs import (
    openssl_decrypt_command,
    openssl_encrypt_command,
    recipient_certificate,
)

BATCH = 5000
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
#: (kind, media type, extension, compressible, share of the files)
EVIDENCE_MIX = (
    (EvidenceKind.IMAGE, "image/png", "png", False, 0.45),
    (EvidenceKind.IMAGE, "image/jpeg", "jpg", False, 0.25),
    (EvidenceKind.PDF, "application/pdf", "pdf", False, 0.15),
    (EvidenceKind.TEXT, "text/plain", "txt", True, 0.10),
    (EvidenceKind.CSV, "text/csv", "csv", True, 0.05),
)
NARRATIVES = (
    "BenchWallet froze my balance of {n} yuan without any reason and support never answered.",
    "我的账户被冻结了，余额{n}元无法提现，客服一直不回复，请尽快处理。电话13812345678。",
    "A duplicate charge of {n} CNY appeared twice on my statement; the refund was refused.",
    "提现到银行卡{n}元三周未到账，订单号2026031500012345，申诉多次无果。",
)


def seed_case(
    session: Session, *, signers: int, files: int, total_bytes: int, seed: int = 2026
) -> Submission:
    """A submitted case with ``signers`` members who all signed, ``files`` pooled evidence
    files of ``total_bytes`` in all (bytes written straight to storage), rows inserted in bulk."""
    rng = random.Random(seed)
    tag = f"{seed}-{signers}-{files}"
    company = create_company(
        session, slug=f"bench-{tag}", name_en=f"BenchWallet {tag}", name_zh=f"测试钱包 {tag}"
    )
    authority = create_authority(
        session, slug=f"office-{tag}", name_en="Bench Office", name_zh="测试办公室"
    )
    categories = list(session.scalars(select(Category).order_by(Category.position)))
    case = GroupCase(
        title="BenchWallet 冻结余额集体投诉",
        summary="",
        company=company,
        category=categories[0],
        status=CaseStatus.SUBMITTED,
        created_at=START,
    )
    session.add(case)
    session.flush()
    user_ids = _insert(
        session,
        User,
        [
            {
                "email": f"signer{i}-{tag}@bench.example",
                "display_name": f"签名人{i}",
                "password_hash": "not-a-hash",
                "created_at": START,
            }
            for i in range(signers)
        ],
    )
    complaint_ids = _insert(
        session,
        Complaint,
        [
            {
                "owner_id": user_id,
                "company_id": company.id,
                "category_id": rng.choice(categories).id,
                "incident_date": date(2026, 1, 1) + timedelta(days=i % 60),
                "amount_minor": rng.randint(1_000, 5_000_000),
                "currency": "CNY" if i % 10 else "USD",
                "narrative": NARRATIVES[i % len(NARRATIVES)].format(n=100 + i),
                # made when a complaint is filed (services.complaints.filing), so part of seeding
                "narrative_redacted": redact(
                    NARRATIVES[i % len(NARRATIVES)].format(n=100 + i), [f"签名人{i}"]
                ).text,
                "demands": ["refund", "compensation"],
                "created_at": START,
            }
            for i, user_id in enumerate(user_ids)
        ],
    )
    pseudonyms = [_pseudonym(i) for i in range(signers)]
    joined = [START + timedelta(minutes=i) for i in range(signers)]
    membership_ids = _insert(
        session,
        Membership,
        [
            {
                "case_id": case.id,
                "user_id": user_id,
                "complaint_id": complaint_id,
                "role": MemberRole.ORGANIZER if i == 0 else MemberRole.MEMBER,
                "pseudonym": pseudonyms[i],
                "joined_at": joined[i],
            }
            for i, (user_id, complaint_id) in enumerate(zip(user_ids, complaint_ids, strict=True))
        ],
    )
    case.member_count = signers
    version = PetitionVersion(
        case=case,
        number=1,
        title="关于 BenchWallet 冻结用户余额的集体投诉",
        authority=authority,
        facts="BenchWallet froze the balances of its users.",
        demands="Unfreeze the balances; explain why.",
        body_md="# 集体投诉\n\n- 冻结余额\n- 客服不回复\n",
        author_pseudonym=pseudonyms[0],
        created_at=START,
    )
    session.add(version)
    session.flush()
    version.content_sha256 = version_hash(case.public_id, version, authority.slug)
    version.opened_at = START + timedelta(days=1)
    _signatures(session, case, version, membership_ids, pseudonyms, rng)
    _events(session, case, pseudonyms, joined)
    _evidence(session, case, membership_ids, pseudonyms, files, total_bytes, rng)
    submission = Submission(
        case=case,
        version=version,
        authority=authority,
        submitted_at=START + timedelta(days=90),
    )
    session.add(submission)
    session.flush()
    return submission


def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert (executemany) in batches; the new ids, in the order of ``rows``."""
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        statement = insert(model).returning(model.id, sort_by_parameter_order=True)
        ids += session.scalars(statement, rows[start : start + BATCH]).all()
    return ids


def _pseudonym(index: int) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    code = ""
    for _ in range(4):
        index, digit = divmod(index, len(alphabet))
        code += alphabet[digit]
    return code + ("" if index == 0 else str(index))


def _signatures(
    session: Session,
    case: GroupCase,
    version: PetitionVersion,
    membership_ids: list[int],
    pseudonyms: list[str],
    rng: random.Random,
) -> None:
    previous, rows = GENESIS, []
    moment = START + timedelta(days=2)
    for seq, (membership_id, pseudonym) in enumerate(
        zip(membership_ids, pseudonyms, strict=True), start=1
    ):
        moment += timedelta(seconds=rng.randint(1, 30))
        share = seq % 2 == 0
        fields = {
            "seq": seq,
            "version_sha256": version.content_sha256 or "",
            "pseudonym": pseudonym,
            "action": SignatureAction.SIGN.value,
            "share_identity": share,
            "facts_confirmed": True,
            "created_at": moment,
            "prev_hash": previous,
        }
        previous = entry_hash(case_public_id=case.public_id, **fields)
        rows.append(
            {
                **fields,
                "action": SignatureAction.SIGN,
                "case_id": case.id,
                "version_id": version.id,
                "membership_id": membership_id,
                "entry_hash": previous,
            }
        )
    _insert(session, SignatureEntry, rows)


def _events(
    session: Session, case: GroupCase, pseudonyms: list[str], joined: list[datetime]
) -> None:
    rows = [
        {
            "case_id": case.id,
            "kind": CaseEventKind.CREATED if i == 0 else CaseEventKind.MEMBER_JOINED,
            "actor_pseudonym": pseudonym,
            "data": {},
            "created_at": at,
        }
        for i, (pseudonym, at) in enumerate(zip(pseudonyms, joined, strict=True))
    ]
    _insert(session, CaseEvent, rows)


def _evidence(
    session: Session,
    case: GroupCase,
    membership_ids: list[int],
    pseudonyms: list[str],
    files: int,
    total_bytes: int,
    rng: random.Random,
) -> None:
    """Evidence rows and their bytes: incompressible for pictures and PDFs, text otherwise."""
    storage = current_storage()
    size = max(total_bytes // max(files, 1), 16)
    weights = [share for *_rest, share in EVIDENCE_MIX]
    rows = []
    for i in range(files):
        kind, media_type, ext, compressible, _share = rng.choices(EVIDENCE_MIX, weights)[0]
        owner = i % len(membership_ids)
        data = _text_bytes(rng, size) if compressible else os.urandom(size)
        stored = storage.put(data)
        rows.append(
            {
                "case_id": case.id,
                "membership_id": membership_ids[owner],
                "contributor_pseudonym": pseudonyms[owner],
                "kind": kind,
                "status": EvidenceStatus.POOLED,
                "display_name": f"{'转账记录' if i % 3 else 'screenshot'}-{i}.{ext}",
                "media_type": media_type,
                "size_bytes": stored.size,
                "original_size": stored.size,
                "sha256": stored.key,
                "removed": {"PHONE": i % 3},
                "pooled_at": START + timedelta(days=3, seconds=i),
                "created_at": START + timedelta(days=3),
            }
        )
    _insert(session, Evidence, rows)


def _text_bytes(rng: random.Random, size: int) -> bytes:
    words = ("转账", "refund", "2026-03-01", "CNY", "余额", "冻结", "order", "客服", "12.50")
    line = " ".join(rng.choice(words) for _ in range(12)).encode() + b"\n"
    return (line * (size // len(line) + 1))[:size]


# -- the measurement -------------------------------------------------------------------------


def _memory_mb(field: str) -> float:
    """``VmHWM`` (peak) or ``VmRSS`` (now) of this process, in MB. Not ``ru_maxrss``: Linux
    carries the forking parent's peak into an exec'd child's ``ru_maxrss``, so a child forked
    from a process that just inserted 100,000 rows would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_build(url: str, instance: str, submission_id: int, out: str) -> None:
    """Run in a fresh interpreter: build the bundle, print time and peak RSS as JSON."""
    from app import create_app
    from services.bundle.writer import build_bundle

    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": instance,
            "SQLALCHEMY_DATABASE_URI": url,
        }
    )
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        assert submission is not None
        baseline = _memory_mb("VmRSS")
        started = time.perf_counter()
        with open(out, "wb") as stream:
            result = build_bundle(db.session, submission, stream)
        seconds = time.perf_counter() - started
        peak = _memory_mb("VmHWM")
        db.session.remove()
        db.engine.dispose()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "baseline_mb": baseline,
                "peak_mb": peak,
                "size": result.size,
                "files": result.files,
                "signatures": result.signatures,
                "timings": result.timings,
            }
        )
    )


def _child_encrypt(bundle: str, certificate: str, out: str) -> None:
    """Run in a fresh interpreter: encrypt ``bundle`` to ``certificate`` as the bundle job does
    (through :class:`EnvelopedWriter`), print time and peak RSS as JSON."""
    from cryptography import x509

    from services.bundle.envelope import EnvelopedWriter

    recipient = x509.load_pem_x509_certificate(Path(certificate).read_bytes())
    baseline = _memory_mb("VmRSS")
    started = time.perf_counter()
    with open(bundle, "rb") as source, open(out, "wb") as sink:
        writer = EnvelopedWriter(sink, recipient)
        while chunk := source.read(1 << 20):
            writer.write(chunk)
        writer.close()
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "baseline_mb": baseline, "peak_mb": _memory_mb("VmHWM")}))


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _encryption(bundle: Path, work: Path) -> dict[str, Any] | None:
    """Ours and ``openssl cms -encrypt`` over the same zip, then ``openssl cms -decrypt``."""
    if shutil.which("openssl") is None:
        print("encryption floor skipped: openssl is not installed")
        return None
    cert, key = recipient_certificate(work, "bench-authority", days=30)
    ours, theirs, opened = work / "ours.p7m", work / "openssl.p7m", work / "opened.zip"
    child = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "bench.bundle_build",
            "--child-encrypt",
            str(bundle),
            str(cert),
            str(ours),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    openssl = _timed(openssl_encrypt_command(bundle, cert, theirs), work)
    decrypt = _timed(openssl_decrypt_command(ours, key, opened), work)
    assert _file_sha256(opened) == _file_sha256(bundle), "openssl opened something else"
    return {
        "encrypt_seconds": round(measured["seconds"], 2),
        "encrypt_peak_rss_mb": round(measured["peak_mb"], 1),
        "encrypt_baseline_rss_mb": round(measured["baseline_mb"], 1),
        "openssl_encrypt_seconds": round(openssl, 2),
        "encrypt_ratio": round(measured["seconds"] / openssl, 2),
        "openssl_decrypt_seconds": round(decrypt, 2),
        "p7m_mb": round(ours.stat().st_size / 1024 / 1024, 1),
        "openssl_p7m_mb": round(theirs.stat().st_size / 1024 / 1024, 1),
    }


def _timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    return time.perf_counter() - started


def _floor(bundle: Path, work: Path) -> dict[str, float] | None:
    """``sha256sum`` over every file of the extracted bag plus ``zip`` of it, in seconds."""
    if shutil.which("zip") is None or shutil.which("sha256sum") is None:
        print("floor skipped: Debian's zip (or sha256sum) is not installed (apt-get install zip)")
        return None
    extracted = work / "extracted"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(extracted)  # our own bundle: trusted names
    top = next(extracted.iterdir())
    names = sorted(str(p.relative_to(top)) for p in top.rglob("*") if p.is_file())
    list_file = work / "files.txt"
    list_file.write_text("\0".join(names) + "\0")
    sha = _timed(["sh", "-c", f"xargs -0 sha256sum < {list_file}"], top)
    stored = ".png:.jpg:.jpeg:.pdf"  # what build_bundle stores rather than deflates
    zipped = _timed(["zip", "-q", "-r", "-n", stored, str(work / "floor.zip"), "."], top)
    return {"sha256sum": sha, "zip": zipped, "total": sha + zipped}


def run(database: str, signers: int, files: int, megabytes: int) -> dict[str, Any]:
    from bench.harness import bench_app
    from services.bundle.verify import verify_bundle

    with bench_app(database) as app, tempfile.TemporaryDirectory(prefix="bundle-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        submission = seed_case(
            db.session, signers=signers, files=files, total_bytes=megabytes * 1024 * 1024
        )
        db.session.commit()
        seeded = time.perf_counter() - started
        out = work / "bundle.zip"
        child = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "bench.bundle_build",
                "--child",
                str(app.config["SQLALCHEMY_DATABASE_URI"]),
                app.instance_path,
                str(submission.id),
                str(out),
            ],
            check=True,
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        build = json.loads(child.stdout.strip().splitlines()[-1])
        children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        started = time.perf_counter()
        report = verify_bundle(out)
        verify_seconds = time.perf_counter() - started
        assert report.ok, report.problems
        floor = _floor(out, work)
        shutil.rmtree(work / "extracted", ignore_errors=True)  # room for the encrypted copies
        encryption = _encryption(out, work)
    ratio = round(build["seconds"] / floor["total"], 2) if floor else None
    return {
        "database": database,
        "signers": signers,
        "files": files,
        "megabytes": megabytes,
        "seed_seconds": round(seeded, 1),
        "build_seconds": round(build["seconds"], 2),
        "floor_seconds": round(floor["total"], 2) if floor else None,
        "floor_zip_seconds": round(floor["zip"], 2) if floor else None,
        "floor_sha256sum_seconds": round(floor["sha256sum"], 2) if floor else None,
        "ratio": ratio,
        "peak_rss_mb": round(build["peak_mb"], 1),
        "baseline_rss_mb": round(build["baseline_mb"], 1),
        #: ru_maxrss of the children: includes what the child inherited at fork (see _memory_mb)
        "children_ru_maxrss_mb": round(children_peak, 1),
        "bundle_mb": round(build["size"] / 1024 / 1024, 1),
        "verify_seconds": round(verify_seconds, 2),
        "build_timings": build["timings"],
        "encryption": encryption,
    }


def main(databases: list[str]) -> None:
    from bench.harness import print_table, write_json

    signers = int(os.environ.get("BENCH_BUNDLE_SIGNERS", "100000"))
    files = int(os.environ.get("BENCH_BUNDLE_FILES", "5000"))
    megabytes = int(os.environ.get("BENCH_BUNDLE_MB", "1024"))
    results = [run(database, signers, files, megabytes) for database in databases]
    headers = [
        "database",
        "signers",
        "files",
        "MB",
        "build s",
        "floor s (zip+sha256sum)",
        "ratio",
        "peak RSS MB",
        "verify s",
    ]
    rows = [
        [
            r["database"],
            r["signers"],
            r["files"],
            r["megabytes"],
            r["build_seconds"],
            f"{r['floor_seconds']} ({r['floor_zip_seconds']}+{r['floor_sha256sum_seconds']})",
            r["ratio"],
            r["peak_rss_mb"],
            r["verify_seconds"],
        ]
        for r in results
    ]
    print_table(headers, rows)
    print("targets: ratio <= 1.5, peak RSS < 200 MB")
    encrypted = [r for r in results if r["encryption"]]
    if encrypted:
        print_table(
            [
                "database",
                "bundle MB",
                "encrypt s",
                "openssl cms -encrypt s",
                "ratio",
                "peak RSS MB",
                "openssl -decrypt s",
            ],
            [
                [
                    r["database"],
                    r["bundle_mb"],
                    r["encryption"]["encrypt_seconds"],
                    r["encryption"]["openssl_encrypt_seconds"],
                    r["encryption"]["encrypt_ratio"],
                    r["encryption"]["encrypt_peak_rss_mb"],
                    r["encryption"]["openssl_decrypt_seconds"],
                ]
                for r in encrypted
            ],
        )
    write_json("bundle_build", {"results": results})


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child-encrypt"]:
        _child_encrypt(*sys.argv[2:5])
    elif sys.argv[1:2] == ["--child"]:
        url, instance, submission_id, out = sys.argv[2:6]
        _child_build(url, instance, int(submission_id), out)
    else:
        main(os.environ.get("BENCH_DATABASES", "sqlite").split(","))
