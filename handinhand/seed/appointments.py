"""Appointments behind the seeded memberships (遴选与聘任, issue 11).

Every group's members in office get the approved nomination set that appointed them, with its
numbered letters (聘书 per person, 任命通知 per group), so that the demo shows letters; and
there is work in the inboxes: a replacement for 萍乡市党建指导组 waiting for the province, and a
returned nomination for 南昌大学's unit contact. Written in bulk without an audit actor, like
every synthetic row, so that a seed can be reset."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from handinhand.accounts.models import Role, User
from handinhand.appointments.models import (
    AppointmentLetter,
    LetterKind,
    Nomination,
    NominationEvent,
    NominationSet,
    NominationStatus,
    SetKind,
    SetStatus,
)
from handinhand.appointments.services import (
    group_letter_content,
    letter_number,
    person_letter_content,
)
from handinhand.orgs.models import Unit
from handinhand.programme.models import GuidanceGroup, MemberRole, Membership
from handinhand.seed.jiangxi import DEMO_PASSWORD
from handinhand.seed.registry import step

EXPERIENCE = "长期从事高校基层党建工作，曾任院系党委（党总支）书记，熟悉中小学校党建工作要求。"


def _term_end(start: dt.date) -> dt.date:
    return start.replace(year=start.year + 3) - dt.timedelta(days=1)


def _contact(unit: Unit | None) -> User | None:
    if unit is None:
        return None
    return (
        User.objects.filter(role_assignments__role=Role.UNIT_CONTACT, role_assignments__unit=unit)
        .order_by("pk")
        .first()
    )


@step(order=65)
def extend(workload: str, *, seed: int, scale: float = 1.0) -> dict[str, int]:
    if NominationSet.objects.exists():
        return {}
    admin = User.objects.filter(role_assignments__role=Role.PROVINCE_ADMIN).order_by("pk").first()
    if admin is None:
        return {}
    serials: Counter[int] = Counter()
    sets = nominations = letters = 0
    groups = GuidanceGroup.objects.filter(memberships__is_active=True).distinct().order_by("pk")
    for group in groups.select_related("lead_university", "region", "region__parent"):
        members = list(
            Membership.objects.filter(group=group, is_active=True).select_related(
                "user", "user__unit"
            )
        )
        unit = None
        if group.lead_university_id:
            unit = Unit.objects.filter(university_id=group.lead_university_id).first()
        if unit is None:
            common = Counter(m.user.unit_id for m in members if m.user.unit_id).most_common(1)
            unit = Unit.objects.filter(pk=common[0][0]).first() if common else None
        if unit is None:
            continue
        start = min(m.term_start for m in members)
        serials[start.year] += 1
        decided = timezone.make_aware(dt.datetime.combine(start, dt.time(10)))
        nomination_set = NominationSet.objects.create(
            group=group,
            unit=unit,
            kind=SetKind.INITIAL,
            term_start=start,
            term_end=max((m.term_end for m in members if m.term_end), default=_term_end(start)),
            status=SetStatus.SETTLED,
            created_by=_contact(unit) or admin,
            submitted_at=decided,
            letter_year=start.year,
            letter_serial=serials[start.year],
            note="试点组建时遴选（平台上线前已按纸质文件聘任，补录）",
        )
        sets += 1
        made = Nomination.objects.bulk_create(
            [
                Nomination(
                    nomination_set=nomination_set,
                    user=m.user,
                    role=m.role,
                    department=m.user.work_unit or str(unit),
                    title=m.user.title or "—",
                    party_experience=EXPERIENCE,
                    status=NominationStatus.APPROVED,
                    decided_by=admin,
                    decided_at=decided,
                    membership=m,
                )
                for m in members
            ]
        )
        nominations += len(made)
        base = letter_number(start.year, serials[start.year])
        rows = [
            AppointmentLetter(
                kind=LetterKind.PERSON,
                nomination_set=nomination_set,
                nomination=n,
                user=n.user,
                number=f"{base}-{i:02d}",
                content=person_letter_content(n, start),
                # Letters of the paper era were handed over long ago: no inbox item.
                received_at=decided,
            )
            for i, n in enumerate(made, start=1)
        ]
        rows.append(
            AppointmentLetter(
                kind=LetterKind.GROUP,
                nomination_set=nomination_set,
                number=base,
                content=group_letter_content(nomination_set, start),
            )
        )
        AppointmentLetter.objects.bulk_create(rows)
        letters += len(rows)
        NominationEvent.objects.bulk_create(
            [NominationEvent(nomination=n, actor=admin, action="批准") for n in made]
        )
    sets += _pending_city_replacement(admin)
    sets += _returned_for_ncu(admin)
    return {"nomination sets": sets, "nominations": nominations, "appointment letters": letters}


def _person(username: str, full_name: str, unit: Unit, title: str) -> User:
    user, _created = User.objects.get_or_create(
        username=username,
        defaults={
            "full_name": full_name,
            "unit": unit,
            "work_unit": unit.name,
            "title": title,
            "password": make_password(DEMO_PASSWORD),
            "must_change_password": False,
        },
    )
    return user


def _pending_city_replacement(admin: User) -> int:
    """萍乡市教育局 proposes a substitute for one of its city group's instructors: the province
    has it in its inbox."""
    group = GuidanceGroup.objects.filter(name="萍乡市党建指导组").first()
    bureau = User.objects.filter(username="pingxiang").first()
    unit = Unit.objects.filter(name="萍乡市教育局").first()
    leaving = (
        Membership.objects.filter(group=group, is_active=True)
        .exclude(role=MemberRole.LEADER)
        .order_by("pk")
        .first()
    )
    if group is None or bureau is None or unit is None or leaving is None:
        return 0
    today = timezone.localdate()
    nomination_set = NominationSet.objects.create(
        group=group,
        unit=unit,
        kind=SetKind.REPLACEMENT,
        term_start=today.replace(day=1),
        term_end=leaving.term_end or _term_end(today),
        status=SetStatus.SUBMITTED,
        created_by=bureau,
        submitted_at=timezone.now(),
        note=f"{leaving.user}同志工作调动，提名接替人选。",
    )
    person = _person("pxsub01", "刘晓萍", unit, "基础教育科科长")
    n = Nomination.objects.create(
        nomination_set=nomination_set,
        user=person,
        role=leaving.role,
        department="萍乡市教育局基础教育科",
        title="基础教育科科长",
        party_experience="2018年起任局机关第二党支部书记，负责全市中小学校党建工作联络。",
        replaces=leaving,
        status=NominationStatus.PENDING,
    )
    NominationEvent.objects.bulk_create(
        [
            NominationEvent(nomination=n, actor=bureau, action="提名"),
            NominationEvent(nomination=n, actor=bureau, action="报送"),
        ]
    )
    return 1


def _returned_for_ncu(admin: User) -> int:
    """南昌大学 proposed an additional instructor; the province returned it for more detail."""
    group = GuidanceGroup.objects.filter(name="南昌大学党建指导组").first()
    unit = Unit.objects.filter(university__name="南昌大学").first()
    contact = _contact(unit)
    if group is None or unit is None or contact is None:
        return 0
    leaving = (
        Membership.objects.filter(group=group, is_active=True, role=MemberRole.INSTRUCTOR)
        .order_by("-pk")
        .first()
    )
    if leaving is None:
        return 0
    today = timezone.localdate()
    nomination_set = NominationSet.objects.create(
        group=group,
        unit=unit,
        kind=SetKind.REPLACEMENT,
        term_start=today.replace(day=1),
        term_end=leaving.term_end or _term_end(today),
        status=SetStatus.SUBMITTED,
        created_by=contact,
        submitted_at=timezone.now(),
        note=f"{leaving.user}同志赴外挂职，提名接替人选。",
    )
    person = _person("ncusub01", "胡建华", unit, "副教授")
    n = Nomination.objects.create(
        nomination_set=nomination_set,
        user=person,
        role=MemberRole.INSTRUCTOR,
        department="马克思主义学院",
        title="副教授",
        party_experience="教工党支部书记。",
        replaces=leaving,
        status=NominationStatus.RETURNED,
        return_reason="党务工作经历过简，请补充任职时间、所在党组织及主要工作，并附任职文件。",
        returned_by=admin,
        returned_at=timezone.now(),
    )
    NominationEvent.objects.bulk_create(
        [
            NominationEvent(nomination=n, actor=contact, action="提名"),
            NominationEvent(nomination=n, actor=contact, action="报送"),
            NominationEvent(nomination=n, actor=admin, action="退回", note=n.return_reason),
        ]
    )
    return 1
