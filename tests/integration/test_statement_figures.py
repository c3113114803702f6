"""The case's published share of the money claimed that members' confirmed statements back:
shown to everyone once enough members confirmed one, counted like every published figure, and
saying nothing about whose statement moved it.

The observer here controls four members. Each of them swaps their statement for another that
backs exactly as much (their claims are small, so any statement covers them in full): a change
of their facts that moves no figure. With those four and one victim changed, every snapshot
differs from the last by the victim's statement alone, confirmed or withdrawn. Rounded to 10 %
without noise the share then moves every time, in the direction that names what she did; with
the published noise, reading its moves so is right little more often than a coin.
"""

from __future__ import annotations

import html
import io
import random
import re
from collections.abc import Callable
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from extensions import db
from models import (
    Company,
    Complaint,
    GroupCase,
    StatementRowKind,
    StatementStatus,
    StatementTable,
    User,
)
from services import statements
from services.cases import membership as group_cases
from services.cases import published
from tests.support import statements as samples
from tests.support.forms import logged_in
from tests.support.web import EN

NARRATIVE = "云帆商城 charged my card twice for a yearly membership and refused the refund."
SEED = 20261205
ROUNDS = 60
SMALL_CLAIM = 100  #: CN¥1.00: every statement backs all of it
LABEL = "Money claimed that members' confirmed statements back (CNY)"


def _share(page: str) -> int | None:
    """The backed share as a visitor reads it, None when not shown."""
    match = re.search(re.escape(LABEL) + r"</dt><dd>about (\d+) %", html.unescape(page))
    return int(match.group(1)) if match else None


def _own_orders(user: User) -> tuple[tuple[str, ...], ...]:
    """The Alipay sample's rows with order numbers of ``user``'s own: the same order claimed
    by two members backs neither."""
    mark = f"{user.id:04d}"
    return tuple(
        (*row[:9], mark + row[9], mark + row[10], *row[11:]) for row in samples.ALIPAY_ROWS
    )


def _confirm(user: User, case: GroupCase, payments_only: bool = False) -> None:
    """Import the Alipay sample as ``user``'s statement and confirm all of its rows, or its
    payments only (a larger total)."""
    for table in db.session.scalars(
        select(StatementTable).where(
            StatementTable.user_id == user.id, StatementTable.case_id == case.id
        )
    ):
        statements.discard(db.session, user, table)
    table = statements.import_statement(
        db.session,
        user,
        case,
        io.BytesIO(samples.alipay_app(_own_orders(user), holder=user.display_name)),
        window_start=date(2026, 10, 1),
        window_end=date(2026, 10, 31),
        counterparty=samples.MERCHANT,
    )
    kept = {
        row.position
        for row in table.rows
        if not payments_only or row.kind is StatementRowKind.PAYMENT
    }
    statements.confirm(db.session, user, table, kept)


def _withdraw(user: User, case: GroupCase) -> None:
    table = db.session.scalar(
        select(StatementTable).where(
            StatementTable.user_id == user.id,
            StatementTable.case_id == case.id,
            StatementTable.status == StatementStatus.CONFIRMED,
        )
    )
    assert table is not None
    statements.discard(db.session, user, table)


def _case(
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    shop: Company,
    claims: list[int],
) -> tuple[GroupCase, list[User]]:
    users = [
        make_user(email=f"s{n}@example.org", display_name=f"林晓{chr(0x4E00 + n)}", locale="en")
        for n in range(len(claims))
    ]
    case = group_cases.start_case(
        db.session,
        users[0],
        make_complaint(users[0], shop, NARRATIVE, amount=claims[0]),
        title="Yunfan Mall charges twice",
        summary="",
    )
    for user, claim in zip(users[1:], claims[1:], strict=True):
        group_cases.join_case(
            db.session, user, case, make_complaint(user, shop, NARRATIVE, amount=claim)
        )
    db.session.commit()
    return case, users


def test_the_backed_share_is_published_with_the_figures_not_before(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    make_company: Callable[..., Company],
) -> None:
    shop = make_company("yunfan", "Yunfan Mall", samples.MERCHANT)
    case, users = _case(make_user, make_complaint, shop, [samples.ALIPAY_NET] * 8)
    published.publish(db.session, case)
    db.session.commit()
    path = f"/cases/{case.public_id}"
    assert _share(client.get(path, headers=EN).get_data(as_text=True)) is None

    for user in users[:4]:  # four confirmations: not yet a batch, the snapshot stays
        _confirm(user, case)
    db.session.commit()
    assert _share(client.get(path, headers=EN).get_data(as_text=True)) is None
    for user in users[4:7]:
        _confirm(user, case)
    db.session.commit()
    page = client.get(path, headers=EN).get_data(as_text=True)
    shown = _share(page)
    assert shown is not None, "seven of eight claims backed, and the case does not say so"
    assert abs(shown - 90) <= 30  # 7/8 of the claims, in 10 % steps, moved by noise
    assert "so that no change of it says whose statement it was" in page
    chinese = client.get(path, headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "有成员已确认账单佐证的索赔金额（CNY）" in chinese
    # the member's own page still shows her table against her claim exactly
    member = logged_in(app, users[0].email)
    assert "CN¥237.50" in member.get(f"{path}/statements", headers=EN).get_data(as_text=True)


def test_observer_of_the_backed_share_cannot_tell_whose_statement_moved_it(
    client: FlaskClient,
    make_user: Callable[..., User],
    make_complaint: Callable[..., Complaint],
    make_company: Callable[..., Company],
) -> None:
    shop = make_company("yunfan", "Yunfan Mall", samples.MERCHANT)
    claims = [samples.ALIPAY_NET] + [SMALL_CLAIM] * 4 + [samples.ALIPAY_NET] * 5
    case, users = _case(make_user, make_complaint, shop, claims)
    organizer, sybils, victims_pool = users[0], users[1:5], users[5:]
    for user in (organizer, *sybils):
        _confirm(user, case)
    db.session.commit()
    published.publish(db.session, case)
    db.session.commit()
    path = f"/cases/{case.public_id}"
    backed = {organizer.id}
    claimed = sum(claims)

    def noiseless() -> int:
        share = (samples.ALIPAY_NET * len(backed) + SMALL_CLAIM * len(sybils)) / claimed
        return round(share * 10) * 10

    figures = [_share(client.get(path, headers=EN).get_data(as_text=True))]
    plain = [noiseless()]
    moves: list[bool] = []  #: True: the victim confirmed; False: withdrew
    rng = random.Random(SEED)
    for round_ in range(ROUNDS):
        for sybil in sybils:  # a statement as good as the last: their claims stay covered
            _confirm(sybil, case, payments_only=round_ % 2 == 0)
        victim = rng.choice(victims_pool)
        if victim.id in backed:
            _withdraw(victim, case)
            backed.remove(victim.id)
            moves.append(False)
        else:
            _confirm(victim, case)
            backed.add(victim.id)
            moves.append(True)
        db.session.commit()  # five members changed: the eager job republishes the case
        figures.append(_share(client.get(path, headers=EN).get_data(as_text=True)))
        plain.append(noiseless())
    assert sum(f is not None for f in figures) > ROUNDS * 0.8, figures
    assert len(set(figures)) > 3, "the published share never moved"

    def readings(shares: list[int | None]) -> tuple[int, int]:
        guesses = right = 0
        for n, confirmed in enumerate(moves, start=1):
            before, after = shares[n - 1], shares[n]
            if before is None or after is None or before == after:
                continue
            guesses += 1
            right += (after > before) == confirmed
        return guesses, right

    guesses, right = readings(list(plain))
    assert guesses == ROUNDS
    assert right == guesses  # rounding alone gives every move away
    guesses, right = readings(figures)
    assert guesses >= 20, guesses
    assert right / guesses <= 0.7, f"{right} of {guesses} readings of the share's move were right"
