"""A synthetic research call for the workloads.

One call of the first catalogue, its deadline passed: ≈ 500 applications at province scale
(fewer in the pilot), part of them by guidance-group members (eligible for 单列计划), each
recommended and scored by two experts of a unit of their own, then ranked by the same rule as
the page — ready for the province's 立项 decision."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from handinhand.accounts.models import Role, User
from handinhand.core.policy import get_policy
from handinhand.orgs.models import Unit, UnitKind
from handinhand.programme.models import Membership
from handinhand.research import services
from handinhand.research.models import (
    AppStatus,
    CallStatus,
    ResearchApplication,
    ResearchCall,
    ReviewAssignment,
)
from handinhand.seed.jiangxi import DEMO_PASSWORD
from handinhand.seed.registry import step

DIRECTIONS = [
    "党组织领导的校长负责制",
    "中小学校党建品牌创建",
    "党建与立德树人融合",
    "教师党员队伍建设",
    "大手拉小手结对指导机制",
]


def _people(prefix: str, count: int, unit: Unit | None, title: str) -> list[User]:
    password = make_password(DEMO_PASSWORD)
    users = [
        User(
            username=f"{prefix}{i:04d}",
            full_name=f"{title}{i:04d}",
            work_unit=unit.name if unit else "",
            unit=unit,
            title=title,
            password=password,
            must_change_password=False,  # synthetic accounts share the published password
        )
        for i in range(1, count + 1)
    ]
    User.objects.bulk_create(users, batch_size=1000)
    return list(User.objects.filter(username__startswith=prefix).order_by("pk"))


@step(order=70)
def extend(workload: str, *, seed: int, scale: float = 1.0) -> dict[str, int]:
    if ResearchCall.objects.exists():
        return {}
    admin = User.objects.filter(role_assignments__role=Role.PROVINCE_ADMIN).order_by("pk").first()
    if admin is None:
        return {}
    rng = random.Random(f"research:{seed}")
    policy = get_policy().research
    total = max(10, round((500 if workload != "pilot" else 60) * scale))
    today = timezone.localdate()
    places = max(1, total // 5)
    call = ResearchCall.objects.create(
        catalogue=policy.catalogues[0],
        year=today.year,
        title=f"{today.year}年度{policy.catalogues[0]}（中小学校党建研究）申报",
        topic_guide="中小学校党建研究：" + "；".join(DIRECTIONS),
        deadline=today - dt.timedelta(days=30),
        places=places,
        separate_quota=min(policy.quota_per_call, places) if policy.separate_quota else 0,
        unit_recommendation=policy.unit_recommendation,
        blind_review=policy.blind_review,
        priority_approval=policy.priority_approval,
        applications_per_person=policy.applications_per_person,
        allow_multiple_teams=policy.allow_multiple_teams,
        rubric=[item.model_dump() for item in policy.rubric],
        min_score=Decimal(str(policy.min_score)),
        tie_tolerance=Decimal(str(policy.tie_tolerance)),
        midterm_months=policy.midterm_months,
        closing_months=policy.closing_months,
        created_by=admin,
        status=CallStatus.OPEN,
    )
    members = list(
        Membership.objects.current(call.deadline)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    members = rng.sample(members, k=min(len(members), int(total * 0.4)))
    # Non-members: teachers of the existing units (round-robin), one bulk insert.
    units = list(Unit.objects.order_by("pk"))
    password = make_password(DEMO_PASSWORD)
    new = [
        User(
            username=f"keti{i:04d}",
            full_name=f"课题申报人{i:04d}",
            work_unit=units[i % len(units)].name if units else "",
            unit=units[i % len(units)] if units else None,
            title="教师",
            password=password,
            must_change_password=False,  # synthetic accounts share the published password
        )
        for i in range(1, total - len(members) + 1)
    ]
    User.objects.bulk_create(new, batch_size=1000)
    teachers = list(User.objects.filter(username__startswith="keti").order_by("pk"))
    unit_of = dict(User.objects.filter(pk__in=members).values_list("pk", "unit_id"))
    applicants = [(pk, unit_of.get(pk)) for pk in members] + [(u.pk, u.unit_id) for u in teachers]
    rng.shuffle(applicants)
    now = timezone.now()
    apps = [
        ResearchApplication(
            call=call,
            applicant_id=pk,
            unit_id=unit_id,
            title=f"{rng.choice(DIRECTIONS)}的实践研究（{i:03d}）",
            direction=rng.choice(DIRECTIONS),
            plan="以结对学校为样本，开展问卷调查与个案研究，形成研究报告和工作案例。",
            budget=Decimal(rng.randrange(10, 51) * 1000),
            status=AppStatus.RECOMMENDED,
            submitted_at=now,
            recommended_at=now,
        )
        for i, (pk, unit_id) in enumerate(applicants, start=1)
    ]
    ResearchApplication.objects.bulk_create(apps, batch_size=1000)
    expert_unit, _created = Unit.objects.get_or_create(
        name="江西省中小学校党建研究专家库", defaults={"kind": UnitKind.OTHER}
    )
    experts = _people("zhuanjia", max(4, total // 25), expert_unit, "评审专家")
    reviews = []
    for app in ResearchApplication.objects.filter(call=call).only("pk"):
        quality = rng.uniform(0.45, 0.95)
        for reviewer in rng.sample(experts, k=2):
            scores = {
                item.name: str(
                    Decimal(round(item.max_score * min(1, quality + rng.uniform(-0.08, 0.08)) * 2))
                    / 2
                )
                for item in policy.rubric
            }
            reviews.append(
                ReviewAssignment(
                    application_id=app.pk,
                    reviewer=reviewer,
                    assigned_by=admin,
                    scores=scores,
                    total=sum((Decimal(v) for v in scores.values()), Decimal(0)),
                    submitted_at=now,
                )
            )
    ReviewAssignment.objects.bulk_create(reviews, batch_size=2000)
    # Written without an audit actor, like every synthetic row: a seed can still be reset.
    services.rank_fill(call, audit_actor=None)
    ResearchCall.objects.filter(pk=call.pk).update(status=CallStatus.REVIEW, ranked_at=now)
    return {
        "research_applications": len(apps),
        "research_reviews": len(reviews),
        "research_experts": len(experts),
    }
