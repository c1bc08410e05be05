"""Synthetic funds for the workloads: last year and this year
of every lead university — an allocation computed by the same calculation as the page, its
disbursements, ≈ 50 expense lines per month (linked to the groups' visits where there are
some), and last year's months closed. Written in bulk without an audit actor, like every
synthetic row, so that a seed can be reset."""

from __future__ import annotations

import calendar
import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from handinhand.accounts.models import Role, User
from handinhand.core.policy import get_policy
from handinhand.funding.calculation import compute_sheet
from handinhand.funding.models import Allocation, Disbursement, Expense, MonthClose
from handinhand.orgs.models import University
from handinhand.programme.models import GroupLevel
from handinhand.seed.registry import step

PAYEES = ["萍乡客运公司", "新余印务有限公司", "鹰潭宾馆", "党建指导员", "江西铁路公司", "会务中心"]
PURPOSES = {
    "交通差旅": "赴结对地区开展到校指导交通住宿费",
    "劳务": "党建指导专家劳务费",
    "资料印刷": "党建指导手册印刷费",
    "会议": "工作调度会议会务费",
    "培训": "党建指导员业务培训费",
    "其他": "指导活动其他支出",
}


@step(order=80)
def extend(
    workload: str, *, seed: int, scale: float = 1.0, lines_per_month: int = 50
) -> dict[str, int]:
    if Allocation.objects.exists():
        return {}
    admin = User.objects.filter(role_assignments__role=Role.PROVINCE_ADMIN).order_by("pk").first()
    if admin is None:
        return {}
    rng = random.Random(f"funding:{seed}")
    policy = get_policy().funding
    today = timezone.localdate()
    per_month = max(1, round(lines_per_month * scale))
    universities = list(
        University.objects.filter(led_groups__level=GroupLevel.PROVINCE).distinct().order_by("pk")
    )
    visit_model = Expense._meta.get_field("visit").related_model
    visits: dict[int, list[int]] = {}
    for pk, uni in visit_model._default_manager.filter(
        group__level=GroupLevel.PROVINCE
    ).values_list("pk", "group__lead_university_id"):
        visits.setdefault(uni, []).append(pk)
    allocations, disbursements, expenses, closes = [], [], [], []
    for year in (today.year - 1, today.year):
        last_month = 12 if year < today.year else today.month
        for uni in universities:
            sheet = compute_sheet(uni, year, policy)
            if sheet.total <= 0:
                continue
            allocations.append(
                Allocation(
                    university=uni,
                    year=year,
                    amount=sheet.total,
                    members=sheet.members,
                    person_months=sheet.person_months,
                    standard=sheet.standard,
                    proration=sheet.proration,
                    reference_date=sheet.reference_date,
                    sheet=sheet.as_json(),
                    doc_number=f"赣教工委财〔{year}〕{uni.pk}号",
                    approved_on=dt.date(year, 3, 1),
                    approved_by=admin,
                )
            )
            first = (sheet.total * Decimal("0.6")).quantize(Decimal("0.01"))
            for n, (month, amount) in enumerate(((3, first), (9, sheet.total - first)), start=1):
                if month <= last_month:
                    disbursements.append(
                        Disbursement(
                            university=uni,
                            year=year,
                            date=dt.date(year, month, 10),
                            amount=amount,
                            doc_number=f"赣教工委财下〔{year}〕{uni.pk}-{n}号",
                            recorded_by=admin,
                        )
                    )
            # Spend about 90 % of the allocation across the months elapsed.
            budget = sheet.total * Decimal("0.9") / (12 * per_month)
            linked = visits.get(uni.pk, [])
            for month in range(1, last_month + 1):
                days = calendar.monthrange(year, month)[1]
                for _ in range(per_month):
                    category = rng.choice(policy.categories)
                    amount = (budget * Decimal(rng.uniform(0.2, 1.8))).quantize(Decimal("0.01"))
                    expenses.append(
                        Expense(
                            university=uni,
                            year=year,
                            date=dt.date(year, month, rng.randint(1, days)),
                            month=month,
                            category=category,
                            amount=max(amount, Decimal("1.00")),
                            payee=rng.choice(PAYEES),
                            purpose=PURPOSES.get(category, category),
                            visit_id=rng.choice(linked) if linked and rng.random() < 0.7 else None,
                            imported=True,
                            recorded_by=admin,
                        )
                    )
                if year < today.year:
                    closes.append(
                        MonthClose(university=uni, year=year, month=month, closed_by=admin)
                    )
    Allocation.objects.bulk_create(allocations, batch_size=1000)
    Disbursement.objects.bulk_create(disbursements, batch_size=1000)
    Expense.objects.bulk_create(expenses, batch_size=5000)
    MonthClose.objects.bulk_create(closes, batch_size=1000)
    return {
        "allocations": len(allocations),
        "disbursements": len(disbursements),
        "expenses": len(expenses),
        "closed_months": len(closes),
    }
