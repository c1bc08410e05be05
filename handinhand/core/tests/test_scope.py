"""The scope matrix at the query level: for each member of the cast, exactly what each model's
visible_to(user) returns. Pages and the API are built on these querysets."""

import datetime as dt

import pytest

from handinhand.accounts.models import Role, RoleAssignment
from handinhand.core.scope import get_scope, reset_scope
from handinhand.orgs.models import Region, School, University
from handinhand.programme.models import (
    Batch,
    District,
    GuidanceGroup,
    MemberRole,
    Membership,
    Pairing,
)


def names(qs):
    return {str(o) for o in qs}


@pytest.mark.parametrize(
    ("who", "schools"),
    [
        (
            "province_admin",
            {"school", "school_anyuan", "school_xinyu", "school_yingtan", "school_nanchang"},
        ),
        ("instructor", {"school", "school_anyuan"}),
        ("leader", {"school", "school_anyuan"}),
        ("instructor_ecjtu", {"school_xinyu"}),
        ("instructor_jxufe", {"school_yingtan"}),
        ("city_user", {"school", "school_anyuan"}),
        ("county_user", {"school"}),
        ("school_user", {"school"}),
        ("outsider", {"school_nanchang"}),
        ("system_admin", set()),
        ("security_admin", set()),
        ("audit_admin", set()),
    ],
)
def test_schools_per_cast_member(cast, who, schools):
    expected = {getattr(cast, name).pk for name in schools}
    assert (
        set(School.objects.visible_to(getattr(cast, who)).values_list("pk", flat=True)) == expected
    )


@pytest.mark.parametrize(
    ("who", "groups"),
    [
        ("province_admin", {"ncu", "ecjtu", "jxufe"}),
        ("instructor", {"ncu"}),
        ("instructor_ecjtu", {"ecjtu"}),
        ("city_user", {"ncu"}),  # paired with 萍乡市
        ("county_user", {"ncu"}),  # paired with the city above 湘东区
        ("school_user", {"ncu"}),
        ("outsider", set()),
        ("audit_admin", set()),
    ],
)
def test_groups_per_cast_member(cast, who, groups):
    expected = {cast.groups[slug].pk for slug in groups}
    user = getattr(cast, who)
    assert set(GuidanceGroup.objects.visible_to(user).values_list("pk", flat=True)) == expected
    assert set(Pairing.objects.visible_to(user).values_list("group_id", flat=True)) == expected
    assert set(University.objects.visible_to(user).values_list("pk", flat=True)) == {
        cast.groups[slug].lead_university_id for slug in groups
    }


def test_regions_subtree_and_ancestors(cast):
    county = {r.code for r in Region.objects.visible_to(cast.county_user)}
    assert county == {"360000", "360300", "360313"}
    city = {r.code for r in Region.objects.visible_to(cast.city_user)}
    assert city == {"360000", "360300", "360302", "360313", "360321", "360322", "360323"}
    assert Region.objects.visible_to(cast.province_admin).count() == 112
    assert not Region.objects.visible_to(cast.audit_admin).exists()
    school = {r.code for r in Region.objects.visible_to(cast.school_user)}
    assert school == {"360000", "360300", "360313"}


def test_districts_and_memberships(cast):
    assert names(District.objects.visible_to(cast.instructor)) == {str(cast.district)}
    assert not District.objects.visible_to(cast.instructor_ecjtu).exists()
    assert not District.objects.visible_to(cast.outsider).exists()
    ncu_members = set(Membership.objects.filter(group=cast.groups["ncu"]))
    assert set(Membership.objects.visible_to(cast.city_user)) == ncu_members
    assert Batch.objects.visible_to(cast.school_user).count() == 1
    assert not Batch.objects.visible_to(cast.system_admin).exists()


def test_scope_is_the_union_of_roles(cast):
    # A county bureau official who is also an instructor of the 华东交大 group sees both.
    user = cast.county_user
    Membership.objects.create(
        group=cast.groups["ecjtu"],
        user=user,
        role=MemberRole.INSTRUCTOR,
        term_start=dt.date(2025, 1, 1),
    )
    reset_scope(user)
    visible = set(School.objects.visible_to(user))
    assert visible == {cast.school, cast.school_xinyu}


def test_ended_membership_and_revoked_role_lose_scope(cast):
    cast.membership.is_active = False
    cast.membership.term_end = dt.date(2025, 6, 30)
    cast.membership.save()
    reset_scope(cast.instructor)
    assert not School.objects.visible_to(cast.instructor).exists()
    RoleAssignment.objects.filter(user=cast.city_user).update(is_active=False)
    reset_scope(cast.city_user)
    assert not get_scope(cast.city_user).is_business


def test_inactive_user_sees_nothing(cast):
    cast.province_admin.is_active = False
    reset_scope(cast.province_admin)
    assert not School.objects.visible_to(cast.province_admin).exists()


def test_separated_admins_are_not_business_users(cast):
    for who in ("system_admin", "security_admin", "audit_admin"):
        scope = get_scope(getattr(cast, who))
        assert not scope.is_business and not scope.everything
    assert get_scope(cast.system_admin).can_manage_users
    assert not get_scope(cast.system_admin).can_manage_roles
    assert get_scope(cast.security_admin).can_manage_roles
    assert not get_scope(cast.security_admin).can_read_audit
    assert get_scope(cast.audit_admin).can_read_audit
    assert RoleAssignment.objects.filter(role=Role.AUDIT_ADMIN).count() == 1


def test_a_term_that_ended_or_has_not_begun_gives_no_scope(cast):
    """is_active alone is not enough: the term's dates decide whether it is in force today."""
    cast.membership.term_end = dt.date(2024, 12, 31)
    cast.membership.save()
    reset_scope(cast.instructor)
    assert not School.objects.visible_to(cast.instructor).exists()
    cast.membership.term_start = dt.date(2099, 1, 1)
    cast.membership.term_end = None
    cast.membership.save()
    reset_scope(cast.instructor)
    assert not School.objects.visible_to(cast.instructor).exists()
