"""Synthetic 业务培训 for the workloads: three years of sessions and attendance, bulk-written.

Each year has a few province-wide sessions (organised by the province admin) and one or two
sessions per guidance group (organised by its leader); every current member attends some of
them, so that a realistic share of people reach the policy's yearly hours and some do not."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from handinhand.accounts.models import Role, RoleAssignment
from handinhand.programme.models import MemberRole, Membership
from handinhand.seed.registry import step
from handinhand.training.models import Attendance, TrainingSession

YEARS_BACK = 3
BATCH_SIZE = 2000
TOPICS = (
    "中小学校党建指导工作办法解读",
    "党组织标准化规范化建设",
    "党建指标体系评估方法",
    "党建品牌创建实务",
    "基层党建问题整改与销号",
    "党建指导员履职能力提升",
)


def _day(rng: random.Random, year: int, today: dt.date) -> dt.date:
    last = min(dt.date(year, 12, 28), today)
    return dt.date(year, 1, 5) + dt.timedelta(
        days=rng.randrange((last - dt.date(year, 1, 5)).days + 1)
    )


@step(order=40)
def extend(workload: str, *, seed: int, scale: float = 1.0) -> dict[str, int]:
    if TrainingSession.objects.exists():
        return {}
    rng = random.Random(f"training:{seed}")
    today = timezone.localdate()
    admin_id = (
        RoleAssignment.objects.filter(role=Role.PROVINCE_ADMIN)
        .order_by("pk")
        .values_list("user_id", flat=True)
        .first()
    )
    members: dict[int, list[int]] = {}
    leaders: dict[int, int] = {}
    for group_id, user_id, role in Membership.objects.current().values_list(
        "group_id", "user_id", "role"
    ):
        members.setdefault(group_id, []).append(user_id)
        if role == MemberRole.LEADER:
            leaders[group_id] = user_id
    if admin_id is None or not members:
        return {}
    years = [y for y in range(today.year - YEARS_BACK + 1, today.year + 1)]
    sessions: list[TrainingSession] = []
    for year in years:
        for i in range(4):
            sessions.append(
                TrainingSession(
                    topic=f"{year}年全省党建指导员培训班（第{i + 1}期）",
                    date=_day(rng, year, today),
                    hours=Decimal(rng.choice(["4", "6", "8"])),
                    organiser_id=admin_id,
                    location="南昌",
                )
            )
        for group_id, leader_id in leaders.items():
            for _ in range(rng.randint(1, 2)):
                sessions.append(
                    TrainingSession(
                        topic=rng.choice(TOPICS),
                        date=_day(rng, year, today),
                        hours=Decimal(rng.choice(["2", "3", "4"])),
                        organiser_id=leader_id,
                        group_id=group_id,
                    )
                )
    TrainingSession.objects.bulk_create(sessions, batch_size=BATCH_SIZE)
    saved = list(TrainingSession.objects.values_list("pk", "date", "hours", "group_id"))
    province_wide: dict[int, list[tuple[int, Decimal]]] = {}
    by_group: dict[tuple[int, int], list[tuple[int, Decimal]]] = {}
    for pk, day, hours, group_id in saved:
        if group_id is None:
            province_wide.setdefault(day.year, []).append((pk, hours))
        else:
            by_group.setdefault((group_id, day.year), []).append((pk, hours))
    rows: list[Attendance] = []
    seen: set[tuple[int, int]] = set()
    for year in years:
        for group_id, users in members.items():
            own = by_group.get((group_id, year), [])
            for user_id in users:
                picked = own + rng.sample(
                    province_wide.get(year, []), k=rng.randint(0, len(province_wide.get(year, [])))
                )
                for pk, hours in picked:
                    if (pk, user_id) in seen or rng.random() < 0.15:
                        continue
                    seen.add((pk, user_id))
                    rows.append(Attendance(session_id=pk, user_id=user_id, hours=hours))
    Attendance.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return {"training sessions": len(sessions), "training attendances": len(rows)}
