"""Set-ups of the appointment tests on the fixed cast: 南昌大学 as a unit with its contact and
six people, a second provincial group it leads (empty, so the quota counts only the
nominations), and a nomination set walked to any step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from openpyxl import Workbook

from handinhand.accounts.models import Role, RoleAssignment, User
from handinhand.appointments import services
from handinhand.appointments.models import Nomination, NominationSet, SetKind
from handinhand.conftest import Cast, make_user
from handinhand.core.scope import reset_scope
from handinhand.orgs.models import Unit, UnitKind
from handinhand.programme.models import GroupLevel, GuidanceGroup, MemberRole

TERM_START = dt.date(2026, 3, 1)
TERM_END = dt.date(2029, 2, 28)
NAMES = ["陈一", "林二", "张三", "刘四", "黄五", "周六"]


@dataclass
class Setup:
    unit: Unit
    contact: User
    people: list[User]
    group: GuidanceGroup


def setup(cast: Cast) -> Setup:
    """Idempotent, so that the site-wide scope matrix may build it beside other apps' set-ups
    (funding and incentives make the same 南昌大学 unit and contact); `cast.unit_contact` is
    the contact."""
    unit, _created = Unit.objects.get_or_create(
        name="南昌大学",
        defaults={"kind": UnitKind.UNIVERSITY, "university": cast.universities["ncu"]},
    )
    contact = User.objects.filter(username="unit_contact").first() or make_user(
        "unit_contact", "南大组织部联络人"
    )
    RoleAssignment.objects.get_or_create(user=contact, role=Role.UNIT_CONTACT, unit=unit)
    cast.unit_contact = contact  # type: ignore[attr-defined]
    people = []
    for i, name in enumerate(NAMES):
        person = User.objects.filter(username=f"ncu{i}").first() or make_user(f"ncu{i}", name)
        person.unit = unit
        person.title = "教授"
        person.save()
        people.append(person)
    group, _created = GuidanceGroup.objects.get_or_create(
        name="南昌大学第二党建指导组",
        defaults={
            "level": GroupLevel.PROVINCE,
            "region_id": "360000",
            "lead_university": cast.universities["ncu"],
            "batch": cast.batch,
        },
    )
    for user in [*cast.users().values(), contact]:
        reset_scope(user)
    return Setup(unit, contact, people, group)


def new_set(
    s: Setup, *, group: GuidanceGroup | None = None, kind: str = SetKind.INITIAL
) -> NominationSet:
    return services.set_create(
        actor=s.contact,
        group=group or s.group,
        unit=s.unit,
        kind=kind,
        term_start=TERM_START,
        term_end=TERM_END,
    )


def nominate(
    s: Setup,
    nomination_set: NominationSet,
    user: User,
    role: str = MemberRole.INSTRUCTOR,
    **kw: Any,
) -> Nomination:
    return services.nomination_add(
        actor=s.contact,
        nomination_set=nomination_set,
        user=user,
        role=role,
        department=kw.pop("department", "党委组织部"),
        title=kw.pop("title", "教授"),
        party_experience=kw.pop("party_experience", "曾任学院党委书记五年"),
        **kw,
    )


def full_set(s: Setup, n: int = 5) -> tuple[NominationSet, list[Nomination]]:
    """A submitted set of `n` (the first the leader)."""
    nomination_set = new_set(s)
    nominations = [
        nominate(s, nomination_set, p, MemberRole.LEADER if i == 0 else MemberRole.INSTRUCTOR)
        for i, p in enumerate(s.people[:n])
    ]
    services.set_submit(actor=s.contact, nomination_set=nomination_set, confirm_below_quota=True)
    return nomination_set, [Nomination.objects.get(pk=x.pk) for x in nominations]


def xlsx(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    from handinhand.appointments.imports import HEADERS

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header or [f"{h}" for h in HEADERS])
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
