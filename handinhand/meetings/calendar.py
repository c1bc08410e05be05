"""The policy's calendar: which semester and which quarter a date belongs to.

Boundaries are month-days from the policy (`calendar.semesters` / `calendar.quarters`); the
policy has already refused gaps and overlaps, so every date falls in exactly one of each. A
period may wrap the year end (秋季学期 08-01..01-31): it belongs to the year it starts in, so
2026-01-15 is in the autumn semester of 2025.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import datetime as dt
from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext

from handinhand.core.policy import Period, get_policy
from handinhand.core.policy_text import policy_text

PeriodKind = Literal["semester", "quarter"]
KIND_LETTER = {"semester": "S", "quarter": "Q"}


@dataclass(frozen=True, order=True)
class PeriodSpan:
    """One concrete period: e.g. the autumn semester starting in 2025."""

    start: dt.date
    end: dt.date
    kind: PeriodKind
    index: int  # position in the policy list, 1-based
    name: str
    year: int  # the year the period starts in

    @property
    def key(self) -> str:
        return f"{self.year}-{KIND_LETTER[self.kind]}{self.index}"

    @property
    def label(self) -> str:
        return gettext("%(year)s年%(name)s") % {"year": self.year, "name": policy_text(self.name)}

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def days_left(self, day: dt.date) -> int:
        """Days from `day` to the last day, the last day counting as 0."""
        return (self.end - day).days


def _month_day(text: str) -> tuple[int, int]:
    month, day = (int(x) for x in text.split("-"))
    return month, day


def _on(year: int, month_day: tuple[int, int], *, is_start: bool) -> dt.date:
    """The boundary in a given year; 02-29 in a common year starts on 03-01 / ends on 02-28."""
    month, day = month_day
    if (month, day) == (2, 29) and not _stdlib_calendar.isleap(year):
        return dt.date(year, 3, 1) if is_start else dt.date(year, 2, 28)
    return dt.date(year, month, day)


def _wraps(period: Period) -> bool:
    return _month_day(period.start) > _month_day(period.end)


def _periods(kind: PeriodKind) -> list[Period]:
    cal = get_policy().calendar
    return list(cal.semesters if kind == "semester" else cal.quarters)


def span_of(kind: PeriodKind, index: int, year: int) -> PeriodSpan:
    """The period number `index` (1-based) of the policy that starts in `year`."""
    period = _periods(kind)[index - 1]
    start = _on(year, _month_day(period.start), is_start=True)
    end = _on(year + 1 if _wraps(period) else year, _month_day(period.end), is_start=False)
    return PeriodSpan(start=start, end=end, kind=kind, index=index, name=period.name, year=year)


def _matches(period: Period, day: dt.date) -> bool:
    md = (day.month, day.day)
    start, end = _month_day(period.start), _month_day(period.end)
    if start <= end:
        return start <= md <= end
    return md >= start or md <= end


def period_of(kind: PeriodKind, day: dt.date) -> PeriodSpan:
    """The one period of `kind` that contains `day`."""
    for index, period in enumerate(_periods(kind), start=1):
        if _matches(period, day):
            # A wrapping period seen after New Year started the year before.
            year = (
                day.year - 1
                if _wraps(period) and (day.month, day.day) <= _month_day(period.end)
                else day.year
            )
            span = span_of(kind, index, year)
            if span.contains(day):
                return span
    # Only a 02-29 boundary moved in a common year can land here; the neighbour holds the day.
    for index in range(1, len(_periods(kind)) + 1):
        for year in (day.year - 1, day.year):
            span = span_of(kind, index, year)
            if span.contains(day):
                return span
    raise LookupError(f"no {kind} contains {day}")  # the policy validation makes this impossible


def semester_of(day: dt.date) -> PeriodSpan:
    return period_of("semester", day)


def quarter_of(day: dt.date) -> PeriodSpan:
    return period_of("quarter", day)


def periods_overlapping(kind: PeriodKind, year: int) -> list[PeriodSpan]:
    """Every period of `kind` with at least one day in calendar year `year`, in date order."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    spans = [
        span_of(kind, index, y)
        for y in (year - 1, year)
        for index in range(1, len(_periods(kind)) + 1)
    ]
    return sorted(s for s in spans if s.start <= last and s.end >= first)


def periods_starting(kind: PeriodKind, year: int) -> list[PeriodSpan]:
    """The periods that start in `year`: each period belongs to exactly one year this way, which
    is how the compliance calendar and the yearly counts attribute what is owed."""
    return sorted(span_of(kind, index, year) for index in range(1, len(_periods(kind)) + 1))
