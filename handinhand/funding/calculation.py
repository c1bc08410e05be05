"""The allocation of a lead university for a year, person by person and month by month.

allocation = the policy's standard × the provincial-group members the university leads, with
the policy's proration: "reference_date" counts a member in post on the reference date for the
whole year; "months" counts each month whose first day finds the member in post, at 1/12 of
the standard. A person in two provincial groups on the same day counts once, for the group
they joined first (then the lower group id), so that no month is paid twice.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from handinhand.core import formats
from handinhand.core.policy import FundingPolicy
from handinhand.funding.models import Allocation
from handinhand.orgs.models import University
from handinhand.programme.models import GroupLevel, GuidanceGroup, Membership

CENT = Decimal("0.01")


def month_day(year: int, month_day: str) -> dt.date:
    month, day = (int(x) for x in month_day.split("-"))
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Term:
    user_id: int
    name: str
    group_id: int
    group: str
    university_id: int | None
    start: dt.date
    end: dt.date | None  # the last day in post; None while in post

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class SheetRow:
    user_id: int
    name: str
    group: str
    months: tuple[bool, ...]  # twelve flags: this month counts for this university
    counted: int  # months paid (12 for a whole year under the reference-date rule)
    amount: Decimal
    note: str = ""


@dataclass
class Sheet:
    university_id: int
    year: int
    standard: Decimal
    proration: str
    reference_date: dt.date | None
    rows: list[SheetRow] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal("0.00"))

    @property
    def members(self) -> int:
        return sum(1 for r in self.rows if r.amount > 0)

    @property
    def person_months(self) -> int:
        return sum(r.counted for r in self.rows)

    def as_json(self) -> list[dict[str, Any]]:
        return [
            {
                "user_id": r.user_id,
                "name": r.name,
                "group": r.group,
                "months": [int(m) for m in r.months],
                "counted": r.counted,
                "amount": str(r.amount),
                "note": r.note,
            }
            for r in self.rows
        ]


def terms_for(university_id: int, year: int) -> list[Term]:
    """Every provincial-group term touching `year` of the people who served in a provincial
    group the university leads (their terms elsewhere too, to settle double membership).
    One query."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    touching = Q(group__level=GroupLevel.PROVINCE, term_start__lte=last) & (
        Q(term_end__isnull=True, is_active=True) | Q(term_end__gte=first)
    )
    people = Membership.objects.filter(touching, group__lead_university_id=university_id)
    rows = (
        Membership.objects.filter(touching, user_id__in=people.values("user_id"))
        .order_by("user_id", "term_start", "group_id")
        .values_list(
            "user_id",
            "user__full_name",
            "user__username",
            "group_id",
            "group__name",
            "group__lead_university_id",
            "term_start",
            "term_end",
        )
    )
    return [
        Term(uid, full or username, gid, gname, uni, start, end)
        for uid, full, username, gid, gname, uni, start, end in rows
    ]


def compute_sheet(university: University, year: int, policy: FundingPolicy) -> Sheet:
    if not GuidanceGroup.objects.filter(
        level=GroupLevel.PROVINCE, lead_university=university
    ).exists():
        raise ValidationError({"university": _("该高校未牵头省级指导组，不能核定经费")})
    standard = Decimal(policy.per_member_per_year).quantize(CENT)
    reference = month_day(year, policy.reference_date)
    sheet = Sheet(
        university_id=university.pk,
        year=year,
        standard=standard,
        proration=policy.proration,
        reference_date=reference if policy.proration == "reference_date" else None,
    )
    by_person: dict[int, list[Term]] = defaultdict(list)
    for term in terms_for(university.pk, year):
        by_person[term.user_id].append(term)
    for terms in by_person.values():
        sheet.rows.append(_row(terms, university.pk, year, standard, policy.proration, reference))
    sheet.rows.sort(key=lambda r: (r.group, -r.amount, r.name, r.user_id))
    return sheet


def _owner(terms: list[Term], day: dt.date) -> Term | None:
    """The term a day is paid under: the earliest joined of those in force (terms are sorted)."""
    return next((t for t in terms if t.covers(day)), None)


def _row(
    terms: list[Term],
    university_id: int,
    year: int,
    standard: Decimal,
    proration: str,
    reference: dt.date,
) -> SheetRow:
    ours = [t for t in terms if t.university_id == university_id]
    months = []
    elsewhere = False
    for month in range(1, 13):
        owner = _owner(terms, dt.date(year, month, 1))
        months.append(owner is not None and owner.university_id == university_id)
        elsewhere |= owner is not None and owner.university_id != university_id
    first = ours[0]
    if proration == "reference_date":
        owner = _owner(terms, reference)
        if owner is None:
            return SheetRow(
                first.user_id,
                first.name,
                first.group,
                tuple(months),
                0,
                Decimal("0.00"),
                _("基准日（%(day)s）不在任") % {"day": formats.day(reference)},
            )
        if owner.university_id != university_id:
            return SheetRow(
                first.user_id,
                first.name,
                first.group,
                tuple(months),
                0,
                Decimal("0.00"),
                _("基准日在%(group)s任职，计入该组牵头高校") % {"group": owner.group},
            )
        return SheetRow(
            owner.user_id,
            owner.name,
            owner.group,
            tuple(months),
            12,
            standard,
            _("基准日在任，按全年计"),
        )
    counted = sum(months)
    amount = (standard * counted / 12).quantize(CENT, rounding=ROUND_HALF_UP)
    note = _("部分月份在其他省级指导组任职，计入先任职的指导组") if elsewhere else ""
    if counted == 0 and not note:
        note = _("各月1日均不在任")
    group = next(
        (
            t.group
            for t in ours
            if any(months[m - 1] and t.covers(dt.date(year, m, 1)) for m in range(1, 13))
        ),
        first.group,
    )
    return SheetRow(first.user_id, first.name, group, tuple(months), counted, amount, note)


@dataclass(frozen=True)
class Change:
    name: str
    before: Decimal
    after: Decimal

    @property
    def difference(self) -> Decimal:
        return self.after - self.before


def changes_since(sheet: Sheet, current: Allocation | None) -> list[Change]:
    """Per person, what a recomputation changes against the approved version."""
    before: dict[int, tuple[str, Decimal]] = {}
    if current is not None:
        before = {
            int(r["user_id"]): (str(r["name"]), Decimal(str(r["amount"]))) for r in current.sheet
        }
    after = {r.user_id: (r.name, r.amount) for r in sheet.rows}
    changes = []
    for user_id in sorted(set(before) | set(after)):
        name = (after.get(user_id) or before[user_id])[0]
        old = before.get(user_id, ("", Decimal("0.00")))[1]
        new = after.get(user_id, ("", Decimal("0.00")))[1]
        if old != new:
            changes.append(Change(name, old, new))
    return changes
