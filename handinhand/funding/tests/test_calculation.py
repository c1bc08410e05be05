"""Allocation = standard × members, prorated by the policy, at the edges of terms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from handinhand.conftest import make_user
from handinhand.core.policy import get_policy
from handinhand.funding.calculation import changes_since, compute_sheet
from handinhand.funding.tests.factories import YEAR, approved
from handinhand.orgs.models import University
from handinhand.programme.models import MemberRole, Membership

pytestmark = pytest.mark.django_db


def policy(**changes):
    return get_policy().funding.model_copy(update=changes)


def member(cast, slug, name, start, end=None, *, active=True):
    user = make_user(name, name)
    return Membership.objects.create(
        group=cast.groups[slug],
        user=user,
        role=MemberRole.INSTRUCTOR,
        term_start=start,
        term_end=end,
        is_active=active,
    )


def row(sheet, name):
    return next(r for r in sheet.rows if r.name == name)


def test_whole_year_members_count_the_standard(cast):
    sheet = compute_sheet(cast.universities["ncu"], YEAR, policy())
    assert sheet.total == Decimal("30000.00")  # the instructor and the leader, all year
    assert sheet.members == 2 and sheet.person_months == 24
    assert all(len(r.months) == 12 and all(r.months) for r in sheet.rows)


def test_months_at_term_edges(cast):
    member(cast, "ncu", "三月一日加入", dt.date(YEAR, 3, 1))
    member(cast, "ncu", "三月二日加入", dt.date(YEAR, 3, 2))
    member(cast, "ncu", "三月底离任", dt.date(YEAR - 1, 5, 1), dt.date(YEAR, 3, 31), active=False)
    member(cast, "ncu", "二月底离任", dt.date(YEAR - 1, 5, 1), dt.date(YEAR, 2, 28), active=False)
    sheet = compute_sheet(cast.universities["ncu"], YEAR, policy(proration="months"))
    assert row(sheet, "三月一日加入").counted == 10
    assert row(sheet, "三月一日加入").amount == Decimal("12500.00")
    assert row(sheet, "三月二日加入").counted == 9
    assert row(sheet, "三月底离任").counted == 3
    assert row(sheet, "二月底离任").counted == 2
    assert row(sheet, "二月底离任").amount == Decimal("2500.00")
    assert sheet.total == sum(r.amount for r in sheet.rows)


def test_two_terms_in_one_year(cast):
    first = member(cast, "ncu", "两段任期", dt.date(YEAR, 1, 1), dt.date(YEAR, 4, 30), active=False)
    Membership.objects.create(
        group=cast.groups["ncu"],
        user=first.user,
        role=MemberRole.INSTRUCTOR,
        term_start=dt.date(YEAR, 9, 1),
    )
    sheet = compute_sheet(cast.universities["ncu"], YEAR, policy(proration="months"))
    r = row(sheet, "两段任期")
    assert r.counted == 8 and r.amount == Decimal("10000.00")
    assert r.months == (True,) * 4 + (False,) * 4 + (True,) * 4
    ref = compute_sheet(
        cast.universities["ncu"], YEAR, policy(proration="reference_date", reference_date="06-30")
    )
    assert row(ref, "两段任期").amount == 0


def test_reference_date_edges(cast):
    member(cast, "ncu", "基准日加入", dt.date(YEAR, 7, 1))
    member(cast, "ncu", "基准日前一天离任", dt.date(YEAR, 1, 1), dt.date(YEAR, 6, 30), active=False)
    member(cast, "ncu", "基准日离任", dt.date(YEAR, 1, 1), dt.date(YEAR, 7, 1), active=False)
    p = policy(proration="reference_date", reference_date="07-01")
    sheet = compute_sheet(cast.universities["ncu"], YEAR, p)
    assert row(sheet, "基准日加入").amount == Decimal("15000.00")
    assert row(sheet, "基准日前一天离任").amount == 0
    assert row(sheet, "基准日离任").amount == Decimal("15000.00")
    assert sheet.total == Decimal("60000.00")  # four, with the instructor and the leader


def test_a_member_of_two_provincial_groups_counts_once(cast):
    # The instructor (南昌大学 since 2024) also joins the 华东交通大学 group.
    Membership.objects.create(
        group=cast.groups["ecjtu"],
        user=cast.instructor,
        role=MemberRole.INSTRUCTOR,
        term_start=dt.date(YEAR, 1, 1),
    )
    for proration in ("months", "reference_date"):
        p = policy(proration=proration)
        ncu = compute_sheet(cast.universities["ncu"], YEAR, p)
        ecjtu = compute_sheet(cast.universities["ecjtu"], YEAR, p)
        assert row(ncu, "李指导").amount == Decimal("15000.00")
        assert row(ecjtu, "李指导").amount == 0 and row(ecjtu, "李指导").note
        assert ecjtu.total == Decimal("15000.00")  # only 赵指导


def test_a_university_leading_no_provincial_group_is_refused(cast):
    other = University.objects.create(name="九江学院", code="4136010001", city_id="360400")
    with pytest.raises(ValidationError, match="未牵头省级指导组"):
        compute_sheet(other, YEAR, policy())


def test_recomputing_shows_the_difference(cast):
    allocation = approved(cast)
    member(cast, "ncu", "新成员", dt.date(YEAR, 7, 1))
    sheet = compute_sheet(cast.universities["ncu"], YEAR, policy(proration="months"))
    changes = changes_since(sheet, allocation)
    assert [(c.name, c.before, c.after) for c in changes] == [
        ("新成员", Decimal("0.00"), Decimal("7500.00"))
    ]
