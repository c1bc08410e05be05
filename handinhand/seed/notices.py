"""Synthetic notices for the workloads: the Measures and the policy in force pinned to everyone,
a province notice to the schools with a deadline, one to the groups' leaders, and a notice of
each of a few cities to its schools and instructors — each resolved to its people by the same
audience rules as the page, receipts written in bulk, about two in three read and the unread of
the schools' notice reminded. Written without an audit actor, like every synthetic row, so that
a seed can be reset."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from handinhand.accounts.models import Role, RoleAssignment, User
from handinhand.core.policy import get_policy
from handinhand.notices.audience import Audience, resolve
from handinhand.notices.models import (
    AudienceRole,
    Notice,
    NoticeKind,
    NoticeReceipt,
    NoticeReminder,
)
from handinhand.notices.services import RECEIPT_BATCH, policy_notice_body
from handinhand.seed.registry import step

READ_SHARE = 0.65


def _write(
    *,
    publisher: User,
    region_code: str,
    paths: list[str],
    title: str,
    body: str,
    audience: Audience,
    published_at: dt.datetime,
    rng: random.Random,
    kind: str = NoticeKind.NOTICE,
    pinned: bool = False,
    deadline: dt.date | None = None,
) -> tuple[Notice, int]:
    resolved = resolve(audience, publisher_paths=paths)
    notice = Notice.objects.create(
        title=title,
        body=body,
        kind=kind,
        pinned=pinned,
        deadline=deadline,
        publisher=publisher,
        publisher_region_id=region_code,
        audience=audience.as_json(),
        audience_label=resolved.label[:500],
        published_at=published_at,
        policy_version=get_policy().version,
    )
    receipts = []
    for user_id, region in resolved.recipients.items():
        read = rng.random() < READ_SHARE
        receipts.append(
            NoticeReceipt(
                notice=notice,
                user_id=user_id,
                region_id=region,
                read_at=published_at + dt.timedelta(hours=rng.randint(1, 72)) if read else None,
                read_revision=1 if read else None,
            )
        )
    NoticeReceipt.objects.bulk_create(receipts, batch_size=RECEIPT_BATCH)
    return notice, len(receipts)


@step(order=90)
def extend(workload: str, *, seed: int, scale: float = 1.0) -> dict[str, int]:
    if Notice.objects.exists():
        return {}
    admin = User.objects.filter(role_assignments__role=Role.PROVINCE_ADMIN).order_by("pk").first()
    if admin is None:
        return {}
    rng = random.Random(f"notices:{seed}")
    policy = get_policy()
    now = timezone.now()
    today = timezone.localdate()
    province = [""]
    written = []
    written.append(
        _write(
            publisher=admin,
            region_code=policy.province_code,
            paths=province,
            title=f"{policy.notices.measures_title}及现行政策（{policy.version}）",
            body=policy_notice_body(),
            audience=Audience.of(roles=AudienceRole.values),
            published_at=now - dt.timedelta(days=60),
            rng=rng,
            kind=NoticeKind.POLICY,
            pinned=True,
        )
    )
    schools_notice = _write(
        publisher=admin,
        region_code=policy.province_code,
        paths=province,
        title=f"关于开展{today.year}年度中小学校党建工作自评的通知",
        body="各中小学校：请对照三级指标体系完成本年度党建工作自评，并上传佐证材料。",
        audience=Audience.of(roles=[AudienceRole.SCHOOL_USER]),
        published_at=now - dt.timedelta(days=10),
        rng=rng,
        deadline=today + dt.timedelta(days=20),
    )
    written.append(schools_notice)
    written.append(
        _write(
            publisher=admin,
            region_code=policy.province_code,
            paths=province,
            title="关于报送年度党建指导工作报告的通知",
            body=(
                f"各党建指导组：请于{policy.reports.due_month}月{policy.reports.due_day}日前"
                "向同级教育部门报告上一年度指导工作及负责人履职情况。"
            ),
            audience=Audience.of(roles=[AudienceRole.LEADER]),
            published_at=now - dt.timedelta(days=3),
            rng=rng,
        )
    )
    cities = (
        RoleAssignment.objects.filter(role=Role.REGION_STAFF, region__level="city")
        .select_related("user", "region")
        .order_by("region_id", "pk")
    )
    seen: set[str] = set()
    for assignment in cities:
        region = assignment.region
        if region is None or region.code in seen or len(seen) >= 3:
            continue
        seen.add(region.code)
        written.append(
            _write(
                publisher=assignment.user,
                region_code=region.code,
                paths=[region.path],
                title=f"{region.name}关于做好党建指导组到校指导工作的通知",
                body="请各校做好迎接党建指导组到校指导的准备，如实反映支部建设情况。",
                audience=Audience.of(roles=[AudienceRole.SCHOOL_USER, AudienceRole.INSTRUCTOR]),
                published_at=now - dt.timedelta(days=rng.randint(4, 9)),
                rng=rng,
            )
        )
    notice = schools_notice[0]
    unread = NoticeReceipt.objects.filter(notice=notice, read_at__isnull=True)
    reminded = unread.update(reminded_at=now - dt.timedelta(days=1))
    NoticeReminder.objects.create(
        notice=notice,
        day=today - dt.timedelta(days=1),
        sent_by=admin,
        sent_at=now - dt.timedelta(days=1),
        recipients=reminded,
    )
    return {"notices": len(written), "notice receipts": sum(n for _notice, n in written)}
