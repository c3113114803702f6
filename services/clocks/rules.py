"""The deadline rule sets of the authorities Chorus knows, each from its primary source
(docs/deadlines.md cites them article by article).

A rule set names, for each clock, its period and unit, how far it may be extended and who
grants the extension, and the country whose holiday calendar counts its days. Rule sets are
code, not rows: a rule is law, changed by a reviewed commit with its source, and a submission
keeps the name of the rule set it started under.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from models import ClockKind, ClockUnit, SubmissionStatus


@dataclass(frozen=True)
class Period:
    count: int
    unit: ClockUnit
    #: the longest the period may become through extensions (None: it cannot be extended)
    extendable_to: int | None = None
    #: who grants an extension: "company" (the firm decides, the authority records it) or
    #: "authority"
    granted_by: str | None = None
    #: the clock starts when the authority accepts the case, not when it is submitted
    from_acceptance: bool = False


@dataclass(frozen=True)
class RuleSet:
    name: str
    title: str  #: lazy, shown in the user's language
    #: ISO 3166 country (and subdivision) whose official working days count
    country: str
    subdivision: str | None
    timezone: str
    clocks: dict[ClockKind, Period] = field(default_factory=dict)
    #: a calendar-day deadline that falls on a rest day moves to the next working day
    #: (China: Civil Code Art. 203); elsewhere it stays
    roll_past_rest_days: bool = False
    source: str = ""


#: the status at or past which each clock stops
STOPS_AT: dict[ClockKind, frozenset[SubmissionStatus]] = {
    ClockKind.ACKNOWLEDGE: frozenset(set(SubmissionStatus) - {SubmissionStatus.SUBMITTED}),
    ClockKind.ANSWER: frozenset(
        {
            SubmissionStatus.COMPANY_ANSWERED,
            SubmissionStatus.RESOLVED,
            SubmissionStatus.REJECTED,
        }
    ),
    ClockKind.CLOSE: frozenset({SubmissionStatus.RESOLVED, SubmissionStatus.REJECTED}),
}

CALENDAR = ClockUnit.CALENDAR_DAYS
WORKING = ClockUnit.WORKING_DAYS
BUSINESS = ClockUnit.BUSINESS_DAYS

RULE_SETS: dict[str, RuleSet] = {
    rule_set.name: rule_set
    for rule_set in (
        RuleSet(
            name="cfpb",
            title=_l("CFPB: company response within 15 days, closed within 60"),
            country="US",
            subdivision=None,
            timezone="America/New_York",
            clocks={
                ClockKind.ANSWER: Period(15, CALENDAR),
                ClockKind.CLOSE: Period(60, CALENDAR),
            },
            source="CFPB Company Portal Manual §8.1",
        ),
        RuleSet(
            name="nfra-2020",
            title=_l("NFRA: decision within 15 days, extendable to 30, at most 60"),
            country="CN",
            subdivision=None,
            timezone="Asia/Shanghai",
            clocks={ClockKind.ANSWER: Period(15, CALENDAR, 60, "company")},
            roll_past_rest_days=True,
            source="银行业保险业消费投诉处理管理办法 (CBIRC Order 2020 No. 3)",
        ),
        RuleSet(
            name="pboc-2020",
            title=_l("PBOC: answer within 15 days, extendable to at most 60"),
            country="CN",
            subdivision=None,
            timezone="Asia/Shanghai",
            clocks={ClockKind.ANSWER: Period(15, CALENDAR, 60, "company")},
            roll_past_rest_days=True,
            source="中国人民银行金融消费者权益保护实施办法 (PBOC Order 2020 No. 5)",
        ),
        RuleSet(
            name="samr-12315",
            title=_l(
                "12315: accepted within 7 working days, mediation ends 45 working days "
                "after acceptance"
            ),
            country="CN",
            subdivision=None,
            timezone="Asia/Shanghai",
            clocks={
                ClockKind.ACKNOWLEDGE: Period(7, WORKING),
                ClockKind.CLOSE: Period(45, WORKING, from_acceptance=True),
            },
            source="市场监督管理投诉举报处理暂行办法 Art. 14, 21 (SAMR Order No. 20)",
        ),
        RuleSet(
            name="fca-disp",
            title=_l("UK FCA: final response within 8 weeks"),
            country="GB",
            subdivision="ENG",
            timezone="Europe/London",
            clocks={ClockKind.ANSWER: Period(56, CALENDAR)},
            source="FCA Handbook DISP 1.6.2R",
        ),
        RuleSet(
            name="fca-disp-payments",
            title=_l("UK FCA, payment services: 15 business days, 35 in exceptional circumstances"),
            country="GB",
            subdivision="ENG",
            timezone="Europe/London",
            clocks={ClockKind.ANSWER: Period(15, BUSINESS, 35, "company")},
            source="FCA Handbook DISP 1.6.2AR",
        ),
        RuleSet(
            name="heimao-48h",
            title=_l("Black Cat Complaints (黑猫投诉): the merchant replies within 48 hours"),
            country="CN",
            subdivision=None,
            timezone="Asia/Shanghai",
            clocks={ClockKind.ANSWER: Period(48, ClockUnit.HOURS)},
            source="黑猫投诉 merchant rules (48 h reply)",
        ),
    )
}


def rule_set(name: str | None) -> RuleSet | None:
    """The rule set of that name, or None (an authority without rules runs no clocks)."""
    return RULE_SETS.get(name or "")
