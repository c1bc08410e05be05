"""The programme's write rules, called directly: each refusal writes nothing, each write leaves
its AuditEvent with the old and new values."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from handinhand.conftest import Cast, make_school, make_user
from handinhand.core.exceptions import ConflictError, PermissionDeniedError
from handinhand.core.models import AuditEvent
from handinhand.orgs.models import Region
from handinhand.programme import services
from handinhand.programme.models import (
    Batch,
    District,
    DistrictSchool,
    GroupLevel,
    GuidanceGroup,
    MemberRole,
    Membership,
    Pairing,
)

pytestmark = pytest.mark.django_db


def events(object_type: str, action: str | None = None) -> list[AuditEvent]:
    qs = AuditEvent.objects.filter(object_type=object_type)
    if action:
        qs = qs.filter(action=action)
    return list(qs.order_by("id"))


# --- batches --------------------------------------------------------------------------------


def test_batch_create_and_update_are_audited(cast: Cast) -> None:
    batch = services.batch_create(
        actor=cast.province_admin, number=2, name="第二批", start_year=2025
    )
    [created] = events("programme.batch", "create")
    assert created.object_id == str(batch.pk)
    assert created.changes["name"] == [None, "第二批"]
    assert created.changes["status"] == [None, "筹备中"]
    batch = services.batch_update(
        actor=cast.province_admin, batch=batch, data={"status": "active"}, expected_version=1
    )
    [updated] = events("programme.batch", "update")
    assert updated.changes == {"status": ["筹备中", "实施中"]}
    assert batch.version == 2
    with pytest.raises(ConflictError):
        services.batch_update(
            actor=cast.province_admin, batch=batch, data={"name": "改名"}, expected_version=1
        )
    batch.refresh_from_db()
    assert batch.name == "第二批"


def test_only_the_province_admin_writes_batches(cast: Cast) -> None:
    with pytest.raises(PermissionDeniedError):
        services.batch_create(actor=cast.city_user, number=2, name="第二批", start_year=2025)
    assert not Batch.objects.filter(number=2).exists()
    assert not events("programme.batch")


# --- guidance groups ------------------------------------------------------------------------


def test_city_bureau_creates_a_group_in_its_region_only(cast: Cast) -> None:
    group = services.group_create(
        actor=cast.city_user,
        name="萍乡市党建指导组",
        level=GroupLevel.CITY,
        region=Region.objects.get(pk="360300"),
        batch=cast.batch,
    )
    [event] = events("programme.guidancegroup", "create")
    assert event.actor == cast.city_user
    assert event.changes["region"] == [None, "萍乡市 (#360300)"]
    assert event.object_id == str(group.pk)
    with pytest.raises(PermissionDeniedError):
        services.group_create(
            actor=cast.city_user,
            name="新余市党建指导组",
            level=GroupLevel.CITY,
            region=Region.objects.get(pk="360500"),
            batch=cast.batch,
        )
    with pytest.raises(PermissionDeniedError):
        services.group_create(
            actor=cast.city_user,
            name="省级组",
            level=GroupLevel.PROVINCE,
            region=Region.objects.get(pk="360000"),
            batch=cast.batch,
            lead_university=cast.universities["ncu"],
        )
    assert GuidanceGroup.objects.count() == 4


def test_group_region_must_match_its_level(cast: Cast) -> None:
    with pytest.raises(ValidationError) as error:
        services.group_create(
            actor=cast.province_admin,
            name="错层级",
            level=GroupLevel.CITY,
            region=Region.objects.get(pk="360313"),
            batch=cast.batch,
        )
    assert "region" in error.value.message_dict
    assert not GuidanceGroup.objects.filter(name="错层级").exists()


def test_leader_renames_own_group_but_cannot_restructure_it(cast: Cast) -> None:
    ncu = cast.groups["ncu"]
    # Every field sent back unchanged, as a form does, is not a structural change.
    same = {
        "level": ncu.level,
        "region": ncu.region,
        "lead_university": ncu.lead_university,
        "batch": ncu.batch,
    }
    ncu = services.group_update(
        actor=cast.leader, group=ncu, data={"name": "南大指导组", **same}, expected_version=1
    )
    [event] = events("programme.guidancegroup", "update")
    assert event.changes == {"name": ["南昌大学党建指导组", "南大指导组"]}
    with pytest.raises(PermissionDeniedError):
        services.group_update(
            actor=cast.leader,
            group=ncu,
            data={"lead_university": cast.universities["jxufe"]},
            expected_version=2,
        )
    with pytest.raises(PermissionDeniedError):
        services.group_update(
            actor=cast.instructor, group=ncu, data={"note": "x"}, expected_version=2
        )
    ncu.refresh_from_db()
    assert ncu.lead_university == cast.universities["ncu"]
    assert ncu.note == ""


def test_bureau_cannot_move_its_group_out_of_its_region(cast: Cast) -> None:
    group = services.group_create(
        actor=cast.city_user,
        name="萍乡市党建指导组",
        level=GroupLevel.CITY,
        region=Region.objects.get(pk="360300"),
        batch=cast.batch,
    )
    with pytest.raises(PermissionDeniedError):
        services.group_update(
            actor=cast.city_user,
            group=group,
            data={"region": Region.objects.get(pk="360500")},
            expected_version=1,
        )
    group = services.group_update(
        actor=cast.city_user,
        group=group,
        data={"level": GroupLevel.COUNTY, "region": Region.objects.get(pk="360313")},
        expected_version=1,
    )
    assert group.region_id == "360313"
    # The county bureau now manages it, the outsider never did.
    assert services.can_manage_group(cast.county_user, group)
    assert not services.can_manage_group(cast.outsider, group)


def test_group_with_pairings_cannot_change_batch(cast: Cast) -> None:
    second = Batch.objects.create(number=2, name="第二批", start_year=2025)
    with pytest.raises(ValidationError) as error:
        services.group_update(
            actor=cast.province_admin,
            group=cast.groups["ncu"],
            data={"batch": second},
            expected_version=1,
        )
    assert "不能更换批次" in str(error.value)
    cast.groups["ncu"].refresh_from_db()
    assert cast.groups["ncu"].batch == cast.batch


# --- memberships ----------------------------------------------------------------------------


def test_one_active_leader_per_group(cast: Cast) -> None:
    newcomer = make_user("newcomer", "吴新人")
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.membership_create(
            actor=cast.province_admin,
            group=cast.groups["ncu"],
            user=newcomer,
            role=MemberRole.LEADER,
            term_start=dt.date(2025, 1, 1),
        )
    assert "该指导组已有在任组长" in str(error.value)
    assert not Membership.objects.filter(user=newcomer).exists()
    assert AuditEvent.objects.count() == before
    # Once the leader's term has ended, a new leader may be appointed.
    old = Membership.objects.get(user=cast.leader)
    services.membership_update(
        actor=cast.province_admin,
        membership=old,
        data={"term_end": dt.date(2024, 12, 31), "is_active": False},
        expected_version=1,
    )
    created = services.membership_create(
        actor=cast.province_admin,
        group=cast.groups["ncu"],
        user=newcomer,
        role=MemberRole.LEADER,
        term_start=dt.date(2025, 1, 1),
    )
    [event] = events("programme.membership", "create")
    assert event.object_id == str(created.pk)
    assert event.changes["role"] == [None, "组长"]
    assert event.changes["user"] == [None, f"吴新人 (#{newcomer.pk})"]


def test_term_end_before_start_is_refused(cast: Cast) -> None:
    person = make_user("person", "郑某")
    with pytest.raises(ValidationError) as error:
        services.membership_create(
            actor=cast.leader,
            group=cast.groups["ncu"],
            user=person,
            role=MemberRole.INSTRUCTOR,
            term_start=dt.date(2025, 3, 1),
            term_end=dt.date(2025, 2, 1),
        )
    assert "任期结束日期必须晚于开始日期" in str(error.value)
    assert not Membership.objects.filter(user=person).exists()
    with pytest.raises(ValidationError):
        services.membership_update(
            actor=cast.leader,
            membership=cast.membership,
            data={"term_end": dt.date(2024, 1, 1)},
            expected_version=1,
        )
    cast.membership.refresh_from_db()
    assert cast.membership.term_end is None
    assert not events("programme.membership")


def test_ending_a_membership_is_audited(cast: Cast) -> None:
    services.membership_update(
        actor=cast.leader,
        membership=cast.membership,
        data={"term_end": dt.date(2025, 6, 30), "is_active": False},
        expected_version=1,
    )
    [event] = events("programme.membership", "update")
    assert event.actor == cast.leader
    assert event.object_id == str(cast.membership.pk)
    assert event.changes == {"term_end": [None, "2025-06-30"], "is_active": [True, False]}


def test_membership_person_never_changes(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        services.membership_update(
            actor=cast.leader,
            membership=cast.membership,
            data={"user": cast.instructor_ecjtu},
            expected_version=1,
        )
    with pytest.raises(ValueError):
        services.membership_update(
            actor=cast.leader,
            membership=cast.membership,
            data={"group": cast.groups["ecjtu"]},
            expected_version=1,
        )


def test_instructor_cannot_add_members(cast: Cast) -> None:
    with pytest.raises(PermissionDeniedError):
        services.membership_create(
            actor=cast.instructor,
            group=cast.groups["ncu"],
            user=make_user("x", "某"),
            role=MemberRole.INSTRUCTOR,
            term_start=dt.date(2025, 1, 1),
        )


# --- pairings -------------------------------------------------------------------------------


def test_pairing_the_same_region_twice_in_a_batch_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as error:
        services.pairing_create(
            actor=cast.province_admin,
            batch=cast.batch,
            group=cast.groups["ecjtu"],
            region=Region.objects.get(pk="360300"),
            since=dt.date(2025, 1, 1),
        )
    assert "该地区在本批次已结对" in str(error.value)
    assert Pairing.objects.filter(region_id="360300").count() == 1
    assert not events("programme.pairing")


def test_pairing_a_county_of_a_paired_city_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as error:
        services.pairing_create(
            actor=cast.province_admin,
            batch=cast.batch,
            group=cast.groups["ecjtu"],
            region=Region.objects.get(pk="360313"),
            since=dt.date(2025, 1, 1),
        )
    assert "湘东区 与本批次已结对的「萍乡市」（南昌大学党建指导组）范围重叠" in error.value.messages
    assert not Pairing.objects.filter(region_id="360313").exists()


def test_pairing_create_is_audited_and_admin_only(cast: Cast) -> None:
    pairing = services.pairing_create(
        actor=cast.province_admin,
        batch=cast.batch,
        group=cast.groups["jxufe"],
        region=Region.objects.get(pk="360100"),
        since=dt.date(2025, 3, 1),
        note="扩展",
    )
    [event] = events("programme.pairing", "create")
    assert event.object_id == str(pairing.pk)
    assert event.changes["region"] == [None, "南昌市 (#360100)"]
    assert event.changes["since"] == [None, "2025-03-01"]
    with pytest.raises(PermissionDeniedError):
        services.pairing_create(
            actor=cast.leader,
            batch=cast.batch,
            group=cast.groups["ncu"],
            region=Region.objects.get(pk="360400"),
            since=dt.date(2025, 3, 1),
        )


def test_pairing_of_another_batch_group_is_refused(cast: Cast) -> None:
    second = Batch.objects.create(number=2, name="第二批", start_year=2025)
    with pytest.raises(ValidationError) as error:
        services.pairing_create(
            actor=cast.province_admin,
            batch=second,
            group=cast.groups["ncu"],
            region=Region.objects.get(pk="360100"),
            since=dt.date(2025, 3, 1),
        )
    assert "group" in error.value.message_dict


def test_pairing_delete(cast: Cast) -> None:
    ncu_pairing = Pairing.objects.get(group=cast.groups["ncu"])
    with pytest.raises(ValidationError):
        services.pairing_delete(actor=cast.province_admin, pairing=ncu_pairing)
    assert Pairing.objects.filter(pk=ncu_pairing.pk).exists()
    jxufe_pairing = Pairing.objects.get(group=cast.groups["jxufe"])
    pk = jxufe_pairing.pk
    services.pairing_delete(actor=cast.province_admin, pairing=jxufe_pairing)
    assert not Pairing.objects.filter(pk=pk).exists()
    [event] = events("programme.pairing", "delete")
    assert event.object_id == str(pk)
    assert event.changes["region"] == ["鹰潭市 (#360600)", None]
    assert event.changes["group"] == [f"江西财经大学党建指导组 (#{cast.groups['jxufe'].pk})", None]


# --- districts ------------------------------------------------------------------------------


def test_school_in_another_district_of_the_batch_is_refused_and_nothing_written(
    cast: Cast,
) -> None:
    other = services.district_create(actor=cast.leader, group=cast.groups["ncu"], name="安源片区")
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.district_assign_schools(
            actor=cast.leader, district=other, schools=[cast.school_anyuan, cast.school]
        )
    assert error.value.messages == ["湘东区第一小学 已划入片区「湘东片区」"]
    # The valid school of the same request was not written either.
    assert not DistrictSchool.objects.filter(district=other).exists()
    assert AuditEvent.objects.count() == before


def test_school_outside_the_groups_pairing_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as error:
        services.district_assign_schools(
            actor=cast.leader,
            district=cast.district,
            schools=[cast.school_xinyu, cast.school_anyuan],
        )
    assert error.value.messages == ["新余市渝水区第二小学 不在本指导组结对地区内"]
    assert list(cast.district.assignments.values_list("school_id", flat=True)) == [cast.school.pk]


def test_every_error_is_listed_at_once(cast: Cast) -> None:
    other = District.objects.create(group=cast.groups["ncu"], batch=cast.batch, name="其他片区")
    with pytest.raises(ValidationError) as error:
        services.district_assign_schools(
            actor=cast.leader, district=other, schools=[cast.school, cast.school_yingtan]
        )
    assert sorted(error.value.messages) == sorted(
        ["湘东区第一小学 已划入片区「湘东片区」", "鹰潭市月湖区第三小学 不在本指导组结对地区内"]
    )


def test_assign_and_remove_are_audited(cast: Cast) -> None:
    extra = make_school("360321", "莲花县城关小学")
    added = services.district_assign_schools(
        actor=cast.leader, district=cast.district, schools=[cast.school, cast.school_anyuan, extra]
    )
    assert added == 2  # 湘东区第一小学 was already there
    [event] = events("programme.district", "update")
    assert event.object_id == str(cast.district.pk)
    assert event.changes == {"schools_added": [None, ["安源区实验中学", "莲花县城关小学"]]}
    removed = services.district_remove_schools(
        actor=cast.leader, district=cast.district, schools=[extra, cast.school_xinyu]
    )
    assert removed == 1
    event = events("programme.district", "update")[-1]
    # Only what really left the district is recorded.
    assert event.changes == {"schools_removed": [["莲花县城关小学"], None]}
    with pytest.raises(PermissionDeniedError):
        services.district_remove_schools(
            actor=cast.instructor, district=cast.district, schools=[cast.school]
        )
    assert cast.district.assignments.count() == 2


def test_same_school_may_be_districted_again_in_another_batch(cast: Cast) -> None:
    second = Batch.objects.create(number=2, name="第二批", start_year=2025)
    group = GuidanceGroup.objects.create(
        name="第二批南大组",
        level=GroupLevel.PROVINCE,
        region_id="360000",
        batch=second,
        lead_university=cast.universities["ncu"],
    )
    Pairing.objects.create(batch=second, group=group, region_id="360300", since=dt.date(2025, 3, 1))
    district = services.district_create(actor=cast.province_admin, group=group, name="湘东片区")
    assert district.batch == second
    assert (
        services.district_assign_schools(
            actor=cast.province_admin, district=district, schools=[cast.school]
        )
        == 1
    )


def test_district_instructors_must_be_active_members_of_the_group(cast: Cast) -> None:
    ecjtu_member = Membership.objects.get(user=cast.instructor_ecjtu)
    with pytest.raises(ValidationError) as error:
        services.district_create(
            actor=cast.leader,
            group=cast.groups["ncu"],
            name="莲花片区",
            instructors=[cast.membership, ecjtu_member],
        )
    assert "赵指导" in str(error.value)
    # The district itself was rolled back with its audit row.
    assert not District.objects.filter(name="莲花片区").exists()
    assert not events("programme.district")


def test_district_update_records_instructor_changes(cast: Cast) -> None:
    leader_membership = Membership.objects.get(user=cast.leader)
    district = services.district_update(
        actor=cast.leader,
        district=cast.district,
        data={"name": "湘东片区", "note": "重点片区"},
        expected_version=1,
        instructors=[cast.membership, leader_membership],
    )
    assert district.note == "重点片区"
    changes = [e.changes for e in events("programme.district", "update")]
    assert changes == [
        {"note": ["", "重点片区"]},
        {"instructors": [["李指导"], ["李指导", "王组长"]]},
    ]
    with pytest.raises(ConflictError):
        services.district_update(
            actor=cast.leader, district=cast.district, data={"note": "过期"}, expected_version=1
        )


def test_changing_only_the_instructors_bumps_the_version(cast):
    """Two leaders editing a district's instructors from the same form: the second conflicts."""
    from handinhand.core.exceptions import ConflictError
    from handinhand.programme import services

    district = cast.district
    leader_membership = Membership.objects.get(user=cast.leader)
    services.district_update(
        actor=cast.leader,
        district=district,
        data={},
        expected_version=1,
        instructors=[leader_membership],
    )
    district.refresh_from_db()
    assert district.version == 2
    with pytest.raises(ConflictError):
        services.district_update(
            actor=cast.province_admin,
            district=district,
            data={},
            expected_version=1,
            instructors=[cast.membership],
        )
    assert list(district.instructors.all()) == [leader_membership]
