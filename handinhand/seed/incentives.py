"""Synthetic units and a year of assessments for the workloads.

Every seed person's 工作单位 text becomes a unit (the rule of the data migration); each
university unit gets a contact (单位联络人); last year is assessed for every member of the
assessed groups — opened by the same set-based service as the page, then walked in bulk to
final results within the cap, with priorities of which some are already applied."""

from __future__ import annotations

import datetime as dt
import math
import random

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from handinhand.accounts.models import Role, RoleAssignment, User
from handinhand.core.policy import get_policy
from handinhand.incentives import services
from handinhand.incentives.models import (
    Assessment,
    AssessmentStatus,
    AssessmentYear,
    Priority,
    PriorityStatus,
    YearStatus,
)
from handinhand.orgs.models import Region, Unit, UnitKind, University
from handinhand.orgs.units import plan_units
from handinhand.seed.jiangxi import DEMO_PASSWORD
from handinhand.seed.registry import step


def _units() -> int:
    texts = set(
        User.objects.filter(unit__isnull=True)
        .exclude(work_unit="")
        .values_list("work_unit", flat=True)
    )
    plan = plan_units(
        texts,
        list(University.objects.values_list("pk", "name", "short_name", "city_id")),
        list(Region.objects.values_list("code", "name", "level", "parent_id")),
    )
    existing = {u.name: u for u in Unit.objects.all()}
    new = {
        name: Unit(
            name=name,
            kind=UnitKind.UNIVERSITY if university else UnitKind.OTHER,
            university_id=university,
            region_id=region,
        )
        for name, university, region in plan.values()
        if name not in existing
    }
    Unit.objects.bulk_create(new.values())
    units = {u.name: u for u in Unit.objects.all()}
    # One pass over the accounts, not one UPDATE per distinct work unit: the nation has 55,000
    # school accounts, each its own unit, and an UPDATE each scanned the user table.
    unit_of = {text: units[name].pk for text, (name, _university, _region) in plan.items()}
    users = [
        User(pk=pk, unit_id=unit_of[text])
        for pk, text in User.objects.filter(unit__isnull=True)
        .order_by("pk")
        .values_list("pk", "work_unit")
        if text in unit_of
    ]
    User.objects.bulk_update(users, ["unit"], batch_size=2000)
    password = make_password(DEMO_PASSWORD)
    contacts = []
    for unit in Unit.objects.filter(kind=UnitKind.UNIVERSITY).select_related("university"):
        if unit.university is None:  # the database check makes every university unit have one
            continue
        user = User.objects.create(
            username=f"lianluo{unit.university.code}",
            full_name=f"{unit.name}组织部联络人",
            work_unit=unit.name,
            unit=unit,
            title="组织部干部",
            password=password,
            must_change_password=False,  # synthetic accounts share the published password
        )
        contacts.append(RoleAssignment(user=user, role=Role.UNIT_CONTACT, unit=unit))
    RoleAssignment.objects.bulk_create(contacts)
    return len(new)


@step(order=60)
def extend(workload: str, *, seed: int, scale: float = 1.0) -> dict[str, int]:
    if AssessmentYear.objects.exists():
        return {}
    units = _units()
    admin = User.objects.filter(role_assignments__role=Role.PROVINCE_ADMIN).order_by("pk").first()
    if admin is None:
        return {"units": units}
    rng = random.Random(f"incentives:{seed}")
    policy = get_policy().assessment
    last = timezone.localdate().year - 1
    start, end = services.window(last, policy)
    # Written without an audit actor, like every synthetic row: a seed can still be reset.
    year = AssessmentYear.objects.create(
        year=last,
        levels=list(policy.levels),
        min_months=policy.min_months,
        window_start=start,
        window_end=end,
        opened_by=admin,
    )
    services.year_fill(year, audit_actor=None)
    rows = list(Assessment.objects.filter(year=year).exclude(status=AssessmentStatus.EXEMPT))
    by_group: dict[int, list[Assessment]] = {}
    for row in rows:
        by_group.setdefault(row.group_id, []).append(row)
    now = timezone.now()
    for members in by_group.values():
        allowed = math.floor(policy.top_grade_max_share * len(members) + 1e-9)
        top = set(rng.sample(range(len(members)), k=rng.randint(0, allowed)))
        for i, row in enumerate(members):
            grade = policy.top_grade if i in top else "合格"
            if i not in top and rng.random() < 0.05:
                grade = policy.reason_grades[0]
            row.self_summary = "按照《全省中小学校党建指导工作办法》要求，分片区开展到校指导。"
            row.proposed_grade = row.grade = grade
            row.proposal_comment = row.grade_reason = (
                "到校指导次数偏少，问题整改跟进不及时。" if grade in policy.reason_grades else ""
            )
            row.status = AssessmentStatus.CONFIRMED
            row.submitted_at = row.proposed_at = row.confirmed_at = now
            row.confirmed_by = admin
    Assessment.objects.bulk_update(
        rows,
        [
            "self_summary",
            "proposed_grade",
            "grade",
            "proposal_comment",
            "grade_reason",
            "status",
            "submitted_at",
            "proposed_at",
            "confirmed_at",
            "confirmed_by",
        ],
        batch_size=1000,
    )
    today = timezone.localdate()
    start = today - dt.timedelta(days=policy.publicity_days + 30)
    AssessmentYear.objects.filter(pk=year.pk).update(
        status=YearStatus.FINAL,
        publicity_start=start,
        publicity_end=start + dt.timedelta(days=policy.publicity_days - 1),
        finalised_at=now - dt.timedelta(days=29),
    )
    top_rows = [r for r in rows if r.grade == policy.top_grade]
    priorities = Priority.objects.bulk_create(
        services.priorities_for(top_rows, start + dt.timedelta(days=policy.publicity_days)),
        batch_size=1000,
    )
    applied = [p for p in priorities if rng.random() < 0.3]
    for p in applied:
        p.status = PriorityStatus.APPLIED
        p.application_note = f"{today.year}年{p.area}，同等条件优先"
        p.recorded_at = now
    Priority.objects.bulk_update(applied, ["status", "application_note", "recorded_at"])
    return {
        "units": units,
        "assessments": len(rows),
        "priorities": len(priorities),
    }
