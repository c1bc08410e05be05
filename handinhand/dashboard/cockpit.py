"""The cockpit (驾驶舱, issue 10 point 7): figures of the province, a city or a county.

`cockpit_refresh` (the service) computes every figure for the whole province in a fixed number
of grouped queries — per county for school-based figures, per group region for group-based
ones — rolls the small region tree up in Python and replaces the pre-aggregate rows of the year
in one transaction. The page reads those rows only (`cockpit_for`), so its cost does not grow
with the province.

Figures are stored as additive counters (sums and counts); averages and rates are derived when
read, so that a city is exactly the sum of its counties.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from handinhand.core.policy import Threshold, get_policy
from handinhand.dashboard.models import FigureSet, RegionFigures
from handinhand.funding.selectors import ledger_totals
from handinhand.guidance.models import Finding, FindingStatus, VisitSchool, VisitStatus
from handinhand.incentives.models import Assessment, AssessmentStatus
from handinhand.indicators.models import EvaluationSummary, Indicator, L1Score
from handinhand.meetings.selectors import meeting_counts
from handinhand.orgs.models import Region, RegionLevel, School
from handinhand.programme.models import (
    Batch,
    BatchStatus,
    DistrictSchool,
    GuidanceGroup,
    Membership,
    Pairing,
)
from handinhand.reports.models import AnnualReport, ReportStatus, due_date
from handinhand.training.selectors import hours_by_user

Counters = dict[str, Any]


# --- refresh (the service) ------------------------------------------------------------------


def _num(value: Any) -> float:
    return float(round(Decimal(value or 0), 2))


def _add(target: Counters, source: Counters) -> None:
    """Add `source` into `target`: numbers add, dicts add key by key; a list is a first-level
    indicator's [title, score sum, count, maximum], whose sum and count add."""
    for key, value in source.items():
        if isinstance(value, dict):
            _add(target.setdefault(key, {}), value)
        elif isinstance(value, list):
            mine = target.setdefault(key, [value[0], 0, 0, value[3]])
            mine[1] = round(mine[1] + value[1], 2)
            mine[2] += value[2]
        else:
            target[key] = round(target.get(key, 0) + value, 2)


def _coverage(year: int) -> tuple[dict[str, Counters], Counters]:
    per: dict[str, Counters] = defaultdict(dict)
    for county, n in School.objects.values_list("county_id").annotate(n=Count("id")).order_by():
        per[county]["schools"] = n
    active_paths = list(
        Pairing.objects.filter(batch__status=BatchStatus.ACTIVE).values_list(
            "region__path", flat=True
        )
    )
    for code, path in Region.objects.filter(
        level=RegionLevel.COUNTY, code__in=list(per)
    ).values_list("code", "path"):
        paired = any(path.startswith(p) for p in active_paths)
        per[code]["paired"] = per[code]["schools"] if paired else 0
    for county, n in (
        DistrictSchool.objects.filter(batch__status=BatchStatus.ACTIVE)
        .values_list("school__county_id")
        .annotate(n=Count("school_id", distinct=True))
        .order_by()
    ):
        per[county]["districted"] = n
    batches = dict(
        Batch.objects.values_list("status")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("status", "n")
    )
    province = {
        "batches_planned": batches.get(BatchStatus.PLANNED, 0),
        "batches_active": batches.get(BatchStatus.ACTIVE, 0),
        "batches_closed": batches.get(BatchStatus.CLOSED, 0),
    }
    return per, province


def _results(year: int) -> dict[str, Counters]:
    """Results of the latest year up to `year` with confirmed evaluations (a cycle's results
    arrive months after it opens), against the year before that."""
    per: dict[str, Counters] = defaultdict(dict)
    latest = (
        EvaluationSummary.objects.filter(cycle__year__lte=year)
        .order_by("-cycle__year")
        .values_list("cycle__year", flat=True)
        .first()
    )
    if latest is None:
        return per
    year = latest
    for county, y, total, n in (
        EvaluationSummary.objects.filter(cycle__year__in=[year, year - 1])
        .values_list("county_id", "cycle__year")
        .annotate(s=Sum("total"), n=Count("pk"))
        .order_by()
    ):
        prefix = "total" if y == year else "prev"
        per[county][f"{prefix}_sum"] = _num(total)
        per[county][f"{prefix}_n"] = n
        per[county]["years"] = {str(year): 1}
    for county, grade, n in (
        EvaluationSummary.objects.filter(cycle__year=year)
        .values_list("county_id", "grade")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        per[county].setdefault("grades", {})[grade] = n
    rows = list(
        L1Score.objects.filter(cycle__year=year)
        .values_list("county_id", "indicator__code", "indicator__title", "indicator_id")
        .annotate(s=Sum("score"), n=Count("id"))
        .order_by()
    )
    maxima = dict(
        Indicator.objects.filter(parent__parent_id__in={r[3] for r in rows})
        .values_list("parent__parent_id")
        .annotate(m=Sum("max_score"))
        .order_by()
        .values_list("parent__parent_id", "m")
    )
    for county, code, title, pk, s, n in rows:
        # [title, score sum, count, maximum]: the maximum is the same everywhere, never added.
        per[county].setdefault("l1", {})[code] = [title, _num(s), n, _num(maxima.get(pk))]
    return per


def _guidance(year: int, today: dt.date) -> dict[str, Counters]:
    per: dict[str, Counters] = defaultdict(dict)
    held = Q(visit__status=VisitStatus.HELD, visit__date__year=year)
    for county, n, schools in (
        VisitSchool.objects.filter(held)
        .values_list("school__county_id")
        .annotate(n=Count("id"), schools=Count("school_id", distinct=True))
        .order_by()
    ):
        per[county]["visit_links"] = n
        per[county]["visited_schools"] = schools
    minimum = get_policy().guidance.min_visits_per_school_per_year
    visits = (
        VisitSchool.objects.filter(held, school_id=OuterRef("pk"))
        .order_by()
        .values("school_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    guided = School.objects.filter(
        pk__in=DistrictSchool.objects.filter(batch__status=BatchStatus.ACTIVE).values("school_id")
    ).annotate(v=Coalesce(Subquery(visits, output_field=IntegerField()), Value(0)))
    for county, n, under in (
        guided.values_list("county_id")
        .annotate(n=Count("id"), under=Count("id", filter=Q(v__lt=minimum)))
        .order_by()
    ):
        per[county]["guided"] = n
        per[county]["under_min"] = under
    closed = Q(status=FindingStatus.CLOSED)
    for county, total, n_closed, overdue in (
        Finding.objects.filter(found_on__year=year)
        .values_list("school__county_id")
        .annotate(
            total=Count("id"),
            closed=Count("id", filter=closed),
            overdue=Count("id", filter=~closed & Q(deadline__lt=today)),
        )
        .order_by()
    ):
        per[county]["findings"] = total
        per[county]["findings_closed"] = n_closed
        per[county]["findings_open"] = total - n_closed
        per[county]["findings_overdue"] = overdue
    return per


def _mechanisms(year: int, today: dt.date) -> tuple[dict[str, Counters], Counters]:
    """Group-based figures, attributed to the region of the group (province, city or county)."""
    per: dict[str, Counters] = defaultdict(dict)
    groups = dict(GuidanceGroup.objects.filter(is_active=True).values_list("pk", "region_id"))
    for pk, counts in meeting_counts(list(groups), year).items():
        entry = per[groups[pk]]
        entry["groups"] = entry.get("groups", 0) + 1
        entry["meetings_owed"] = entry.get("meetings_owed", 0) + counts["owed"]
        entry["meetings_held"] = entry.get("meetings_held", 0) + counts["held"]
        entry["meetings_met"] = entry.get("meetings_met", 0) + min(counts["held"], counts["owed"])
    # The January report of `year` is the report on the year before, due early in `year`.
    due = due_date(year - 1)
    reports = dict(
        AnnualReport.objects.filter(year=year - 1, group_id__in=list(groups)).values_list(
            "group_id", "submitted_at"
        )
    )
    submitted = set(
        AnnualReport.objects.filter(
            year=year - 1,
            group_id__in=list(groups),
            status__in=[ReportStatus.SUBMITTED, ReportStatus.ACKNOWLEDGED],
        ).values_list("group_id", flat=True)
    )
    for pk, region in groups.items():
        at = reports.get(pk)
        if pk in submitted and at is not None:
            key = "reports_on_time" if timezone.localtime(at).date() <= due else "reports_late"
        else:
            key = "reports_missing" if today > due else "reports_pending"
        per[region][key] = per[region].get(key, 0) + 1
    minimum = Decimal(get_policy().training.min_hours_per_year)
    members = set(
        Membership.objects.filter(is_active=True, group_id__in=list(groups)).values_list(
            "user_id", "group__region_id"
        )
    )
    hours = hours_by_user(year, {u for u, _r in members})
    for user_id, region in members:
        per[region]["instructors"] = per[region].get("instructors", 0) + 1
        if hours.get(user_id, Decimal(0)) < minimum:
            per[region]["training_short"] = per[region].get("training_short", 0) + 1
    for region, grade, status, n in (
        Assessment.objects.filter(year__year=year)
        .values_list("group__region_id", "grade", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        entry = per[region]
        if status == AssessmentStatus.CONFIRMED and grade:
            entry.setdefault("assessed", {})[grade] = entry.get("assessed", {}).get(grade, 0) + n
        elif status != AssessmentStatus.EXEMPT:
            entry["assess_pending"] = entry.get("assess_pending", 0) + n
    # R12: funding goes to lead universities for the provincial group's members, so its
    # execution is a province-wide figure.
    totals = ledger_totals(None, year)
    province = {
        "funding_allocated": _num(sum((t.allocated for t in totals.values()), Decimal(0))),
        "funding_spent": _num(sum((t.spent for t in totals.values()), Decimal(0))),
    }
    return per, province


def _roll_up(per: dict[str, Counters], parents: Mapping[str, str | None]) -> dict[str, Counters]:
    """Each region's counters plus those of every region below it."""
    out: dict[str, Counters] = defaultdict(dict)
    for code, counters in per.items():
        node: str | None = code
        while node is not None:
            _add(out[node], counters)
            node = parents.get(node)
    return out


@transaction.atomic
def cockpit_refresh(*, year: int | None = None, today: dt.date | None = None) -> int:
    """Recompute the cockpit's pre-aggregates of `year` (default: this year) for every region;
    idempotent — the year's rows are replaced, never added to. Returns the rows written."""
    today = today or timezone.localdate()
    year = year or today.year
    regions = list(Region.objects.values_list("code", "parent_id", "level"))
    parents = {code: parent for code, parent, _level in regions}
    province_code = next(
        (code for code, _p, level in regions if level == RegionLevel.PROVINCE), None
    )
    coverage, coverage_province = _coverage(year)
    mechanisms, mechanisms_province = _mechanisms(year, today)
    sets = {
        FigureSet.COVERAGE: _roll_up(coverage, parents),
        FigureSet.RESULTS: _roll_up(_results(year), parents),
        FigureSet.GUIDANCE: _roll_up(_guidance(year, today), parents),
        FigureSet.MECHANISMS: _roll_up(mechanisms, parents),
    }
    if province_code is not None:
        _add(sets[FigureSet.COVERAGE].setdefault(province_code, {}), coverage_province)
        _add(sets[FigureSet.MECHANISMS].setdefault(province_code, {}), mechanisms_province)
    now = timezone.now()
    rows = [
        RegionFigures(region_id=code, year=year, figure_set=key, data=data, refreshed_at=now)
        for key, by_region in sets.items()
        for code, data in by_region.items()
        if code in parents
    ]
    RegionFigures.objects.filter(year=year).delete()
    RegionFigures.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


# --- read (the selector) --------------------------------------------------------------------


@dataclass
class Alert:
    key: str
    label: str
    rate: float | None
    level: str  # "green", "amber", "red" or "none" (nothing to measure)


@dataclass
class Figures:
    """The four figure sets of one region, with the rates derived from the counters."""

    region: Region
    coverage: Counters = field(default_factory=dict)
    results: Counters = field(default_factory=dict)
    guidance: Counters = field(default_factory=dict)
    mechanisms: Counters = field(default_factory=dict)

    @staticmethod
    def _rate(part: float, whole: float) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def average(self) -> float | None:
        n = self.results.get("total_n", 0)
        return round(self.results["total_sum"] / n, 2) if n else None

    @property
    def previous_average(self) -> float | None:
        n = self.results.get("prev_n", 0)
        return round(self.results["prev_sum"] / n, 2) if n else None

    @property
    def change(self) -> float | None:
        now, before = self.average, self.previous_average
        return None if now is None or before is None else round(now - before, 2)

    def rates(self) -> dict[str, float | None]:
        c, g, m = self.coverage, self.guidance, self.mechanisms
        reports_due = sum(
            m.get(k, 0) for k in ("reports_on_time", "reports_late", "reports_missing")
        )
        return {
            "paired": self._rate(c.get("paired", 0), c.get("schools", 0)),
            "districted": self._rate(c.get("districted", 0), c.get("schools", 0)),
            "visits": self._rate(g.get("guided", 0) - g.get("under_min", 0), g.get("guided", 0)),
            "closing": self._rate(g.get("findings_closed", 0), g.get("findings", 0)),
            "meetings": self._rate(m.get("meetings_met", 0), m.get("meetings_owed", 0)),
            "reports": self._rate(m.get("reports_on_time", 0), reports_due),
            "training": self._rate(
                m.get("instructors", 0) - m.get("training_short", 0), m.get("instructors", 0)
            ),
            "funding": self._rate(m.get("funding_spent", 0), m.get("funding_allocated", 0)),
        }


def alert_level(rate: float | None, threshold: Threshold) -> str:
    if rate is None:
        return "none"
    if rate >= threshold.green:
        return "green"
    return "amber" if rate >= threshold.amber else "red"


@dataclass
class Cockpit:
    year: int
    years: list[int]
    region: Region
    figures: Figures
    children: list[Figures]
    refreshed_at: dt.datetime | None


def cockpit_years(region: Region) -> list[int]:
    return sorted(
        RegionFigures.objects.filter(region=region).values_list("year", flat=True).distinct(),
        reverse=True,
    )


def cockpit_for(region: Region, year: int) -> Cockpit:
    """The region's figures and those of its children (for the map and the table) — three
    queries, whatever the size of the region. The caller has checked the user's scope."""
    children = {r.code: r for r in Region.objects.filter(parent=region).order_by("code")}
    by_code: dict[str, Figures] = {region.code: Figures(region)}
    by_code.update({code: Figures(r) for code, r in children.items()})
    refreshed: dt.datetime | None = None
    for row in RegionFigures.objects.filter(year=year, region_id__in=list(by_code)):
        setattr(by_code[row.region_id], row.figure_set, row.data)
        refreshed = row.refreshed_at if refreshed is None else max(refreshed, row.refreshed_at)
    return Cockpit(
        year=year,
        years=cockpit_years(region),
        region=region,
        figures=by_code[region.code],
        children=[by_code[c] for c in children],
        refreshed_at=refreshed,
    )


def alerts(figures: Figures, labels: Iterable[tuple[str, str]]) -> list[Alert]:
    thresholds = get_policy().cockpit.thresholds
    rates = figures.rates()
    return [
        Alert(key, label, rates[key], alert_level(rates[key], getattr(thresholds, key)))
        for key, label in labels
    ]
