"""Synthetic meetings: three calendar years of every active group's policy meetings, with a
few groups that skip periods (red cells in the compliance calendar), the roll and sign-in of
held meetings, their decisions as action items, and planned meetings ahead. Set-based: a few
bulk inserts, reproducible from the seed."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from handinhand.accounts.models import Role, RoleAssignment
from handinhand.core.policy import get_policy
from handinhand.meetings.calendar import periods_starting
from handinhand.meetings.models import (
    ActionItem,
    Attendance,
    InviteeKind,
    Meeting,
    MeetingStatus,
    Milestone,
)
from handinhand.programme.models import GuidanceGroup, MemberRole, Membership
from handinhand.programme.pilot import PILOT_PAIRS
from handinhand.seed.registry import step

YEARS = 3
WEAK_SHARE = 0.12  # groups that often skip their meeting
WEAK_MISS, NORMAL_MISS = 0.45, 0.04
PLACES = ("指导组会议室", "市教育局三楼会议室", "牵头高校党委组织部会议室", "线上视频会议")
DECISIONS = (
    "梳理片区学校党组织问题清单",
    "完成本期到校指导记录汇总",
    "组织指导员专题业务培训",
    "督促学校完成问题整改销号",
    "报送党建品牌创建进展",
)


@step(order=30)
def extend(workload: str, *, seed: int, scale: float = 1.0) -> dict[str, int]:
    if Meeting.objects.exists():
        return {}
    rng = random.Random(f"meetings-{seed}")
    today = timezone.localdate()
    rules = get_policy().meetings
    groups = list(
        GuidanceGroup.objects.filter(is_active=True).order_by("pk").values_list("pk", "level")
    )
    members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for group_id, user_id, role in (
        Membership.objects.current()
        .filter(group_id__in=[g for g, _l in groups])
        .order_by("group_id", "role", "user_id")
        .values_list("group_id", "user_id", "role")
    ):
        members[group_id].append((user_id, role))

    meetings: list[Meeting] = []
    for group_id, level in groups:
        weak = rng.random() < WEAK_SHARE
        crew = members.get(group_id, [])
        chairs = [u for u, role in crew if role in (MemberRole.LEADER, MemberRole.DEPUTY)] or [
            u for u, _r in crew
        ]
        for rule in rules:
            if level not in rule.group_levels:
                continue
            for year in range(today.year - YEARS + 1, today.year + 1):
                for period in periods_starting(rule.period, year):
                    if period.start > today + dt.timedelta(days=60):
                        continue
                    last = min(period.end, today)
                    span = (last - period.start).days
                    if period.start > today:
                        # Ahead: plan the meeting.
                        status = MeetingStatus.PLANNED
                        day = period.start + dt.timedelta(days=rng.randint(0, 20))
                    elif period.end >= today and rng.random() < 0.5:
                        status = MeetingStatus.PLANNED
                        day = today + dt.timedelta(
                            days=rng.randint(1, max(1, (period.end - today).days))
                        )
                    elif rng.random() < (WEAK_MISS if weak else NORMAL_MISS):
                        continue
                    else:
                        status = MeetingStatus.HELD
                        day = period.start + dt.timedelta(days=rng.randint(0, max(0, span)))
                    count = rule.minimum + (1 if rng.random() < 0.1 else 0)
                    for n in range(count):
                        meetings.append(
                            Meeting(
                                kind=rule.kind,
                                group_id=group_id,
                                title=f"{period.label}{rule.name}" + (f"（{n + 1}）" if n else ""),
                                date=day,
                                start_time=dt.time(9 if n == 0 else 14, 30),
                                place=rng.choice(PLACES),
                                status=status,
                                chair_id=rng.choice(chairs) if chairs else None,
                                agenda="一、传达上级精神；二、通报本期指导工作；三、研究部署下一阶段任务。",
                                minutes="会议听取了各小组工作汇报，研究了下一阶段重点任务。"
                                if status == MeetingStatus.HELD
                                else "",
                            )
                        )
    with transaction.atomic():
        Meeting.objects.bulk_create(meetings, batch_size=2000)
        attendances: list[Attendance] = []
        items: list[ActionItem] = []
        for m in meetings:
            crew = members.get(m.group_id, [])
            if m.status != MeetingStatus.HELD or not crew:
                continue
            signed_at = timezone.make_aware(dt.datetime.combine(m.date, dt.time(9, 20)))
            for user_id, _role in crew:
                signed = rng.random() < 0.9
                attendances.append(
                    Attendance(
                        meeting=m,
                        user_id=user_id,
                        signed_in=signed,
                        signed_in_at=signed_at if signed else None,
                    )
                )
            due = m.date + dt.timedelta(days=30)
            done = due < today and rng.random() < 0.85
            items.append(
                ActionItem(
                    meeting=m,
                    text=rng.choice(DECISIONS),
                    owner_id=rng.choice(crew)[0],
                    due=due,
                    done=done,
                    done_at=signed_at + dt.timedelta(days=20) if done else None,
                )
            )
        Attendance.objects.bulk_create(attendances, batch_size=5000)
        ActionItem.objects.bulk_create(items, batch_size=5000)
    return {
        "meetings": len(meetings),
        "meeting attendances": len(attendances),
        "action items": len(items),
    }


# --- the pilot's first meeting (issue 11), as the source report tells it ------------------------

KICKOFF_TITLE = "全省中小学校党建工作指导组第一次会议"
# The report dates it 5月7日 without a year: it is the pilot batch's start (its first year),
# the same day the batch plan starts on (seed/selection.py).
KICKOFF_DAY = (5, 7)
KICKOFF_MINUTES = (
    "来自南昌大学、华东交通大学、江西财经大学3所高校的党建工作指导组成员，与结对的萍乡市、"
    "新余市、鹰潭市3个设区市教育行政部门负责人、党建工作人员齐聚一堂，召开全省中小学校党建"
    "工作指导组第一次会议，标志着江西高校与中小学校“大手拉小手”党建指导试点工作正式启动。\n"
    "江西省委教育工委副书记郑志军强调，开展中小学校党建指导工作，对全省来说是一项全新的工作，"
    "要以更扎实的举措、更务实的作风抓好落实，以高质量党建引领中小学校高质量发展。"
)


@step(order=31)
def kickoff(workload: str, *, seed: int, scale: float = 1.0) -> dict[str, int]:
    """The 5月7日 meeting: the three pilot universities' groups with the bureaus of the three
    paired cities, marked as the programme's 启动会. A bureau with an account is invited by it;
    without one (the pilot workload has only 萍乡市's), its leader is a named guest."""
    if Meeting.objects.filter(milestone=Milestone.KICKOFF).exists():
        return {}
    names = [f"{pair.university}党建指导组" for pair in PILOT_PAIRS]
    groups = {
        g.name: g for g in GuidanceGroup.objects.filter(name__in=names).select_related("batch")
    }
    if len(groups) != len(names):
        return {}
    host = groups[names[0]]
    kickoff_date = dt.date(host.batch.start_year, *KICKOFF_DAY)
    signed_at = timezone.make_aware(dt.datetime.combine(kickoff_date, dt.time(8, 50)))
    with transaction.atomic():
        meeting = Meeting.objects.create(
            kind="scheduling",
            group=host,
            title=KICKOFF_TITLE,
            date=kickoff_date,
            status=MeetingStatus.HELD,
            minutes=KICKOFF_MINUTES,
            milestone=Milestone.KICKOFF,
        )
        rows: dict[int, Attendance] = {}
        members = Membership.objects.filter(group__in=groups.values()).order_by(
            "group_id", "role", "user_id"
        )
        # Those in the groups on the day; a synthetic roster whose terms start later, today's.
        on_the_day = members.current(on=kickoff_date)
        for group_id, user_id in (
            on_the_day if on_the_day.exists() else members.current()
        ).values_list("group_id", "user_id"):
            rows.setdefault(
                user_id,
                Attendance(
                    meeting=meeting,
                    user_id=user_id,
                    kind=InviteeKind.MEMBER,
                    group_id=group_id,
                    signed_in=True,
                    signed_in_at=signed_at,
                ),
            )
        guests: list[Attendance] = []
        for pair in PILOT_PAIRS:
            staff = (
                RoleAssignment.objects.active()
                .filter(role=Role.REGION_STAFF, region_id=pair.paired_city)
                .order_by("user_id")
                .values_list("user_id", flat=True)
                .first()
            )
            if staff is not None:
                rows.setdefault(
                    staff,
                    Attendance(
                        meeting=meeting,
                        user_id=staff,
                        kind=InviteeKind.STAFF,
                        signed_in=True,
                        signed_in_at=signed_at,
                    ),
                )
            else:
                city = {"360300": "萍乡市", "360500": "新余市", "360600": "鹰潭市"}[
                    pair.paired_city
                ]
                guests.append(
                    Attendance(
                        meeting=meeting,
                        kind=InviteeKind.GUEST,
                        guest_name=f"{city}教育局负责人",
                        guest_unit=f"{city}教育局",
                        signed_in=True,
                        signed_in_at=signed_at,
                    )
                )
        Attendance.objects.bulk_create([*rows.values(), *guests])
    return {"kickoff meeting": 1, "kickoff invitees": len(rows) + len(guests)}
