"""Complaints collected elsewhere, in and out as CSV.

Two layouts are read, told apart by their header: the US CFPB's public complaint database, and
Chorus's own :data:`EXPORT_COLUMNS`, which :func:`export_file` writes so complaints can move
between installations. An association's file (``imported_by``) gives every row a person of its
own, unclaimed until that person claims it (:mod:`.claims`); a person's own export
(``owner``) goes to their account. Rows are checked first and then written on a SAVEPOINT
each, so a bad row is reported and skipped, never half-written; the whole file sits in one
more SAVEPOINT, so an unexpected error leaves nothing of it behind. Sources
("import:cfpb:<id>") make re-runs safe.
"""

from __future__ import annotations

import csv
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import (
    CURRENCIES,
    ZERO_DECIMAL_CURRENCIES,
    Category,
    Company,
    CompanyAlias,
    CompanyStatus,
    Complaint,
    Demand,
    User,
)
from models.base import DbSession
from models.complaint import NARRATIVE_MAX, NARRATIVE_MIN
from services.complaints import claims
from services.complaints.filing import normalize_newlines
from services.errors import DomainError
from services.matching import meaning, term_index
from services.platform.formatting import format_amount
from services.platform.spreadsheet import neutralize, unneutralize
from services.reference.companies import create_company
from services.reference.company_names import normalize_name

#: the header row of the CFPB database's CSV download, verbatim
CFPB_HEADER = (
    '"Date received","Product","Sub-product","Issue","Sub-issue","Consumer complaint narrative",'
    '"Company public response","Company","State","ZIP code","Tags","Consumer consent provided?",'
    '"Submitted via","Date sent to company","Company response to consumer","Timely response?",'
    '"Consumer disputed?","Complaint ID"'
)
CFPB_COLUMNS = tuple(next(csv.reader([CFPB_HEADER])))
#: what ``export`` writes and ``import`` reads back; demands are ";"-separated codes
EXPORT_COLUMNS = (
    "complaint_id",
    "company",
    "company_zh",
    "category",
    "incident_date",
    "amount",
    "currency",
    "narrative",
    "demands",
    "created_at",
)
LAYOUTS = {"cfpb": CFPB_COLUMNS, "chorus": EXPORT_COLUMNS}

AMOUNT_MAX = Decimal(100_000_000)  #: major units, as in the complaint form
SOURCE_MAX = 80  #: length of Complaint.source

#: CFPB issues that name one of our categories outright (case-folded)
CFPB_ISSUES = {
    "fraud or scam": "account_security",
    "money was not available when promised": "topup_withdrawal",
    "problem with customer service": "customer_service",
    "problem with fees": "fees_limits",
    "fees or interest": "fees_limits",
    "incorrect exchange rate": "fees_limits",
    "confusing or misleading advertising or marketing": "unfair_terms",
    "other transaction problem": "transaction_failed",
    "trouble using your card": "transaction_failed",
    "problem with a purchase or transfer": "transaction_failed",
    "wrong amount charged or received": "transaction_failed",
    "improper use of your report": "data_leak",
}
#: category -> words looked for in the sub-issue (more specific), then in the issue; the first
#: category with a hit wins, so the more telling ones come first
CFPB_KEYWORDS = {
    "duplicate_charge": ("charged twice", "duplicate"),
    "refund": ("refund",),
    "account_security": (
        "unauthorized",
        "not authorized",
        "fraud",
        "scam",
        "stolen",
        "identity theft",
    ),
    "account_frozen": ("frozen", "closed", "locked"),
    "topup_withdrawal": ("withdraw", "not available"),
    "fees_limits": ("fee", "limit"),
    "customer_service": ("customer service",),
    "unfair_terms": ("advertis", "misleading"),
    "data_leak": ("privacy", "personal information", "data"),
    "transaction_failed": ("fail", "transaction"),
}
#: legal names in CFPB data (without legal suffixes, normalized) that people call by a brand
CFPB_BRANDS = {"block": "Cash App", "citibank": "Citi"}

_LEGAL_SUFFIX = re.compile(
    r"(?:[\s,&]+(?:inc|llc|l\.l\.c|ltd|holdings?|corp|corporation|co|company|limited|plc"
    r"|n\.a|national association)\.?"
    r"|股份有限公司|有限责任公司|有限責任公司|有限公司)$",
    re.IGNORECASE,
)


class CsvRefused(DomainError):
    """The whole file is refused (unknown header, unreadable): nothing of it is written."""


class _BadRow(Exception):
    """One row is refused; the message says why, for the "line N: reason" report."""


@dataclass(frozen=True)
class BadRow:
    line: int  #: physical line of the row's first line; the header is line 1
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do), for the summary an admin reads."""

    layout: str
    dry_run: bool
    imported: int = 0
    new_companies: int = 0
    duplicates: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)

    def summary(self) -> str:
        counts = (
            f"{self.imported} complaints ({self.new_companies} new companies, "
            f"{self.duplicates} duplicates skipped, {len(self.bad_rows)} bad rows)."
        )
        if self.dry_run:
            return f"Dry run, nothing was written: would have imported {counts}"
        return f"Imported {counts}"


def strip_legal_suffixes(name: str) -> str:
    """ "PAYPAL HOLDINGS, INC." -> "PAYPAL": registers use legal names, people use brands."""
    text = unicodedata.normalize("NFKC", name).strip()
    while (shorter := _LEGAL_SUFFIX.sub("", text).strip(" ,&")) and shorter != text:
        text = shorter
    return text


def map_cfpb_category(issue: str, sub_issue: str) -> str:
    """Our category code for a CFPB issue and sub-issue; "other" when nothing fits."""

    def keyword(text: str) -> str | None:
        text = text.casefold()
        hits = (code for code, words in CFPB_KEYWORDS.items() if any(w in text for w in words))
        return next(hits, None) if text else None

    return (
        keyword(sub_issue) or CFPB_ISSUES.get(issue.strip().casefold()) or keyword(issue) or "other"
    )


def _parse_amount(text: str, currency: str) -> int:
    """Minor units from a decimal string; an empty cell is 0, as for imports without amounts."""
    places = 0 if currency in ZERO_DECIMAL_CURRENCIES else 2
    try:
        value = Decimal(text.strip() or "0")
    except InvalidOperation:
        raise _BadRow(f"the amount “{text}” is not a number like 1234.56") from None
    if not value.is_finite() or not 0 <= value <= AMOUNT_MAX:
        raise _BadRow(f"the amount {text} is not between 0 and 100,000,000")
    if value != round(value, places):
        raise _BadRow(f"the amount {text} has more than {places} decimals for {currency}")
    return int(value.scaleb(places))


def _parse_date(text: str, formats: tuple[str, ...]) -> date:
    """The first format that fits: CFPB files come with both US and ISO dates."""
    for pattern in formats:
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise _BadRow(f"cannot read the date “{text}”")


def _cfpb_row(values: dict[str, str], categories: dict[str, int]) -> tuple[list[str], Complaint]:
    """The company name and an unsaved complaint from a CFPB row."""
    issue, sub_issue = values["Issue"].strip(), values["Sub-issue"].strip()
    narrative = normalize_newlines(values["Consumer complaint narrative"])
    if not narrative:  # the consumer did not publish it: say what it was about instead
        narrative = f"Complaint to the CFPB about: {'; '.join(filter(None, (issue, sub_issue)))}."
    when = _parse_date(values["Date received"], ("%m/%d/%y", "%Y-%m-%d", "%m/%d/%Y"))
    category_id = categories.get(map_cfpb_category(issue, sub_issue))
    # the amount is not published: 0 means unknown, which the model allows
    return [values["Company"]], Complaint(
        category_id=category_id,
        incident_date=when,
        amount_minor=0,
        currency="USD",
        narrative=narrative,
        demands=[],
    )


def _chorus_row(values: dict[str, str], categories: dict[str, int]) -> tuple[list[str], Complaint]:
    """The company names and an unsaved complaint from a row of our own export, exactly."""
    currency, code = values["currency"].strip().upper(), values["category"].strip()
    if currency not in CURRENCIES:
        raise _BadRow(f"unknown currency “{values['currency']}”")
    if code not in categories:
        raise _BadRow(f"unknown category “{code}”")
    demands = list(dict.fromkeys(filter(None, map(str.strip, values["demands"].split(";")))))
    if unknown := [d for d in demands if d not in {m.value for m in Demand}]:
        raise _BadRow(f"unknown demands: {', '.join(unknown)}")
    complaint = Complaint(
        category_id=categories[code],
        currency=currency,
        narrative=values["narrative"],
        incident_date=_parse_date(values["incident_date"], ("%Y-%m-%d",)),
        amount_minor=_parse_amount(values["amount"], currency),
        demands=demands,
    )
    if created := values["created_at"].strip():
        try:
            complaint.created_at = datetime.fromisoformat(created)
        except ValueError:
            raise _BadRow(f"cannot read the time “{created}”") from None
        if complaint.created_at.tzinfo is None:
            complaint.created_at = complaint.created_at.replace(tzinfo=UTC)
        try:  # stored in UTC: "0001-01-01T00:00+14:00" would fall before year 1 on the way
            complaint.created_at = complaint.created_at.astimezone(UTC)
        except OverflowError:
            raise _BadRow(f"the time “{created}” is out of range") from None
    return [values["company"], values["company_zh"]], complaint


def _check(names: list[str], complaint: Complaint, today: date) -> None:
    """What every layout must satisfy, as the complaint form demands it."""
    if complaint.incident_date > today:
        raise _BadRow(f"the date {complaint.incident_date.isoformat()} is in the future")
    if not NARRATIVE_MIN <= len(complaint.narrative.strip()) <= NARRATIVE_MAX:
        length, limits = len(complaint.narrative), f"{NARRATIVE_MIN} to {NARRATIVE_MAX}"
        raise _BadRow(f"the narrative has {length} characters instead of {limits}")
    if complaint.category_id is None:
        raise _BadRow("the category is missing (run flask setup)")
    if not any(name.strip() for name in names):
        raise _BadRow("no company named")
    if "\x00" in complaint.narrative + "".join(names):  # PostgreSQL refuses it in text
        raise _BadRow("the row contains a NUL character")


def _lookup_keys(names: list[str]) -> list[str]:
    """Normalized names to try, the exact name before the one without legal suffixes."""
    keys: list[str] = []
    for name in filter(str.strip, names):
        stripped = strip_legal_suffixes(name)
        for text in (name, stripped, CFPB_BRANDS.get(normalize_name(stripped), "")):
            if (key := normalize_name(text)) and key not in keys:
                keys.append(key)
    return keys


class _Importer:
    """The state of one file's import: reference data, companies seen, sources seen."""

    def __init__(
        self,
        session: DbSession,
        today: date,
        result: ImportResult,
        *,
        owner: User | None,
        imported_by: User | None,
    ) -> None:
        self.session, self.today, self.result = session, today, result
        self.owner, self.imported_by = owner, imported_by
        self.categories = dict(session.execute(select(Category.code, Category.id)).all())
        prefix = f"import:{result.layout}:"
        self.prefix = prefix
        self.sources = set(
            session.scalars(select(Complaint.source).where(Complaint.source.startswith(prefix)))
        )
        #: lookup key -> company, or None for a company this dry run would create
        self.companies: dict[str, Company | None] = {}

    def _company(self, keys: list[str]) -> tuple[Company | None, bool]:
        """The company the keys name and whether it is new; a rejected one refuses the row."""
        if cached := next((key for key in keys if key in self.companies), None):
            return self.companies[cached], False
        for key in keys:
            company = self.session.scalar(
                select(Company).join(CompanyAlias).where(CompanyAlias.normalized == key)
            )
            if company is not None and company.status is CompanyStatus.REJECTED:
                raise _BadRow(
                    f"the company “{company.name_en or company.name_zh}” was rejected by an admin"
                )
            if company is not None:
                self.companies.update(dict.fromkeys(keys, company))
                return company, False
        return None, True

    def add(self, line: int, values: dict[str, str]) -> None:
        id_column = "Complaint ID" if self.result.layout == "cfpb" else "complaint_id"
        source = f"{self.prefix}{values[id_column].strip()}"
        try:
            if source == self.prefix or len(source) > SOURCE_MAX:
                raise _BadRow(f"the {id_column} is missing or too long")
            if "\x00" in source:  # PostgreSQL refuses it in text, and fails the whole file
                raise _BadRow("the row contains a NUL character")
            if source in self.sources:
                self.result.duplicates += 1
                return
            parse = _cfpb_row if self.result.layout == "cfpb" else _chorus_row
            names, complaint = parse(values, self.categories)
            _check(names, complaint, self.today)
            keys = _lookup_keys(names)
            company, new = self._company(keys)
        except _BadRow as error:
            self.result.bad_rows.append(BadRow(line, str(error)))
            return
        if not self.result.dry_run:
            try:
                with self.session.begin_nested():
                    complaint.company = company or self._create_company(names)
                    complaint.owner = self.owner or claims.new_complainant(
                        self.session, self._importer, source
                    )
                    complaint.source = source
                    self.session.add(complaint)
                    term_index.index_complaint(self.session, complaint)
                    meaning.enqueue_meaning(complaint)
            except (DomainError, IntegrityError) as error:  # e.g. a name taken meanwhile
                reason = str(error.orig if isinstance(error, IntegrityError) else error)
                self.result.bad_rows.append(BadRow(line, f"not saved: {reason.splitlines()[0]}"))
                return
        if new:  # later rows naming it find it here, even in a dry run that did not create it
            self.companies.update(
                dict.fromkeys(keys, None if self.result.dry_run else complaint.company)
            )
        self.sources.add(source)
        self.result.imported += 1
        self.result.new_companies += new

    @property
    def _importer(self) -> User:
        """Who runs the import: the owner of every row, or the association."""
        importer = self.owner or self.imported_by
        assert importer is not None  # import_file takes exactly one of them
        return importer

    def _create_company(self, names: list[str]) -> Company:
        """A proposed company an admin reviews; known by its legal and its short name."""
        name_en, name_zh = (*names, "")[:2]
        if not name_zh and any("\u4e00" <= ch <= "\u9fff" for ch in name_en):
            name_en, name_zh = "", name_en
        return create_company(
            self.session,
            slug=f"proposed-{secrets.token_hex(4)}",
            name_en=name_en[:200],
            name_zh=name_zh[:200],
            status=CompanyStatus.PROPOSED,
            proposed_by_id=self._importer.id,
            aliases=[
                alias[:200]
                for n in (name_en, name_zh)
                if n.strip()
                for alias in (
                    strip_legal_suffixes(n),
                    CFPB_BRANDS.get(normalize_name(strip_legal_suffixes(n)), ""),
                )
                if alias
            ],
        )


def detect_layout(header: list[str]) -> tuple[str, dict[str, int]]:
    """The layout a header announces and each column's position; refuses unknown headers."""
    header = [cell.strip().lstrip("\ufeff") for cell in header]
    missing = {name: [c for c in columns if c not in header] for name, columns in LAYOUTS.items()}
    # the layout the file shares most columns with is what its author meant
    layout = max(missing, key=lambda name: (len(LAYOUTS[name]) - len(missing[name]), name))
    if missing[layout]:
        title = {"cfpb": "a CFPB database file", "chorus": "a Chorus export"}[layout]
        raise CsvRefused(
            f"Unknown header. Missing columns for {title}: {', '.join(missing[layout])}."
        )
    return layout, {name: header.index(name) for name in LAYOUTS[layout]}


def import_file(
    session: DbSession,
    path: Path,
    *,
    today: date,
    owner: User | None = None,
    imported_by: User | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import every good row of ``path``: all for ``owner``, or, for an association
    ``imported_by``, each for a person of its own who claims it later; the caller commits.

    Raises :class:`CsvRefused` for a file that cannot be read or has an unknown header."""
    if (owner is None) == (imported_by is None):
        raise ValueError("give exactly one of owner and imported_by")
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream, session.begin_nested():
            reader = csv.reader(stream)
            layout, columns = detect_layout(next(reader, []))
            importer = _Importer(
                session,
                today,
                ImportResult(layout, dry_run),
                owner=owner,
                imported_by=imported_by,
            )
            end = reader.line_num
            for cells in reader:
                start, end = end + 1, reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                width = max(columns.values()) + 1
                if len(cells) < width:
                    importer.result.bad_rows.append(
                        BadRow(start, f"{len(cells)} columns instead of {width}")
                    )
                    continue
                values = {name: cells[index] for name, index in columns.items()}
                if layout == "chorus":
                    values = {name: unneutralize(value) for name, value in values.items()}
                importer.add(start, values)
    except OSError as error:
        raise CsvRefused(f"Cannot read {path}: {error.strerror or error}.") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise CsvRefused(f"Cannot read {path} as UTF-8 CSV: {error}.") from None
    return importer.result


def export_file(session: DbSession, path: Path, *, company_slug: str | None = None) -> int:
    """Write complaints in :data:`EXPORT_COLUMNS`, UTF-8 with a BOM so Excel reads Chinese;
    returns how many. Raises :class:`CsvRefused` for an unknown company slug."""
    query = (
        select(
            Complaint.public_id,
            Company.name_en,
            Company.name_zh,
            Category.code,
            Complaint.incident_date,
            Complaint.amount_minor,
            Complaint.currency,
            Complaint.narrative,
            Complaint.demands,
            Complaint.created_at,
        )
        .join(Company, Complaint.company_id == Company.id)
        .join(Category, Complaint.category_id == Category.id)
        .order_by(Complaint.created_at, Complaint.id)
    )
    if company_slug is not None:
        company = session.scalar(select(Company).where(Company.slug == company_slug))
        if company is None:
            raise CsvRefused(f"No company with the slug {company_slug}.")
        query = query.where(Complaint.company_id == company.id)
    count = 0
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(EXPORT_COLUMNS)
            for row in session.execute(query.execution_options(yield_per=500)):
                cells = (
                    row.public_id,
                    row.name_en,
                    row.name_zh,
                    row.code,
                    row.incident_date.isoformat(),
                    format_amount(row.amount_minor, row.currency),
                    row.currency,
                    row.narrative,
                    ";".join(row.demands or ()),
                    row.created_at.isoformat(),
                )
                writer.writerow([neutralize(cell) for cell in cells])
                count += 1
    except OSError as error:
        raise CsvRefused(f"Cannot write {path}: {error.strerror or error}.") from None
    return count
