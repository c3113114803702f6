"""A differencing attack on a case's figures: an observer who records every figure a visitor and
a member can see after each single change learns no member's amount, incident date or category.

A seeded random sequence of joins, leaves, complaint edits and deletions (every amount and
incident date unique, every amount with a cents digit no rounding produces) runs through the
services the pages call. After each change the observer reads, through the app, the case page as
a visitor and as a member, the case list, the home page, the share page and its preview image,
the member's notifications and the joint complaint "filled from the case"; the JSON API answers
regulators only. It is told exactly who changed what at each step
(more than the day counts of the timeline say) and then tries:

- **amounts**, by linear algebra over every observation of a total: each is an equation over the
  unknown amounts of the members it covers, and an amount is computed whenever the equations of
  any pairs or chains of observations isolate it;
- **dates and categories**, on every pair of observations whose states differ by one member
  (in a row, or far apart): a bound of the incident period that moves to an exact day gives her
  date, a category count that moves by one gives her category.

Any fact it computes that is right fails the test.

After submission members record what they got back; the case shows the share of the money
claimed that came back and the share of members satisfied. A second observer, who controls
four members and makes every snapshot differ from the last by one victim's outcome alone,
reads each move of those shares as the victim's: rounded to 10 % that reading is right every
time (47 of 47 here); with the published noise it is right 31 times in 71, less than a coin.
"""

from __future__ import annotations

import hashlib
import html
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from extensions import db
from models import (
    Authority,
    Category,
    Company,
    Complaint,
    GroupCase,
    Membership,
    OutcomeRating,
    OutcomeState,
    User,
)
from services.cases import membership as group_cases
from services.cases import published
from services.complaints.filing import (
    ComplaintInput,
    delete_complaint,
    file_complaint,
    update_complaint,
)
from services.outcomes import record_outcome
from tests.support.forms import logged_in, submit
from tests.support.respondents import submitted_case
from tests.support.web import EN

SEED = 20261205
STEPS = 120
PEOPLE = 20
STARTING = 8  #: members before the first observation
TODAY = date(2026, 11, 24)
FACTS = ("amount", "incident date", "category")
NARRATIVE = "WalletPro froze my balance after a top-up ({n}); support never answers my tickets."


@dataclass(frozen=True)
class Version:
    """One member's complaint facts between two changes."""

    user: int
    amount: int  #: minor units
    day: date
    category: str


@dataclass
class Observation:
    state: dict[int, int]  #: user -> version id, the live membership after the change
    snapshot: str = ""  #: the case page's figures section, as a visitor reads it
    totals: dict[str, int] = field(default_factory=dict)  #: source -> minor units
    periods: dict[str, tuple[str, str]] = field(default_factory=dict)  #: source -> bounds
    categories: dict[str, dict[str, int]] = field(default_factory=dict)  #: source -> counts
    others: dict[str, str] = field(default_factory=dict)  #: every other figure, as read


class Sequence:
    """The random changes, run through the services, with the truth kept aside."""

    def __init__(self, people: list[User], company: Company, rng: random.Random) -> None:
        self.people, self.company, self.rng = people, company, rng
        self.categories = {
            c.code: c.id for c in db.session.scalars(select(Category).order_by(Category.position))
        }
        self.versions: list[Version] = []
        self.current: dict[int, int] = {}  #: user -> version id of the complaint in the case
        self.complaint: dict[int, Complaint] = {}
        #: complaints their owners left the case with, and their versions, to join again with
        self.free: dict[int, tuple[Complaint, int]] = {}
        self.amounts: set[int] = set()
        self.days = [date(2026, 1, 1) + timedelta(days=n) for n in range(320)]
        rng.shuffle(self.days)
        self.case: GroupCase | None = None

    def _facts(self, user: User) -> Version:
        while True:  # unique, and never a multiple of 10 fen: no rounded figure can be one
            amount = self.rng.randrange(10_001, 2_000_000)
            if amount % 10 and amount not in self.amounts:
                break
        self.amounts.add(amount)
        category = self.rng.choice(sorted(self.categories))
        return Version(user.id, amount, self.days.pop(), category)

    def _input(self, facts: Version, n: int) -> ComplaintInput:
        return ComplaintInput(
            company_text=self.company.name_en,
            propose_company=False,
            category_id=self.categories[facts.category],
            incident_date=facts.day,
            amount_minor=facts.amount,
            currency="CNY",
            narrative=NARRATIVE.format(n=n),
            demands=["refund"],
            demands_other=None,
        )

    def _record(self, facts: Version) -> int:
        self.versions.append(facts)
        self.current[facts.user] = len(self.versions) - 1
        return len(self.versions) - 1

    def join(self, user: User) -> None:
        """Join with a new complaint, or half the time again with the one the user left with."""
        if user.id in self.free and self.rng.random() < 0.5:
            complaint, version = self.free.pop(user.id)
            assert self.case is not None
            group_cases.join_case(db.session, user, self.case, complaint)
            self.complaint[user.id], self.current[user.id] = complaint, version
            return
        facts = self._facts(user)
        complaint = file_complaint(
            db.session, user, self._input(facts, len(self.versions)), today=TODAY
        )
        if self.case is None:
            self.case = group_cases.start_case(
                db.session,
                user,
                complaint,
                title="WalletPro freezes",
                summary="",
                invite_similar=False,
            )
        else:
            group_cases.join_case(db.session, user, self.case, complaint)
        self.complaint[user.id] = complaint
        self._record(facts)

    def leave(self, user: User) -> None:
        assert self.case is not None
        membership = db.session.scalar(
            select(Membership).where(
                Membership.case_id == self.case.id, Membership.user_id == user.id
            )
        )
        assert membership is not None
        group_cases.leave_case(db.session, membership)
        self.free[user.id] = (self.complaint.pop(user.id), self.current.pop(user.id))

    def delete(self, user: User) -> None:
        delete_complaint(db.session, self.complaint.pop(user.id))
        del self.current[user.id]

    def edit(self, user: User) -> None:
        old = self.versions[self.current[user.id]]
        new = self._facts(user)
        what = self.rng.choice(("amount", "day", "category", "all"))
        new = Version(
            user.id,
            new.amount if what in ("amount", "all") else old.amount,
            new.day if what in ("day", "all") else old.day,
            new.category if what in ("category", "all") else old.category,
        )
        update_complaint(
            db.session, self.complaint[user.id], self._input(new, len(self.versions)), TODAY
        )
        self._record(new)

    def step(self, keep: set[int]) -> str:
        """One random change; members in ``keep`` never leave (the observer's own accounts)."""
        outside = [p for p in self.people if p.id not in self.current]
        movable = [p for p in self.people if p.id in self.current and p.id not in keep]
        inside = [p for p in self.people if p.id in self.current]
        choices = [("join", 6)] if outside else []
        choices += [("edit", 4)]
        choices += [("leave", 3), ("delete", 1)] if movable else []
        kind = self.rng.choices([k for k, _w in choices], [w for _k, w in choices])[0]
        person = self.rng.choice(
            outside if kind == "join" else inside if kind == "edit" else movable
        )
        getattr(self, kind)(person)
        db.session.commit()
        return kind


_MONEY = re.compile(r"[\d,]+(?:\.\d+)?")


def _minor(text: str) -> int:
    return int(Decimal(_MONEY.findall(text)[-1].replace(",", "")) * 100)


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", page))


def _case_page(page: str, source: str, seen: Observation, labels: dict[str, str]) -> None:
    page = _text(page)
    if source == "visitor":
        seen.snapshot = re.search(r'<section aria-labelledby="figures-title">.*?</section>', page)[
            0
        ]
    for currency, amount in re.findall(r"<dt>Total lost \((\w{3})\)</dt><dd>(.*?)</dd>", page):
        seen.totals[f"{source}:{currency}"] = _minor(amount)
    period = re.search(r"<dt>Incidents between</dt><dd>(.*?) – (.*?)</dd>", page)
    if period:
        seen.periods[source] = (period.group(1), period.group(2))
    for table in re.findall(r"<table>.*?</table>", page):
        rows = re.findall(r'<tr><td>(.*?)</td><td class="num">(\d+)</td>', table)
        if '<th scope="col">Category</th>' in table:
            seen.categories[source] = {labels[label]: int(n) for label, n in rows}
        elif rows:
            seen.others[f"{source}:table:{hashlib.sha256(table.encode()).hexdigest()}"] = table
    for name in ("members", "figure-row", "hint", "timeline"):
        for n, found in enumerate(re.findall(rf'class="{name}">(.*?)</', page)):
            seen.others[f"{source}:{name}:{n}"] = found


def _fill_text(page: str, seen: Observation, labels: dict[str, str]) -> None:
    facts = _text(re.search(r"<textarea[^>]*name=\"facts\"[^>]*>(.*?)</textarea>", page, re.S)[1])
    lost = re.search(r"Together they lost (?:about )?(.*?)\.(?: |$)", facts)
    if lost:
        seen.totals["fill:CNY"] = _minor(lost.group(1))
    period = re.search(r"happened between (.*?) and (.*?)\.(?: |$)", facts)
    if period:
        seen.periods["fill"] = (period.group(1), period.group(2))
    counted = re.findall(r"- ([^:-]+): (\d+) members?", facts)
    if counted:
        seen.categories["fill"] = {labels[label.strip()]: int(n) for label, n in counted}
    seen.others["fill"] = facts


def _exact_day(text: str) -> date | None:
    """A bound of the incident period, when it names a day (not a month or a week)."""
    for pattern in ("%b %d, %Y", "%Y-%m-%d", "%d %b %Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _determined(rows: list[dict[int, int]], rhs: list[int]) -> dict[int, Fraction]:
    """The unknowns that the equations ``sum(row) == rhs`` fix, with their values: exact
    Gauss-Jordan elimination; an unknown is fixed when its pivot row has no other unknown."""
    matrix = [
        ({k: Fraction(v) for k, v in row.items() if v}, Fraction(b))
        for row, b in zip(rows, rhs, strict=True)
    ]
    pivots: list[tuple[int, dict[int, Fraction], Fraction]] = []
    for row, b in matrix:
        row = dict(row)
        for col, prow, pb in pivots:  # reduce by earlier pivots
            factor = row.get(col)
            if factor:
                for k, v in prow.items():
                    row[k] = row.get(k, Fraction(0)) - factor * v
                b -= factor * pb
                row = {k: v for k, v in row.items() if v}
        if not row:
            continue
        col = min(row)
        scale = row[col]
        row = {k: v / scale for k, v in row.items()}
        b /= scale
        reduced = []
        for pcol, prow, pb in pivots:  # keep earlier pivots reduced by the new one
            factor = prow.get(col)
            if factor:
                prow = dict(prow)
                for k, v in row.items():
                    prow[k] = prow.get(k, Fraction(0)) - factor * v
                pb -= factor * b
                prow = {k: v for k, v in prow.items() if v}
            reduced.append((pcol, prow, pb))
        pivots = [*reduced, (col, row, b)]
    return {col: b for col, row, b in pivots if len(row) == 1}


@dataclass
class Attacker:
    sequence: Sequence
    observations: list[Observation]
    found: list[str] = field(default_factory=list)

    def _published(self) -> list[Observation]:
        """The observations whose figures differ from the one before: each shows the state right
        after its change (figures are made by the change that makes them due)."""
        kept = [self.observations[0]]
        for seen in self.observations[1:]:
            if seen.snapshot != kept[-1].snapshot:
                kept.append(seen)
        return kept

    def amounts(self) -> None:
        series = {s for seen in self.observations for s in seen.totals}
        for source in sorted(series):
            rows, rhs = [], []
            for seen in self._published():
                if source in seen.totals:
                    rows.append(dict.fromkeys(seen.state.values(), 1))
                    rhs.append(seen.totals[source])
            for version, value in _determined(rows, rhs).items():
                truth = self.sequence.versions[version]
                if value == truth.amount:
                    self.found.append(
                        f"amount {truth.amount} of member {truth.user} from {source} totals"
                    )

    def _isolated(self) -> list[tuple[Observation, Observation, int]]:
        """Pairs of observations whose states differ by one member, with that member."""
        published = self._published()
        pairs = []
        for i, before in enumerate(published):
            for after in published[i + 1 :]:
                users = {
                    u
                    for u in before.state.keys() | after.state.keys()
                    if before.state.get(u) != after.state.get(u)
                }
                if len(users) == 1:
                    pairs.append((before, after, users.pop()))
        return pairs

    def dates_and_categories(self) -> None:
        for before, after, user in self._isolated():
            old, new = before.state.get(user), after.state.get(user)
            for source in before.periods.keys() & after.periods.keys():
                for side in (0, 1):
                    was, now = before.periods[source][side], after.periods[source][side]
                    if was == now:
                        continue
                    for version, bound in ((new, now), (old, was)):
                        day = _exact_day(bound)
                        if version is not None and day == self.sequence.versions[version].day:
                            self.found.append(f"incident date {day} of member {user} from {source}")
            for source in before.categories.keys() & after.categories.keys():
                was, now = before.categories[source], after.categories[source]
                moved = {c: now.get(c, 0) - was.get(c, 0) for c in was.keys() | now.keys()}
                up = [c for c, d in moved.items() if d == 1]
                down = [c for c, d in moved.items() if d == -1]
                for version, side in ((new, up), (old, down)):
                    if version is not None and len(side) == 1:
                        truth = self.sequence.versions[version]
                        if side[0] == truth.category:
                            self.found.append(
                                f"category {truth.category} of member {user} from {source}"
                            )


def _observe(
    sequence: Sequence,
    clients: dict[str, FlaskClient],
    case: GroupCase,
    labels: dict[str, str],
) -> Observation:
    seen = Observation(state=dict(sequence.current))
    path = f"/cases/{case.public_id}"
    for who in ("visitor", "member"):
        page = clients[who].get(path, headers=EN)
        assert page.status_code == 200
        _case_page(page.get_data(as_text=True), who, seen, labels)
    listing = _text(clients["visitor"].get("/cases/", headers=EN).get_data(as_text=True))
    seen.others["list"] = "|".join(re.findall(r'class="members">(.*?)<', listing))
    home = _text(clients["visitor"].get("/", headers=EN).get_data(as_text=True))
    seen.others["home"] = "|".join(re.findall(r"<dd>(.*?)</dd>", home))
    share = _text(clients["organizer"].get(f"{path}/share", headers=EN).get_data(as_text=True))
    seen.others["share"] = "|".join(re.findall(r'content="([^"]*)"', share))
    bell = clients["member"].get("/notifications/", headers=EN)
    assert bell.status_code == 200
    bell = _text(bell.get_data(as_text=True))
    seen.others["notifications"] = bell[bell.find("<main") :]
    card = clients["visitor"].get(f"{path}/og.png?lang=en").get_data()
    seen.others["og.png"] = hashlib.sha256(card).hexdigest()
    fill = submit(
        clients["organizer"],
        f"{path}/petition/edit",
        data={"fill": "1", "title": "", "authority": "0"},
        headers=EN,
    )
    _fill_text(fill.get_data(as_text=True), seen, labels)
    return seen


def test_observer_of_every_figure_learns_no_member_fact(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
) -> None:
    rng = random.Random(SEED)
    company = make_company("walletpro", "WalletPro", "钱包宝")
    people = [make_user(email=f"p{i}@example.org", locale="en") for i in range(PEOPLE)]
    labels = {c.label_en: c.code for c in db.session.scalars(select(Category))}
    sequence = Sequence(people, company, rng)
    for person in people[:STARTING]:  # the organizer, the observing member and others
        sequence.join(person)
        db.session.commit()
    case = sequence.case
    assert case is not None
    clients = {
        "visitor": client,
        "member": logged_in(app, "p1@example.org"),
        "organizer": logged_in(app, "p0@example.org"),
    }
    api = client.get(f"/api/v1/cases/{case.public_id}")
    assert api.status_code == 401  # the API answers regulators only
    observations = [_observe(sequence, clients, case, labels)]
    kinds: dict[str, int] = {}
    for _ in range(STEPS):
        kind = sequence.step(keep={people[0].id, people[1].id})
        kinds[kind] = kinds.get(kind, 0) + 1
        observations.append(_observe(sequence, clients, case, labels))
    assert min(kinds.values()) >= 5, kinds  # every kind of change happened, several times
    totals = {seen.totals.get("visitor:CNY") for seen in observations} - {None}
    assert len(totals) >= 5, totals  # the figures moved, several times

    attacker = Attacker(sequence, observations)
    attacker.amounts()
    attacker.dates_and_categories()
    facts = {found.split(" from ")[0] for found in attacker.found}
    kinds_found = {k: len({f for f in facts if f.startswith(k)}) for k in FACTS}
    assert attacker.found == [], (
        f"from {len(observations)} observations of {len(sequence.versions)} complaint versions "
        f"the observer worked out {kinds_found}: " + "; ".join(sorted(set(attacker.found))[:8])
    )


# --- what members got back -------------------------------------------------------------------

ROUNDS = 60
_SHARE = re.compile(r"{label}</dt><dd>about (\d+) %")


def _outcome_figures(page: str) -> tuple[int | None, int | None]:
    """(recovered %, satisfied %) as a visitor reads them on the case page."""
    found = []
    for label in (
        r"Money recovered of the money claimed \(CNY\)",
        "Members satisfied with the outcome",
    ):
        match = re.search(_SHARE.pattern.format(label=label), page)
        found.append(int(match.group(1)) if match else None)
    return found[0], found[1]


def _noiseless(outcomes: dict[int, tuple[int, bool]], claimed: dict[int, int]) -> tuple[int, int]:
    """The same figures rounded to 10 % without the noise: what publishing used to be."""
    back = sum(refund for refund, _satisfied in outcomes.values())
    recovered = round(10 * back / sum(claimed.values())) * 10
    satisfied = round(10 * sum(s for _r, s in outcomes.values()) / len(outcomes)) * 10
    return recovered, satisfied


def _guesses(
    figures: list[tuple[int | None, int | None]],
    truth: list[dict[int, tuple[int, bool]]],
    victims: list[int],
) -> tuple[int, int]:
    """An observer who knows every change but the victim's (its own accounts made the others,
    none of which moves a figure) reads each move of a figure as the victim's: satisfied now
    when the share rose, no longer when it fell; refunded more when recovered money rose, less
    when it fell. Returns (guesses, right ones)."""
    guesses = right = 0
    for n, victim in enumerate(victims, start=1):
        (was_back, was_happy), (now_back, now_happy) = truth[n - 1][victim], truth[n][victim]
        (rec_before, sat_before), (rec_after, sat_after) = figures[n - 1], figures[n]
        if None not in (sat_before, sat_after) and sat_before != sat_after:
            guesses += 1
            right += (
                (now_happy and not was_happy)
                if sat_after > sat_before
                else (was_happy and not now_happy)
            )
        if None not in (rec_before, rec_after) and rec_before != rec_after:
            guesses += 1
            right += now_back > was_back if rec_after > rec_before else now_back < was_back
    return guesses, right


def test_observer_of_outcome_figures_cannot_tell_what_one_member_got(
    client: FlaskClient,
    make_user: Callable[..., User],
    make_company: Callable[..., Company],
    make_complaint: Callable[..., Complaint],
) -> None:
    """Members of a submitted case record their outcomes; the observer controls four of them
    (whose changes make each batch and move no figure: "partly" and "not satisfied" count
    alike) so that every snapshot differs from the last by one victim's outcome alone, and
    reads the recovered and satisfied shares of the case page after each.

    Rounded to 10 % without noise, each move of a figure is that victim's, and reading it so is
    right every time; with the published noise the same reading is right little more often
    than a coin."""
    from models import OutcomeRating, OutcomeState

    authority = Authority(slug="nfra", name_en="NFRA", name_zh="金融监管总局", min_signatures=2)
    db.session.add(authority)
    db.session.commit()
    company = make_company("walletpro", "WalletPro", "钱包宝")
    names = tuple(f"Member {n}" for n in range(10))
    case, members = submitted_case(make_user, make_complaint, company, authority, "o", names)
    sybils, victims_pool = members[1:5], members[5:]
    claimed = {
        m.id: db.session.scalar(
            select(Complaint.amount_minor)
            .join(Membership)
            .where(Membership.case_id == case.id, Membership.user_id == m.id)
        )
        for m in members
    }
    rng = random.Random(SEED)
    outcomes: dict[int, tuple[int, bool]] = {}

    def set_outcome(
        user: User, state: OutcomeState, rating: OutcomeRating, partial: int = 0
    ) -> None:
        amount = f"{partial / 100:.2f}" if state is OutcomeState.PARTLY_REFUNDED else ""
        record_outcome(db.session, user, case, state, amount=amount, rating=rating)
        refund = {
            OutcomeState.PARTLY_REFUNDED: partial,
            OutcomeState.FULLY_REFUNDED: claimed[user.id],
        }
        outcomes[user.id] = (refund.get(state, 0), rating is OutcomeRating.SATISFIED)

    for user in members:
        set_outcome(user, OutcomeState.NOTHING_YET, OutcomeRating.PARTLY)
    db.session.commit()
    published.publish(db.session, case)
    db.session.commit()
    path = f"/cases/{case.public_id}"
    figures = [_outcome_figures(client.get(path, headers=EN).get_data(as_text=True))]
    truth = [dict(outcomes)]
    victims = []
    for round_ in range(ROUNDS):
        flip = OutcomeRating.NOT_SATISFIED if round_ % 2 == 0 else OutcomeRating.PARTLY
        for sybil in sybils:
            set_outcome(sybil, OutcomeState.NOTHING_YET, flip)
        victim = rng.choice(victims_pool)
        state = rng.choice(list(OutcomeState))
        partial = (
            rng.randrange(1, claimed[victim.id]) if state is OutcomeState.PARTLY_REFUNDED else 0
        )
        set_outcome(victim, state, rng.choice(list(OutcomeRating)), partial)
        db.session.commit()  # five members changed: the eager job republishes the case
        victims.append(victim.id)
        figures.append(_outcome_figures(client.get(path, headers=EN).get_data(as_text=True)))
        truth.append(dict(outcomes))
    assert sum(None not in pair for pair in figures) > ROUNDS * 0.8, figures
    assert len(set(figures)) > 5, "the published outcome figures never moved"

    plain = [_noiseless(state, claimed) for state in truth]
    guesses, right = _guesses(plain, truth, victims)
    assert guesses >= 20, guesses
    assert right == guesses, (guesses, right)  # rounding alone gives every move away
    guesses, right = _guesses(figures, truth, victims)
    assert guesses >= 20, guesses
    assert right / guesses <= 0.7, f"{right} of {guesses} readings of a figure's move were right"
