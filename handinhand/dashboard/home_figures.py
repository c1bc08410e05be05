"""The few figures each role answers for, on its home (issue 10): a school its evaluation,
findings and brand; an instructor the workbench; a leader the group's meetings and report; a
bureau what awaits it; the province what is overdue, by city. A fixed number of grouped queries
per role, never one per row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from handinhand.core.policy import get_policy
from handinhand.core.scope import Scope
from handinhand.guidance.models import Brand, Finding, FindingStatus, Visit, VisitStatus
from handinhand.indicators.models import CycleStatus, Evaluation, EvaluationStatus
from handinhand.meetings.calendar import period_of
from handinhand.meetings.selectors import held_by_period
from handinhand.orgs.models import RegionLevel
from handinhand.programme.models import DistrictSchool, GuidanceGroup, Membership
from handinhand.reports.inbox import acknowledge_pending
from handinhand.reports.models import OPEN_STATUSES, AnnualReport, ReportStatus, due_date


@dataclass(frozen=True)
class Figure:
    label: str
    value: str | int
    url: str = ""
    alert: bool = False  # drawn in red: something is overdue or missing


@dataclass
class Section:
    title: str
    figures: list[Figure] = field(default_factory=list)
    # A small table (the province's overdue work by city): header and rows.
    header: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)


def _open_findings(qs: Any, today: dt.date) -> dict[str, int]:
    counts: dict[str, int] = qs.aggregate(
        open=Count("pk", filter=~Q(status=FindingStatus.CLOSED)),
        overdue=Count("pk", filter=~Q(status=FindingStatus.CLOSED) & Q(deadline__lt=today)),
    )
    return counts


def school_section(user: Any, scope: Scope, today: dt.date) -> Section:
    own = sorted(scope.own_school_ids)
    evaluation = (
        Evaluation.objects.visible_to(user)
        .filter(school_id__in=own, cycle__status=CycleStatus.OPEN)
        .order_by("-cycle__year", "-pk")
        .first()
    )
    findings = _open_findings(Finding.objects.visible_to(user).filter(school_id__in=own), today)
    brand = Brand.objects.visible_to(user).filter(school_id__in=own).order_by("pk").first()
    return Section(
        _("本校工作"),
        [
            Figure(
                _("本期评估"),
                evaluation.get_status_display() if evaluation else _("暂无进行中的评估"),
                evaluation.get_absolute_url() if evaluation else "",
                alert=bool(evaluation and evaluation.status == EvaluationStatus.RETURNED),
            ),
            Figure(_("待整改问题"), findings["open"], reverse("guidance:finding_list")),
            Figure(
                _("整改逾期"),
                findings["overdue"],
                reverse("guidance:finding_list"),
                alert=findings["overdue"] > 0,
            ),
            Figure(
                _("党建品牌"),
                f"{brand.name} · {brand.stage}" if brand else _("尚未创建"),
                brand.get_absolute_url() if brand else reverse("guidance:brand_list"),
            ),
        ],
    )


def instructor_section(user: Any, scope: Scope, today: dt.date) -> Section:
    mine = Membership.objects.current(today).filter(user=user)
    schools = (
        DistrictSchool.objects.filter(district__instructors__in=mine)
        .values("school_id")
        .distinct()
        .count()
    )
    visits = (
        Visit.objects.visible_to(user)
        .filter(instructors__user=user)
        .aggregate(
            held=Count(
                "pk", filter=Q(status=VisitStatus.HELD, date__year=today.year), distinct=True
            ),
            upcoming=Count(
                "pk", filter=Q(status=VisitStatus.PLANNED, date__gte=today), distinct=True
            ),
            late=Count("pk", filter=Q(status=VisitStatus.PLANNED, date__lt=today), distinct=True),
        )
    )
    findings = _open_findings(
        Finding.objects.visible_to(user).filter(raised_by__in=mine.values("pk")), today
    )
    workbench = reverse("guidance:workbench")
    return Section(
        _("指导员工作台"),
        [
            Figure(_("负责片区学校"), schools, workbench),
            Figure(_("今年已开展指导"), visits["held"], reverse("guidance:visit_list")),
            Figure(_("计划中的指导"), visits["upcoming"], workbench),
            Figure(_("计划已过期未登记"), visits["late"], workbench, alert=visits["late"] > 0),
            Figure(_("我提出的未销号问题"), findings["open"], reverse("guidance:finding_list")),
            Figure(
                _("其中整改逾期"),
                findings["overdue"],
                reverse("guidance:finding_list"),
                alert=findings["overdue"] > 0,
            ),
        ],
    )


def leader_section(user: Any, scope: Scope, today: dt.date) -> Section:
    """The led groups' meetings this period (met rules of owed rules) and last year's report."""
    groups = list(
        GuidanceGroup.objects.visible_to(user)
        .filter(pk__in=sorted(scope.led_group_ids), is_active=True)
        .select_related("batch")
        .only("id", "level", "batch__start_year")
    )
    rules = list(get_policy().meetings)
    current = {rule.kind: period_of(rule.period, today) for rule in rules}
    held = held_by_period([g.pk for g in groups], rules, {k: [p] for k, p in current.items()})
    owed = met = 0
    for group in groups:
        for rule in rules:
            period = current[rule.kind]
            if group.level not in rule.group_levels or period.end.year < group.batch.start_year:
                continue
            owed += 1
            met += held.get((group.pk, f"{rule.kind}|{period.key}"), 0) >= rule.minimum
    year = today.year - 1
    reports = list(
        AnnualReport.objects.visible_to(user).filter(group_id__in=[g.pk for g in groups], year=year)
    )
    if not reports:
        report_text, alert = _("尚未生成"), today > due_date(year)
    else:
        report = reports[0]
        report_text = report.get_status_display()
        if report.overdue_label:
            report_text += f"（{report.overdue_label}）"
        alert = report.status in OPEN_STATUSES and today > report.due_date
    return Section(
        _("指导组工作机制"),
        [
            Figure(
                _("本期会议达标"),
                f"{met}/{owed}",
                reverse("meetings:compliance"),
                alert=met < owed,
            ),
            Figure(
                _("%(year)s年度报告") % {"year": year},
                report_text,
                reports[0].get_absolute_url() if reports else reverse("reports:report_list"),
                alert=alert,
            ),
        ],
    )


def department_section(user: Any, scope: Scope, today: dt.date) -> Section:
    awaiting = acknowledge_pending(user, today).count()
    findings = _open_findings(Finding.objects.visible_to(user), today)
    reviews = (
        Evaluation.objects.visible_to(user)
        .filter(cycle__status=CycleStatus.OPEN, status=EvaluationStatus.SUBMITTED)
        .count()
    )
    return Section(
        _("待本部门办理"),
        [
            Figure(_("待签收年度报告"), awaiting, reverse("reports:report_list"), awaiting > 0),
            Figure(_("辖区未销号问题"), findings["open"], reverse("guidance:finding_list")),
            Figure(
                _("辖区整改逾期"),
                findings["overdue"],
                reverse("guidance:finding_list"),
                alert=findings["overdue"] > 0,
            ),
            Figure(_("待指导员审核的自评"), reviews, reverse("indicators:evaluation_list")),
        ],
    )


REGION_FIELDS = ("group__region__level", "group__region__name", "group__region__parent__name")


def province_section(user: Any, scope: Scope, today: dt.date) -> Section:
    """Overdue work by city: findings past their deadline, reports past January (two grouped
    queries)."""
    findings = dict(
        Finding.objects.visible_to(user)
        .filter(~Q(status=FindingStatus.CLOSED), deadline__lt=today)
        .values_list("school__county__parent__name")
        .annotate(n=Count("pk"))
        .values_list("school__county__parent__name", "n")
    )
    year = today.year - 1
    reports: dict[str, int] = {}
    if today > due_date(year):
        for level, name, parent, n in (
            AnnualReport.objects.visible_to(user)
            .filter(status__in=OPEN_STATUSES, year__lte=year)
            .values_list(
                "group__region__level", "group__region__name", "group__region__parent__name"
            )
            .annotate(n=Count("pk"))
            .values_list(
                "group__region__level",
                "group__region__name",
                "group__region__parent__name",
                "n",
            )
        ):
            key = parent if level == RegionLevel.COUNTY else name
            reports[key] = reports.get(key, 0) + n
    names = sorted(set(findings) | set(reports))
    submitted = AnnualReport.objects.visible_to(user).filter(status=ReportStatus.SUBMITTED)
    return Section(
        _("各地逾期事项"),
        [
            Figure(
                _("整改逾期问题"),
                sum(findings.values()),
                reverse("guidance:finding_list"),
                alert=bool(findings),
            ),
            Figure(
                _("逾期未交年度报告"),
                sum(reports.values()),
                reverse("reports:report_list"),
                alert=bool(reports),
            ),
            Figure(_("已提交待签收报告"), submitted.count(), reverse("reports:report_list")),
        ],
        header=[_("地区"), _("整改逾期问题"), _("逾期未交年度报告")],
        rows=[[n, findings.get(n, 0), reports.get(n, 0)] for n in names],
    )


def sections(user: Any, scope: Scope, today: dt.date) -> list[Section]:
    """One section per role the user holds, in the order a person holding several reads them."""
    found = []
    if scope.everything:
        found.append(province_section(user, scope, today))
    elif scope.staff_paths:
        found.append(department_section(user, scope, today))
    if scope.led_group_ids:
        found.append(leader_section(user, scope, today))
    if scope.group_ids:
        found.append(instructor_section(user, scope, today))
    if scope.own_school_ids:
        found.append(school_section(user, scope, today))
    return found
