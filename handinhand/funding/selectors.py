"""Reads of the funds, each from visible_to(user): allocations, the ledgers, and the execution
of a university's year and of the province — set-based, a fixed number of queries whatever the
number of universities or ledger lines."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.core import formats
from handinhand.core.policy import FundingPolicy, get_policy
from handinhand.funding.calculation import month_day
from handinhand.funding.models import Allocation, Disbursement, Expense, MonthClose
from handinhand.orgs.models import University
from handinhand.programme.models import GroupLevel, GuidanceGroup

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def _yuan(value: Any) -> Decimal:
    """A sum as the database returns it (SQLite drops the scale) as yuan with two places."""
    return Decimal(value or 0).quantize(CENT)


def lead_universities(user: User) -> QuerySet[University]:
    """Universities leading a provincial group whose funding the user may see."""
    from handinhand.funding.access import finance_university_ids, is_province_admin

    qs = University.objects.filter(led_groups__level=GroupLevel.PROVINCE).distinct()
    if is_province_admin(user):
        return qs.order_by("code")
    return qs.filter(pk__in=sorted(finance_university_ids(user))).order_by("code")


def allocations_for_list(user: User) -> QuerySet[Allocation]:
    return Allocation.objects.visible_to(user).select_related("university", "approved_by")


def disbursements_for_list(user: User) -> QuerySet[Disbursement]:
    return Disbursement.objects.visible_to(user).select_related("university", "corrects")


def expenses_for_list(user: User) -> QuerySet[Expense]:
    return Expense.objects.visible_to(user).select_related(
        "university", "visit", "meeting", "training", "corrects"
    )


def month_closes_for_list(user: User) -> QuerySet[MonthClose]:
    return MonthClose.objects.visible_to(user)


def current_allocation(university_id: int, year: int) -> Allocation | None:
    return (
        Allocation.objects.filter(university_id=university_id, year=year)
        .order_by("-number")
        .first()
    )


def closed_months(university_id: int, year: int) -> set[int]:
    return set(
        MonthClose.objects.filter(university_id=university_id, year=year).values_list(
            "month", flat=True
        )
    )


@dataclass
class Totals:
    allocated: Decimal = ZERO
    disbursed: Decimal = ZERO
    spent: Decimal = ZERO
    unlinked: Decimal = ZERO
    carry_in: Decimal = ZERO  # the adjustment: last year's balance where the policy allows

    @property
    def available(self) -> Decimal:
        return self.allocated + self.carry_in

    @property
    def balance(self) -> Decimal:
        return self.allocated + self.carry_in - self.spent

    @property
    def undisbursed(self) -> Decimal:
        return self.allocated - self.disbursed

    @property
    def rate(self) -> Decimal | None:
        """Execution rate: spent over what was available (allocation and carry-over)."""
        if self.available <= 0:
            return None
        return (self.spent / self.available).quantize(Decimal("0.0001"))

    @property
    def carry_out(self) -> Decimal:
        return max(self.balance, ZERO)


def ledger_totals(
    university_ids: list[int] | None, year: int, policy: FundingPolicy | None = None
) -> dict[int, Totals]:
    """{university id: Totals of `year`} in three grouped queries; the carry-over is folded
    from the earlier years of the same queries."""
    policy = policy or get_policy().funding
    carry = policy.carry_over == "allowed"
    first_year = None if carry else year

    def narrowed(qs: QuerySet[Any]) -> QuerySet[Any]:
        if university_ids is not None:
            qs = qs.filter(university_id__in=university_ids)
        return qs.filter(year__lte=year) if first_year is None else qs.filter(year=year)

    per: dict[tuple[int, int], Totals] = defaultdict(Totals)
    # The latest version per (university, year): rows come newest first, the first one wins.
    seen: set[tuple[int, int]] = set()
    for uni, y, amount in (
        narrowed(Allocation.objects.all())
        .order_by("university_id", "year", "-number")
        .values_list("university_id", "year", "amount")
    ):
        if (uni, y) not in seen:
            seen.add((uni, y))
            per[uni, y].allocated = _yuan(amount)
    for uni, y, total in (
        narrowed(Disbursement.objects.all())
        .values("university_id", "year")
        .annotate(total=Sum("amount"))
        .values_list("university_id", "year", "total")
    ):
        per[uni, y].disbursed = _yuan(total)
    unlinked = Q(visit__isnull=True, meeting__isnull=True, training__isnull=True)
    for uni, y, total, loose in (
        narrowed(Expense.objects.all())
        .values("university_id", "year")
        .annotate(total=Sum("amount"), loose=Sum("amount", filter=unlinked))
        .values_list("university_id", "year", "total", "loose")
    ):
        per[uni, y].spent = _yuan(total)
        per[uni, y].unlinked = _yuan(loose)
    result: dict[int, Totals] = {}
    for uni in {u for u, _y in per} | set(university_ids or []):
        carried = ZERO
        first = min((y for u, y in per if u == uni), default=year)
        for y in range(first, year + 1):
            totals = per.get((uni, y)) or Totals()
            totals.carry_in = carried if carry else ZERO
            carried = totals.carry_out
        result[uni] = totals
    return result


@dataclass(frozen=True)
class Alert:
    level: str  # bootstrap colour: warning / danger
    text: str


def alerts_for(totals: Totals, year: int, policy: FundingPolicy, today: dt.date) -> list[Alert]:
    alerts = []
    due = month_day(year, policy.alert_date)
    rate = totals.rate
    if totals.available > 0 and today >= due and (rate or 0) < Decimal(str(policy.alert_min_rate)):
        alerts.append(
            Alert(
                "warning",
                _("截至%(date)s执行率 %(rate)s，低于 %(min)s")
                % {
                    "date": formats.day(due),
                    "rate": percent(rate),
                    "min": formats.percent(policy.alert_min_rate, 0),
                },
            )
        )
    if totals.spent > totals.available:
        alerts.append(Alert("danger", _("支出已超过核定经费")))
    if totals.spent > 0 and totals.unlinked / totals.spent > Decimal(
        str(policy.alert_unlinked_share)
    ):
        alerts.append(
            Alert(
                "warning",
                _("未关联指导活动、会议或培训的支出占 %(share)s，超过 %(max)s")
                % {
                    "share": percent(totals.unlinked / totals.spent),
                    "max": formats.percent(policy.alert_unlinked_share, 0),
                },
            )
        )
    return alerts


def percent(value: Decimal | None) -> str:
    return formats.percent(value)


@dataclass
class Execution:
    university: University
    year: int
    totals: Totals
    allocation: Allocation | None
    by_category: list[tuple[str, Decimal]]
    by_month: list[Decimal]  # twelve sums
    visits: int
    schools: int
    alerts: list[Alert]
    closed: set[int] = field(default_factory=set)
    carry_over: str = "returned"

    @property
    def cost_per_visit(self) -> Decimal | None:
        return (self.totals.spent / self.visits).quantize(Decimal("0.01")) if self.visits else None

    @property
    def cost_per_school(self) -> Decimal | None:
        return (
            (self.totals.spent / self.schools).quantize(Decimal("0.01")) if self.schools else None
        )

    @property
    def rate_text(self) -> str:
        return percent(self.totals.rate)


def execution(university: University, year: int, *, today: dt.date | None = None) -> Execution:
    """A university's year: totals, by category and month, what it bought, alerts. The caller
    has checked the university is visible. A fixed number of queries."""
    policy = get_policy().funding
    totals = ledger_totals([university.pk], year, policy)[university.pk]
    lines = Expense.objects.filter(university=university, year=year)
    categories = dict(
        lines.values("category").annotate(total=Sum("amount")).values_list("category", "total")
    )
    order = [c for c in policy.categories] + sorted(set(categories) - set(policy.categories))
    by_category = [(c, _yuan(categories.get(c))) for c in order]
    months = dict(lines.values("month").annotate(total=Sum("amount")).values_list("month", "total"))
    reach = lines.aggregate(
        visits=Count("visit", distinct=True),
        schools=Count("visit__visit_schools__school", distinct=True),
    )
    return Execution(
        university=university,
        year=year,
        totals=totals,
        allocation=current_allocation(university.pk, year),
        by_category=by_category,
        by_month=[_yuan(months.get(m)) for m in range(1, 13)],
        visits=reach["visits"],
        schools=reach["schools"],
        alerts=alerts_for(totals, year, policy, today or timezone.localdate()),
        closed=closed_months(university.pk, year),
        carry_over=policy.carry_over,
    )


@dataclass(frozen=True)
class SummaryRow:
    university: University
    totals: Totals
    alerts: list[Alert]

    @property
    def rate_text(self) -> str:
        return percent(self.totals.rate)


def province_summary(user: User, year: int, *, today: dt.date | None = None) -> list[SummaryRow]:
    """Every lead university the user sees, with its year's totals: four queries in all."""
    policy = get_policy().funding
    universities = list(lead_universities(user))
    totals = ledger_totals([u.pk for u in universities], year, policy)
    day = today or timezone.localdate()
    return [
        SummaryRow(u, totals[u.pk], alerts_for(totals[u.pk], year, policy, day))
        for u in universities
    ]


def summary_total(rows: list[SummaryRow]) -> Totals:
    total = Totals()
    for row in rows:
        t = row.totals
        total.allocated += t.allocated
        total.disbursed += t.disbursed
        total.spent += t.spent
        total.unlinked += t.unlinked
        total.carry_in += t.carry_in
    return total


TOP_CATEGORIES = 3


def group_funding_figures(group_ids: list[int], year: int) -> dict[int, dict[str, Any]]:
    """经费使用情况 of the annual report: per provincial group, its lead university's year
    (allocated, disbursed, spent, balance, execution rate, the largest categories). City and
    county groups receive no funds and are left out. Five queries whatever the number of
    groups: the groups, the three ledger sums, the categories."""
    rows = list(
        GuidanceGroup.objects.filter(
            pk__in=group_ids, level=GroupLevel.PROVINCE, lead_university__isnull=False
        ).values_list("pk", "lead_university_id", "lead_university__name")
    )
    lead = {pk: uni for pk, uni, _name in rows}
    names = {uni: name for _pk, uni, name in rows}
    if not lead:
        return {}
    universities = sorted(set(lead.values()))
    totals = ledger_totals(universities, year)
    categories: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for uni, category, total in (
        Expense.objects.filter(university_id__in=universities, year=year)
        .values("university_id", "category")
        .annotate(total=Sum("amount"))
        .order_by("university_id", "-total", "category")
        .values_list("university_id", "category", "total")
    ):
        if total and len(categories[uni]) < TOP_CATEGORIES:
            categories[uni].append((category, _yuan(total)))
    figures: dict[int, dict[str, Any]] = {}
    for group_id, uni in lead.items():
        t = totals[uni]
        figures[group_id] = {
            "university_id": uni,
            "university": names[uni],
            "allocated": str(t.allocated),
            "carry_in": str(t.carry_in),
            "disbursed": str(t.disbursed),
            "spent": str(t.spent),
            "balance": str(t.balance),
            "rate": None if t.rate is None else str(t.rate),
            "top_categories": [[c, str(amount)] for c, amount in categories[uni]],
        }
    return figures
