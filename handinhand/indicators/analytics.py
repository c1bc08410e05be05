"""Analytics of a cycle for the user's part of the province, read from the summary rows that
confirmation writes (EvaluationSummary, L1Score, IndicatorAggregate): each figure is one
grouped, indexed read, never a scan of the score rows.

Each figure is a table (columns, rows) that the page draws as a chart and a table and that
the .xlsx export writes as a sheet, so the three never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from handinhand.accounts.models import User
from handinhand.core.policy import get_policy
from handinhand.indicators.models import (
    Evaluation,
    EvaluationCycle,
    EvaluationStatus,
    EvaluationSummary,
    Indicator,
    IndicatorAggregate,
    L1Score,
)
from handinhand.orgs.models import Region, School

WEAKEST = 10


@dataclass
class Figure:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any] = field(default_factory=dict)


@dataclass
class Analytics:
    cycle: EvaluationCycle
    previous: EvaluationCycle | None
    by: str  # "city" or "county": the level the regions are grouped at
    figures: list[Figure]


def _round(value: Any) -> float | None:
    return None if value is None else float(Decimal(value).quantize(Decimal("0.01")))


def visible_counties(user: User) -> QuerySet[Region]:
    """Counties with a school the user may see: where their analytics reach."""
    return Region.objects.filter(
        code__in=School.objects.visible_to(user).values("county_id").distinct()
    )


def analytics(user: User, cycle: EvaluationCycle) -> Analytics:
    counties = list(visible_counties(user).values_list("code", "parent_id"))
    county_codes = [c for c, _p in counties]
    cities = {p for _c, p in counties}
    by = "city" if len(cities) > 1 else "county"
    key = f"{by}_id"
    names = dict(
        Region.objects.filter(code__in=cities if by == "city" else county_codes).values_list(
            "code", "name"
        )
    )
    region_filter = Q(county_id__in=county_codes)
    previous = (
        EvaluationCycle.objects.visible_to(user)
        .filter(year__lt=cycle.year)
        .order_by("-year", "-id")
        .first()
    )
    level1 = list(cycle.framework.indicators.filter(level=1).order_by("order", "id"))
    figures = [
        _heatmap(cycle, level1, region_filter, key, names),
        _grades(cycle, region_filter),
        _weakest(cycle, region_filter),
        _progress(cycle, county_codes, by, names),
    ]
    if previous is not None:
        figures.append(_year_on_year(cycle, previous, region_filter, key, names))
    return Analytics(cycle=cycle, previous=previous, by=by, figures=figures)


def _l1_max(indicators: list[Indicator]) -> dict[int, Decimal]:
    maxima = (
        Indicator.objects.filter(parent__parent__in=indicators)
        .values("parent__parent_id")
        .annotate(m=Sum("max_score"))
        .values_list("parent__parent_id", "m")
    )
    return {pk: Decimal(m or 0) for pk, m in maxima if pk is not None}


def _heatmap(
    cycle: EvaluationCycle,
    level1: list[Indicator],
    region_filter: Q,
    key: str,
    names: dict[str, str],
) -> Figure:
    averages = (
        L1Score.objects.filter(region_filter, cycle=cycle)
        .values(key, "indicator_id")
        .annotate(avg=Avg("score"))
        .order_by(key)
    )
    tops = _l1_max(level1)
    cells: dict[str, dict[int, float | None]] = {}
    for row in averages:
        cells.setdefault(row[key], {})[row["indicator_id"]] = _round(row["avg"])
    regions = sorted(cells)
    rows = [[names.get(code, code), *[cells[code].get(i.pk) for i in level1]] for code in regions]
    # The chart compares shares of each indicator's maximum, so that 20-point and 10-point
    # indicators sit on one colour scale.
    data = [
        [x, y, round(100 * (cells[code].get(i.pk) or 0) / float(tops.get(i.pk) or 1), 1)]
        for y, code in enumerate(regions)
        for x, i in enumerate(level1)
    ]
    return Figure(
        key="heatmap",
        title=_("各地区一级指标平均得分（图为得分率%）"),
        columns=[_("地区"), *[i.title for i in level1]],
        rows=rows,
        chart={
            "type": "heatmap",
            "x": [i.title for i in level1],
            "y": [names.get(c, c) for c in regions],
            "data": data,
        },
    )


def _grades(cycle: EvaluationCycle, region_filter: Q) -> Figure:
    counts = dict(
        EvaluationSummary.objects.filter(region_filter, cycle=cycle)
        .values("grade")
        .annotate(n=Count("pk"))
        .values_list("grade", "n")
    )
    bands = [b.name for b in get_policy().indicators.grade_bands]
    rows = [[name, counts.get(name, 0)] for name in bands]
    return Figure(
        key="grades",
        title=_("等级分布（已确认评估）"),
        columns=[_("等级"), _("学校数")],
        rows=rows,
        chart={
            "type": "bar",
            "x": bands,
            "series": [{"name": _("学校数"), "data": [r[1] for r in rows]}],
        },
    )


def _weakest(cycle: EvaluationCycle, region_filter: Q) -> Figure:
    rows_qs = (
        IndicatorAggregate.objects.filter(region_filter, cycle=cycle)
        .values("indicator_id", "indicator__code", "indicator__title", "indicator__max_score")
        .annotate(total=Sum("score_sum"), n=Sum("count"))
        .filter(n__gt=0)
        .annotate(rate=F("total") * 100 / (F("n") * F("indicator__max_score")))
        .order_by("rate", "indicator__code")[:WEAKEST]
    )
    rows = [
        [
            r["indicator__code"],
            r["indicator__title"],
            _round(r["indicator__max_score"]),
            _round(Decimal(r["total"]) / r["n"]),
            _round(r["rate"]),
        ]
        for r in rows_qs
    ]
    return Figure(
        key="weakest",
        title=_("得分率最低的 %(n)d 项三级指标") % {"n": WEAKEST},
        columns=[_("编码"), _("指标"), _("分值"), _("平均得分"), _("得分率（%）")],
        rows=rows,
        chart={
            "type": "hbar",
            "x": [f"{r[0]} {r[1]}" for r in rows],
            "series": [{"name": _("得分率（%）"), "data": [r[4] for r in rows]}],
        },
    )


PROGRESS_STATES = [
    (_lazy("未开始"), [EvaluationStatus.NOT_STARTED]),
    (_lazy("自评中"), [EvaluationStatus.DRAFT, EvaluationStatus.RETURNED]),
    (_lazy("已自评"), [EvaluationStatus.SUBMITTED]),
    (_lazy("已审核"), [EvaluationStatus.REVIEWED]),
    (_lazy("已确认"), [EvaluationStatus.CONFIRMED]),
]


def _progress(
    cycle: EvaluationCycle, county_codes: list[str], by: str, names: dict[str, str]
) -> Figure:
    region = "school__county__parent_id" if by == "city" else "school__county_id"
    counts = (
        Evaluation.objects.filter(cycle=cycle, school__county_id__in=county_codes)
        .values(region)
        .annotate(
            **{
                f"s{i}": Count("id", filter=Q(status__in=states))
                for i, (_label, states) in enumerate(PROGRESS_STATES)
            }
        )
        .order_by(region)
    )
    labels = [str(label) for label, _states in PROGRESS_STATES]
    rows = [
        [names.get(r[region], r[region]), *[r[f"s{i}"] for i in range(len(labels))]] for r in counts
    ]
    return Figure(
        key="progress",
        title=_("各地区评估进度"),
        columns=[_("地区"), *labels],
        rows=rows,
        chart={
            "type": "stack",
            "x": [r[0] for r in rows],
            "series": [
                {"name": label, "data": [r[i + 1] for r in rows]} for i, label in enumerate(labels)
            ],
        },
    )


def _year_on_year(
    cycle: EvaluationCycle,
    previous: EvaluationCycle,
    region_filter: Q,
    key: str,
    names: dict[str, str],
) -> Figure:
    averages = (
        EvaluationSummary.objects.filter(region_filter, cycle__in=[cycle, previous])
        .values(key)
        .annotate(
            now=Avg("total", filter=Q(cycle=cycle)), before=Avg("total", filter=Q(cycle=previous))
        )
        .order_by(key)
    )
    rows = []
    for r in averages:
        now, before = _round(r["now"]), _round(r["before"])
        change = None if now is None or before is None else round(now - before, 2)
        rows.append([names.get(r[key], r[key]), before, now, change])
    return Figure(
        key="yoy",
        title=_("平均总分同比（%(before)s → %(now)s）")
        % {"before": previous.name, "now": cycle.name},
        columns=[_("地区"), previous.name, cycle.name, _("变化")],
        rows=rows,
        chart={
            "type": "bar",
            "x": [r[0] for r in rows],
            "series": [
                {"name": previous.name, "data": [r[1] for r in rows]},
                {"name": cycle.name, "data": [r[2] for r in rows]},
            ],
        },
    )
