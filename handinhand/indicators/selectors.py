"""Reads of indicator frameworks, each starting from visible_to(user)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.indicators.models import (
    Evaluation,
    EvaluationCycle,
    EvaluationStatus,
    EvaluationSummary,
    EvidenceFile,
    Framework,
    Indicator,
    L1Score,
    Score,
)
from handinhand.indicators.scoring import grade_for
from handinhand.indicators.structure import Node, maxima, rollup
from handinhand.orgs.models import School
from handinhand.programme.selectors import groups_by_county


def frameworks_for_list(user: User) -> QuerySet[Framework]:
    return Framework.objects.visible_to(user).annotate(
        indicator_count=Count("indicators"),
        leaf_count=Count("indicators", filter=Q(indicators__level=3)),
    )


@dataclass
class TreeRow:
    indicator: Indicator
    subtotal: Decimal  # a level-3's own maximum, a parent's the sum below it


def framework_tree(
    framework: Framework, indicators: list[Indicator] | None = None
) -> list[TreeRow]:
    """The indicators in reading order (each parent followed by its children), in one query."""
    if indicators is None:
        indicators = list(framework.indicators.all())
    indicators = sorted(indicators, key=lambda i: (i.order, i.pk))
    children: dict[int | None, list[Indicator]] = {}
    for i in indicators:
        children.setdefault(i.parent_id, []).append(i)
    totals: dict[int, Decimal] = {}

    def total(i: Indicator) -> Decimal:
        if i.pk not in totals:
            own = i.max_score or Decimal(0)
            totals[i.pk] = own + sum((total(c) for c in children.get(i.pk, [])), Decimal(0))
        return totals[i.pk]

    rows: list[TreeRow] = []

    def walk(parent_id: int | None) -> None:
        for i in children.get(parent_id, []):
            rows.append(TreeRow(i, total(i)))
            walk(i.pk)

    walk(None)
    # Indicators whose parent chain is broken would be lost by the walk; show them at the end.
    shown = {r.indicator.pk for r in rows}
    rows.extend(TreeRow(i, total(i)) for i in indicators if i.pk not in shown)
    return rows


def cycles_for_list(user: User) -> QuerySet[EvaluationCycle]:
    return (
        EvaluationCycle.objects.visible_to(user)
        .select_related("framework")
        .annotate(
            evaluation_count=Count(
                "evaluations", filter=Q(evaluations__school__in=School.objects.visible_to(user))
            )
        )
    )


def cycle_status_counts(user: User, cycle: EvaluationCycle) -> list[tuple[str, str, int]]:
    """(status, label, count) of the cycle's evaluations the user may see, every status."""
    counts = dict(
        Evaluation.objects.visible_to(user)
        .filter(cycle=cycle)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [(value, str(label), counts.get(value, 0)) for value, label in EvaluationStatus.choices]


# --- evaluations ------------------------------------------------------------------------------


def evaluations_for_list(user: User) -> QuerySet[Evaluation]:
    return Evaluation.objects.visible_to(user).select_related("cycle", "school__county__parent")


def evaluation_qs(user: User) -> QuerySet[Evaluation]:
    return Evaluation.objects.visible_to(user).select_related(
        "cycle__framework", "school__county__parent"
    )


@dataclass
class SheetRow:
    indicator: Indicator
    score: Score | None
    files: list[EvidenceFile]
    max_score: Decimal
    self_total: Decimal
    review_total: Decimal


def evaluation_sheet(evaluation: Evaluation) -> list[SheetRow]:
    """Every indicator in reading order with its scores rolled up L3 → L2 → L1: three queries."""
    indicators = {i.pk: i for i in evaluation.cycle.framework.indicators.all()}
    scores = {s.indicator_id: s for s in evaluation.scores.all()}
    files: dict[int, list[EvidenceFile]] = {}
    for f in evaluation.evidence.all():
        files.setdefault(f.indicator_id, []).append(f)
    code = {pk: i.code for pk, i in indicators.items()}
    nodes = [
        Node(
            code=i.code,
            level=i.level,
            parent_code=code.get(i.parent_id, "") if i.parent_id else "",
            max_score=i.max_score,
        )
        for i in indicators.values()
    ]
    by_code = {i.code: i for i in indicators.values()}
    self_scores = {code[k]: s.self_score for k, s in scores.items() if s.self_score is not None}
    review_scores = {
        code[k]: s.review_score for k, s in scores.items() if s.review_score is not None
    }
    rolled_self, rolled_review, top = (
        rollup(nodes, self_scores),
        rollup(nodes, review_scores),
        maxima(nodes),
    )
    return [
        SheetRow(
            indicator=row.indicator,
            score=scores.get(row.indicator.pk),
            files=files.get(row.indicator.pk, []),
            max_score=top[row.indicator.code],
            self_total=rolled_self[row.indicator.code],
            review_total=rolled_review[row.indicator.code],
        )
        for row in framework_tree(evaluation.cycle.framework, list(by_code.values()))
    ]


@dataclass
class L1Row:
    code: str
    title: str
    max_score: Decimal
    score: Decimal
    county: Decimal | None
    city: Decimal | None
    province: Decimal | None


@dataclass
class ReportCard:
    evaluation: Evaluation
    rows: list[SheetRow]
    final: dict[str, Decimal]  # indicator code -> final score rolled up
    total: Decimal
    max_total: Decimal
    grade: str
    l1: list[L1Row]
    comments: list[tuple[Indicator, str]]

    @property
    def lines(self) -> list[tuple[SheetRow, Decimal]]:
        return [(row, self.final[row.indicator.code]) for row in self.rows]


def report_card(evaluation: Evaluation) -> ReportCard:
    """The school's card: final scores rolled up, grade, and gaps against the averages of the
    confirmed evaluations of its county, city and the province (one grouped read)."""
    rows = evaluation_sheet(evaluation)
    final: dict[str, Decimal] = {}
    for row in rows:
        reviewed = row.score is not None and row.score.review_score is not None
        final[row.indicator.code] = row.review_total if reviewed else row.self_total
    for level in (2, 1):  # parents again from the final leaves
        for row in rows:
            if row.indicator.level == level:
                final[row.indicator.code] = sum(
                    (
                        final[r.indicator.code]
                        for r in rows
                        if r.indicator.parent_id == row.indicator.pk
                    ),
                    Decimal(0),
                )
    school = evaluation.school
    averages: dict[int, dict[str, Any]] = {
        row["indicator_id"]: dict(row)
        for row in L1Score.objects.filter(cycle_id=evaluation.cycle_id)
        .values("indicator_id")
        .annotate(
            county=Avg("score", filter=Q(county_id=school.county_id)),
            city=Avg("score", filter=Q(city_id=school.county.parent_id)),
            province=Avg("score"),
        )
    }
    l1 = [
        L1Row(
            code=row.indicator.code,
            title=row.indicator.title,
            max_score=row.max_score,
            score=final[row.indicator.code],
            county=_avg(averages.get(row.indicator.pk, {}).get("county")),
            city=_avg(averages.get(row.indicator.pk, {}).get("city")),
            province=_avg(averages.get(row.indicator.pk, {}).get("province")),
        )
        for row in rows
        if row.indicator.level == 1
    ]
    total = sum((r.score for r in l1), Decimal(0))
    max_total = evaluation.cycle.framework.total_score
    comments = [
        (row.indicator, row.score.review_comment)
        for row in rows
        if row.score is not None and row.score.review_comment
    ]
    return ReportCard(
        evaluation=evaluation,
        rows=rows,
        final=final,
        total=total,
        max_total=max_total,
        grade=grade_for(total, max_total),
        l1=l1,
        comments=comments,
    )


def _avg(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def evaluation_counts(group_ids: list[int], year: int) -> dict[int, dict[str, Any]]:
    """Per guidance group, the evaluations of that year's cycles in the schools it guides: how
    many, how many confirmed, and the confirmed schools' average total — for the annual report.
    Two grouped queries by county whatever the number of groups."""
    county_groups = groups_by_county(group_ids)
    per_group: dict[int, dict[str, Any]] = {
        pk: {"evaluations": 0, "confirmed": 0, "_sum": Decimal(0)} for pk in group_ids
    }
    for county, n, confirmed in (
        Evaluation.objects.filter(cycle__year=year)
        .values_list("school__county_id")
        .annotate(n=Count("id"), c=Count("id", filter=Q(status=EvaluationStatus.CONFIRMED)))
        .values_list("school__county_id", "n", "c")
    ):
        for pk in county_groups.get(county, []):
            per_group[pk]["evaluations"] += n
            per_group[pk]["confirmed"] += confirmed
    for county, total in (
        EvaluationSummary.objects.filter(cycle__year=year)
        .values_list("county_id")
        .annotate(t=Sum("total"))
        .values_list("county_id", "t")
    ):
        for pk in county_groups.get(county, []):
            per_group[pk]["_sum"] += total or Decimal(0)
    for figures in per_group.values():
        total = figures.pop("_sum")
        confirmed = figures["confirmed"]
        figures["average_score"] = (
            str((total / confirmed).quantize(Decimal("0.1"))) if confirmed else "—"
        )
    return per_group


def current_leaf_choices() -> list[tuple[str, str]]:
    """The level-3 indicators of the framework in force (the latest published), as "code
    title" choices — what visits and findings refer to. Empty while none is published."""
    framework = Framework.objects.published().order_by("-published_at", "-pk").first()
    if framework is None:
        return []
    leaves = framework.indicators.filter(level=3).order_by("order").values_list("code", "title")
    return [(f"{code} {title}", f"{code} {title}") for code, title in leaves]


def school_report_links(user: User, school: School) -> list[tuple[str, str]]:
    """The school page's links to its 评估报告 (report card with radar chart and Word), one per
    evaluation the user may see, newest cycle first (issue 14: the card was linked from
    nowhere)."""
    evaluations = (
        Evaluation.objects.visible_to(user)
        .filter(school=school)
        .select_related("cycle")
        .order_by("-cycle__year", "-cycle_id")
    )
    return [
        (
            _("%(cycle)s 评估报告") % {"cycle": e.cycle.name},
            reverse("indicators:report_card", args=[e.pk]),
        )
        for e in evaluations
    ]
