"""Issue 15 items 2 and 3: the scope is cached across requests under a version that changes
of memberships, roles, pairings and districts bump; the instructor's schools are a filter on
the school table's own indexed columns."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handinhand.accounts.models import Role, RoleAssignment, User
from handinhand.conftest import make_school
from handinhand.core.scope import get_scope
from handinhand.orgs.models import School
from handinhand.programme import services
from handinhand.programme.models import MemberRole, Membership
from handinhand.programme.tests.factories import PairingFactory


def fresh(user: User) -> User:
    """The user as the next request loads it: nothing memoised on the object."""
    return User.objects.get(pk=user.pk)


def scope_queries(user: User) -> int:
    with CaptureQueriesContext(connection) as queries:
        get_scope(user)
    return sum(
        1
        for q in queries
        if "programme_membership" in q["sql"] or "accounts_roleassignment" in q["sql"]
    )


def test_scope_is_cached_between_requests(cast: Any) -> None:
    get_scope(fresh(cast.instructor))
    # The next request reads the scope from the cache: no role or membership query.
    assert scope_queries(fresh(cast.instructor)) == 0
    assert get_scope(fresh(cast.instructor)) == get_scope(cast.instructor)


def test_membership_change_through_the_service_is_seen_at_once(cast: Any) -> None:
    before = get_scope(fresh(cast.outsider))
    assert not before.group_ids
    services.membership_create(
        actor=cast.province_admin,
        group=cast.groups["ncu"],
        user=cast.outsider,
        role=MemberRole.INSTRUCTOR,
        term_start=dt.date(2024, 3, 1),
    )
    after = get_scope(fresh(cast.outsider))
    assert cast.groups["ncu"].pk in after.group_ids
    assert cast.school_anyuan.pk in set(School.objects.in_scope(after).values_list("pk", flat=True))


def test_membership_ended_outside_the_services_is_seen_at_once(cast: Any) -> None:
    assert get_scope(fresh(cast.instructor)).group_ids
    membership = Membership.objects.get(pk=cast.membership.pk)
    membership.is_active = False
    membership.save()  # a save anywhere (admin, shell) bumps the version through the signal
    assert not get_scope(fresh(cast.instructor)).group_ids


def test_role_pairing_and_district_changes_bump_the_version(cast: Any) -> None:
    assert not get_scope(fresh(cast.outsider)).everything
    RoleAssignment.objects.create(user=cast.outsider, role=Role.PROVINCE_ADMIN)
    assert get_scope(fresh(cast.outsider)).everything

    # A new pairing widens every member's schools.
    assert cast.school_nanchang.pk not in School.objects.visible_to(fresh(cast.instructor))
    PairingFactory.create(batch=cast.batch, group=cast.groups["ncu"], region_id="360100")
    assert (
        School.objects.visible_to(fresh(cast.instructor))
        .filter(pk=cast.school_nanchang.pk)
        .exists()
    )


def test_district_schools_assigned_are_in_scope_at_once(cast: Any) -> None:
    extra = make_school("360313", "湘东区新划入学校")
    get_scope(fresh(cast.instructor))
    services.district_assign_schools(
        actor=cast.province_admin, district=cast.district, schools=[extra]
    )
    assert extra.pk in get_scope(fresh(cast.instructor)).school_ids


def test_scope_holds_the_counties_of_its_regions(cast: Any) -> None:
    scope = get_scope(fresh(cast.instructor))
    # Paired with 萍乡市: its five counties, and nothing of 南昌市.
    assert "360313" in scope.county_codes and "360302" in scope.county_codes
    assert not {c for c in scope.county_codes if c.startswith("3601")}
    assert get_scope(fresh(cast.county_user)).county_codes == frozenset({"360313"})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_instructor_school_list_query_uses_indexes_on_postgresql(cast: Any) -> None:
    """No Seq Scan on the school table for the instructor's list query: with sequential scans
    priced out, PostgreSQL still scans sequentially only when no index can serve the filter
    (the old `path LIKE … OR id IN …` through the join could not)."""
    qs = School.objects.visible_to(fresh(cast.instructor)).order_by("county_id", "pk")[:20]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = qs.explain()
    assert "Seq Scan on orgs_school" not in plan, plan
    assert "orgs_school" in plan


def test_schools_outside_the_counties_are_kept_apart(cast: Any) -> None:
    # The instructor's district school lies in 萍乡市: the filter is the county list alone.
    instructor = get_scope(fresh(cast.instructor))
    assert cast.school.pk in instructor.school_ids and not instructor.outside_school_ids
    # A school user has no region: their own school is the whole of their scope.
    school_user = fresh(cast.school_user)
    assert get_scope(school_user).outside_school_ids == frozenset({cast.school.pk})
    assert list(School.objects.visible_to(school_user)) == [cast.school]
