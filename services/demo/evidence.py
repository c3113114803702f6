"""Pooled evidence for the demo cases: a generated payment receipt and a written account.

So that a fresh `make run` shows what a case's evidence pool looks like. The pictures are drawn
here (no real screenshot ships with the code) and the texts go through the same redaction as
real uploads, so the demo never shows a value the anonymizer would have removed.
"""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta

from PIL import Image, ImageDraw

from models import (
    CaseEvent,
    CaseEventKind,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    FileRole,
    GroupCase,
    Membership,
)
from models.base import DbSession
from services.anonymize.image import thumbnail_png
from services.anonymize.text import redact
from services.evidence import files as evidence_files
from services.platform.fonts import REGULAR, pillow_font
from services.platform.formatting import format_amount


def add_evidence(
    session: DbSession,
    case: GroupCase,
    memberships: list[Membership],
    moment: datetime,
    rng: random.Random,
    chinese: bool,
) -> datetime:
    """Two members pool a receipt and a written account; returns the time of the last one."""
    for membership in memberships[:2]:
        complaint = membership.complaint
        if complaint is None:
            continue
        moment += timedelta(hours=rng.randint(2, 20))
        amount = f"{format_amount(complaint.amount_minor, complaint.currency)} {complaint.currency}"
        receipt = _receipt(chinese, amount, complaint.incident_date.isoformat(), rng)
        _pool(
            session,
            case,
            membership,
            moment,
            EvidenceKind.IMAGE,
            "转账失败截图.png" if chinese else "failed-payment.png",
            receipt,
            "image/png",
            thumbnail=thumbnail_png(Image.open(io.BytesIO(receipt))),
        )
        account = redact(complaint.narrative, [membership.user.display_name])
        _pool(
            session,
            case,
            membership,
            moment + timedelta(minutes=5),
            EvidenceKind.TEXT,
            "经过说明.txt" if chinese else "what-happened.txt",
            account.text.encode(),
            "text/plain; charset=utf-8",
            removed=account.counts,
        )
    return moment


def _pool(
    session: DbSession,
    case: GroupCase,
    membership: Membership,
    moment: datetime,
    kind: EvidenceKind,
    name: str,
    data: bytes,
    media_type: str,
    *,
    thumbnail: bytes | None = None,
    removed: dict[str, int] | None = None,
) -> None:
    stored = evidence_files.current_storage().put(data)
    item = Evidence(
        case=case,
        membership=membership,
        contributor_id=membership.user_id,
        contributor_pseudonym=membership.pseudonym,
        kind=kind,
        status=EvidenceStatus.POOLED,
        display_name=name,
        media_type=media_type,
        size_bytes=stored.size,
        original_size=stored.size,
        sha256=stored.key,
        removed=removed or {},
        created_at=moment,
        pooled_at=moment,
    )
    session.add(item)
    session.flush()
    if thumbnail is not None:
        evidence_files.attach(session, item, FileRole.THUMBNAIL, thumbnail, "image/png")
    session.add(
        CaseEvent(
            case_id=case.id,
            kind=CaseEventKind.EVIDENCE_POOLED,
            actor_pseudonym=membership.pseudonym,
            data={"kind": kind.value},
            created_at=moment,
        )
    )


def _receipt(chinese: bool, amount: str, day: str, rng: random.Random) -> bytes:
    """A phone-sized payment receipt that says the payment failed (in English where the
    Chinese font is not installed, rather than in empty boxes)."""
    chinese = chinese and REGULAR.is_file()
    picture = Image.new("RGB", (720, 960), "white")
    draw = ImageDraw.Draw(picture)
    big, small = pillow_font(44), pillow_font(30)
    order = "".join(rng.choice("0123456789") for _ in range(20))
    lines = (
        [("转账详情", big), (amount, big), ("转账失败", big), (f"时间 {day}", small)]
        if chinese
        else [("Payment details", big), (amount, big), ("Payment failed", big), (day, small)]
    )
    lines.append(((f"订单号 {order}" if chinese else f"Order {order}"), small))
    draw.rectangle((0, 0, 720, 90), fill="#1677ff")
    y = 160
    for text, font in lines:
        failed = "失败" in text or "failed" in text
        draw.text((60, y), text, font=font, fill="#d4380d" if failed else "black")
        y += 120
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()
