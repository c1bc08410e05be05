"""The policy's calendar: every date lies in exactly one semester and one quarter, and the
periods' edges (first and last day, 02-29, the January report month) are where the policy says."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from handinhand.core.policy import get_policy, parse_policy
from handinhand.meetings.calendar import (
    period_of,
    periods_overlapping,
    periods_starting,
    quarter_of,
    semester_of,
    span_of,
)

DATES = st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2199, 12, 31))
DEFAULT = Path(settings.POLICY_FILE).read_text(encoding="utf-8")


def _all_spans(kind: str, year: int) -> list:
    count = len(
        get_policy().calendar.semesters if kind == "semester" else get_policy().calendar.quarters
    )
    return [span_of(kind, i, y) for y in (year - 1, year) for i in range(1, count + 1)]  # type: ignore[arg-type]


@given(DATES)
def test_every_date_is_in_exactly_one_semester_and_one_quarter(day: dt.date) -> None:
    for kind in ("semester", "quarter"):
        holding = [s for s in _all_spans(kind, day.year) if s.contains(day)]
        assert len(holding) == 1, (kind, day, holding)
        assert period_of(kind, day) == holding[0]


@given(DATES)
def test_consecutive_periods_touch_without_gap(day: dt.date) -> None:
    for kind in ("semester", "quarter"):
        span = period_of(kind, day)
        after = period_of(kind, span.end + dt.timedelta(days=1))
        before = period_of(kind, span.start - dt.timedelta(days=1))
        assert after.start == span.end + dt.timedelta(days=1)
        assert before.end == span.start - dt.timedelta(days=1)
        assert after != span and before != span


@given(st.integers(min_value=1901, max_value=2199))
def test_periods_starting_in_a_year_tile_it_once(year: int) -> None:
    quarters = periods_starting("quarter", year)
    assert [q.start for q in quarters] == [dt.date(year, m, 1) for m in (1, 4, 7, 10)]
    assert sum((q.end - q.start).days + 1 for q in quarters) == (
        366 if dt.date(year, 12, 31).timetuple().tm_yday == 366 else 365
    )
    semesters = periods_starting("semester", year)
    assert len(semesters) == 2
    assert semesters[1].end == semesters[0].start.replace(year=year + 1) - dt.timedelta(days=1)


def test_edges_of_the_pilot_calendar() -> None:
    # The autumn semester wraps: January (the report month) still belongs to last autumn.
    jan = semester_of(dt.date(2025, 1, 31))
    assert (jan.key, jan.label, jan.start, jan.end) == (
        "2024-S2",
        "2024年秋季学期",
        dt.date(2024, 8, 1),
        dt.date(2025, 1, 31),
    )
    assert semester_of(dt.date(2025, 2, 1)).key == "2025-S1"
    assert semester_of(dt.date(2025, 7, 31)).key == "2025-S1"
    assert semester_of(dt.date(2025, 8, 1)).key == "2025-S2"
    assert semester_of(dt.date(2024, 2, 29)).key == "2024-S1"
    assert quarter_of(dt.date(2024, 2, 29)).key == "2024-Q1"
    assert quarter_of(dt.date(2024, 12, 31)).key == "2024-Q4"
    assert quarter_of(dt.date(2025, 1, 1)).key == "2025-Q1"
    assert quarter_of(dt.date(2025, 3, 31)).days_left(dt.date(2025, 3, 31)) == 0
    assert [s.key for s in periods_overlapping("semester", 2025)] == [
        "2024-S2",
        "2025-S1",
        "2025-S2",
    ]
    assert [s.key for s in periods_overlapping("quarter", 2025)] == [
        "2025-Q1",
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
    ]


def test_a_boundary_on_02_29_moves_in_common_years(settings, tmp_path) -> None:
    text = DEFAULT.replace('start = "02-01", end = "07-31"', 'start = "03-01", end = "07-31"')
    text = text.replace('start = "08-01", end = "01-31"', 'start = "08-01", end = "02-29"')
    policy_file = tmp_path / "leap.toml"
    policy_file.write_text(text, encoding="utf-8")
    settings.POLICY_FILE = policy_file
    get_policy.cache_clear()
    try:
        assert semester_of(dt.date(2024, 2, 29)).key == "2023-S2"
        assert semester_of(dt.date(2025, 2, 28)).end == dt.date(2025, 2, 28)
        assert semester_of(dt.date(2025, 3, 1)).key == "2025-S1"
        assert span_of("semester", 2, 2023).end == dt.date(2024, 2, 29)
    finally:
        get_policy.cache_clear()


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('start = "04-01", end = "06-30"', 'start = "04-02", end = "06-30"', "a gap on 04-01"),
        ('start = "07-01", end = "09-30"', 'start = "06-30", end = "09-30"', "an overlap on 06-30"),
        ('start = "08-01", end = "01-31"', 'start = "08-01", end = "01-30"', "a gap on 01-31"),
    ],
)
def test_policy_refuses_gaps_and_overlaps(old: str, new: str, problem: str) -> None:
    assert old in DEFAULT
    with pytest.raises(ImproperlyConfigured, match=problem):
        parse_policy(DEFAULT.replace(old, new))


def test_reminder_days_are_policy() -> None:
    assert get_policy().reminders.days_before_period_end == 14
    broken = DEFAULT.replace("days_before_period_end = 14", "days_before_period_end = -1")
    with pytest.raises(ImproperlyConfigured, match=r"reminders\.days_before_period_end"):
        parse_policy(broken)


def test_start_up_refuses_a_calendar_with_a_gap(tmp_path) -> None:
    broken = tmp_path / "gap.toml"
    broken.write_text(
        DEFAULT.replace('start = "10-01", end = "12-31"', 'start = "10-02", end = "12-31"'),
        encoding="utf-8",
    )
    env = {**os.environ, "POLICY_FILE": str(broken)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "calendar" in result.stderr and "a gap on 10-01" in result.stderr
