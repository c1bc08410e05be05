"""Reads of the programme: coverage figures computed by hand from the cast, and each user's
view of them.

The cast's schools: 湘东区第一小学 (萍乡市, in 湘东片区), 安源区实验中学 (萍乡市), 渝水区第二小学
(新余市), 月湖区第三小学 (鹰潭市), 东湖区育才学校 (南昌市). Batch 1 pairs 萍乡市, 新余市 and
鹰潭市: 4 of the 5 schools lie in paired regions (80%), 1 is in a district (20%).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from handinhand.conftest import Cast, make_school, make_user
from handinhand.programme import selectors
from handinhand.programme.models import (
    Batch,
    BatchStatus,
    District,
    DistrictSchool,
    GroupLevel,
    GuidanceGroup,
    MemberRole,
    Membership,
    Pairing,
)

pytestmark = pytest.mark.django_db


def figures(row: selectors.CoverageRow) -> tuple[str, int, int, int]:
    return (row.label, row.schools, row.paired, row.districted)


def test_coverage_for_the_province(cast: Cast) -> None:
    [entry] = selectors.coverage(cast.province_admin)
    assert entry.batch == cast.batch
    assert figures(entry.total) == ("合计", 5, 4, 1)
    assert (entry.total.paired_pct, entry.total.districted_pct) == (80.0, 20.0)
    assert [figures(c) for c in entry.cities] == [
        ("南昌市", 1, 0, 0),
        ("萍乡市", 2, 2, 1),
        ("新余市", 1, 1, 0),
        ("鹰潭市", 1, 1, 0),
    ]
    pingxiang = entry.cities[1]
    assert [figures(c) for c in pingxiang.children] == [("安源区", 1, 1, 0), ("湘东区", 1, 1, 1)]
    assert (pingxiang.paired_pct, pingxiang.districted_pct) == (100.0, 50.0)


def test_coverage_is_scoped(cast: Cast) -> None:
    [entry] = selectors.coverage(cast.city_user)
    assert figures(entry.total) == ("合计", 2, 2, 1)
    assert [c.label for c in entry.cities] == ["萍乡市"]
    [entry] = selectors.coverage(cast.county_user)
    assert figures(entry.total) == ("合计", 1, 1, 1)
    assert [figures(c) for c in entry.cities[0].children] == [("湘东区", 1, 1, 1)]
    [entry] = selectors.coverage(cast.outsider)
    assert figures(entry.total) == ("合计", 1, 0, 0)
    assert [c.label for c in entry.cities] == ["南昌市"]
    [entry] = selectors.coverage(cast.instructor_ecjtu)
    assert [figures(c) for c in entry.cities] == [("新余市", 1, 1, 0)]
    assert selectors.coverage(cast.audit_admin) == []


def test_coverage_per_batch_and_cumulative_counts_each_school_once(cast: Cast) -> None:
    second = Batch.objects.create(
        number=2, name="第二批", start_year=2025, status=BatchStatus.ACTIVE
    )
    group = GuidanceGroup.objects.create(
        name="第二批组",
        level=GroupLevel.PROVINCE,
        region_id="360000",
        batch=second,
        lead_university=cast.universities["ncu"],
    )
    Pairing.objects.create(batch=second, group=group, region_id="360100", since=dt.date(2025, 3, 1))
    district = District.objects.create(group=group, batch=second, name="东湖片区")
    DistrictSchool.objects.create(district=district, school=cast.school_nanchang, batch=second)
    # 湘东区第一小学 is in a district of both batches: counted once in the total.
    DistrictSchool.objects.create(district=district, school=cast.school, batch=second)

    first, later, total = selectors.coverage(cast.province_admin)
    assert (first.batch, later.batch, total.batch) == (cast.batch, second, None)
    assert figures(first.total) == ("合计", 5, 4, 1)
    assert figures(later.total) == ("合计", 5, 1, 2)
    assert figures(total.total) == ("合计", 5, 5, 2)
    assert [figures(c) for c in total.cities] == [
        ("南昌市", 1, 1, 1),
        ("萍乡市", 2, 2, 1),
        ("新余市", 1, 1, 0),
        ("鹰潭市", 1, 1, 0),
    ]
    assert selectors.cumulative([first, later, total]) is total


def test_coverage_counts_only_batches_in_force(cast: Cast) -> None:
    """A batch in preparation (筹备中) shows its own planned figures but adds nothing to the
    total: the pilot home read 100 % while most cities were not yet paired (issue 10)."""
    planned = Batch.objects.create(number=2, name="第二批", start_year=2027)
    group = GuidanceGroup.objects.create(
        name="第二批组",
        level=GroupLevel.PROVINCE,
        region_id="360000",
        batch=planned,
        lead_university=cast.universities["ncu"],
    )
    Pairing.objects.create(
        batch=planned, group=group, region_id="360100", since=dt.date(2027, 3, 1)
    )
    district = District.objects.create(group=group, batch=planned, name="东湖片区")
    DistrictSchool.objects.create(district=district, school=cast.school_nanchang, batch=planned)
    first, later, total = selectors.coverage(cast.province_admin)
    assert figures(later.total) == ("合计", 5, 1, 1)
    assert figures(total.total) == figures(first.total) == ("合计", 5, 4, 1)
    assert selectors.cumulative([first, later, total]) is total
    # One batch, not yet in force: the total covers nothing.
    Batch.objects.filter(pk=cast.batch.pk).update(status=BatchStatus.PLANNED)
    Pairing.objects.filter(batch=planned).delete()
    DistrictSchool.objects.filter(batch=planned).delete()
    district.delete()
    group.delete()
    planned.delete()
    only, total = selectors.coverage(cast.province_admin)
    assert figures(only.total) == ("合计", 5, 4, 1)
    assert figures(total.total) == ("合计", 5, 0, 0)


def test_coverage_queries_do_not_grow(cast: Cast, django_assert_max_num_queries) -> None:
    from handinhand.core.scope import get_scope

    get_scope(cast.province_admin)
    with django_assert_max_num_queries(6) as before:
        selectors.coverage(cast.province_admin)
    for i in range(20):
        make_school(["360102", "360302", "360502", "360602"][i % 4], f"新增学校{i}")
    with django_assert_max_num_queries(6) as after:
        selectors.coverage(cast.province_admin)
    assert len(after.captured_queries) == len(before.captured_queries)


def test_groups_for_list_counts_active_members_only(cast: Cast) -> None:
    ncu = cast.groups["ncu"]
    Membership.objects.create(
        group=ncu,
        user=make_user("gone", "离任者"),
        role=MemberRole.INSTRUCTOR,
        term_start=dt.date(2023, 1, 1),
        term_end=dt.date(2023, 12, 31),
        is_active=False,
    )
    rows: dict[str, Any] = {g.name: g for g in selectors.groups_for_list(cast.province_admin)}
    assert (
        rows[ncu.name].member_count,
        rows[ncu.name].pairing_count,
        rows[ncu.name].district_count,
    ) == (2, 1, 1)
    assert rows["华东交通大学党建指导组"].district_count == 0


def test_group_detail_orders_members_by_role(cast: Cast) -> None:
    group = selectors.group_detail(cast.instructor, cast.groups["ncu"].pk)
    assert [m.role for m in group.memberships.all()] == ["组长", "指导员"]


def test_batches_for_list_counts_within_scope(cast: Cast) -> None:
    batch: Any
    [batch] = selectors.batches_for_list(cast.province_admin)
    assert (batch.group_count, batch.pairing_count) == (3, 3)
    [batch] = selectors.batches_for_list(cast.city_user)
    assert (batch.group_count, batch.pairing_count) == (1, 1)


def test_district_candidates(cast: Cast) -> None:
    assert list(selectors.district_candidates(cast.leader, cast.district)) == [cast.school_anyuan]
    lianhua = make_school("360321", "莲花县城关小学")
    assert list(selectors.district_candidates(cast.leader, cast.district, "莲花")) == [lianhua]
    # Schools the group does not guide are never offered, even to the province admin.
    assert cast.school_xinyu not in selectors.district_candidates(
        cast.province_admin, cast.district
    )


def test_overview(cast: Cast) -> None:
    overview = selectors.overview(cast.province_admin)
    assert (overview.batches, overview.groups, overview.instructors, overview.schools) == (
        1,
        3,
        4,
        5,
    )
    overview = selectors.overview(cast.county_user)
    assert (overview.groups, overview.instructors, overview.schools) == (1, 2, 1)


def test_my_programme(cast: Cast) -> None:
    mine: Any = selectors.my_programme(cast.leader)
    assert [(m.group, m.role, m.group_members, m.group_districts) for m in mine.memberships] == [
        (cast.groups["ncu"], "组长", 2, 1)
    ]
    assert mine.districts == []  # the leader is not an instructor of 湘东片区
    assert [p.region_id for p in mine.pairings] == ["360300"]
    mine = selectors.my_programme(cast.instructor)
    assert [(d.name, d.school_count) for d in mine.districts] == [("湘东片区", 1)]


def test_schools_programme_for_the_school_user(cast: Cast) -> None:
    [item] = selectors.schools_programme(cast.school_user)
    assert item.school == cast.school
    assert [p.group for p in item.pairings] == [cast.groups["ncu"]]
    [link] = item.district_links
    assert link.district == cast.district
    assert [m.user for m in link.district.instructors.all()] == [cast.instructor]
    # It agrees with the single-school read used by the school page.
    single = selectors.school_programme(cast.school_user, cast.school)
    assert [p.pk for p in single["pairings"]] == [p.pk for p in item.pairings]
    # Instructors see district schools through their membership, not as school users.
    assert selectors.schools_programme(cast.instructor) == []
