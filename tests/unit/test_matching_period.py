""" "Same period" in matching compares whole months, so filing complaints with one date after
another cannot find the exact first or last incident date of a case (and with it the date of
the member who joined last)."""

from __future__ import annotations

from datetime import date

from services.matching.ranking import TIME_SLACK_DAYS, _in_period

PERIOD = (date(2026, 9, 14), date(2026, 10, 3))


def test_same_period_reaches_the_slack_around_whole_months() -> None:
    assert TIME_SLACK_DAYS == 21
    assert _in_period(date(2026, 11, 21), PERIOD)  # 31 October + 21 days
    assert not _in_period(date(2026, 11, 22), PERIOD)
    assert _in_period(date(2026, 8, 11), PERIOD)  # 1 September - 21 days
    assert not _in_period(date(2026, 8, 10), PERIOD)


def test_same_period_answers_alike_for_every_day_of_the_last_month() -> None:
    for probe in (date(2026, 11, 21), date(2026, 11, 22)):
        answers = {_in_period(probe, (PERIOD[0], date(2026, 10, day))) for day in range(1, 32)}
        assert len(answers) == 1, probe
